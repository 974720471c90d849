package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// logView is the --json output of cairn log.
type logView struct {
	Signer  string `json:"signer"`
	Head    uint64 `json:"head"`
	Entries []struct {
		Seq        uint64    `json:"seq"`
		Entry      cidJSON   `json:"entry"`
		Prev       *cidJSON  `json:"prev"`
		Created    string    `json:"created"`
		Name       string    `json:"name"`
		Version    string    `json:"version"`
		Package    cidJSON   `json:"package"`
		Metadata   []cidJSON `json:"metadata"`
		Signatures []cidJSON `json:"signatures"`
	} `json:"entries"`
	Equivocations []any `json:"equivocations"`
}

// logRef is the "log" field of publish, meta add and sign --json.
type logRef struct {
	Signer string  `json:"signer"`
	Seq    uint64  `json:"seq"`
	Entry  cidJSON `json:"entry"`
}

// signedResult is the --json output of publish, meta add and sign, as far as
// the log tests read it.
type signedResult struct {
	Package   cidJSON `json:"package"`
	Metadata  cidJSON `json:"metadata"`
	Signature cidJSON `json:"signature"`
	Signer    string  `json:"signer"`
	Log       *logRef `json:"log"`
}

// versionView is one element of the --json output of cairn versions.
type versionView struct {
	Version string   `json:"version"`
	Status  string   `json:"status"`
	Package *cidJSON `json:"package"`
	Signers []string `json:"signers"`
	Pinned  bool     `json:"pinned"`
	Reason  string   `json:"reason"`
}

// logFixture is a repo where the default key published acme/app 1.0.0 and
// 1.0.1 and added a metadata set to 1.0.0, which the key "second" signed.
type logFixture struct {
	r              *repo
	pkgs           [2]string // packages of 1.0.0 and 1.0.1
	first          signedResult
	human          string // stdout of the publish of 1.0.1, without --json
	meta, sign     signedResult
	did, secondDID string
	in             string
}

func newLogFixture(t *testing.T) *logFixture {
	t.Helper()
	r := newRepo(t)
	f := &logFixture{r: r, in: t.TempDir()}
	writeFile(t, filepath.Join(f.in, "app.wasm"), []byte("\x00asm\x01\x00\x00\x00 one"))
	writeFile(t, filepath.Join(f.in, "v2", "app.wasm"), []byte("\x00asm\x01\x00\x00\x00 two"))
	writeFile(t, filepath.Join(f.in, "other", "app.wasm"), []byte("\x00asm\x01\x00\x00\x00 other"))
	writeFile(t, filepath.Join(f.in, "review.toml"), []byte("verdict = \"ok\"\n"))
	r.json(&f.first, "publish", "--name", "acme/app", "--version", "1.0.0", filepath.Join(f.in, "app.wasm"))
	f.human = r.ok("publish", "--name", "acme/app", "--version", "1.0.1", filepath.Join(f.in, "v2", "app.wasm")).stdout
	r.json(&f.meta, "meta", "add", "acme/app@1.0.0", "--meta", filepath.Join(f.in, "review.toml"), "--kind", "review")
	r.ok("key", "gen", "second")
	r.json(&f.sign, "sign", f.meta.Metadata.S, "--key", "second", "--role", "auditor")
	f.did, f.secondDID = r.did("default"), r.did("second")
	r.ok("trust", "add", "acme/*", f.secondDID)
	var list []struct {
		Version string  `json:"version"`
		Package cidJSON `json:"package"`
	}
	r.json(&list, "ls", "acme/app")
	if len(list) != 2 {
		t.Fatalf("ls acme/app: %+v", list)
	}
	f.pkgs = [2]string{list[0].Package.S, list[1].Package.S}
	return f
}

func TestLogPublishMetaSign(t *testing.T) {
	f := newLogFixture(t)
	r := f.r

	t.Run("publish, meta add and sign report their entries", func(t *testing.T) {
		if f.first.Log == nil || f.first.Log.Seq != 1 || f.first.Log.Signer != f.did || f.first.Log.Entry.S == "" {
			t.Fatalf("publish --json log = %+v, want entry 1 of %s", f.first.Log, f.did)
		}
		if f.meta.Log == nil || f.meta.Log.Seq != 3 || f.meta.Log.Signer != f.did {
			t.Fatalf("meta add --json log = %+v, want entry 3 of %s", f.meta.Log, f.did)
		}
		if f.sign.Log == nil || f.sign.Log.Seq != 1 || f.sign.Log.Signer != f.secondDID {
			t.Fatalf("sign --json log = %+v, want entry 1 of %s", f.sign.Log, f.secondDID)
		}
		if want := "log        entry 2 of " + f.did + " ("; !strings.Contains(f.human, want) {
			t.Fatalf("publish output lacks %q:\n%s", want, f.human)
		}
	})

	t.Run("the default key's log chains three entries", func(t *testing.T) {
		var v logView
		r.on(t).json(&v, "log")
		if v.Signer != f.did || v.Head != 3 || len(v.Entries) != 3 || len(v.Equivocations) != 0 {
			t.Fatalf("log = %+v, want 3 entries of %s, head 3, no proofs", v, f.did)
		}
		for i, e := range v.Entries {
			if want := uint64(3 - i); e.Seq != want {
				t.Fatalf("entry %d has seq %d, want %d", i, e.Seq, want)
			}
			if i == 2 {
				if e.Prev != nil {
					t.Fatalf("entry 1 has prev %v", e.Prev)
				}
				continue
			}
			if e.Prev == nil || e.Prev.S != v.Entries[i+1].Entry.S {
				t.Fatalf("entry %d prev = %v, want %s", e.Seq, e.Prev, v.Entries[i+1].Entry.S)
			}
		}
		e3, e2, e1 := v.Entries[0], v.Entries[1], v.Entries[2]
		if e1.Entry.S != f.first.Log.Entry.S || e1.Name != "acme/app" || e1.Version != "1.0.0" || e1.Package.S != f.pkgs[0] ||
			len(e1.Metadata) != 1 || e1.Metadata[0].S != f.first.Metadata.S || len(e1.Signatures) != 1 || e1.Signatures[0].S != f.first.Signature.S {
			t.Fatalf("entry 1 = %+v, want the publish of acme/app@1.0.0 %+v", e1, f.first)
		}
		if e2.Version != "1.0.1" || e2.Package.S != f.pkgs[1] {
			t.Fatalf("entry 2 = %+v, want acme/app@1.0.1 as %s", e2, f.pkgs[1])
		}
		if e3.Entry.S != f.meta.Log.Entry.S || e3.Version != "1.0.0" || len(e3.Metadata) != 1 || e3.Metadata[0].S != f.meta.Metadata.S ||
			len(e3.Signatures) != 1 || e3.Signatures[0].S != f.meta.Signature.S {
			t.Fatalf("entry 3 = %+v, want the meta add %+v", e3, f.meta)
		}
		var byDID logView
		r.on(t).json(&byDID, "log", f.did)
		if byDID.Head != 3 || len(byDID.Entries) != 3 || byDID.Entries[0].Entry.S != e3.Entry.S {
			t.Fatalf("log by did:key = %+v, want the same log", byDID)
		}
		var last logView
		r.on(t).json(&last, "log", "--limit", "1")
		if last.Head != 3 || len(last.Entries) != 1 || last.Entries[0].Seq != 3 {
			t.Fatalf("log --limit 1 = %+v, want entry 3 alone", last)
		}
	})

	t.Run("the second key's log holds its signature", func(t *testing.T) {
		for _, key := range []string{"second", f.secondDID} {
			var v logView
			r.on(t).json(&v, "log", key)
			if v.Signer != f.secondDID || v.Head != 1 || len(v.Entries) != 1 {
				t.Fatalf("log %s = %+v, want one entry of %s", key, v, f.secondDID)
			}
			e := v.Entries[0]
			if e.Seq != 1 || e.Prev != nil || e.Version != "1.0.0" || e.Package.S != f.pkgs[0] ||
				len(e.Metadata) != 1 || e.Metadata[0].S != f.meta.Metadata.S ||
				len(e.Signatures) != 1 || e.Signatures[0].S != f.sign.Signature.S {
				t.Fatalf("entry = %+v, want the signature %s of %s", e, f.sign.Signature.S, f.meta.Metadata.S)
			}
		}
	})

	t.Run("human output", func(t *testing.T) {
		out := r.on(t).ok("log").stdout
		for _, want := range []string{
			"log of " + f.did, "head           3", "equivocations  0",
			"acme/app@1.0.1  " + f.pkgs[1] + "  1 metadata, 1 signature(s)  entry ",
			"acme/app@1.0.0  " + f.pkgs[0] + "  1 metadata, 1 signature(s)  entry " + f.meta.Log.Entry.S,
		} {
			if !strings.Contains(out, want) {
				t.Fatalf("cairn log output lacks %q:\n%s", want, out)
			}
		}
		var seqs []string
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "  entry bafy") {
				seqs = append(seqs, strings.Fields(l)[0])
			}
		}
		if strings.Join(seqs, ",") != "3,2,1" {
			t.Fatalf("cairn log shows entries %v, want 3,2,1:\n%s", seqs, out)
		}
	})

	t.Run("a second package for a published version is refused", func(t *testing.T) {
		r := r.on(t)
		before := r.ok("log", "--json").stdout
		res := r.run("publish", "--name", "acme/app", "--version", "1.0.0", filepath.Join(f.in, "other", "app.wasm"))
		if res.code == 0 || !strings.Contains(res.stderr, "acme/app@1.0.0") || !strings.Contains(res.stderr, "already") {
			t.Fatalf("expected a refusal naming acme/app@1.0.0:\n%s", res)
		}
		if after := r.ok("log", "--json").stdout; after != before {
			t.Fatalf("the log changed:\nbefore %s\nafter %s", before, after)
		}
	})

	t.Run("errors", func(t *testing.T) {
		r := r.on(t)
		r.fail(4, []string{"no log of did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"},
			"log", "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
		r.fail(4, []string{"nosuchkey"}, "log", "nosuchkey")
		r.fail(2, []string{"did:key"}, "log", "did:key:zNOPE")
		r.fail(2, []string{"empty KEY"}, "log", "")
		r.fail(2, []string{"at most one KEY"}, "log", "default", "second")
		r.fail(2, []string{"--limit -1"}, "log", "--limit", "-1")
		r.fail(2, []string{"--limit"}, "log", "--limit", "many")
	})
}

func TestVersionsListing(t *testing.T) {
	f := newLogFixture(t)
	r := f.r

	t.Run("both versions trusted and pinned", func(t *testing.T) {
		var vs []versionView
		r.on(t).json(&vs, "versions", "acme/app")
		if len(vs) != 2 || vs[0].Version != "1.0.0" || vs[1].Version != "1.0.1" {
			t.Fatalf("versions = %+v, want 1.0.0 then 1.0.1", vs)
		}
		for i, v := range vs {
			if v.Status != "trusted" || !v.Pinned || v.Package == nil || v.Package.S != f.pkgs[i] || v.Reason != "" {
				t.Fatalf("version %s = %+v, want trusted and pinned as %s", v.Version, v, f.pkgs[i])
			}
		}
		if got := strings.Join(vs[0].Signers, " "); !strings.Contains(got, f.did) || !strings.Contains(got, f.secondDID) || len(vs[0].Signers) != 2 {
			t.Fatalf("1.0.0 signers = %v, want %s and %s", vs[0].Signers, f.did, f.secondDID)
		}
		if len(vs[1].Signers) != 1 || vs[1].Signers[0] != f.did {
			t.Fatalf("1.0.1 signers = %v, want %s", vs[1].Signers, f.did)
		}
	})

	t.Run("human output", func(t *testing.T) {
		out := r.on(t).ok("versions", "acme/app").stdout
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "1.0.0 ") || !strings.HasPrefix(lines[1], "1.0.1 ") {
			t.Fatalf("cairn versions output:\n%s", out)
		}
		for i, l := range lines {
			for _, want := range []string{"trusted", f.pkgs[i], "pinned=yes", "signers=did:key:"} {
				if !strings.Contains(l, want) {
					t.Fatalf("line %q lacks %q", l, want)
				}
			}
		}
	})

	t.Run("a key the policy drops makes its versions untrusted", func(t *testing.T) {
		r := r.on(t)
		r.ok("trust", "rm", "acme/*")
		var vs []versionView
		r.json(&vs, "versions", "acme/app")
		// Without trusted claims the names index still resolves them: local.
		if len(vs) != 2 || vs[0].Status != "local" || vs[0].Package == nil || vs[0].Package.S != f.pkgs[0] || len(vs[0].Signers) != 0 {
			t.Fatalf("versions after trust rm = %+v, want local", vs)
		}
	})

	t.Run("unknown and bad names", func(t *testing.T) {
		r := r.on(t)
		var vs []versionView
		r.json(&vs, "versions", "acme/nothing")
		if len(vs) != 0 {
			t.Fatalf("versions of an unknown name = %+v, want []", vs)
		}
		if out := r.ok("versions", "acme/nothing").stdout; !strings.Contains(out, "no versions of acme/nothing") {
			t.Fatalf("versions of an unknown name:\n%s", out)
		}
		r.fail(2, []string{"acme@1.0.0"}, "versions", "acme@1.0.0")
		r.fail(2, []string{"a package name"}, "versions")
	})
}
