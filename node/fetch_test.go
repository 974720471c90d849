package node_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
)

// startDaemon starts a daemon on loopback with OS-chosen ports, stopped when
// the test ends.
func startDaemon(t *testing.T, r *node.Repo) *node.Daemon {
	t.Helper()
	gw := "127.0.0.1:0"
	d, err := node.StartDaemon(context.Background(), r, node.DaemonOptions{
		Listen: []string{"/ip4/127.0.0.1/tcp/0"}, API: "127.0.0.1:0", Gateway: &gw,
	})
	if err != nil {
		t.Fatalf("StartDaemon: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func connect(t *testing.T, from *node.Daemon, to *node.Daemon) {
	t.Helper()
	if err := from.Connect(context.Background(), to.Info().Addrs[0]); err != nil {
		t.Fatalf("connect: %v", err)
	}
}

// trust makes b trust a's default key for the namespace.
func trust(t *testing.T, a, b *node.Repo, pattern string) {
	t.Helper()
	k, err := a.Keys().Get("default")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.UpdatePolicy(func(p *sign.Policy) error { return p.AddKey(sign.Pattern(pattern), k.DID(), 1, nil) }); err != nil {
		t.Fatal(err)
	}
}

func TestFetchBetweenDaemons(t *testing.T) {
	a, b := newRepo(t), newRepo(t)
	src := filepath.Join(t.TempDir(), "app.bin")
	writeFile(t, src, randomBytes(5<<20+123, 1))
	pub, err := a.Publish(context.Background(), node.PublishRequest{Paths: []string{src}, Name: mustName(t, "acme/app"), Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sign(context.Background(), node.SignRequest{Metadata: pub.Metadata, Role: dag.RoleAuditor}); err != nil {
		t.Fatal(err)
	}
	da, db := startDaemon(t, a), startDaemon(t, b)
	connect(t, db, da)

	t.Run("untrusted is not kept", func(t *testing.T) {
		before, _ := b.Stat(context.Background())
		res, err := db.Fetch(context.Background(), pub.Package.String(), 30*time.Second)
		if !errors.Is(err, node.ErrUntrusted) || res == nil || res.Report.Code != sign.CodeNoRule {
			t.Fatalf("Fetch = %+v, %v", res, err)
		}
		after, _ := b.Stat(context.Background())
		if before.Blocks != after.Blocks || before.Pins != after.Pins || after.Journal != 0 {
			t.Fatalf("an untrusted fetch left state: before %+v after %+v", before, after)
		}
	})
	trust(t, a, b, "acme/*")
	t.Run("trusted is fetched, verified, pinned and indexed", func(t *testing.T) {
		res, err := db.Fetch(context.Background(), pub.Package.String(), 30*time.Second)
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if res.Name != "acme/app" || res.Version != "1.0.0" || !res.Report.Trusted() || res.Bytes < 5<<20 {
			t.Fatalf("result %+v", res)
		}
		if len(res.Report.Metadata) != 1 || len(res.Report.Metadata[0].Signatures) != 2 {
			t.Fatalf("metadata and signatures not all fetched: %+v", res.Report.Metadata)
		}
		c, err := b.Resolve(context.Background(), "acme/app@1.0.0")
		if err != nil || !c.Equals(pub.Package) {
			t.Fatalf("name index on b: %v %v", c, err)
		}
		out := filepath.Join(t.TempDir(), "out.bin")
		if _, err := b.Get(context.Background(), pub.Package, out, node.GetOptions{}); err != nil {
			t.Fatal(err)
		}
		sameTree(t, src, out)
		if rep, err := b.Verify(context.Background(), pub.Package, nil); err != nil || !rep.Trusted() {
			t.Fatalf("verify on b: %+v %v", rep, err)
		}
	})
	t.Run("a third node fetches by name from b while a is down", func(t *testing.T) {
		if err := da.Close(); err != nil {
			t.Fatal(err)
		}
		c := newRepo(t)
		trust(t, a, c, "acme/*")
		dc := startDaemon(t, c)
		connect(t, dc, db)
		res, err := dc.Fetch(context.Background(), "acme/app@1.0.0", 30*time.Second)
		if err != nil {
			t.Fatalf("Fetch by name: %v", err)
		}
		if !res.Package.Equals(pub.Package) || !res.Report.Trusted() {
			t.Fatalf("result %+v", res)
		}
		if _, err := dc.Fetch(context.Background(), "acme/app@9.9.9", 5*time.Second); !errors.Is(err, node.ErrNotFound) {
			t.Fatalf("unknown name: %v", err)
		}
	})
}

func TestFetchNobodyHasIt(t *testing.T) {
	a, b := newRepo(t), newRepo(t)
	da, db := startDaemon(t, a), startDaemon(t, b)
	connect(t, db, da)
	missing, _ := dag.Prefix.Sum([]byte("no one has this"))
	start := time.Now()
	_, err := db.Fetch(context.Background(), missing.String(), 2*time.Second)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Fetch of a missing CID: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("a 2 s timeout took %s", took)
	}
	if st, _ := b.Stat(context.Background()); st.Journal != 0 || st.Blocks != 0 {
		t.Fatalf("state left: %+v", st)
	}
}

// TestFetchFollowsProvenance: fetching a package made from another brings the
// other too, so the whole chain verifies on the fetching node.
func TestFetchFollowsProvenance(t *testing.T) {
	a, b := newRepo(t), newRepo(t)
	ctx := context.Background()
	in := t.TempDir()
	writeFile(t, filepath.Join(in, "src.wasm"), []byte("source build"))
	writeFile(t, filepath.Join(in, "opt.wasm"), []byte("optimized build"))
	src, err := a.Publish(ctx, node.PublishRequest{Paths: []string{filepath.Join(in, "src.wasm")}, Name: mustName(t, "acme/src"), Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	opt, err := a.Publish(ctx, node.PublishRequest{Paths: []string{filepath.Join(in, "opt.wasm")}, Name: mustName(t, "acme/opt"), Version: "1.0.0", Inputs: []cid.Cid{src.Package}})
	if err != nil {
		t.Fatal(err)
	}
	trust(t, a, b, "acme/*")
	da, db := startDaemon(t, a), startDaemon(t, b)
	connect(t, db, da)
	res, err := db.Fetch(ctx, "acme/opt@1.0.0", 30*time.Second)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if len(res.Report.Inputs) != 1 || !res.Report.Inputs[0].CID.Equals(src.Package) || !res.Report.Inputs[0].Trusted() {
		t.Fatalf("the input was not fetched and verified: %+v", res.Report)
	}
	if c, err := b.Resolve(ctx, "acme/src@1.0.0"); err != nil || !c.Equals(src.Package) {
		t.Fatalf("input not indexed by name: %v %v", c, err)
	}
	if _, err := b.Package(ctx, src.Package); err != nil {
		t.Fatalf("input package not on b: %v", err)
	}
	if !res.Package.Equals(opt.Package) {
		t.Fatalf("fetched %s, want %s", res.Package, opt.Package)
	}
}

func TestFetchTransports(t *testing.T) {
	for _, tr := range []node.Transport{node.TransportStream, node.TransportBitswap, node.TransportAuto} {
		t.Run(string(tr), func(t *testing.T) {
			a, b := newRepo(t), newRepo(t)
			src := filepath.Join(t.TempDir(), "app.bin")
			writeFile(t, src, randomBytes(3<<20+77, 2))
			pub, err := a.Publish(context.Background(), node.PublishRequest{Paths: []string{src}, Name: mustName(t, "acme/app"), Version: "1.0.0"})
			if err != nil {
				t.Fatal(err)
			}
			trust(t, a, b, "acme/*")
			da, db := startDaemon(t, a), startDaemon(t, b)
			connect(t, db, da)
			res, err := db.Fetch(context.Background(), pub.Package.String(), 30*time.Second, node.WithTransport(tr))
			if err != nil {
				t.Fatalf("Fetch over %s: %v", tr, err)
			}
			if !res.Report.Trusted() || res.Bytes < 3<<20 {
				t.Fatalf("result %+v", res)
			}
		})
	}
	if _, err := node.ParseTransport("carrier-pigeon"); !errors.Is(err, node.ErrBadTransport) {
		t.Fatalf("ParseTransport: %v", err)
	}
}
