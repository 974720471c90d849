package intoto

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
)

// provenance is SLSA Provenance v1 (the fields Cairn writes).
type provenance struct {
	BuildDefinition buildDefinition `json:"buildDefinition"`
	RunDetails      runDetails      `json:"runDetails"`
}

type buildDefinition struct {
	BuildType            string               `json:"buildType"`
	ExternalParameters   map[string]any       `json:"externalParameters"`
	InternalParameters   map[string]any       `json:"internalParameters,omitempty"`
	ResolvedDependencies []ResourceDescriptor `json:"resolvedDependencies,omitempty"`
}

type runDetails struct {
	Builder  builder        `json:"builder"`
	Metadata *buildMetadata `json:"metadata,omitempty"`
}

type builder struct {
	ID string `json:"id"`
}

type buildMetadata struct {
	InvocationID string `json:"invocationId,omitempty"`
	StartedOn    string `json:"startedOn,omitempty"`
	FinishedOn   string `json:"finishedOn,omitempty"`
}

// entryMap is a metadata set's entries as JSON values (numbers kept exact).
type entryMap map[string]any

func decodeEntries(js []byte) (entryMap, error) {
	var m entryMap
	d := json.NewDecoder(bytes.NewReader(js))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// str returns the string at the dotted path, or "".
func (m entryMap) str(path string) string {
	var v any = map[string]any(m)
	for _, k := range strings.Split(path, ".") {
		mm, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = mm[k]
	}
	s, _ := v.(string)
	return s
}

// provenanceSet picks the build metadata set SLSA provenance is made from:
// of the sets of kind build whose entries name build.builder, a valid one
// before others, and the newest first. ok is false when there is none.
func provenanceSet(src Source, cairn *CairnPredicate) (set CairnSet, entries entryMap, ok bool) {
	var best int = -1
	var bestEntries entryMap
	for i, s := range cairn.Metadata {
		if s.Kind != dag.KindBuild || len(s.Entries) == 0 {
			continue
		}
		e, err := decodeEntries(s.Entries)
		if err != nil || e.str("build.builder") == "" {
			continue
		}
		if best < 0 || better(s, cairn.Metadata[best]) {
			best, bestEntries = i, e
		}
	}
	if best < 0 {
		return CairnSet{}, nil, false
	}
	return cairn.Metadata[best], bestEntries, true
}

// better says whether metadata set a is a better source of provenance than b.
func better(a, b CairnSet) bool {
	av, bv := a.Status == string(sign.Valid), b.Status == string(sign.Valid)
	if av != bv {
		return av
	}
	return a.Created != nil && (b.Created == nil || a.Created.After(*b.Created))
}

// slsaPredicate maps the chosen build metadata set to SLSA Provenance v1
// (the table in docs/metadata.md), with the whole Cairn predicate kept in
// internalParameters.cairn.
func slsaPredicate(src Source, cairn *CairnPredicate) (*provenance, error) {
	set, e, ok := provenanceSet(src, cairn)
	if !ok {
		return nil, fmt.Errorf("%w: no metadata set of kind build of %s names build.builder", ErrNoProvenance, src.Package.Ref())
	}
	ext := map[string]any{"package": map[string]any{"name": cairn.Package.Name, "version": cairn.Package.Version}}
	source := map[string]any{}
	for _, k := range []string{"repository", "ref", "commit"} {
		if v := e.str("source." + k); v != "" {
			source[k] = v
		}
	}
	if len(source) > 0 {
		ext["source"] = source
	}
	if v := e.str("build.command"); v != "" {
		ext["command"] = v
	}
	internal := map[string]any{"metadata": set.CID, "cairn": cairn}
	if v := e.str("build.environment"); v != "" {
		internal["environment"] = v
	}
	var deps []ResourceDescriptor
	if repo, commit := e.str("source.repository"), e.str("source.commit"); repo != "" || commit != "" {
		d := ResourceDescriptor{Name: "source"}
		if repo != "" {
			d.URI = "git+" + repo
			if ref := e.str("source.ref"); ref != "" {
				d.URI += "@" + ref
			}
		}
		switch {
		case isHex(commit, 40):
			d.Digest = map[string]string{"gitCommit": commit}
		case commit != "":
			// A SHA-256 repository's commit (64 hex) is not a gitCommit in
			// in-toto's DigestSet, which checks SHA-1's length.
			d.Annotations = map[string]any{"gitCommit": commit}
		}
		deps = append(deps, d)
	}
	if h, ok := strings.CutPrefix(e.str("build.environment"), "sha256:"); ok && isHex(h, 64) {
		deps = append(deps, ResourceDescriptor{Name: "build.environment", Digest: map[string]string{"sha256": h}})
	}
	for _, in := range set.Inputs {
		deps = append(deps, inputDependency(src, in))
	}
	md := &buildMetadata{InvocationID: set.CID, StartedOn: rfc3339(e.str("build.started")), FinishedOn: rfc3339(e.str("build.finished"))}
	return &provenance{
		BuildDefinition: buildDefinition{
			BuildType: BuildTypeCairn, ExternalParameters: ext, InternalParameters: internal,
			ResolvedDependencies: deps,
		},
		RunDetails: runDetails{Builder: builder{ID: e.str("build.builder")}, Metadata: md},
	}, nil
}

// inputDependency describes an input package: its name@version, its CID in
// annotations, and the SHA-256 of its layer when it has exactly one file
// layer (a DigestSet has no room for a CID).
func inputDependency(src Source, in string) ResourceDescriptor {
	d := ResourceDescriptor{Name: in, Annotations: map[string]any{"cairn.package": in}}
	c, err := cid.Decode(in)
	if err != nil {
		return d
	}
	p := src.Inputs[c]
	if p == nil {
		return d
	}
	d.Name = p.Ref().String()
	var files []dag.Layer
	for _, l := range p.Layers {
		if l.SHA256 != nil {
			files = append(files, l)
		}
	}
	if len(files) == 1 {
		d.Digest = map[string]string{"sha256": hex.EncodeToString(files[0].SHA256)}
	}
	return d
}

// rfc3339 returns s if it is an RFC 3339 time, as SLSA's timestamps must
// be, else "" (a local date-time from TOML has no zone).
func rfc3339(s string) string {
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return ""
	}
	return s
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// provenanceEntries maps SLSA Provenance v1 (a predicate as JSON) back to
// Cairn's well-known keys: runDetails.builder.id to build.builder, the
// metadata times to build.started and build.finished, and the first
// resolvedDependencies entry with a gitCommit digest to source.repository,
// source.ref and source.commit; from Cairn's own buildType, the source comes
// from externalParameters.source, and externalParameters.command and
// internalParameters.environment give build.command and build.environment.
// Anything else stays only in the kept statement.
func provenanceEntries(pred map[string]any) map[string]any {
	get := func(v any, path ...string) any {
		for _, k := range path {
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		}
		return v
	}
	str := func(v any, path ...string) string { s, _ := get(v, path...).(string); return s }
	out := map[string]any{}
	build := map[string]any{}
	put := func(m map[string]any, k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put(build, "builder", str(pred, "runDetails", "builder", "id"))
	put(build, "started", str(pred, "runDetails", "metadata", "startedOn"))
	put(build, "finished", str(pred, "runDetails", "metadata", "finishedOn"))
	cairnType := str(pred, "buildDefinition", "buildType") == BuildTypeCairn
	if cairnType {
		put(build, "command", str(pred, "buildDefinition", "externalParameters", "command"))
		put(build, "environment", str(pred, "buildDefinition", "internalParameters", "environment"))
	}
	source := map[string]any{}
	if cairnType {
		for _, k := range []string{"repository", "ref", "commit"} {
			put(source, k, str(pred, "buildDefinition", "externalParameters", "source", k))
		}
	} else {
		deps, _ := get(pred, "buildDefinition", "resolvedDependencies").([]any)
		for _, d := range deps {
			commit := str(d, "digest", "gitCommit")
			if commit == "" {
				continue
			}
			repo, ref := splitGitURI(str(d, "uri"))
			put(source, "repository", repo)
			put(source, "ref", ref)
			put(source, "commit", commit)
			break
		}
	}
	if len(source) > 0 {
		out["source"] = source
	}
	if len(build) > 0 {
		out["build"] = build
	}
	return out
}

// splitGitURI splits "git+https://host/repo.git@refs/tags/v1" into the
// repository URL and the ref; an "@" before the path (user@host) is not a
// ref's.
func splitGitURI(uri string) (repo, ref string) {
	uri = strings.TrimPrefix(uri, "git+")
	start := 0
	if i := strings.Index(uri, "://"); i >= 0 {
		start = i + 3
		if j := strings.IndexByte(uri[start:], '/'); j >= 0 {
			start += j
		}
	}
	if i := strings.LastIndexByte(uri[start:], '@'); i >= 0 {
		return uri[:start+i], uri[start+i+1:]
	}
	return uri, ""
}
