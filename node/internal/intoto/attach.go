package intoto

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"

	"github.com/cairnpkg/cairn/dag"
)

// Match is a subject of a statement and the layer whose SHA-256 it names.
type Match struct {
	Subject string `json:"subject"`
	SHA256  string `json:"sha256"`
	Layer   string `json:"layer"`
}

// MatchSubjects matches every subject of a to a file layer of p (CID c) by
// SHA-256. A subject without a sha256 digest, or whose sha256 is no layer's,
// is an ErrSubjectMismatch that names it, its digest and the layers.
func MatchSubjects(a *Attestation, c cid.Cid, p *dag.Package) ([]Match, error) {
	byHash := map[string]string{}
	for _, l := range p.Layers {
		if l.SHA256 != nil {
			byHash[hex.EncodeToString(l.SHA256)] = l.Name
		}
	}
	var out []Match
	for i, s := range a.Parsed.GetSubject() {
		d := s.GetDigest()
		h, ok := d["sha256"]
		if !ok {
			algs := make([]string, 0, len(d))
			for k := range d {
				algs = append(algs, k)
			}
			return nil, fmt.Errorf("%w: subject %d %q has no sha256 digest (only %s), and cairn matches subjects to layers by SHA-256", ErrSubjectMismatch, i, s.GetName(), strings.Join(algs, ", "))
		}
		h = strings.ToLower(h)
		layer, ok := byHash[h]
		if !ok {
			return nil, fmt.Errorf("%w: subject %d %q has sha256:%s, which is no file layer of %s (%s); its layers: %s", ErrSubjectMismatch, i, s.GetName(), h, p.Ref(), c, describeLayers(p.Layers))
		}
		out = append(out, Match{Subject: s.GetName(), SHA256: h, Layer: layer})
	}
	return out, nil
}

func describeLayers(ls []dag.Layer) string {
	parts := make([]string, 0, len(ls))
	for _, l := range ls {
		if l.SHA256 == nil {
			parts = append(parts, fmt.Sprintf("%q (a directory: no sha256)", l.Name))
			continue
		}
		parts = append(parts, fmt.Sprintf("%q sha256:%s", l.Name, hex.EncodeToString(l.SHA256)))
	}
	return strings.Join(parts, ", ")
}

// Attach checks a's subjects against the package p (CID c) and returns the
// entries and kind of the metadata set that keeps a (docs/metadata.md, "From
// in-toto"): the well-known keys mapped from SLSA provenance, and under
// "intoto" the predicate type, the statement's exact bytes, the matches and,
// for an envelope, its payloadType and signatures with whether Cairn
// verified them. The kind is build for SLSA provenance, else attestation.
func Attach(a *Attestation, c cid.Cid, p *dag.Package) (datamodel.Node, string, []Match, error) {
	matches, err := MatchSubjects(a, c, p)
	if err != nil {
		return nil, "", nil, err
	}
	kind := KindAttestation
	entries := map[string]any{}
	if a.Parsed.GetPredicateType() == PredicateSLSA {
		kind = dag.KindBuild
		entries = provenanceEntries(a.Predicate)
	}
	subjects := make([]any, len(matches))
	for i, m := range matches {
		subjects[i] = map[string]any{"name": m.Subject, "sha256": m.SHA256, "layer": m.Layer}
	}
	it := map[string]any{
		"predicateType": a.Parsed.GetPredicateType(),
		"statement":     a.Statement,
		"subjects":      subjects,
	}
	if a.Envelope != nil {
		sigs := make([]any, len(a.Signatures))
		for i, s := range a.Signatures {
			sigs[i] = map[string]any{"keyid": s.KeyID, "sig": s.Sig, "verified": s.Verified}
		}
		it["dsse"] = map[string]any{"payloadType": a.Envelope.PayloadType, "signatures": sigs}
	}
	entries["intoto"] = it
	n, err := dag.EntriesNode(entries)
	if err != nil {
		return nil, "", nil, err
	}
	return n, kind, matches, nil
}
