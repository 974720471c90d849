package lookup

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	mocknet "github.com/libp2p/go-libp2p/p2p/net/mock"
	mh "github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/frame"
)

type mapIndex map[cid.Cid][]cid.Cid

func (m mapIndex) Referrers(_ context.Context, c cid.Cid) ([]cid.Cid, error) { return m[c], nil }

func testCID(t testing.TB, s string) cid.Cid {
	t.Helper()
	c, err := cid.Prefix{Version: 1, Codec: cid.DagCBOR, MhType: mh.SHA2_256, MhLength: -1}.Sum([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func twoHosts(t *testing.T) (host.Host, host.Host) {
	t.Helper()
	mn, err := mocknet.FullMeshConnected(2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mn.Close() })
	hs := mn.Hosts()
	return hs[0], hs[1]
}

func TestReferrersRoundTrip(t *testing.T) {
	server, client := twoHosts(t)
	pkg, m1, m2, s1, s2, s3 := testCID(t, "pkg"), testCID(t, "m1"), testCID(t, "m2"), testCID(t, "s1"), testCID(t, "s2"), testCID(t, "s3")
	deeper := testCID(t, "not asked for")
	ServeReferrers(context.Background(), server, mapIndex{pkg: {m1, m2}, m1: {s1, s2}, m2: {s3}, s1: {deeper}})

	refs, err := AskReferrers(context.Background(), client, server.ID(), pkg)
	if err != nil {
		t.Fatal(err)
	}
	want := []Ref{{pkg, m1}, {pkg, m2}, {m1, s1}, {m1, s2}, {m2, s3}}
	if fmt.Sprint(refs) != fmt.Sprint(want) {
		t.Fatalf("refs %v\nwant %v", refs, want)
	}
	// Nothing known: an empty answer, not an error.
	refs, err = AskReferrers(context.Background(), client, server.ID(), testCID(t, "unknown"))
	if err != nil || len(refs) != 0 {
		t.Fatalf("unknown subject: %v, %v", refs, err)
	}
}

func TestReferrersBounded(t *testing.T) {
	server, client := twoHosts(t)
	pkg := testCID(t, "pkg")
	many := make([]cid.Cid, MaxReferrers+10)
	for i := range many {
		many[i] = testCID(t, fmt.Sprint(i))
	}
	ServeReferrers(context.Background(), server, mapIndex{pkg: many})
	refs, err := AskReferrers(context.Background(), client, server.ID(), pkg)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) != MaxReferrers {
		t.Fatalf("%d refs, want the limit %d", len(refs), MaxReferrers)
	}
}

// A peer that answers garbage, an oversized frame or nothing at all makes
// AskReferrers fail with an error, never hang or panic.
func TestReferrersBadPeers(t *testing.T) {
	for name, answer := range map[string]func(s network.Stream){
		"garbage":   func(s network.Stream) { frame.Write(s, []byte{0xff, 0x00, 0x13}) },
		"oversized": func(s network.Stream) { frame.Write(s, bytes.Repeat([]byte{0}, MaxResponseSize+1)) },
		"no refs":   func(s network.Stream) { data, _ := encodeRefs(nil); frame.Write(s, data[:len(data)-1]) },
		"silence":   func(s network.Stream) {},
		"reset":     func(s network.Stream) { s.Reset() },
		"not links": func(s network.Stream) {
			frame.Write(s, []byte{0xa1, 0x64, 'r', 'e', 'f', 's', 0x81, 0x82, 0x01, 0x02}) // {"refs": [[1, 2]]}
		},
	} {
		t.Run(name, func(t *testing.T) {
			server, client := twoHosts(t)
			server.SetStreamHandler(ReferrersID, func(s network.Stream) {
				frame.Read(bufio.NewReader(s), maxRequestSize)
				answer(s)
				s.Close()
			})
			_, err := AskReferrers(context.Background(), client, server.ID(), testCID(t, "x"))
			if err == nil {
				t.Fatal("a bad answer was accepted")
			}
		})
	}
}

func TestServerRefusesBadRequests(t *testing.T) {
	server, client := twoHosts(t)
	ServeReferrers(context.Background(), server, mapIndex{})
	for name, req := range map[string][]byte{
		"not a cid":   {3, 'a', 'b', 'c'},
		"too long":    append([]byte{0x80, 0x02}, bytes.Repeat([]byte{1}, 256)...),
		"cid + extra": append(append([]byte{byte(len(testCID(t, "x").Bytes()) + 1)}, testCID(t, "x").Bytes()...), 0),
	} {
		t.Run(name, func(t *testing.T) {
			s, err := client.NewStream(context.Background(), server.ID(), ReferrersID)
			if err != nil {
				t.Fatal(err)
			}
			s.Write(req)
			s.CloseWrite()
			var buf bytes.Buffer
			_, err = buf.ReadFrom(s)
			if err == nil && buf.Len() > 0 {
				t.Fatalf("server answered a bad request: %x", buf.Bytes())
			}
			if err != nil && !strings.Contains(err.Error(), "reset") {
				t.Logf("read: %v", err)
			}
		})
	}
}

// TestAnswersBounded: an asker refuses an answer over the protocol's limits,
// whatever a lying peer sends: more referrers than MaxReferrers, more
// candidates than MaxCandidates, a frame longer than MaxResponseSize (refused
// from its length, before its bytes are read).
func TestAnswersBounded(t *testing.T) {
	refs := func(n int) []byte {
		rs := make([]Ref, n)
		for i := range rs {
			rs[i] = Ref{Subject: testCID(t, "pkg"), Referrer: testCID(t, fmt.Sprint(i))}
		}
		data, err := encodeRefs(rs)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	tooMany, tooManyNames := refs(MaxReferrers+1), refs(MaxCandidates+1)
	ref, err := dag.ParseRef("acme/app@1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	askRefs := func(client host.Host, p peer.ID) error {
		_, err := AskReferrers(context.Background(), client, p, testCID(t, "pkg"))
		return err
	}
	askName := func(client host.Host, p peer.ID) error {
		_, err := AskName(context.Background(), client, p, ref)
		return err
	}
	for _, tc := range []struct {
		name   string
		proto  protocol.ID
		answer func(s network.Stream)
		ask    func(host.Host, peer.ID) error
		want   error
	}{
		{"referrers over MaxReferrers", ReferrersID, func(s network.Stream) { frame.Write(s, tooMany) }, askRefs, errBadResponse},
		{"names over MaxCandidates", NamesID, func(s network.Stream) { frame.Write(s, tooManyNames) }, askName, errBadResponse},
		{"a frame over MaxResponseSize", ReferrersID, func(s network.Stream) {
			s.Write(binary.AppendUvarint(nil, MaxResponseSize+1))
			s.Write(tooMany)
		}, askRefs, frame.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			server, client := twoHosts(t)
			server.SetStreamHandler(tc.proto, func(s network.Stream) {
				frame.Read(bufio.NewReader(s), maxRequestSize)
				tc.answer(s)
				s.Close()
			})
			if err := tc.ask(client, server.ID()); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}
