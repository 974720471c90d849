package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ita "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

const intotoBuildTOML = `[source]
repository = "https://example.com/acme/hello.git"
commit = "9fceb02d0ae598e95dc970b74767f19372d61af8"
ref = "refs/tags/v1.2.0"

[build]
builder = "https://ci.example.com/runners/linux-amd64"
command = "cargo build --release --target wasm32-wasip2"
started = 2026-01-02T15:04:05Z
`

// validStatement checks data with the in-toto library's own parser and
// Validate, and returns the statement.
func validStatement(t *testing.T, data []byte) *ita.Statement {
	t.Helper()
	var st ita.Statement
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, &st); err != nil {
		t.Fatalf("not an in-toto statement: %v\n%s", err, data)
	}
	if err := st.Validate(); err != nil {
		t.Fatalf("in-toto Validate: %v\n%s", err, data)
	}
	return &st
}

func sha256Hex(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestInTotoAttest: cairn attest writes a statement the in-toto library
// validates, whose subjects are the package's file layers with their
// SHA-256 (computed here from the files), as SLSA provenance when the build
// metadata names its builder and as Cairn's predicate otherwise.
func TestInTotoAttest(t *testing.T) {
	r := newRepo(t)
	in := t.TempDir()
	wasm, lib := filepath.Join(in, "hello.wasm"), filepath.Join(in, "lib.so")
	writeFile(t, wasm, []byte("\x00asm\x01\x00\x00\x00hello"))
	writeFile(t, lib, []byte("a shared library"))
	writeFile(t, filepath.Join(in, "site", "index.html"), []byte("<p>hi</p>"))
	writeFile(t, filepath.Join(in, "build.toml"), []byte(intotoBuildTOML))
	pub := r.publish("acme/hello", "1.2.0", []string{wasm, lib, filepath.Join(in, "site")}, "--meta", filepath.Join(in, "build.toml"))

	out := r.ok("attest", "acme/hello@1.2.0")
	st := validStatement(t, []byte(out.stdout))
	if st.GetPredicateType() != "https://slsa.dev/provenance/v1" {
		t.Fatalf("predicateType %s, want SLSA provenance v1", st.GetPredicateType())
	}
	want := map[string]string{"hello.wasm": sha256Hex(t, wasm), "lib.so": sha256Hex(t, lib)}
	if len(st.GetSubject()) != len(want) {
		t.Fatalf("%d subjects, want %d (the directory layer has no SHA-256): %v", len(st.GetSubject()), len(want), st.GetSubject())
	}
	for _, s := range st.GetSubject() {
		if s.GetDigest()["sha256"] != want[s.GetName()] {
			t.Errorf("subject %s: sha256 %s, want %s", s.GetName(), s.GetDigest()["sha256"], want[s.GetName()])
		}
	}
	pred := st.GetPredicate().AsMap()
	if id := pred["runDetails"].(map[string]any)["builder"].(map[string]any)["id"]; id != "https://ci.example.com/runners/linux-amd64" {
		t.Errorf("runDetails.builder.id = %v", id)
	}

	// --json with stdout output: the statement itself.
	if js := r.ok("attest", "acme/hello@1.2.0", "--json"); js.stdout != out.stdout {
		t.Errorf("attest --json differs from attest:\n%s", js.stdout)
	}

	// Cairn's predicate, by CID, to a file.
	file := filepath.Join(in, "cairn.json")
	var res struct {
		File          string `json:"file"`
		PredicateType string `json:"predicateType"`
		Subjects      int    `json:"subjects"`
	}
	r.json(&res, "attest", pub.Package.S, "--predicate", "cairn", "-o", file)
	if res.PredicateType != "https://cairn.dev/metadata/v1" || res.Subjects != 2 || res.File != file {
		t.Fatalf("attest -o: %+v", res)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cst := validStatement(t, data)
	var cp struct {
		Package  struct{ CID string }
		Status   string
		Metadata []struct {
			CID        string
			Kind       string
			Status     string
			Signatures []struct{ Signer, Status string }
		}
	}
	pj, _ := protojson.Marshal(cst.GetPredicate())
	if err := json.Unmarshal(pj, &cp); err != nil {
		t.Fatal(err)
	}
	if cp.Package.CID != pub.Package.S || cp.Status != "valid" || len(cp.Metadata) != 1 || cp.Metadata[0].CID != pub.Metadata.S ||
		cp.Metadata[0].Kind != "build" || len(cp.Metadata[0].Signatures) != 1 || cp.Metadata[0].Signatures[0].Signer != r.did("default") ||
		cp.Metadata[0].Signatures[0].Status != "valid" {
		t.Fatalf("cairn predicate: %+v", cp)
	}
	r.fail(1, []string{"already exists", "--force"}, "attest", pub.Package.S, "-o", file)
	r.ok("attest", pub.Package.S, "-o", file, "--force")

	// No builder, no SLSA provenance.
	writeFile(t, filepath.Join(in, "review.json"), []byte(`{"review": {"outcome": "pass"}}`))
	other := r.publish("acme/other", "1.0.0", []string{lib}, "--meta", filepath.Join(in, "review.json"), "--kind", "review")
	if st := validStatement(t, []byte(r.ok("attest", other.Package.S).stdout)); st.GetPredicateType() != "https://cairn.dev/metadata/v1" {
		t.Errorf("without build.builder: predicateType %s, want Cairn's", st.GetPredicateType())
	}
	r.fail(2, []string{"no build metadata for slsa provenance", "build.builder"}, "attest", other.Package.S, "--predicate", "slsa")
	r.fail(2, []string{"--key", "--dsse"}, "attest", other.Package.S, "--key", "default")
	r.fail(4, nil, "attest", "acme/missing@1.0.0")
}

// provenanceByAnotherTool is SLSA Provenance v1 as a CI's builder writes
// it, for a file of the given name and SHA-256.
func provenanceByAnotherTool(name, sha string) []byte {
	return []byte(`{
  "_type": "https://in-toto.io/Statement/v1",
  "subject": [{"name": "` + name + `", "digest": {"sha256": "` + sha + `", "sha512": "` + strings.Repeat("0", 128) + `"}}],
  "predicateType": "https://slsa.dev/provenance/v1",
  "predicate": {
    "buildDefinition": {
      "buildType": "https://actions.github.io/buildtypes/workflow/v1",
      "externalParameters": {"workflow": {"ref": "refs/heads/main", "repository": "https://github.com/acme/hello", "path": ".github/workflows/release.yml"}},
      "resolvedDependencies": [{"uri": "git+https://github.com/acme/hello@refs/heads/main", "digest": {"gitCommit": "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d"}}]
    },
    "runDetails": {
      "builder": {"id": "https://github.com/actions/runner/github-hosted"},
      "metadata": {"invocationId": "https://github.com/acme/hello/actions/runs/42/attempts/1", "startedOn": "2026-03-01T10:00:00Z", "finishedOn": "2026-03-01T10:04:00Z"}
    }
  }
}`)
}

// TestInTotoAttachForeign: a statement another tool made for the same file
// attaches, its SLSA fields mapped to the well-known keys; one for another
// file is refused, saying which subject, digest and layers, and changes
// nothing.
func TestInTotoAttachForeign(t *testing.T) {
	r := newRepo(t)
	in := t.TempDir()
	wasm := filepath.Join(in, "hello.wasm")
	writeFile(t, wasm, []byte("\x00asm\x01\x00\x00\x00hello"))
	pub := r.publish("acme/hello", "1.2.0", []string{wasm})

	good := filepath.Join(in, "good.intoto.json")
	writeFile(t, good, provenanceByAnotherTool("dist/hello.wasm", sha256Hex(t, wasm)))
	var res struct {
		Metadata      cidJSON `json:"metadata"`
		Kind          string  `json:"kind"`
		PredicateType string  `json:"predicateType"`
		Subjects      []struct{ Subject, Layer string }
	}
	r.json(&res, "meta", "add", "acme/hello@1.2.0", "--in-toto", good)
	if res.Kind != "build" || res.PredicateType != "https://slsa.dev/provenance/v1" || len(res.Subjects) != 1 ||
		res.Subjects[0].Subject != "dist/hello.wasm" || res.Subjects[0].Layer != "hello.wasm" {
		t.Fatalf("meta add --in-toto: %+v", res)
	}
	var view struct {
		Status   string `json:"status"`
		Metadata []struct {
			CID     cidJSON         `json:"cid"`
			Status  string          `json:"status"`
			Entries json.RawMessage `json:"entries"`
		} `json:"metadata"`
	}
	r.json(&view, "inspect", pub.Package.S)
	var found bool
	for _, m := range view.Metadata {
		if m.CID != res.Metadata {
			continue
		}
		found = true
		var e struct {
			Source struct{ Repository, Ref, Commit string }
			Build  struct{ Builder, Started, Finished string }
			Intoto struct {
				PredicateType string
				Statement     struct {
					Slash struct{ Bytes string } `json:"/"`
				}
			}
		}
		if err := json.Unmarshal(m.Entries, &e); err != nil {
			t.Fatal(err)
		}
		if m.Status != "valid" || e.Build.Builder != "https://github.com/actions/runner/github-hosted" || e.Build.Finished != "2026-03-01T10:04:00Z" ||
			e.Source.Repository != "https://github.com/acme/hello" || e.Source.Ref != "refs/heads/main" || e.Source.Commit != "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d" {
			t.Errorf("entries of the attached statement: %s", m.Entries)
		}
		kept, err := base64.RawStdEncoding.DecodeString(e.Intoto.Statement.Slash.Bytes) // DAG-JSON: unpadded
		if err != nil || string(kept) != string(provenanceByAnotherTool("dist/hello.wasm", sha256Hex(t, wasm))) {
			t.Errorf("the statement was not kept byte for byte (%v): %s", err, kept)
		}
	}
	if !found || view.Status != "valid" {
		t.Fatalf("the attached metadata set %s is not on the package (status %s)", res.Metadata, view.Status)
	}

	// A statement about another file.
	otherSHA := sha256.Sum256([]byte("another file"))
	bad := filepath.Join(in, "bad.intoto.json")
	writeFile(t, bad, provenanceByAnotherTool("dist/other.wasm", hex.EncodeToString(otherSHA[:])))
	before := r.snapshot()
	r.fail(2, []string{
		"in-toto subject does not match the package",
		`subject 0 "dist/other.wasm"`,
		"sha256:" + hex.EncodeToString(otherSHA[:]),
		`"hello.wasm" sha256:` + sha256Hex(t, wasm),
	}, "meta", "add", "acme/hello@1.2.0", "--in-toto", bad)
	if after := r.snapshot(); after != before {
		t.Fatalf("a refused statement changed the repo:\nbefore %s\nafter  %s", before, after)
	}

	// Not a statement at all.
	notStmt := filepath.Join(in, "not.json")
	writeFile(t, notStmt, []byte(`{"_type": "https://in-toto.io/Statement/v1", "subject": []}`))
	r.fail(2, []string{"invalid in-toto statement"}, "meta", "add", "acme/hello@1.2.0", "--in-toto", notStmt)
	r.fail(2, []string{"--meta or --in-toto"}, "meta", "add", "acme/hello@1.2.0")
}

// TestInTotoDSSERoundTrip: A attests with --dsse; B, which trusts A's key
// and imported the package from A's bundle, attaches the envelope through
// its daemon, verifying the envelope's did:key signature; a tampered
// envelope is refused.
func TestInTotoDSSERoundTrip(t *testing.T) {
	a, b := newRepo(t), newRepo(t)
	in := t.TempDir()
	wasm := filepath.Join(in, "hello.wasm")
	writeFile(t, wasm, []byte("\x00asm\x01\x00\x00\x00hello"))
	writeFile(t, filepath.Join(in, "build.toml"), []byte(intotoBuildTOML))
	a.publish("acme/hello", "1.2.0", []string{wasm}, "--meta", filepath.Join(in, "build.toml"))
	a.ok("key", "gen", "release")
	env := filepath.Join(in, "hello.dsse.json")
	var att struct {
		DSSE  bool   `json:"dsse"`
		KeyID string `json:"keyid"`
	}
	a.json(&att, "attest", "acme/hello@1.2.0", "--dsse", "--key", "release", "-o", env)
	release := a.did("release")
	if !att.DSSE || att.KeyID != release {
		t.Fatalf("attest --dsse: %+v, want signed by %s", att, release)
	}
	raw, err := os.ReadFile(env)
	if err != nil {
		t.Fatal(err)
	}
	var envelope struct {
		PayloadType string `json:"payloadType"`
		Payload     string `json:"payload"`
		Signatures  []struct {
			KeyID string `json:"keyid"`
			Sig   string `json:"sig"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal(raw, &envelope); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(envelope.Payload)
	if err != nil || envelope.PayloadType != "application/vnd.in-toto+json" || len(envelope.Signatures) != 1 || envelope.Signatures[0].KeyID != release {
		t.Fatalf("envelope: %s (%v)", raw, err)
	}
	if st := validStatement(t, payload); st.GetSubject()[0].GetDigest()["sha256"] != sha256Hex(t, wasm) {
		t.Fatalf("enveloped statement's subject: %v", st.GetSubject())
	}

	bundle := filepath.Join(in, "hello.car")
	a.ok("export", "acme/hello@1.2.0", "-o", bundle)
	b.ok("trust", "add", "acme/*", a.did("default"))
	b.ok("trust", "add", "acme/*", release)
	b.ok("import", bundle)
	startDaemon(t, b)

	var res struct {
		DSSE []struct {
			KeyID    string `json:"keyid"`
			Verified bool   `json:"verified"`
		} `json:"dsse"`
		Signer string `json:"signer"`
	}
	b.json(&res, "meta", "add", "acme/hello@1.2.0", "--in-toto", env)
	if len(res.DSSE) != 1 || res.DSSE[0].KeyID != release || !res.DSSE[0].Verified || res.Signer != b.did("default") {
		t.Fatalf("meta add --in-toto of the envelope on B: %+v", res)
	}

	// The same envelope with its statement swapped for another: the did:key
	// signature no longer verifies.
	var stmt map[string]any
	if err := json.Unmarshal(payload, &stmt); err != nil {
		t.Fatal(err)
	}
	stmt["predicateType"] = "https://example.com/forged/v1"
	forgedPayload, _ := json.Marshal(stmt)
	envelope.Payload = base64.StdEncoding.EncodeToString(forgedPayload)
	forged, _ := json.Marshal(envelope)
	forgedFile := filepath.Join(in, "forged.dsse.json")
	writeFile(t, forgedFile, forged)
	b.fail(1, []string{"signature does not verify", release}, "meta", "add", "acme/hello@1.2.0", "--in-toto", forgedFile)
}
