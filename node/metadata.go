package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"
)

// MetadataRequest attaches a new signed metadata set to a package in the repo.
type MetadataRequest struct {
	Package cid.Cid
	Kind    string // "" is "build"
	Entries datamodel.Node
	Inputs  []cid.Cid
	Key     string // "" is the default key
	Role    string // "" is "publisher"
	Now     func() time.Time
}

// SignedResult names a new metadata set and/or signature.
type SignedResult struct {
	Package   cid.Cid `json:"package,omitempty"`
	Metadata  cid.Cid `json:"metadata"`
	Signature cid.Cid `json:"signature"`
	Signer    string  `json:"signer"`
	// Log is the publisher-log entry appended.
	Log *LogRef `json:"log,omitempty"`
	// Warnings say what went wrong after the commit point.
	Warnings []string `json:"warnings,omitempty"`
}

// AddMetadata stores a new metadata set about req.Package, signed by req.Key.
func (r *Repo) AddMetadata(ctx context.Context, req MetadataRequest) (*SignedResult, error) {
	pkg, err := r.Package(ctx, req.Package)
	if err != nil {
		return nil, err
	}
	key, err := r.key(req.Key)
	if err != nil {
		return nil, err
	}
	if err := r.checkInputs(ctx, req.Inputs); err != nil {
		return nil, err
	}
	now := clock(req.Now)()
	tx, err := r.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)
	meta := &dag.MetadataSet{Subject: req.Package, Kind: orDefault(req.Kind, dag.KindBuild), Entries: req.Entries, Inputs: req.Inputs, Created: now}
	metaCID, sigCID, fresh, err := r.putSigned(ctx, tx, meta, key, orDefault(req.Role, dag.RolePublisher), now)
	if err != nil {
		return nil, err
	}
	entry, err := r.appendLog(ctx, tx, fresh, key, pkg.Ref(), req.Package, []cid.Cid{metaCID}, []cid.Cid{sigCID}, now)
	if err != nil {
		return nil, err
	}
	warnings, err := commit(ctx, tx)
	if err != nil {
		return nil, err
	}
	return &SignedResult{Package: req.Package, Metadata: metaCID, Signature: sigCID, Signer: key.DID(), Log: r.afterAppend(entry), Warnings: warnings}, nil
}

// SignRequest adds a signature to a metadata set in the repo.
type SignRequest struct {
	Metadata cid.Cid
	Key      string // "" is the default key
	Role     string // "" is "publisher"
	Now      func() time.Time
}

// Sign stores key's signature over the metadata set req.Metadata.
func (r *Repo) Sign(ctx context.Context, req SignRequest) (*SignedResult, error) {
	data, err := r.block(ctx, req.Metadata)
	if err != nil {
		return nil, err
	}
	if req.Metadata.Prefix().Codec != cid.DagCBOR {
		return nil, fmt.Errorf("%w: %s is content, not a metadata set", ErrInvalidInput, req.Metadata)
	}
	meta, err := dag.DecodeMetadataSet(data)
	if errors.Is(err, dag.ErrWrongKind) {
		return nil, fmt.Errorf("%w: %s is not a metadata set (sign takes a metadata set's CID; cairn inspect shows them)", ErrInvalidInput, req.Metadata)
	}
	if err != nil {
		return nil, err
	}
	pkg, err := r.Package(ctx, meta.Subject)
	if err != nil {
		return nil, fmt.Errorf("the package metadata set %s describes: %w", req.Metadata, err)
	}
	key, err := r.key(req.Key)
	if err != nil {
		return nil, err
	}
	now := clock(req.Now)()
	tx, err := r.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)
	sigCID, fresh, err := r.putSignature(ctx, tx, req.Metadata, key, orDefault(req.Role, dag.RolePublisher), now)
	if err != nil {
		return nil, err
	}
	entry, err := r.appendLog(ctx, tx, fresh, key, pkg.Ref(), meta.Subject, []cid.Cid{req.Metadata}, []cid.Cid{sigCID}, now)
	if err != nil {
		return nil, err
	}
	warnings, err := commit(ctx, tx)
	if err != nil {
		return nil, err
	}
	return &SignedResult{Package: meta.Subject, Metadata: req.Metadata, Signature: sigCID, Signer: key.DID(), Log: r.afterAppend(entry), Warnings: warnings}, nil
}

func clock(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}
