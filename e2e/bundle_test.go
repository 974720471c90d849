package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBundle exports a package on A and imports it on B, which has no daemon
// and no network: B verifies it with the same verdicts, and gets the same
// bytes. A corrupt or truncated CAR is refused (exit 2) and leaves B as it
// was; an untrusted package is refused (exit 3).
func TestBundle(t *testing.T) {
	a := newRepo(t)
	in := t.TempDir()
	src := filepath.Join(in, "app.bin")
	sum := randomFile(t, src, 5<<20+17, 21)
	pub := a.publish("acme/app", "1.0.0", []string{src})
	a.ok("key", "gen", "auditor")
	a.ok("sign", pub.Metadata.S, "--key", "auditor", "--role", "auditor")
	a.ok("trust", "add", "acme/*", a.did("auditor"))
	bundle := filepath.Join(in, "app.car")
	var exp struct {
		Path   string  `json:"path"`
		Root   cidJSON `json:"root"`
		Blocks int     `json:"blocks"`
		Bytes  int64   `json:"bytes"`
		Logs   int     `json:"logEntries"`
	}
	a.json(&exp, "export", "acme/app@1.0.0", "-o", bundle)
	// package, metadata, 2 signatures, dag-pb root, 6 leaves, and the two log
	// entries (the publish, the auditor's signature) that name the package.
	if exp.Root != pub.Package || exp.Blocks != 13 || exp.Logs != 2 {
		t.Fatalf("export: %+v, want root %s, 13 blocks, 2 log entries", exp, pub.Package)
	}
	if st, err := os.Stat(bundle); err != nil || st.Size() != exp.Bytes {
		t.Fatalf("export wrote %v (%v), said %d bytes", st, err, exp.Bytes)
	}
	a.fail(1, []string{"already exists", "--force"}, "export", "acme/app@1.0.0", "-o", bundle)
	a.ok("export", "acme/app@1.0.0", "-o", bundle, "--force")

	b := newRepo(t)
	b.ok("trust", "add", "acme/*", a.did("default"))
	b.ok("trust", "add", "acme/*", a.did("auditor"))
	before := b.snapshot()

	t.Run("corrupt", func(t *testing.T) {
		b := b.on(t)
		data, err := os.ReadFile(bundle)
		if err != nil {
			t.Fatal(err)
		}
		flipped := bytes.Clone(data)
		flipped[len(flipped)/2] ^= 0x40
		bad := filepath.Join(t.TempDir(), "flipped.car")
		writeFile(t, bad, flipped)
		b.fail(2, []string{"invalid bundle", "block does not match its cid"}, "import", bad)
		cut := filepath.Join(t.TempDir(), "cut.car")
		writeFile(t, cut, data[:len(data)-1000])
		b.fail(2, []string{"invalid bundle", "truncated"}, "import", cut)
		if after := b.snapshot(); after != before {
			t.Fatalf("a refused import changed the repo:\nbefore %s\nafter  %s", before, after)
		}
	})

	t.Run("untrusted", func(t *testing.T) {
		c := newRepo(t)
		snap := c.snapshot()
		res := c.fail(3, []string{"not trusted", "nothing was kept"}, "import", bundle)
		if !bytes.Contains([]byte(res.stdout), []byte("NOT TRUSTED")) {
			t.Errorf("untrusted import printed no verdicts:\n%s", res)
		}
		if after := c.snapshot(); after != snap {
			t.Fatalf("an untrusted import changed the repo:\nbefore %s\nafter  %s", snap, after)
		}
	})

	var imp struct {
		Kept     bool `json:"kept"`
		Packages []struct {
			Package cidJSON `json:"package"`
			Name    string  `json:"name"`
			Report  struct {
				Status string `json:"status"`
			} `json:"report"`
		} `json:"packages"`
	}
	b.json(&imp, "import", bundle)
	if !imp.Kept || len(imp.Packages) != 1 || imp.Packages[0].Package != pub.Package || imp.Packages[0].Report.Status != "valid" {
		t.Fatalf("import: %+v", imp)
	}
	va, vb := verdicts(t, a, "acme/app@1.0.0"), verdicts(t, b, "acme/app@1.0.0")
	if va != vb || !strings.Contains(vb, `"status":"valid"`) || strings.Count(vb, `"signer"`) != 2 {
		t.Fatalf("verdicts differ or are not valid:\nA %s\nB %s", va, vb)
	}
	out := filepath.Join(t.TempDir(), "app.bin")
	b.ok("get", "acme/app@1.0.0", "-o", out)
	if got := fileSHA256(t, out); got != sum {
		t.Fatalf("got sha256 %s, published %s", got, sum)
	}
	// The bundle carried acme's log: B, offline, resolves the name from it.
	if v := b.version("acme/app", "1.0.0"); v.Status != "trusted" || v.Package == nil || *v.Package != pub.Package {
		t.Errorf("versions on B after the import: %+v, want trusted %s from the log", v, pub.Package)
	}
	if out := b.ok("log", a.did("default")).stdout; !strings.Contains(out, "acme/app@1.0.0") {
		t.Errorf("B's copy of acme's log:\n%s", out)
	}
}

// kuboBin returns a Kubo binary: $IPFS_BIN (which .ci/run sets, having built
// Kubo with scripts/install-kubo.sh), else ipfs on PATH. Without one the
// test is skipped, saying so; in CI it always runs.
func kuboBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("IPFS_BIN"); p != "" {
		return p
	}
	if p, err := exec.LookPath("ipfs"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI without a Kubo binary: .ci/run should set IPFS_BIN")
	}
	t.Skip("no Kubo binary (set IPFS_BIN, or run scripts/install-kubo.sh): Kubo interop not tested")
	return ""
}

// TestBundleKubo checks interop both ways: Kubo imports Cairn's CAR and
// serves the content; Cairn imports Kubo's dag export as content.
func TestBundleKubo(t *testing.T) {
	ipfs := kuboBin(t)
	ipfsPath := filepath.Join(t.TempDir(), "ipfs")
	kubo := func(stdout *os.File, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, ipfs, args...)
		cmd.Env = append(os.Environ(), "IPFS_PATH="+ipfsPath)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if stdout != nil {
			cmd.Stdout = stdout
		}
		if err := cmd.Run(); err != nil {
			t.Fatalf("ipfs %v: %v\n%s%s", args, err, out.String(), errb.String())
		}
		return out.String()
	}
	kubo(nil, "init", "--profile", "test,unixfs-v1-2025")

	a := newRepo(t)
	in := t.TempDir()
	src := filepath.Join(in, "app.bin")
	sum := randomFile(t, src, 3<<20+5, 22)
	pub := a.publish("acme/app", "1.0.0", []string{src})
	content := pub.Layers[0].Content.S
	bundle := filepath.Join(in, "app.car")
	a.ok("export", "acme/app@1.0.0", "-o", bundle)

	kubo(nil, "dag", "import", "--offline", bundle)
	got := filepath.Join(in, "from-kubo.bin")
	kubo(nil, "get", "--offline", "-o", got, content)
	if h := fileSHA256(t, got); h != sum {
		t.Fatalf("ipfs get of %s: sha256 %s, want %s", content, h, sum)
	}

	kcar := filepath.Join(in, "k.car")
	f, err := os.Create(kcar)
	if err != nil {
		t.Fatal(err)
	}
	kubo(f, "dag", "export", "--offline", content)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	b := newRepo(t)
	var imp struct {
		Kept    bool      `json:"kept"`
		Content []cidJSON `json:"content"`
	}
	b.json(&imp, "import", kcar)
	if !imp.Kept || len(imp.Content) != 1 || imp.Content[0].S != content {
		t.Fatalf("import of Kubo's CAR: %+v", imp)
	}
	out := filepath.Join(in, "from-cairn.bin")
	b.ok("get", content, "-o", out)
	if h := fileSHA256(t, out); h != sum {
		t.Fatalf("cairn get of %s: sha256 %s, want %s", content, h, sum)
	}
}
