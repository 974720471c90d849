package intoto

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/sign"
)

// The type URIs Cairn writes and reads (docs/metadata.md).
const (
	// StatementType is the _type of an in-toto Statement v1.
	StatementType = "https://in-toto.io/Statement/v1"
	// PredicateSLSA is SLSA Provenance v1.
	PredicateSLSA = "https://slsa.dev/provenance/v1"
	// PredicateCairn is Cairn's own predicate: a package's metadata sets
	// with their entries, signatures and verdicts.
	PredicateCairn = "https://cairn.dev/metadata/v1"
	// BuildTypeCairn is the buildType of the SLSA provenance Cairn writes
	// from a build metadata set (docs/metadata.md says its parameters).
	BuildTypeCairn = "https://cairn.dev/build/v1"
	// KindAttestation is the kind of a metadata set that keeps an in-toto
	// statement whose predicate is not SLSA provenance.
	KindAttestation = "attestation"
)

// PredicateMode picks the predicate Build writes.
type PredicateMode string

// The predicate modes.
const (
	// PredicateAuto: SLSA provenance when a build metadata set names its
	// builder (build.builder), else Cairn's predicate.
	PredicateAuto PredicateMode = "auto"
	// PredicateModeSLSA: SLSA provenance, or ErrNoProvenance.
	PredicateModeSLSA PredicateMode = "slsa"
	// PredicateModeCairn: Cairn's predicate.
	PredicateModeCairn PredicateMode = "cairn"
)

// ParsePredicateMode parses "auto" (or ""), "slsa" or "cairn".
func ParsePredicateMode(s string) (PredicateMode, error) {
	switch m := PredicateMode(s); m {
	case "":
		return PredicateAuto, nil
	case PredicateAuto, PredicateModeSLSA, PredicateModeCairn:
		return m, nil
	}
	return "", fmt.Errorf("%w: predicate %q: expected auto, slsa or cairn", errkind.Invalid, s)
}

// Statement is an in-toto Statement v1 as Cairn writes it.
type Statement struct {
	Type          string               `json:"_type"`
	Subject       []ResourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     any                  `json:"predicate"`
}

// ResourceDescriptor is an in-toto ResourceDescriptor (the fields Cairn uses).
type ResourceDescriptor struct {
	Name        string            `json:"name,omitempty"`
	URI         string            `json:"uri,omitempty"`
	Digest      map[string]string `json:"digest,omitempty"`
	Annotations map[string]any    `json:"annotations,omitempty"`
}

// Source is what Build reads: a package, its verdict and its metadata sets.
type Source struct {
	CID     cid.Cid
	Package *dag.Package
	Report  *sign.Report
	// Entries holds each metadata set's entries, by the set's CID.
	Entries map[cid.Cid]datamodel.Node
	// Inputs holds the input packages the repo has, by CID.
	Inputs map[cid.Cid]*dag.Package
}

// Build makes the Statement of src with the predicate mode asks for, and
// checks it with the in-toto library's Validate.
func Build(src Source, mode PredicateMode) (*Statement, error) {
	subjects, err := Subjects(src.CID, src.Package)
	if err != nil {
		return nil, err
	}
	cairn, err := cairnPredicate(src)
	if err != nil {
		return nil, err
	}
	st := &Statement{Type: StatementType, Subject: subjects, PredicateType: PredicateCairn, Predicate: cairn}
	if mode != PredicateModeCairn {
		prov, err := slsaPredicate(src, cairn)
		switch {
		case err == nil:
			st.PredicateType, st.Predicate = PredicateSLSA, prov
		case mode == PredicateModeSLSA:
			return nil, err
		}
	}
	data, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	if _, err := Validate(data); err != nil {
		return nil, fmt.Errorf("the statement cairn made does not validate (a bug): %w", err)
	}
	return st, nil
}

// Subjects returns one subject per file layer of p: its name and SHA-256,
// with the layer's content CID and the package in annotations. Directory
// layers have no SHA-256 and are left out.
func Subjects(c cid.Cid, p *dag.Package) ([]ResourceDescriptor, error) {
	var out []ResourceDescriptor
	for _, l := range p.Layers {
		if l.SHA256 == nil {
			continue
		}
		out = append(out, ResourceDescriptor{
			Name:   l.Name,
			Digest: map[string]string{"sha256": hex.EncodeToString(l.SHA256)},
			Annotations: map[string]any{
				"cairn.package": c.String(),
				"cairn.ref":     p.Ref().String(),
				"cairn.content": l.Content.String(),
			},
		})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s (%s) has only directory layers, which have no SHA-256 for an in-toto subject", ErrNoFileLayers, p.Ref(), c)
	}
	return out, nil
}

// CairnPredicate is the predicate of type PredicateCairn.
type CairnPredicate struct {
	Package  PackageRef `json:"package"`
	Status   string     `json:"status"`
	Code     string     `json:"code,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	Metadata []CairnSet `json:"metadata"`
}

// PackageRef names a package.
type PackageRef struct {
	CID     string `json:"cid"`
	Name    string `json:"name"`
	Version string `json:"version"`
}

// CairnSet is one metadata set in a CairnPredicate.
type CairnSet struct {
	CID        string          `json:"cid"`
	Kind       string          `json:"kind"`
	Created    *time.Time      `json:"created,omitempty"`
	Entries    json.RawMessage `json:"entries,omitempty"`
	Inputs     []string        `json:"inputs,omitempty"`
	Status     string          `json:"status"`
	Code       string          `json:"code,omitempty"`
	Reason     string          `json:"reason,omitempty"`
	Signatures []CairnSig      `json:"signatures"`
}

// CairnSig is one signature of a CairnSet, with its verdict.
type CairnSig struct {
	CID     string     `json:"cid"`
	Signer  string     `json:"signer,omitempty"`
	Role    string     `json:"role,omitempty"`
	Created *time.Time `json:"created,omitempty"`
	Status  string     `json:"status"`
	Code    string     `json:"code,omitempty"`
	Reason  string     `json:"reason,omitempty"`
}

func cairnPredicate(src Source) (*CairnPredicate, error) {
	p := &CairnPredicate{
		Package: PackageRef{CID: src.CID.String(), Name: src.Package.Name.String(), Version: src.Package.Version},
		Status:  string(src.Report.Status), Code: string(src.Report.Code), Reason: src.Report.Reason,
		Metadata: []CairnSet{},
	}
	for _, m := range src.Report.Metadata {
		s := CairnSet{
			CID: m.CID.String(), Kind: m.Kind, Created: m.Created,
			Status: string(m.Status), Code: string(m.Code), Reason: m.Reason, Signatures: []CairnSig{},
		}
		if n := src.Entries[m.CID]; n != nil {
			js, err := dag.EntriesJSON(n)
			if err != nil {
				return nil, err
			}
			s.Entries = bytes.TrimSpace(js)
		}
		for _, in := range m.Inputs {
			s.Inputs = append(s.Inputs, in.String())
		}
		for _, sg := range m.Signatures {
			s.Signatures = append(s.Signatures, CairnSig{
				CID: sg.CID.String(), Signer: sg.Signer, Role: sg.Role, Created: sg.Created,
				Status: string(sg.Status), Code: string(sg.Code), Reason: sg.Reason,
			})
		}
		p.Metadata = append(p.Metadata, s)
	}
	return p, nil
}
