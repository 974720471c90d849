package node_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipfs/boxo/bitswap"
	"github.com/ipfs/boxo/bitswap/network/bsnet"
	bstore "github.com/ipfs/boxo/blockstore"
	dshelp "github.com/ipfs/boxo/datastore/dshelp"
	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/dag/dagtest"
)

// TestFetchRejectsCorruptBlocks: a peer that answers a want with bytes that
// do not hash to the CID gets nothing stored; the fetch fails at its timeout.
func TestFetchRejectsCorruptBlocks(t *testing.T) {
	pkg := dagtest.Package(t, "acme/app", "1.0.0", []byte("real content"))
	data, c := dagtest.MustEncode(t, pkg)
	bad := append([]byte(nil), data...)
	bad[len(bad)/2] ^= 0xff

	// The liar: bitswap over a blockstore that holds the wrong bytes under c.
	m := dssync.MutexWrap(ds.NewMapDatastore())
	if err := m.Put(context.Background(), bstore.BlockPrefix.Child(dshelp.MultihashToDsKey(c.Hash())), bad); err != nil {
		t.Fatal(err)
	}
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	liar := bitswap.New(context.Background(), bsnet.NewFromIpfsHost(h), noProviders{}, bstore.NewBlockstore(m))
	t.Cleanup(func() { liar.Close() })

	b := newRepo(t)
	db := startDaemon(t, b)
	if err := db.Connect(context.Background(), h.Addrs()[0].String()+"/p2p/"+h.ID().String()); err != nil {
		t.Fatal(err)
	}
	before := repoStat(t, b)
	_, err = db.Fetch(context.Background(), c.String(), 3*time.Second)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Fetch from a liar: %v", err)
	}
	after := repoStat(t, b)
	if after.Blocks != before.Blocks || after.Journal != 0 || after.Pins != before.Pins {
		t.Fatalf("a corrupt answer left state: before %+v after %+v", before, after)
	}
}

// noProviders finds no one.
type noProviders struct{}

func (noProviders) FindProvidersAsync(context.Context, cid.Cid, int) <-chan peer.AddrInfo {
	ch := make(chan peer.AddrInfo)
	close(ch)
	return ch
}
