package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	car "github.com/ipld/go-car/v2"
	"github.com/ipld/go-car/v2/storage"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
)

// The trust holes of issue 10, closed: each test runs the real binary and
// shows that a package the policy does not trust, a name only one key of a
// 2-of-3 rule claims, a bundle without its signer's log, content larger than
// its package declares and metadata nobody trusted signed get nowhere.

// TestGetAndExportAfterTrustRemoved: once the policy stops trusting a
// package's key, get and export refuse it (exit 3, the reason, nothing
// written) as verify does; --unverified writes it anyway and says so.
func TestGetAndExportAfterTrustRemoved(t *testing.T) {
	r := newRepo(t)
	in := t.TempDir()
	src := filepath.Join(in, "x.bin")
	data := []byte("acme x 1.0.0\n")
	writeFile(t, src, data)
	pub := r.publish("acme/x", "1.0.0", []string{src})

	// Trusted, both work: what follows is the policy's doing.
	out := t.TempDir()
	r.ok("get", "acme/x@1.0.0", "-o", filepath.Join(out, "trusted"))
	r.ok("export", "acme/x@1.0.0", "-o", filepath.Join(out, "trusted.car"))

	r.ok("trust", "rm", "acme/*")
	if rep, code := r.verify("acme/x@1.0.0"); code != 3 || rep.Code != "no-rule" {
		t.Fatalf("verify after trust rm: exit %d, %+v; want 3, no-rule", code, rep)
	}
	out = t.TempDir()
	f, fcar := filepath.Join(out, "f"), filepath.Join(out, "f.car")
	why := "no policy rule selects acme/x"
	r.fail(3, []string{"not trusted", "acme/x@1.0.0", "no-rule", why, "nothing was written", "--unverified"},
		"get", "acme/x@1.0.0", "-o", f)
	r.fail(3, []string{"not trusted", "acme/x@1.0.0", "no-rule", why, "nothing was exported", "--unverified"},
		"export", "acme/x@1.0.0", "-o", fcar)
	// By CID too: the check is on the package, not on the name.
	r.fail(3, []string{"not trusted", "no-rule"}, "get", pub.Package.S, "-o", f)
	if left := dirNames(t, out); len(left) != 0 {
		t.Fatalf("refused get and export left %v in %s", left, out)
	}

	res := r.ok("get", "acme/x@1.0.0", "-o", f, "--unverified")
	if !strings.Contains(res.stderr, "warning: --unverified") {
		t.Errorf("get --unverified did not warn:\n%s", res)
	}
	if got, err := os.ReadFile(f); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get --unverified wrote %q (%v), want %q", got, err, data)
	}
	res = r.ok("export", "acme/x@1.0.0", "-o", fcar, "--unverified")
	if !strings.Contains(res.stderr, "warning: --unverified") {
		t.Errorf("export --unverified did not warn:\n%s", res)
	}
	if roots := carRoots(t, fcar); len(roots) != 1 || !roots[0].Equals(mustCID(t, pub.Package.S)) {
		t.Fatalf("export --unverified wrote a CAR rooted at %v, want %s", roots, pub.Package)
	}
}

// TestTwoOfThreeRivalIsEvidence: under a 2-of-3 rule, a rival package that
// one key's log alone names as acme/app@1.0.0 does not dispute the name: it
// is evidence against that key, and the name resolves, verifies and gets as
// the package two keys' logs name.
func TestTwoOfThreeRivalIsEvidence(t *testing.T) {
	// A holds k1 (publishes) and k2 (signs); R holds k3, the rival; B trusts
	// all three for acme/*, any two of them.
	a, rv, b := newRepo(t), newRepo(t), newRepo(t)
	in := t.TempDir()
	honestSrc, rivalSrc := filepath.Join(in, "honest", "app.bin"), filepath.Join(in, "rival", "app.bin")
	writeFile(t, honestSrc, []byte("acme app 1.0.0, as k1 and k2 released it\n"))
	writeFile(t, rivalSrc, []byte("acme app 1.0.0, as k3 alone says\n"))
	a.ok("key", "gen", "k2")
	honest := a.publish("acme/app", "1.0.0", []string{honestSrc})
	a.ok("sign", honest.Metadata.S, "--key", "k2")
	rival := rv.publish("acme/app", "1.0.0", []string{rivalSrc})
	k1, k2, k3 := a.did("default"), a.did("k2"), rv.did("default")
	b.ok("trust", "add", "acme/*", k1)
	b.ok("trust", "add", "acme/*", k2)
	b.ok("trust", "add", "acme/*", k3, "--threshold", "2")

	honestCAR, rivalCAR := filepath.Join(in, "honest.car"), filepath.Join(in, "rival.car")
	a.ok("export", "acme/app@1.0.0", "-o", honestCAR)
	rv.ok("export", "acme/app@1.0.0", "-o", rivalCAR)
	b.ok("import", honestCAR)
	// k3's bundle alone is 1 of 2: refused, and the refused import keeps
	// nothing, k3's log included.
	b.fail(3, []string{"not trusted", "below-threshold", "nothing was kept"}, "import", rivalCAR)
	b.fail(4, []string{"no log of " + k3}, "log", k3)

	// So k3's log comes to B over the network: B's follower follows the
	// logs of the keys its policy names, k3's too, whether or not their
	// packages are trusted, and catches it up from R's daemon when the two
	// exchange heads on connecting.
	db, dr := startDaemon(t, b), startDaemon(t, rv)
	connect(t, db, dr)
	eventually(t, 10*time.Second, func() (bool, string) {
		res := b.on(t).run("log", k3, "--json")
		var v logView
		if res.code != 0 || jsonUnmarshal(res.stdout, &v) != nil {
			return false, res.String()
		}
		return v.Head == 1 && len(v.Entries) == 1 && v.Entries[0].Package == rival.Package, res.stdout
	})

	v := b.version("acme/app", "1.0.0")
	if v.Status != "trusted" || v.Package == nil || *v.Package != honest.Package {
		t.Fatalf("versions on B: %+v, want 1.0.0 trusted as %s (k3's %s is one key of the two needed)", v, honest.Package, rival.Package)
	}
	if !sameSet(v.Signers, []string{k1, k2}) {
		t.Errorf("1.0.0 signers %v, want %s and %s", v.Signers, k1, k2)
	}
	if len(v.Equivocations) != 0 || !evidenceAgainst(v.Evidence, k3, rival.Package) {
		t.Fatalf("versions on B: equivocations %+v, evidence %+v; want no equivocation and evidence naming %s and %s",
			v.Equivocations, v.Evidence, k3, rival.Package)
	}
	rep, code := b.verify("acme/app@1.0.0")
	if code != 0 || rep.Status != "valid" || !evidenceAgainst(rep.Evidence, k3, rival.Package) {
		t.Fatalf("verify on B: exit %d, status %s, evidence %+v; want valid with evidence naming %s", code, rep.Status, rep.Evidence, k3)
	}
	out := filepath.Join(t.TempDir(), "app.bin")
	b.ok("get", "acme/app@1.0.0", "-o", out)
	if fileSHA256(t, out) != fileSHA256(t, honestSrc) {
		t.Fatal("B's get of acme/app@1.0.0 is not the package k1 and k2 released")
	}
}

// TestStrippedLogBundleRefused: a bundle whose signature its signer's log
// does not name (the log entries taken out) is refused as not-logged, and
// changes nothing; the whole bundle imports.
func TestStrippedLogBundleRefused(t *testing.T) {
	a, b := newRepo(t), newRepo(t)
	in := t.TempDir()
	src := filepath.Join(in, "s.bin")
	writeFile(t, src, []byte("acme s 1.0.0\n"))
	pub := a.publish("acme/s", "1.0.0", []string{src})
	bundle, stripped := filepath.Join(in, "s.car"), filepath.Join(in, "stripped.car")
	a.ok("export", "acme/s@1.0.0", "-o", bundle)
	if n := rewriteCARFile(t, bundle, stripped, func(k dag.NodeKind) bool { return k != dag.NodeLogEntry }); n != 1 {
		t.Fatalf("took %d log entries out of the bundle, want 1", n)
	}

	b.ok("trust", "add", "acme/*", a.did("default"))
	before := b.snapshot()
	b.fail(3, []string{"not trusted", "acme/s@1.0.0", "(not-logged)", "nothing was kept"}, "import", stripped)
	var imp struct {
		Kept     bool `json:"kept"`
		Packages []struct {
			Package cidJSON      `json:"package"`
			Report  verifyReport `json:"report"`
		} `json:"packages"`
	}
	// With --json the verdicts are on stdout, and nothing on stderr.
	res := b.run("import", stripped, "--json")
	if res.code != 3 || jsonUnmarshal(res.stdout, &imp) != nil || imp.Kept || len(imp.Packages) != 1 {
		t.Fatalf("import --json of the stripped bundle:\n%s", res)
	}
	if rep := imp.Packages[0].Report; rep.Code != "not-logged" || len(rep.Metadata) != 1 || len(rep.Metadata[0].Signatures) != 1 ||
		rep.Metadata[0].Signatures[0].Code != "not-logged" {
		t.Fatalf("verdict on the stripped bundle: %+v, want the signature not-logged", rep)
	}
	if after := b.snapshot(); after != before {
		t.Fatalf("the refused imports changed B:\nbefore %s\nafter  %s", before, after)
	}
	b.json(&imp, "import", bundle)
	if !imp.Kept || len(imp.Packages) != 1 || imp.Packages[0].Package != pub.Package {
		t.Fatalf("import of the whole bundle: %+v", imp)
	}
	if rep, code := b.verify("acme/s@1.0.0"); code != 0 {
		t.Fatalf("verify after the import: exit %d, %+v", code, rep)
	}
}

// TestFetchCutsOffOversizedContent: a package whose layer declares 1 KiB but
// links 6 MiB of content, trusted and logged (its publisher made it), is
// cut off once its content goes over the budget of its declared size, over
// the DAG stream and over bitswap, and leaves the fetching repo as it was.
func TestFetchCutsOffOversizedContent(t *testing.T) {
	p, c := newRepo(t), newRepo(t)
	in := t.TempDir()
	src := filepath.Join(in, "big.bin")
	sum := randomFile(t, src, 6<<20, 41)
	big := p.publish("acme/big", "1.0.0", []string{src})
	pDID := p.did("default")

	// P's own key makes acme/bomb@1.0.0, whose one layer declares 1 KiB and
	// links big's content; P imports it (the content is in P's repo).
	bomb := craftBomb(t, p, in, mustCID(t, big.Layers[0].Content.S), 1024)
	p.ok("import", bomb.car)
	if rep, code := p.verify("acme/bomb@1.0.0"); code != 0 {
		t.Fatalf("P does not trust the package it made: exit %d, %+v", code, rep)
	}

	c.ok("trust", "add", "acme/*", pDID)
	dp, dc := startDaemon(t, p), startDaemon(t, c)
	connect(t, dc, dp)
	// C follows P's log; wait until it has caught up, so that what the
	// fetches leave behind is all there is to compare.
	eventually(t, 10*time.Second, func() (bool, string) {
		res := c.on(t).run("log", pDID, "--json")
		var v logView
		return res.code == 0 && jsonUnmarshal(res.stdout, &v) == nil && v.Head == bomb.seq, res.String()
	})
	before := c.snapshot()

	overBudget := regexp.MustCompile(`content over its declared size: (\d+) bytes in (\d+) blocks for content whose layers declare 1024 bytes`)
	for _, tr := range []string{"stream", "bitswap"} {
		t.Run(tr, func(t *testing.T) {
			c := c.on(t)
			rx := metric(t, dc, "cairn_bitswap_data_received_bytes_total")
			start := time.Now()
			res := c.fail(2, []string{"content over its declared size"}, "fetch", "acme/bomb@1.0.0", "--transport", tr, "--timeout", "30s")
			took := time.Since(start)
			rx = metric(t, dc, "cairn_bitswap_data_received_bytes_total") - rx
			m := overBudget.FindStringSubmatch(res.stderr)
			if m == nil {
				t.Fatalf("the error does not say how much came:\n%s", res)
			}
			got, _ := strconv.ParseInt(m[1], 10, 64)
			t.Logf("%s: cut off at %d bytes in %s blocks after %s; bitswap received %d bytes", tr, got, m[2], took.Round(time.Millisecond), int64(rx))
			// 1 KiB declared: the budget is 1 MiB and change, so the cut
			// comes with the second 1 MiB leaf, well short of 6 MiB.
			if got > 3<<20 {
				t.Errorf("%d bytes came before the cut, want at most 3 MiB of the 6 MiB", got)
			}
			if tr == "bitswap" && (rx < 1<<20 || rx > 3<<20) {
				t.Errorf("bitswap received %d bytes during the fetch, want between 1 and 3 MiB (one leaf, not six)", int64(rx))
			}
			if after := c.snapshot(); after != before {
				t.Fatalf("the failed fetch changed C:\nbefore %s\nafter  %s", before, after)
			}
		})
	}

	c.ok("fetch", "acme/big@1.0.0", "--timeout", "30s")
	out := filepath.Join(t.TempDir(), "big.bin")
	c.ok("get", "acme/big@1.0.0", "-o", out)
	if fileSHA256(t, out) != sum {
		t.Fatal("C's acme/big differs from what P published")
	}
}

// rogueMetadataSets is how many metadata sets the rogue offers: as many as
// one referrers answer may hold (lookup.MaxReferrers = 4096 pairs, its 1 MiB
// byte limit being far off at 83 bytes a pair) when every other set comes
// with a signature, which takes a pair of its own: 2730 sets and 1365
// signatures make 4095 pairs. 10,000 would need three answers, and a peer
// answers a fetch once.
const rogueMetadataSets = 4096 * 2 / 3

// rogues10k rogues offer more than 10,000 sets together.
const rogues10k = 4

// TestUnsignedMetadataFromAPeerNotPinned: a peer answers C's referrers lookup
// for a trusted package with thousands of metadata sets nobody C trusts has
// signed (half of them signed by a fresh key). C fetches the package, drops
// them all without fetching one, and keeps exactly what the honest package
// needs.
func TestUnsignedMetadataFromAPeerNotPinned(t *testing.T) {
	a, c := newRepo(t), newRepo(t)
	src := filepath.Join(t.TempDir(), "m.bin")
	writeFile(t, src, []byte("acme m 1.0.0\n"))
	pub := a.publish("acme/m", "1.0.0", []string{src})
	c.ok("trust", "add", "acme/*", a.did("default"))
	da, dc := startDaemon(t, a), startDaemon(t, c)
	connect(t, dc, da)
	// Four rogues, each offering as many sets as one answer holds: over
	// 10,000 unvouched metadata sets in all.
	var rogues []*rogueServer
	for range rogues10k {
		rogues = append(rogues, startRogueReferrers(t, dc.addr("/tcp/"), pub.Package.S, rogueMetadataSets))
	}
	eventually(t, 10*time.Second, func() (bool, string) {
		ps := peerSet(dc.peers(t))
		for _, r := range rogues {
			if !slices.Contains(ps, r.id) {
				return false, fmt.Sprintf("C lists %v, not the rogue %s", ps, r.id)
			}
		}
		return true, ""
	})

	var got struct {
		Kept   bool `json:"kept"`
		Result struct {
			Package         cidJSON `json:"package"`
			DroppedMetadata int     `json:"droppedMetadata"`
		} `json:"result"`
	}
	start := time.Now()
	c.json(&got, "fetch", "acme/m@1.0.0", "--timeout", "30s")
	t.Logf("fetch with the rogue's answer: %s", time.Since(start).Round(time.Millisecond))
	if !got.Kept || got.Result.Package != pub.Package {
		t.Fatalf("fetch: %+v, want %s kept", got, pub.Package)
	}
	if got.Result.DroppedMetadata < rogues10k*rogueMetadataSets {
		t.Fatalf("fetch dropped %d metadata sets, want at least the rogues' %d", got.Result.DroppedMetadata, rogues10k*rogueMetadataSets)
	}
	for _, rogue := range rogues {
		answered, metas, sigs := rogue.stop()
		if answered == 0 {
			t.Fatal("C never asked a rogue for the package's referrers")
		}
		// C may read the signatures (to see who signed), never a set that no
		// key it trusts vouches for.
		if metas != 0 || sigs > (rogueMetadataSets+1)/2 {
			t.Fatalf("a rogue served C %d metadata sets and %d signatures, want none and at most %d", metas, sigs, (rogueMetadataSets+1)/2)
		}
	}

	var view struct {
		Status   string `json:"status"`
		Metadata []struct {
			CID cidJSON `json:"cid"`
		} `json:"metadata"`
	}
	c.json(&view, "inspect", "acme/m@1.0.0")
	if view.Status != "valid" || len(view.Metadata) != 1 || view.Metadata[0].CID != pub.Metadata {
		t.Fatalf("inspect on C: %+v, want valid with A's one metadata set %s", view, pub.Metadata)
	}
	// A holds acme/m and nothing else: what C keeps of it must be the same.
	want, have := repoCounts(t, a), repoCounts(t, c)
	if have != want {
		t.Fatalf("C keeps %+v, A (which published acme/m and nothing else) %+v", have, want)
	}
}

// counts are the figures of repo stat that say what a repo keeps.
type counts struct {
	Blocks     int `json:"blocks"`
	Pins       int `json:"pins"`
	Versions   int `json:"versions"`
	Referrers  int `json:"referrers"`
	LogEntries int `json:"logEntries"`
	Evidence   int `json:"evidence"`
}

func repoCounts(t *testing.T, r *repo) counts {
	t.Helper()
	var st counts
	r.on(t).json(&st, "repo", "stat")
	return st
}

// bombPackage is a package crafted in the test process: a lying layer size.
type bombPackage struct {
	pkg cid.Cid
	seq uint64 // of its entry in the publisher's log
	car string // the bundle: package, metadata set, signature, the whole log
}

// craftBomb makes, with the default key of publisher p, acme/bomb@1.0.0 whose
// one layer links content but declares size bytes: the package, a metadata
// set, p's signature and the entry that appends it to p's log, written with
// p's whole log to a CAR in dir rooted at the package.
func craftBomb(t *testing.T, p *repo, dir string, content cid.Cid, size uint64) bombPackage {
	t.Helper()
	key, err := sign.LoadKeyFile(filepath.Join(p.dir, "keys", "default.key"))
	if err != nil {
		t.Fatal(err)
	}
	var head logView
	p.json(&head, "log", key.DID())
	if head.Head == 0 || len(head.Entries) == 0 {
		t.Fatalf("P's log is empty: %+v", head)
	}
	// The entries of P's log so far, as P exports them with its packages.
	logCAR := filepath.Join(dir, "log.car")
	p.ok("export", head.Entries[0].Name+"@"+head.Entries[0].Version, "-o", logCAR)
	logBlocks := carBlocksOf(t, logCAR, dag.NodeLogEntry)
	if uint64(len(logBlocks)) != head.Head {
		t.Fatalf("P's export holds %d log entries, its log %d", len(logBlocks), head.Head)
	}

	name, err := dag.ParseName("acme/bomb")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	digest := sha256.Sum256([]byte("what the bomb says it holds"))
	pkg := &dag.Package{Name: name, Version: "1.0.0", Layers: []dag.Layer{{
		Name: "bomb.bin", MediaType: "application/octet-stream", Size: size, SHA256: digest[:], Content: content,
	}}}
	pkgData, pkgCID, err := pkg.Encode()
	if err != nil {
		t.Fatal(err)
	}
	meta := &dag.MetadataSet{Subject: pkgCID, Kind: dag.KindBuild, Created: now}
	metaData, metaCID, err := meta.Encode()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sign.Sign(key, metaCID, dag.RolePublisher, now)
	if err != nil {
		t.Fatal(err)
	}
	sigData, sigCID, err := sig.Encode()
	if err != nil {
		t.Fatal(err)
	}
	entry := &dag.LogEntry{
		Seq: head.Head + 1, Prev: mustCID(t, head.Entries[0].Entry.S), Created: now,
		Name: name, Version: "1.0.0", Package: pkgCID, Metadata: []cid.Cid{metaCID}, Signatures: []cid.Cid{sigCID},
	}
	if err := sign.SignLogEntry(key, entry); err != nil {
		t.Fatal(err)
	}
	entryData, entryCID, err := entry.Encode()
	if err != nil {
		t.Fatal(err)
	}
	all := append(logBlocks, mustBlock(t, pkgData, pkgCID), mustBlock(t, metaData, metaCID),
		mustBlock(t, sigData, sigCID), mustBlock(t, entryData, entryCID))
	out := filepath.Join(dir, "bomb.car")
	writeCAR(t, out, pkgCID, all)
	return bombPackage{pkg: pkgCID, seq: entry.Seq, car: out}
}

// carRoots returns the roots of the CAR file at path.
func carRoots(t *testing.T, path string) []cid.Cid {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br, err := car.NewBlockReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return br.Roots
}

// eachCARBlock calls fn with each block of the CAR file at path and returns
// its roots.
func eachCARBlock(t *testing.T, path string, fn func(b blocks.Block, k dag.NodeKind)) []cid.Cid {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br, err := car.NewBlockReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for {
		b, err := br.Next()
		if errors.Is(err, io.EOF) {
			return br.Roots
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		k, err := dag.Sniff(b.Cid(), b.RawData())
		if err != nil {
			t.Fatalf("%s: block %s: %v", path, b.Cid(), err)
		}
		fn(b, k)
	}
}

// carBlocksOf returns the blocks of kind k of the CAR file at path.
func carBlocksOf(t *testing.T, path string, k dag.NodeKind) []blocks.Block {
	t.Helper()
	var out []blocks.Block
	eachCARBlock(t, path, func(b blocks.Block, bk dag.NodeKind) {
		if bk == k {
			out = append(out, b)
		}
	})
	return out
}

// rewriteCARFile copies the CAR at from to a CARv1 at to with the same
// roots, keeping the blocks whose kind keep accepts, and returns how many
// it dropped.
func rewriteCARFile(t *testing.T, from, to string, keep func(dag.NodeKind) bool) int {
	t.Helper()
	var kept []blocks.Block
	dropped := 0
	roots := eachCARBlock(t, from, func(b blocks.Block, k dag.NodeKind) {
		if keep(k) {
			kept = append(kept, b)
		} else {
			dropped++
		}
	})
	if len(roots) != 1 {
		t.Fatalf("%s has roots %v, want one", from, roots)
	}
	writeCAR(t, to, roots[0], kept)
	return dropped
}

// writeCAR writes bs to a CARv1 file at path rooted at root.
func writeCAR(t *testing.T, path string, root cid.Cid, bs []blocks.Block) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := storage.NewWritable(f, []cid.Cid{root}, car.WriteAsCarV1(true))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if err := w.Put(context.Background(), b.Cid().KeyString(), b.RawData()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Finalize(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func mustBlock(t *testing.T, data []byte, c cid.Cid) blocks.Block {
	t.Helper()
	b, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustCID(t *testing.T, s string) cid.Cid {
	t.Helper()
	c, err := cid.Decode(s)
	if err != nil {
		t.Fatalf("cid %q: %v", s, err)
	}
	return c
}

// dirNames lists the entries of dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}

// evidenceAgainst reports whether evs holds a proof that key's log names
// pkg: one side of the proof is key's claim of pkg.
func evidenceAgainst(evs []equivocationJSON, key string, pkg cidJSON) bool {
	for _, ev := range evs {
		for i := range 2 {
			if ev.Signers[i] == key && ev.Packages[i] == pkg {
				return true
			}
		}
	}
	return false
}

// metric reads one unlabelled counter or gauge from d's /metrics.
func metric(t *testing.T, d *daemon, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + d.info().API + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s, %v", resp.Status, err)
	}
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("/metrics: %q: %v", l, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s:\n%s", name, body)
	return 0
}
