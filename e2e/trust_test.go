package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// verifyReport is the part of `cairn verify --json` the tests read.
type verifyReport struct {
	Status   string `json:"status"`
	Code     string `json:"code"`
	Reason   string `json:"reason"`
	Metadata []struct {
		CID        cidJSON `json:"cid"`
		Status     string  `json:"status"`
		Code       string  `json:"code"`
		Valid      int     `json:"validSignatures"`
		Signatures []struct {
			Signer string `json:"signer"`
			Status string `json:"status"`
			Code   string `json:"code"`
		} `json:"signatures"`
	} `json:"metadata"`
	Inputs   []*verifyReport    `json:"inputs"`
	Evidence []equivocationJSON `json:"evidence"`
}

// verify runs `cairn verify --json` and returns the report and exit code.
func (r *repo) verify(ref string, extra ...string) (verifyReport, int) {
	r.t.Helper()
	res := r.run(append([]string{"verify", ref, "--json"}, extra...)...)
	var rep verifyReport
	if err := jsonUnmarshal(res.stdout, &rep); err != nil {
		r.t.Fatalf("decode verify output: %v\n%s", err, res)
	}
	return rep, res.code
}

func (r *repo) did(key string) string {
	r.t.Helper()
	return strings.TrimSpace(r.ok("key", "export", key).stdout)
}

func TestTrustPolicy(t *testing.T) {
	r := newRepo(t)
	in := t.TempDir()
	writeFile(t, filepath.Join(in, "app.wasm"), []byte("\x00asm\x01\x00\x00\x00"))
	pub := r.publish("acme/app", "1.0.0", []string{filepath.Join(in, "app.wasm")})
	r.ok("key", "gen", "second")
	r.ok("key", "gen", "stranger")

	t.Run("own key trusted after first publish", func(t *testing.T) {
		rep, code := r.on(t).verify("acme/app@1.0.0")
		if code != 0 || rep.Status != "valid" {
			t.Fatalf("exit %d, report %+v", code, rep)
		}
	})
	t.Run("key not in policy", func(t *testing.T) {
		r := r.on(t)
		r.publish("acme/app", "2.0.0", []string{filepath.Join(in, "app.wasm")}, "--key", "stranger")
		rep, code := r.verify("acme/app@2.0.0")
		if code != 3 || rep.Status != "untrusted" || rep.Code != "untrusted-key" {
			t.Fatalf("exit %d, report %+v", code, rep)
		}
		if s := rep.Metadata[0].Signatures[0]; s.Code != "untrusted-key" || s.Signer != r.did("stranger") {
			t.Fatalf("signature verdict %+v", s)
		}
		// A policy given on the command line that trusts the stranger accepts it.
		pol := filepath.Join(t.TempDir(), "policy.toml")
		writeFile(t, pol, []byte("version = 1\n[[rule]]\npattern = \"acme/app\"\nkeys = [\""+r.did("stranger")+"\"]\nthreshold = 1\n"))
		if rep, code := r.verify("acme/app@2.0.0", "--policy", pol); code != 0 {
			t.Fatalf("with --policy: exit %d, %+v", code, rep)
		}
	})
	t.Run("threshold 2 of 2", func(t *testing.T) {
		r := r.on(t)
		r.ok("trust", "add", "acme/*", r.did("second"), "--threshold", "2")
		rep, code := r.verify("acme/app@1.0.0")
		if code != 3 || rep.Code != "below-threshold" || !strings.Contains(rep.Reason, "1 of 2") {
			t.Fatalf("exit %d, report %+v", code, rep)
		}
		// Signing twice with the same key does not make two signatures.
		r.ok("sign", pub.Metadata.String())
		if _, code := r.verify("acme/app@1.0.0"); code != 3 {
			t.Fatalf("one key counted twice: exit %d", code)
		}
		r.ok("sign", pub.Metadata.String(), "--key", "second")
		rep, code = r.verify("acme/app@1.0.0")
		if code != 0 || rep.Metadata[0].Valid != 2 {
			t.Fatalf("exit %d, report %+v", code, rep)
		}
	})
	t.Run("roles", func(t *testing.T) {
		r := r.on(t)
		r.ok("trust", "rm", "acme/*")
		r.ok("trust", "add", "acme/*", r.did("default"), "--role", "auditor")
		r.publish("acme/app", "4.0.0", []string{filepath.Join(in, "app.wasm")}, "--role", "publisher")
		rep, code := r.verify("acme/app@4.0.0")
		if code != 3 || rep.Code != "role-not-allowed" {
			t.Fatalf("exit %d, report %+v", code, rep)
		}
		r.publish("acme/app", "3.0.0", []string{filepath.Join(in, "app.wasm")}, "--role", "auditor")
		if rep, code := r.verify("acme/app@3.0.0"); code != 0 {
			t.Fatalf("auditor role: exit %d, %+v", code, rep)
		}
	})
	t.Run("no rule", func(t *testing.T) {
		r := r.on(t)
		r.ok("trust", "rm", "acme/*")
		rep, code := r.verify("acme/app@1.0.0")
		if code != 3 || rep.Code != "no-rule" {
			t.Fatalf("exit %d, report %+v", code, rep)
		}
	})
}

// TestProvenanceChain: source build -> optimized -> repacked, each published and
// signed by its own key, verifies end to end, and breaks visibly when any link
// is untrusted.
func TestProvenanceChain(t *testing.T) {
	r := newRepo(t)
	in := t.TempDir()
	for _, k := range []string{"optimizer", "packer"} {
		r.ok("key", "gen", k)
	}
	writeFile(t, filepath.Join(in, "app.wasm"), []byte("\x00asm source build"))
	writeFile(t, filepath.Join(in, "app.opt.wasm"), []byte("\x00asm optimized"))
	writeFile(t, filepath.Join(in, "app.tar"), []byte("repacked"))
	writeFile(t, filepath.Join(in, "opt.toml"), []byte("[build]\ntool = \"wasm-opt -O3\"\n"))
	r.publish("acme/app", "1.0.0", []string{filepath.Join(in, "app.wasm")})
	r.ok("trust", "add", "acme/*", r.did("optimizer"))
	r.ok("trust", "add", "acme/*", r.did("packer"))
	r.publish("acme/app-opt", "1.0.0", []string{filepath.Join(in, "app.opt.wasm")},
		"--input", "acme/app@1.0.0", "--key", "optimizer", "--role", "builder", "--meta", filepath.Join(in, "opt.toml"))
	r.publish("acme/app-bundle", "1.0.0", []string{filepath.Join(in, "app.tar")},
		"--input", "acme/app-opt@1.0.0", "--key", "packer", "--role", "builder")

	rep, code := r.verify("acme/app-bundle@1.0.0")
	if code != 0 || rep.Status != "valid" {
		t.Fatalf("chain: exit %d, %+v", code, rep)
	}
	if len(rep.Inputs) != 1 || len(rep.Inputs[0].Inputs) != 1 || rep.Inputs[0].Inputs[0].Status != "valid" {
		t.Fatalf("chain not walked to the source build: %+v", rep)
	}

	// The optimizer's key is no longer trusted: the bundle's own signature is
	// still fine, but its chain is not.
	r.ok("trust", "rm", "acme/*", r.did("optimizer"))
	rep, code = r.verify("acme/app-bundle@1.0.0")
	if code != 3 || rep.Code != "input-untrusted" || !strings.Contains(rep.Reason, "acme/app-opt@1.0.0") {
		t.Fatalf("broken chain: exit %d, %+v", code, rep)
	}
	if in := rep.Inputs[0]; in.Code != "untrusted-key" {
		t.Fatalf("the untrusted link should say why: %+v", in)
	}
	human := r.run("verify", "acme/app-bundle@1.0.0")
	if human.code != 3 || !strings.Contains(human.stdout, "made from:") || !strings.Contains(human.stderr, "not trusted") {
		t.Fatalf("human output:\n%s", human)
	}
}
