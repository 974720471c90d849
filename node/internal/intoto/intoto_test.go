package intoto

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/sign"
	"github.com/cairnpkg/cairn/sign/signtest"
)

const buildJSON = `{
  "source": {"repository": "https://example.com/acme/hello.git", "commit": "9fceb02d0ae598e95dc970b74767f19372d61af8", "ref": "refs/tags/v1.2.0"},
  "license": {"expression": "Apache-2.0 OR MIT"},
  "build": {
    "environment": "sha256:4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b",
    "builder": "https://ci.example.com/runners/linux-amd64",
    "command": "cargo build --release",
    "started": "2026-01-02T15:04:05Z",
    "finished": "2026-01-02T15:06:40Z"
  }
}`

// source makes a Source of a one-layer package with one valid metadata set
// of the given kind and entries.
func source(t *testing.T, data []byte, kind, entries string) Source {
	t.Helper()
	p := dagtest.Package(t, "acme/hello", "1.2.0", data)
	_, pc := dagtest.MustEncode(t, p)
	n, err := dag.ParseEntries("e.json", []byte(entries))
	if err != nil {
		t.Fatal(err)
	}
	mc := dagtest.NodeCID(t, "meta")
	created := dagtest.Time()
	rep := &sign.Report{Status: sign.Valid, Metadata: []sign.MetadataReport{{
		CID: mc, Kind: kind, Created: &created, Status: sign.Valid,
		Signatures: []sign.SignatureReport{{CID: dagtest.NodeCID(t, "sig"), Signer: signtest.Key(t, 1).DID(), Role: dag.RolePublisher, Status: sign.Valid}},
	}}}
	return Source{CID: pc, Package: p, Report: rep, Entries: map[cid.Cid]datamodel.Node{mc: n}}
}

func marshal(t *testing.T, st *Statement) []byte {
	t.Helper()
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBuildSLSA(t *testing.T) {
	data := []byte("hello wasm")
	src := source(t, data, dag.KindBuild, buildJSON)
	st, err := Build(src, PredicateAuto)
	if err != nil {
		t.Fatal(err)
	}
	if st.PredicateType != PredicateSLSA {
		t.Fatalf("predicateType = %s, want %s", st.PredicateType, PredicateSLSA)
	}
	sum := sha256.Sum256(data)
	if len(st.Subject) != 1 || st.Subject[0].Name != "artifact" || st.Subject[0].Digest["sha256"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("subjects = %+v, want artifact with sha256 %x", st.Subject, sum)
	}
	out := marshal(t, st)
	if _, err := Validate(out); err != nil {
		t.Fatalf("library Validate: %v", err)
	}
	var back struct {
		Predicate struct {
			BuildDefinition struct {
				BuildType            string
				ExternalParameters   map[string]any
				InternalParameters   map[string]any
				ResolvedDependencies []ResourceDescriptor
			}
			RunDetails struct {
				Builder  struct{ ID string }
				Metadata struct{ StartedOn, FinishedOn string }
			}
		}
	}
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	p := back.Predicate
	if p.RunDetails.Builder.ID != "https://ci.example.com/runners/linux-amd64" ||
		p.RunDetails.Metadata.StartedOn != "2026-01-02T15:04:05Z" || p.RunDetails.Metadata.FinishedOn != "2026-01-02T15:06:40Z" {
		t.Fatalf("runDetails = %+v", p.RunDetails)
	}
	if p.BuildDefinition.BuildType != BuildTypeCairn || p.BuildDefinition.ExternalParameters["command"] != "cargo build --release" {
		t.Fatalf("buildDefinition = %+v", p.BuildDefinition)
	}
	deps := p.BuildDefinition.ResolvedDependencies
	if len(deps) != 2 || deps[0].URI != "git+https://example.com/acme/hello.git@refs/tags/v1.2.0" ||
		deps[0].Digest["gitCommit"] != "9fceb02d0ae598e95dc970b74767f19372d61af8" ||
		deps[1].Digest["sha256"] != "4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b" {
		t.Fatalf("resolvedDependencies = %+v", deps)
	}
	if _, ok := p.BuildDefinition.InternalParameters["cairn"].(map[string]any); !ok {
		t.Fatalf("internalParameters.cairn missing: %+v", p.BuildDefinition.InternalParameters)
	}
}

// A time without a zone (a TOML local date-time) is no SLSA timestamp: it is
// left out, and the statement still validates.
func TestBuildLocalTime(t *testing.T) {
	src := source(t, []byte("x"), dag.KindBuild, strings.Replace(buildJSON, `"2026-01-02T15:04:05Z"`, `"2026-01-02T15:04:05"`, 1))
	st, err := Build(src, PredicateModeSLSA)
	if err != nil {
		t.Fatal(err)
	}
	if md := st.Predicate.(*provenance).RunDetails.Metadata; md.StartedOn != "" || md.FinishedOn != "2026-01-02T15:06:40Z" {
		t.Fatalf("runDetails.metadata = %+v", md)
	}
}

func TestBuildCairnPredicate(t *testing.T) {
	src := source(t, []byte("x"), dag.KindReview, `{"review": {"outcome": "pass"}, "n": 9007199254740993}`)
	for _, mode := range []PredicateMode{PredicateAuto, PredicateModeCairn} {
		st, err := Build(src, mode)
		if err != nil {
			t.Fatal(err)
		}
		if st.PredicateType != PredicateCairn {
			t.Fatalf("%s: predicateType = %s, want %s", mode, st.PredicateType, PredicateCairn)
		}
		out := string(marshal(t, st))
		// Entries keep their integers exact, verdicts and signers are there.
		for _, want := range []string{`"n":9007199254740993`, `"status":"valid"`, `"kind":"review"`, signtest.Key(t, 1).DID()} {
			if !strings.Contains(out, want) {
				t.Fatalf("%s: statement lacks %s: %s", mode, want, out)
			}
		}
	}
	if _, err := Build(src, PredicateModeSLSA); !errors.Is(err, ErrNoProvenance) {
		t.Fatalf("slsa without build.builder: err = %v, want ErrNoProvenance", err)
	}
}

func TestBuildDirectoryOnly(t *testing.T) {
	src := source(t, []byte("x"), dag.KindBuild, buildJSON)
	src.Package.Layers[0].SHA256 = nil
	src.Package.Layers[0].MediaType = dag.DirectoryMediaType
	if _, err := Build(src, PredicateAuto); !errors.Is(err, ErrNoFileLayers) {
		t.Fatalf("err = %v, want ErrNoFileLayers", err)
	}
}

// A SLSA provenance as another builder writes it (GitHub Actions style).
func foreignProvenance(name, sha string) string {
	return `{
  "_type": "https://in-toto.io/Statement/v1",
  "subject": [{"name": "` + name + `", "digest": {"sha256": "` + sha + `"}}],
  "predicateType": "https://slsa.dev/provenance/v1",
  "predicate": {
    "buildDefinition": {
      "buildType": "https://actions.github.io/buildtypes/workflow/v1",
      "externalParameters": {"workflow": {"ref": "refs/heads/main", "repository": "https://github.com/acme/hello", "path": ".github/workflows/release.yml"}},
      "resolvedDependencies": [{"uri": "git+https://github.com/acme/hello@refs/heads/main", "digest": {"gitCommit": "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d"}}]
    },
    "runDetails": {
      "builder": {"id": "https://github.com/actions/runner/github-hosted"},
      "metadata": {"invocationId": "https://github.com/acme/hello/actions/runs/1/attempts/1", "startedOn": "2026-03-01T10:00:00Z"},
      "extraField": 1.5
    }
  },
  "futureField": true
}`
}

func entriesJSON(t *testing.T, n datamodel.Node) map[string]any {
	t.Helper()
	js, err := dag.EntriesJSON(n)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAttachForeignSLSA(t *testing.T) {
	data := []byte("hello wasm")
	src := source(t, data, dag.KindBuild, buildJSON)
	sum := sha256.Sum256(data)
	stmt := foreignProvenance("dist/hello.wasm", hex.EncodeToString(sum[:]))
	a, err := Read([]byte(stmt))
	if err != nil {
		t.Fatal(err)
	}
	n, kind, matches, err := Attach(a, src.CID, src.Package)
	if err != nil {
		t.Fatal(err)
	}
	if kind != dag.KindBuild || len(matches) != 1 || matches[0].Layer != "artifact" || matches[0].Subject != "dist/hello.wasm" {
		t.Fatalf("kind %q, matches %+v", kind, matches)
	}
	e := entriesJSON(t, n)
	want := map[string]string{
		"build.builder":        "https://github.com/actions/runner/github-hosted",
		"build.started":        "2026-03-01T10:00:00Z",
		"source.repository":    "https://github.com/acme/hello",
		"source.ref":           "refs/heads/main",
		"source.commit":        "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d",
		"intoto.predicateType": PredicateSLSA,
	}
	for path, v := range want {
		if got := entryMap(e).str(path); got != v {
			t.Errorf("%s = %q, want %q", path, got, v)
		}
	}
	if entryMap(e).str("build.command") != "" {
		t.Errorf("build.command mapped from a foreign buildType")
	}
	// The statement is kept byte for byte (DAG-JSON shows bytes as base64).
	raw, _ := e["intoto"].(map[string]any)["statement"].(map[string]any)["/"].(map[string]any)["bytes"].(string)
	if raw == "" {
		t.Fatalf("intoto.statement not kept as bytes: %v", e["intoto"])
	}
}

func TestSLSARoundTrip(t *testing.T) {
	src := source(t, []byte("hello wasm"), dag.KindBuild, buildJSON)
	st, err := Build(src, PredicateAuto)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Read(marshal(t, st))
	if err != nil {
		t.Fatal(err)
	}
	n, _, _, err := Attach(a, src.CID, src.Package)
	if err != nil {
		t.Fatal(err)
	}
	got := entryMap(entriesJSON(t, n))
	orig, _ := decodeEntries([]byte(buildJSON))
	for _, k := range []string{"source.repository", "source.commit", "source.ref", "build.builder", "build.command", "build.environment", "build.started", "build.finished"} {
		if got.str(k) != orig.str(k) || got.str(k) == "" {
			t.Errorf("%s = %q after the round trip, want %q", k, got.str(k), orig.str(k))
		}
	}
}

func TestMatchSubjects(t *testing.T) {
	data := []byte("hello wasm")
	src := source(t, data, dag.KindBuild, buildJSON)
	sum := sha256.Sum256(data)
	other := sha256.Sum256([]byte("another file"))
	tests := []struct {
		name    string
		subject string
		wantErr []string
	}{
		{"same file", `{"name": "a", "digest": {"sha256": "` + hex.EncodeToString(sum[:]) + `"}}`, nil},
		{"upper-case hex", `{"name": "a", "digest": {"sha256": "` + strings.ToUpper(hex.EncodeToString(sum[:])) + `"}}`, nil},
		{"another file", `{"name": "other.bin", "digest": {"sha256": "` + hex.EncodeToString(other[:]) + `"}}`,
			[]string{`subject 0 "other.bin"`, "sha256:" + hex.EncodeToString(other[:]), `"artifact" sha256:` + hex.EncodeToString(sum[:])}},
		{"no sha256", `{"name": "a", "digest": {"sha512": "` + strings.Repeat("ab", 64) + `"}}`, []string{"no sha256", "sha512"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stmt := `{"_type": "https://in-toto.io/Statement/v1", "subject": [` + tt.subject + `], "predicateType": "https://example.com/test/v1", "predicate": {"ok": true}}`
			a, err := Read([]byte(stmt))
			if err != nil {
				t.Fatal(err)
			}
			_, err = MatchSubjects(a, src.CID, src.Package)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrSubjectMismatch) {
				t.Fatalf("err = %v, want ErrSubjectMismatch", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestReadEnvelope(t *testing.T) {
	ctx := context.Background()
	src := source(t, []byte("hello wasm"), dag.KindBuild, buildJSON)
	st, err := Build(src, PredicateAuto)
	if err != nil {
		t.Fatal(err)
	}
	k := signtest.Key(t, 3)
	env, err := sign.SignEnvelope(ctx, k, sign.DSSEPayloadInToto, marshal(t, st))
	if err != nil {
		t.Fatal(err)
	}
	envJSON := func(e *sign.Envelope) []byte { b, _ := json.Marshal(e); return b }
	a, err := Read(envJSON(env))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Signatures) != 1 || !a.Signatures[0].Verified || len(a.Unverified()) != 0 {
		t.Fatalf("signatures = %+v, want one verified", a.Signatures)
	}
	n, _, _, err := Attach(a, src.CID, src.Package)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(must(dag.EntriesJSON(n))), k.DID()) {
		t.Fatalf("the envelope's signer is not in the entries")
	}

	foreign := *env
	foreign.Signatures = []sign.EnvelopeSignatureWire{{KeyID: "SHA256:somekms", Sig: env.Signatures[0].Sig}}
	a, err = Read(envJSON(&foreign))
	if err != nil || len(a.Unverified()) != 1 {
		t.Fatalf("foreign keyid: err %v, unverified %v; want accepted, unverified", err, a.Unverified())
	}

	forged := *env
	forged.Signatures = []sign.EnvelopeSignatureWire{{KeyID: signtest.Key(t, 4).DID(), Sig: env.Signatures[0].Sig}}
	if _, err := Read(envJSON(&forged)); !errors.Is(err, sign.ErrBadSignature) {
		t.Fatalf("forged: err = %v, want ErrBadSignature", err)
	}
	wrongType := *env
	wrongType.PayloadType = "application/json"
	if _, err := Read(envJSON(&wrongType)); !errors.Is(err, ErrInvalidStatement) {
		t.Fatalf("payloadType: err = %v, want ErrInvalidStatement", err)
	}
	unsigned := *env
	unsigned.Signatures = nil
	if _, err := Read(envJSON(&unsigned)); !errors.Is(err, ErrInvalidStatement) {
		t.Fatalf("no signatures: err = %v, want ErrInvalidStatement", err)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestReadRefusals(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	tests := map[string]string{
		"not json":        `nope`,
		"wrong _type":     `{"_type": "https://example.com/x", "subject": [{"name": "a", "digest": {"sha256": "` + sha + `"}}], "predicateType": "p", "predicate": {}}`,
		"no subject":      `{"_type": "https://in-toto.io/Statement/v1", "subject": [], "predicateType": "p", "predicate": {}}`,
		"short digest":    `{"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "a", "digest": {"sha256": "abcd"}}], "predicateType": "p", "predicate": {}}`,
		"no predicate":    `{"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "a", "digest": {"sha256": "` + sha + `"}}], "predicateType": "p"}`,
		"slsa no builder": `{"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "a", "digest": {"sha256": "` + sha + `"}}], "predicateType": "https://slsa.dev/provenance/v1", "predicate": {"buildDefinition": {"buildType": "x", "externalParameters": {"a": 1}}, "runDetails": {"metadata": {"invocationId": "1"}}}}`,
		"too large":       `{"x": "` + strings.Repeat("a", MaxStatementSize) + `"}`,
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Read([]byte(data)); !errors.Is(err, ErrInvalidStatement) {
				t.Fatalf("err = %v, want ErrInvalidStatement", err)
			}
		})
	}
}

func TestSplitGitURI(t *testing.T) {
	tests := []struct{ uri, repo, ref string }{
		{"git+https://github.com/acme/hello@refs/heads/main", "https://github.com/acme/hello", "refs/heads/main"},
		{"git+https://example.com/acme/hello.git", "https://example.com/acme/hello.git", ""},
		{"git+ssh://git@example.com/acme/hello.git@refs/tags/v1", "ssh://git@example.com/acme/hello.git", "refs/tags/v1"},
		{"git+ssh://git@example.com/acme/hello.git", "ssh://git@example.com/acme/hello.git", ""},
	}
	for _, tt := range tests {
		if repo, ref := splitGitURI(tt.uri); repo != tt.repo || ref != tt.ref {
			t.Errorf("splitGitURI(%q) = %q, %q; want %q, %q", tt.uri, repo, ref, tt.repo, tt.ref)
		}
	}
}

// Of several build metadata sets, provenance is made from a valid one before
// a newer invalid one, and from the newest of the valid ones.
func TestProvenancePicksValidNewest(t *testing.T) {
	src := source(t, []byte("x"), dag.KindBuild, buildJSON)
	first := src.Report.Metadata[0]
	add := func(label string, status sign.Status, created time.Time) cid.Cid {
		m := first
		m.CID, m.Status, m.Created = dagtest.NodeCID(t, label), status, &created
		src.Report.Metadata = append(src.Report.Metadata, m)
		src.Entries[m.CID] = src.Entries[first.CID]
		return m.CID
	}
	add("invalid-newest", sign.Invalid, dagtest.Time().Add(2*time.Hour))
	want := add("valid-newer", sign.Valid, dagtest.Time().Add(time.Hour))
	st, err := Build(src, PredicateModeSLSA)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Predicate.(*provenance).RunDetails.Metadata.InvocationID; got != want.String() {
		t.Fatalf("provenance made from %s, want %s", got, want)
	}
}
