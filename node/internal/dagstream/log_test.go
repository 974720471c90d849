package dagstream

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	bstore "github.com/ipfs/boxo/blockstore"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/cairnpkg/cairn/node/internal/frame"
)

const testSigner = "did:key:z6MkTestSigner"

// fakeLog is a LogIndex over blocks stored as entries 1..n of testSigner's
// log; the block of entry seq holds size bytes.
type fakeLog struct {
	bs      bstore.Blockstore
	entries map[uint64]blocks.Block
}

func newFakeLog(t *testing.T, n, size int) *fakeLog {
	t.Helper()
	l := &fakeLog{bs: newStore(), entries: map[uint64]blocks.Block{}}
	for seq := 1; seq <= n; seq++ {
		data := make([]byte, size)
		copy(data, fmt.Sprintf("entry %d", seq))
		b := rawBlock(t, data)
		if err := l.bs.Put(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		l.entries[uint64(seq)] = b
	}
	return l
}

func (l *fakeLog) LogEntry(_ context.Context, signer string, seq uint64) (cid.Cid, error) {
	if b, ok := l.entries[seq]; ok && signer == testSigner {
		return b.Cid(), nil
	}
	return cid.Undef, errors.New("no such entry")
}

// fetchLog runs FetchLog and returns the seqs of the entries put, in order.
func fetchLog(t *testing.T, cli host.Host, srv host.Host, l *fakeLog, from, count uint64) ([]uint64, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seqOf := map[cid.Cid]uint64{}
	for seq, b := range l.entries {
		seqOf[b.Cid()] = seq
	}
	var got []uint64
	err := FetchLog(ctx, cli, srv.ID(), testSigner, from, count, func(c cid.Cid, data []byte) {
		seq, ok := seqOf[c]
		if !ok || string(data) != string(l.entries[seq].RawData()) {
			t.Fatalf("put %s, which is no entry of the log", c)
		}
		got = append(got, seq)
	})
	return got, err
}

func TestLogRoundTrip(t *testing.T) {
	l := newFakeLog(t, 10, 300)
	srv, cli := hosts(t)
	ServeLog(context.Background(), srv, l, l.bs, nil)
	for _, tc := range []struct {
		from, count uint64
		want        []uint64
	}{
		{10, 4, []uint64{10, 9, 8, 7}},
		{3, 10, []uint64{3, 2, 1}}, // the log starts at 1: the answer ends there
		{1, 1, []uint64{1}},
	} {
		got, err := fetchLog(t, cli, srv, l, tc.from, tc.count)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("from %d, %d entries: got %v, %v; want %v", tc.from, tc.count, got, err, tc.want)
		}
	}
}

// TestLogMissingEntry: the answer ends, normally, at the first entry the
// server lacks.
func TestLogMissingEntry(t *testing.T) {
	l := newFakeLog(t, 10, 300)
	delete(l.entries, 8)
	srv, cli := hosts(t)
	ServeLog(context.Background(), srv, l, l.bs, nil)
	got, err := fetchLog(t, cli, srv, l, 10, 5)
	if err != nil || fmt.Sprint(got) != "[10 9]" {
		t.Fatalf("got %v, %v; want [10 9], the entries before the gap", got, err)
	}
}

// TestLogByteLimit: a server stops before MaxLogBytes of entries, with the
// end frame; the asker takes what came.
func TestLogByteLimit(t *testing.T) {
	l := newFakeLog(t, 20, 1<<20)
	srv, cli := hosts(t)
	ServeLog(context.Background(), srv, l, l.bs, nil)
	got, err := fetchLog(t, cli, srv, l, 20, 20)
	if err != nil || len(got) != MaxLogBytes>>20 || got[0] != 20 {
		t.Fatalf("got %v, %v; want the 16 newest entries", got, err)
	}
}

// TestLogRequestLimits: a request that breaks a rule gets a reset, and no
// entry.
func TestLogRequestLimits(t *testing.T) {
	l := newFakeLog(t, 3, 100)
	for _, tc := range []struct {
		name string
		req  []byte
	}{
		{"count 0", mustLogRequest(t, map[string]any{"signer": testSigner, "from": 3, "count": 0})},
		{"count over the limit", mustLogRequest(t, map[string]any{"signer": testSigner, "from": 3, "count": MaxLogEntries + 1})},
		{"from 0", mustLogRequest(t, map[string]any{"signer": testSigner, "from": 0, "count": 1})},
		{"no signer", mustLogRequest(t, map[string]any{"from": 3, "count": 1})},
		{"not a map", []byte{0x80}},
		{"not DAG-CBOR", []byte("{}")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, _, err := decodeLogRequest(tc.req); !errors.Is(err, ErrUnexpected) {
				t.Fatalf("decode: %v, want ErrUnexpected", err)
			}
			srv, cli := hosts(t)
			ServeLog(context.Background(), srv, l, l.bs, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := cli.NewStream(ctx, srv.ID(), LogID)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := frame.Write(s, tc.req); err != nil {
				t.Fatal(err)
			}
			s.CloseWrite()
			if b, err := io.ReadAll(s); err == nil || len(b) != 0 {
				t.Fatalf("answer %x, %v; want a reset and nothing", b, err)
			}
		})
	}
	if _, err := encodeLogRequest(testSigner, 3, MaxLogEntries+1); err == nil {
		t.Error("encodeLogRequest accepted a count over the limit")
	}
}

// mustLogRequest encodes fields as a DAG-CBOR map (keys in canonical
// order), whatever they say.
func mustLogRequest(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	b := []byte{0xa0 + byte(len(fields))}
	for _, k := range []string{"from", "count", "signer"} {
		v, ok := fields[k]
		if !ok {
			continue
		}
		b = append(b, 0x60+byte(len(k)))
		b = append(b, k...)
		switch v := v.(type) {
		case int:
			b = appendCBORUint(b, uint64(v))
		case string:
			b = append(b, 0x78, byte(len(v)))
			b = append(b, v...)
		}
	}
	return b
}

// appendCBORUint appends n as a CBOR unsigned integer, shortest form.
func appendCBORUint(b []byte, n uint64) []byte {
	switch {
	case n < 24:
		return append(b, byte(n))
	case n < 256:
		return append(b, 0x18, byte(n))
	default:
		return append(b, 0x19, byte(n>>8), byte(n))
	}
}

// lieLog serves, on srv, the raw frames that frames returns for each log
// request.
func lieLog(srv host.Host, frames func(w io.Writer)) {
	srv.SetStreamHandler(LogID, func(s network.Stream) {
		defer s.Close()
		if _, err := readFrame(bufio.NewReader(s), maxLogRequestSize); err != nil {
			s.Reset()
			return
		}
		frames(s)
	})
}

func TestLogLyingServer(t *testing.T) {
	l := newFakeLog(t, 5, 200)
	e := func(seq uint64) blocks.Block { return l.entries[seq] }
	for _, tc := range []struct {
		name string
		send []blocks.Block
		puts int
	}{
		{"data does not match", []blocks.Block{e(5), mustBlock(t, []byte("forged"), e(4).Cid())}, 1},
		{"more than asked", []blocks.Block{e(5), e(4), e(3), e(2)}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, cli := hosts(t)
			lieLog(srv, func(w io.Writer) {
				bw := bufio.NewWriter(w)
				for _, b := range tc.send {
					writeBlock(bw, b.Cid(), b.RawData())
				}
				frame.Write(bw, nil)
				bw.Flush()
			})
			got, err := fetchLog(t, cli, srv, l, 5, 3)
			if !errors.Is(err, ErrUnexpected) || len(got) != tc.puts {
				t.Fatalf("got %v, %v; want %d entries and ErrUnexpected", got, err, tc.puts)
			}
		})
	}
}

// TestLogRangeNotSupported: LogRange says ErrNotSupported for a peer
// without the protocol, whether identify has told the host the peer's
// protocols or not (then the stream's negotiation fails), and gets the run
// from a peer that speaks it before identify has said so.
func TestLogRangeNotSupported(t *testing.T) {
	ctx := context.Background()
	for _, known := range [][]protocol.ID{nil, {"/other/1.0.0"}} {
		srv, cli := hosts(t)
		if err := cli.Peerstore().SetProtocols(srv.ID(), known...); err != nil {
			t.Fatal(err)
		}
		if _, err := LogRange(ctx, cli, srv.ID(), testSigner, 3, 3); !errors.Is(err, ErrNotSupported) {
			t.Errorf("peer protocols %v, no handler: %v, want ErrNotSupported", known, err)
		}
	}
	l := newFakeLog(t, 3, 100)
	srv, cli := hosts(t)
	ServeLog(ctx, srv, l, l.bs, nil)
	if err := cli.Peerstore().SetProtocols(srv.ID()); err != nil { // identify has not run
		t.Fatal(err)
	}
	if got, err := LogRange(ctx, cli, srv.ID(), testSigner, 3, 3); err != nil || len(got) != 3 {
		t.Errorf("LogRange before identify: %d entries, %v; want 3", len(got), err)
	}
}

// TestLogRequestBytes pins the request's bytes, as docs/protocols.md §7
// shows them.
func TestLogRequestBytes(t *testing.T) {
	const want = "a3" + "6466726f6d" + "19012c" + "65636f756e74" + "191000" + "667369676e6572" +
		"7838" + "6469643a6b65793a7a364d6b6b574a4d5646726237537047625a44534b5059784b6655756559636e695662386b4674786844514a43437a4b"
	b, err := encodeLogRequest("did:key:z6MkkWJMVFrb7SpGbZDSKPYxKfUueYcniVb8kFtxhDQJCCzK", 300, 4096)
	if err != nil || hex.EncodeToString(b) != want {
		t.Fatalf("request = %x, %v; want %s", b, err, want)
	}
	signer, from, count, err := decodeLogRequest(b)
	if err != nil || signer != "did:key:z6MkkWJMVFrb7SpGbZDSKPYxKfUueYcniVb8kFtxhDQJCCzK" || from != 300 || count != 4096 {
		t.Fatalf("decoded %q, %d, %d, %v", signer, from, count, err)
	}
}
