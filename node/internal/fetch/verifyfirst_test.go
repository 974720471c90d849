package fetch_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/boxo/ipld/merkledag"
	"github.com/ipfs/boxo/ipld/unixfs"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	format "github.com/ipfs/go-ipld-format"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node/internal/dagstream"
	"github.com/cairnpkg/cairn/node/internal/fetch"
	"github.com/cairnpkg/cairn/node/internal/heads"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// craft publishes, signed by key into key's source store and served by the
// fake peers, a package named target whose one layer is content with the
// declared size: what a lying (or compromised) publisher can sign.
func (fx *fixture) craft(key *sign.Key, target string, content cid.Cid, size uint64) pkgInfo {
	t := fx.t
	t.Helper()
	ctx := context.Background()
	ref, err := dag.ParseRef(target)
	if err != nil {
		t.Fatal(err)
	}
	src := fx.sources[key.DID()]
	p := &dag.Package{Name: ref.Name, Version: ref.Version, Layers: []dag.Layer{{
		Name: "app", MediaType: dag.DirectoryMediaType, Size: size, Content: content,
	}}}
	pdata, pc := dagtest.MustEncode(t, p)
	m := &dag.MetadataSet{Subject: pc, Kind: dag.KindBuild, Created: dagtest.Time()}
	mdata, mc := dagtest.MustEncode(t, m)
	sig, err := sign.Sign(key, mc, dag.RolePublisher, dagtest.Time())
	if err != nil {
		t.Fatal(err)
	}
	sdata, sc := dagtest.MustEncode(t, sig)
	tx, err := src.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Abort(ctx)
	for c, data := range map[cid.Cid][]byte{pc: pdata, mc: mdata, sc: sdata} {
		if err := tx.PutNode(ctx, c, data); err != nil {
			t.Fatal(err)
		}
	}
	app, err := logs.Append(ctx, src, tx, key, ref, pc, []cid.Cid{mc}, []cid.Cid{sc}, dagtest.Time())
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	info := pkgInfo{CID: pc, Ref: ref, Meta: mc, Sig: sc, Content: []cid.Cid{content}}
	fx.serve(info.CID, pdata, nil)
	fx.serve(mc, mdata, &pc)
	fx.serve(sc, sdata, &mc)
	for seq := uint64(1); seq <= app.Entry.Seq; seq++ {
		c, err := src.LogEntry(ctx, key.DID(), seq)
		if err != nil {
			t.Fatal(err)
		}
		data, err := src.Block(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		fx.serve(c, data, nil)
		info.Log = append(info.Log, c)
	}
	info.DAG, info.Blocks = []cid.Cid{pc}, []cid.Cid{pc, mc, sc}
	return info
}

// serve gives the fake peers a block, as a referrer of subject if given.
func (fx *fixture) serve(c cid.Cid, data []byte, subject *cid.Cid) {
	fx.t.Helper()
	b, err := blockOf(c, data)
	if err != nil {
		fx.t.Fatal(err)
	}
	fx.net.mu.Lock()
	defer fx.net.mu.Unlock()
	fx.net.blocks[c] = b
	if subject != nil {
		fx.net.refs[*subject] = append(fx.net.refs[*subject], c)
	}
}

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), 7})
	r.Read(b)
	return b
}

// TestContentOverBudget: a trusted package whose content is larger than its
// layers declare is cut off within the declared size plus the allowance,
// over either transport, and nothing of it is kept.
func TestContentOverBudget(t *testing.T) {
	for _, tr := range []fetch.Transport{fetch.TransportStream, fetch.TransportBitswap} {
		t.Run(string(tr), func(t *testing.T) {
			fx := newFixture(t)
			fx.net.addPeer(t, true)
			// 3 MiB of content, in other blocks than the declared 1 KiB's worth.
			big := fx.publishFiles(fx.key, "acme/big@1.0.0", map[string][]byte{"big.bin": randomBytes(3<<20, 1)})
			bomb := fx.craft(fx.key, "acme/bomb@1.0.0", big.Content[0], 1024)
			before := fx.stat()
			res, err := fx.f.Package(context.Background(), bomb.CID, nil, time.Minute, fetch.WithTransport(tr))
			if !errors.Is(err, fetch.ErrOverBudget) {
				t.Fatalf("Package = %+v, %v; want ErrOverBudget", res, err)
			}
			if after := fx.stat(); after != before {
				t.Errorf("the store changed: %+v, was %+v", after, before)
			}
			// Cut off early: at most the declared size, the slack and one
			// block's worth (2 MiB) over, not the 3 MiB of the DAG.
			var got int
			for _, c := range fx.net.exchangedBlocks() {
				if b, ok := fx.net.block(c); ok && slices.ContainsFunc(big.Below, c.Equals) {
					got += len(b.RawData())
				}
			}
			if got > 1024+fetch.BudgetSlack+(1<<20) {
				t.Errorf("%d content bytes came over bitswap before the cut", got)
			}
		})
	}
}

// TestContentTooDeep: a trusted package whose content is a chain of nodes
// deeper than dagstream.MaxDepth (small enough for the budget) is refused
// over bitswap, level by level, and nothing of it is kept. (Over the stream,
// dagstream's own walk refuses it: dagstream.TestTooDeep.)
func TestContentTooDeep(t *testing.T) {
	fx := newFixture(t)
	fx.net.addPeer(t, true)
	fx.publish(fx.key, "acme/app@1.0.0") // the key's log and store, which craft appends to
	leaf := []byte("bottom")
	top, err := cid.V1Builder{Codec: cid.Raw, MhType: multihash.SHA2_256}.Sum(leaf)
	if err != nil {
		t.Fatal(err)
	}
	fx.serve(top, leaf, nil)
	for range dagstream.MaxDepth + 1 { // the leaf is MaxDepth+1 levels below the root
		n := merkledag.NodeWithData(unixfs.FilePBData(nil, uint64(len(leaf))))
		if err := n.AddRawLink("", &format.Link{Cid: top, Size: uint64(len(leaf))}); err != nil {
			t.Fatal(err)
		}
		n.SetCidBuilder(cid.V1Builder{Codec: cid.DagProtobuf, MhType: multihash.SHA2_256})
		fx.serve(n.Cid(), n.RawData(), nil)
		top = n.Cid()
	}
	deep := fx.craft(fx.key, "acme/deep@1.0.0", top, uint64(len(leaf)))
	before := fx.stat()
	res, err := fx.f.Package(context.Background(), deep.CID, nil, time.Minute, fetch.WithTransport(fetch.TransportBitswap))
	if !errors.Is(err, dagstream.ErrTooDeep) {
		t.Fatalf("Package = %+v, %v; want dagstream.ErrTooDeep", res, err)
	}
	if after := fx.stat(); after != before {
		t.Errorf("the store changed: %+v, was %+v", after, before)
	}
}

// TestUntrustedFetchesNoContent: a package its verdict refuses never has its
// content asked for.
func TestUntrustedFetchesNoContent(t *testing.T) {
	fx := newFixture(t)
	fx.net.addPeer(t, true)
	info := fx.publish(fx.stranger, "acme/app@1.0.0")
	_, err := fx.f.Package(context.Background(), info.CID, nil, time.Minute)
	if !errors.Is(err, trust.ErrUntrusted) {
		t.Fatalf("err = %v, want ErrUntrusted", err)
	}
	if calls := fx.net.streamCalls(); len(calls) != 0 {
		t.Errorf("content streamed for an untrusted package: %v", calls)
	}
	if slices.ContainsFunc(fx.net.exchangedBlocks(), func(c cid.Cid) bool { return slices.ContainsFunc(info.Below, c.Equals) }) {
		t.Error("content fetched over bitswap for an untrusted package")
	}
}

// TestUnvouchedMetadataIsNeitherFetchedNorKept: metadata sets that no
// signature by a key of the policy vouches for (unsigned, or signed by a
// stranger) are counted, not fetched, not kept.
func TestUnvouchedMetadataIsNeitherFetchedNorKept(t *testing.T) {
	fx := newFixture(t)
	fx.net.addPeer(t, true)
	info := fx.publish(fx.key, "acme/app@1.0.0")
	var junk []cid.Cid
	for i := range 200 {
		m := &dag.MetadataSet{Subject: info.CID, Kind: dag.KindReview, Created: dagtest.Time().Add(time.Duration(i) * time.Second)}
		data, c := dagtest.MustEncode(t, m)
		fx.serve(c, data, &info.CID)
		junk = append(junk, c)
		if i%2 == 1 { // half signed by a key the policy does not name
			s, err := sign.Sign(fx.stranger, c, dag.RoleAuditor, dagtest.Time())
			if err != nil {
				t.Fatal(err)
			}
			sdata, sc := dagtest.MustEncode(t, s)
			fx.serve(sc, sdata, &c)
		}
	}
	res, err := fx.f.Package(context.Background(), info.CID, nil, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if res.DroppedMetadata != int64(len(junk)) {
		t.Errorf("DroppedMetadata = %d, want %d", res.DroppedMetadata, len(junk))
	}
	for _, c := range junk {
		if ok, _ := fx.dst.Has(context.Background(), c); ok {
			t.Fatalf("unvouched metadata set %s kept", c)
		}
		if slices.ContainsFunc(fx.net.exchangedBlocks(), c.Equals) {
			t.Fatalf("unvouched metadata set %s fetched", c)
		}
	}
	fx.checkKept(info)
}

// TestSignerLogRequired: peers that cannot bring the signer's log make the
// package not-logged, hence untrusted; nothing is kept.
func TestSignerLogRequired(t *testing.T) {
	fx := newFixture(t)
	fx.net.addPeer(t, true)
	info := fx.publish(fx.key, "acme/app@1.0.0")
	fx.net.mu.Lock()
	fx.net.logs = nil // peers hold the package, not the log
	fx.net.mu.Unlock()
	before := fx.stat()
	res, err := fx.f.Package(context.Background(), info.CID, nil, time.Minute)
	if !errors.Is(err, trust.ErrUntrusted) || res == nil || res.Report.Code != sign.CodeNotLogged {
		t.Fatalf("Package = %+v, %v; want untrusted, not-logged", res, err)
	}
	if want := "no connected peer holds " + fx.key.DID() + "'s log"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if after := fx.stat(); after != before {
		t.Errorf("the store changed: %+v, was %+v", after, before)
	}
	if _, err := fx.dst.LogHead(context.Background(), fx.key.DID()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a log head was kept: %v", err)
	}
}

// TestSignerLogInRuns: the signer's log is caught up in runs over
// /cairn/log/1.0.0 when the peer speaks it, one entry at a time when not;
// either way the package is trusted.
func TestSignerLogInRuns(t *testing.T) {
	for _, runs := range []bool{true, false} {
		t.Run(fmt.Sprintf("runs %v", runs), func(t *testing.T) {
			fx := newFixture(t)
			fx.net.addPeer(t, true)
			fx.net.noLogRange = !runs
			fx.publish(fx.key, "acme/app@1.0.0")
			fx.publish(fx.key, "acme/app@2.0.0")
			info := fx.publish(fx.key, "acme/app@3.0.0")
			res, err := fx.f.Package(context.Background(), info.CID, nil, time.Minute)
			if err != nil || !res.Report.Trusted() {
				t.Fatalf("Package = %+v, %v; want trusted", res, err)
			}
			if got := fx.net.ranges.Load(); (got > 0) != runs {
				t.Errorf("%d runs asked for, want some: %v", got, runs)
			}
			if h, err := fx.dst.LogHead(context.Background(), fx.key.DID()); err != nil || h.Seq != 3 {
				t.Errorf("log head %+v, %v; want entry 3", h, err)
			}
		})
	}
}

// TestSignerLogTooFarAhead: a head more than logs.MaxWalk entries ahead is
// not walked by a fetch; the error says the daemon's follower catches it up.
func TestSignerLogTooFarAhead(t *testing.T) {
	fx := newFixture(t)
	fx.net.addPeer(t, true)
	info := fx.publish(fx.key, "acme/app@1.0.0")
	head, err := fx.sources[fx.key.DID()].LogHead(context.Background(), fx.key.DID())
	if err != nil {
		t.Fatal(err)
	}
	fx.net.mu.Lock()
	fx.net.heads = []heads.Head{{Signer: fx.key.DID(), Seq: logs.MaxWalk + 1, CID: head.CID}}
	fx.net.mu.Unlock()
	res, err := fx.f.Package(context.Background(), info.CID, nil, time.Minute)
	if !errors.Is(err, trust.ErrUntrusted) || res == nil || res.Report.Code != sign.CodeNotLogged {
		t.Fatalf("Package = %+v, %v; want untrusted, not-logged", res, err)
	}
	if want := fmt.Sprintf("log is at entry %d, %d entries ahead of this repo, more than a fetch catches up", logs.MaxWalk+1, logs.MaxWalk+1); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
	if n := fx.net.ranges.Load(); n != 0 {
		t.Errorf("%d runs asked for; want no walk", n)
	}
}

// TestSignerLogTooFarAheadCaughtUp: with Config.CatchUp (the daemon's
// follower), a fetch that finds a log too far ahead has it caught up, then
// fetches again and keeps the package; a failed catch-up says so.
func TestSignerLogTooFarAheadCaughtUp(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("fail %v", fail), func(t *testing.T) {
			ctx := context.Background()
			fx := newFixture(t)
			fx.net.addPeer(t, true)
			info := fx.publish(fx.key, "acme/app@1.0.0")
			head, err := fx.sources[fx.key.DID()].LogHead(ctx, fx.key.DID())
			if err != nil {
				t.Fatal(err)
			}
			far := heads.Head{Signer: fx.key.DID(), Seq: logs.MaxWalk + 1, CID: head.CID}
			fx.net.mu.Lock()
			fx.net.heads = []heads.Head{far}
			fx.net.mu.Unlock()
			var asked []uint64
			var counted []string
			fx.configure(func(c *fetch.Config) {
				c.Count = func(result string) { counted = append(counted, result) }
				c.CatchUp = func(_ context.Context, signer string, h cid.Cid, seq uint64, _ peer.ID) error {
					asked = append(asked, seq)
					if signer != far.Signer || !h.Equals(far.CID) {
						t.Errorf("CatchUp(%s, %s), want %s, %s", signer, h, far.Signer, far.CID)
					}
					ps := fx.f.Progress()
					if len(ps) != 1 || ps[0].Log == nil || ps[0].Log.Signer != far.Signer || ps[0].Log.Head != far.Seq || ps[0].Log.Held != 0 {
						t.Errorf("Progress during the catch-up = %+v, want the log's", ps)
					}
					if fail {
						return errors.New("no peer serves it")
					}
					// As the follower would: the log is held now; the peers
					// name its real head again.
					fx.net.mu.Lock()
					fx.net.heads = nil
					fx.net.mu.Unlock()
					return nil
				}
			})
			res, err := fx.f.Package(ctx, info.CID, nil, time.Minute)
			if !slices.Equal(asked, []uint64{far.Seq}) {
				t.Errorf("CatchUp asked for %v, want [%d]", asked, far.Seq)
			}
			want := []string{"kept"} // one fetch, counted once
			if fail {
				want = []string{"untrusted"}
			}
			if !slices.Equal(counted, want) {
				t.Errorf("counted %v, want %v", counted, want)
			}
			if fail {
				if !errors.Is(err, trust.ErrUntrusted) || !strings.Contains(err.Error(), "no peer serves it") {
					t.Fatalf("Package = %v; want untrusted, saying why the catch-up failed", err)
				}
				return
			}
			if err != nil || !res.Report.Trusted() {
				t.Fatalf("Package = %+v, %v; want trusted after the catch-up", res, err)
			}
		})
	}
}

// TestSignerLogCatchUpFails: a peer whose log cannot be walked (here an
// entry's bytes do not match its CID) leaves the package not-logged, and the
// error says why the catch-up failed.
func TestSignerLogCatchUpFails(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t)
	fx.net.addPeer(t, true)
	fx.publish(fx.key, "acme/app@1.0.0")
	first, err := fx.sources[fx.key.DID()].LogHead(ctx, fx.key.DID())
	if err != nil {
		t.Fatal(err)
	}
	info := fx.publish(fx.key, "acme/app@2.0.0")
	fx.net.mu.Lock()
	bad, err := blocks.NewBlockWithCid([]byte("not the entry"), first.CID)
	if err != nil {
		t.Fatal(err)
	}
	fx.net.blocks[first.CID] = bad
	fx.net.mu.Unlock()
	res, err := fx.f.Package(ctx, info.CID, nil, time.Minute)
	if !errors.Is(err, trust.ErrUntrusted) || res == nil || res.Report.Code != sign.CodeNotLogged {
		t.Fatalf("Package = %+v, %v; want untrusted, not-logged", res, err)
	}
	if want := "catching up " + fx.key.DID() + "'s log to entry 2 from peer "; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

func blockOf(c cid.Cid, data []byte) (blocks.Block, error) { return blocks.NewBlockWithCid(data, c) }
