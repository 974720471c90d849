package node

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/node/internal/intoto"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/sign"
)

// In-toto attestations both ways (docs/metadata.md, "In-toto and SLSA").
type (
	// Statement is an in-toto Statement v1 as Cairn writes it.
	Statement = intoto.Statement
	// SubjectMatch is a subject of an attached statement and its layer.
	SubjectMatch = intoto.Match
)

// MaxStatementSize bounds a statement or DSSE envelope file.
const MaxStatementSize = intoto.MaxStatementSize

// AttestRequest asks for the in-toto statement of a package.
type AttestRequest struct {
	Package cid.Cid
	// Predicate is "auto" (or ""), "slsa" or "cairn".
	Predicate string
	// DSSE wraps the statement in a DSSE envelope signed by Key.
	DSSE bool
	Key  string // "" is the default key
}

// AttestResult is a statement and, if asked for, its envelope.
type AttestResult struct {
	Statement *Statement
	// Envelope is set when a DSSE envelope was asked for; its payload is the
	// statement's compact JSON.
	Envelope *sign.Envelope
}

// JSON returns what `cairn attest` writes: the envelope, or else the
// statement, as indented JSON ending in a newline.
func (a *AttestResult) JSON() ([]byte, error) {
	var v any = a.Statement
	if a.Envelope != nil {
		v = a.Envelope
	}
	data, err := json.MarshalIndent(v, "", "  ")
	return append(data, '\n'), err
}

// Attest makes the in-toto statement of package req.Package: its file
// layers as subjects, and its metadata sets, with their verdicts under the
// repo's policy, as the predicate.
func (r *Repo) Attest(ctx context.Context, req AttestRequest) (*AttestResult, error) {
	mode, err := intoto.ParsePredicateMode(req.Predicate)
	if err != nil {
		return nil, err
	}
	p, err := r.Package(ctx, req.Package)
	if err != nil {
		return nil, err
	}
	var key *sign.Key
	if req.DSSE {
		if key, err = r.key(req.Key); err != nil {
			return nil, err
		}
		if err := logs.Retired(ctx, r.store, key.DID()); err != nil {
			return nil, err
		}
	}
	rep, err := r.Verify(ctx, req.Package, nil)
	if err != nil {
		return nil, err
	}
	src := intoto.Source{CID: req.Package, Package: p, Report: rep,
		Entries: map[cid.Cid]datamodel.Node{}, Inputs: map[cid.Cid]*dag.Package{}}
	for _, m := range rep.Metadata {
		// Entries only from bytes that match their CID, as Inspect shows them.
		data, err := r.store.Block(ctx, m.CID)
		if err != nil {
			continue
		}
		ms, err := dag.DecodeMetadataSet(data)
		if err != nil {
			continue
		}
		src.Entries[m.CID] = ms.Entries
		for _, in := range ms.Inputs {
			if ip, err := r.Package(ctx, in); err == nil {
				src.Inputs[in] = ip
			}
		}
	}
	st, err := intoto.Build(src, mode)
	if err != nil {
		return nil, err
	}
	res := &AttestResult{Statement: st}
	if key != nil {
		payload, err := json.Marshal(st)
		if err != nil {
			return nil, err
		}
		if res.Envelope, err = sign.SignEnvelope(ctx, key, sign.DSSEPayloadInToto, payload); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// InTotoRequest attaches an in-toto statement (or a DSSE envelope around
// one) to a package as a new signed metadata set.
type InTotoRequest struct {
	Package cid.Cid
	// File is the statement or envelope; Data, if set, is its content.
	File string
	Data []byte
	// Kind overrides the kind (default: build for SLSA provenance, else
	// attestation).
	Kind string
	// Entries, if set, are merged with the statement's (a top-level key in
	// both is an error).
	Entries datamodel.Node
	Inputs  []cid.Cid
	Key     string
	Role    string
}

// InTotoResult says what AddInToto stored.
type InTotoResult struct {
	SignedResult
	Kind          string         `json:"kind"`
	PredicateType string         `json:"predicateType"`
	Subjects      []SubjectMatch `json:"subjects"`
	// DSSE lists the envelope's signatures and whether each was verified.
	DSSE []sign.EnvelopeSignature `json:"dsse,omitempty"`
}

// AddInToto reads an in-toto statement, checks it (the in-toto library's
// validation, every did:key DSSE signature, every subject's SHA-256 against
// the package's file layers) and stores it as a metadata set signed by
// req.Key, as AddMetadata does. Signatures of the envelope whose keyid is
// not a did:key cannot be checked: the statement is attached with them
// marked unverified, and a warning says so.
func (r *Repo) AddInToto(ctx context.Context, req InTotoRequest) (*InTotoResult, error) {
	data := req.Data
	if data == nil {
		st, err := os.Stat(req.File)
		if err != nil {
			return nil, fmt.Errorf("%w: --in-toto: %w", errkind.Invalid, err)
		}
		if st.Size() > MaxStatementSize {
			return nil, fmt.Errorf("%w: --in-toto %s: %d bytes, limit %d", intoto.ErrInvalidStatement, req.File, st.Size(), MaxStatementSize)
		}
		if data, err = os.ReadFile(req.File); err != nil {
			return nil, fmt.Errorf("%w: --in-toto: %w", errkind.Invalid, err)
		}
	}
	a, err := intoto.Read(data)
	if err != nil {
		return nil, err
	}
	p, err := r.Package(ctx, req.Package)
	if err != nil {
		return nil, err
	}
	entries, kind, matches, err := intoto.Attach(a, req.Package, p)
	if err != nil {
		return nil, err
	}
	if req.Entries != nil {
		if entries, err = dag.MergeEntries(entries, req.Entries); err != nil {
			return nil, err
		}
	}
	if req.Kind != "" {
		kind = req.Kind
	}
	res, err := r.AddMetadata(ctx, MetadataRequest{
		Package: req.Package, Kind: kind, Entries: entries, Inputs: req.Inputs, Key: req.Key, Role: req.Role,
	})
	if err != nil {
		return nil, err
	}
	out := &InTotoResult{SignedResult: *res, Kind: kind, PredicateType: a.Parsed.GetPredicateType(), Subjects: matches, DSSE: a.Signatures}
	if u := a.Unverified(); len(u) > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("attached with %d DSSE signature(s) cairn could not verify (keyids that are not did:keys: %s); the metadata set records them as unverified", len(u), strings.Join(u, ", ")))
	}
	return out, nil
}
