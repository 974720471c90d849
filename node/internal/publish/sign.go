package publish

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
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
	Log *logs.Ref `json:"log,omitempty"`
	// Warnings say what went wrong after the commit point.
	Warnings []string `json:"warnings,omitempty"`
}

// AddMetadata stores a new metadata set about req.Package, signed by req.Key.
func (p *Publisher) AddMetadata(ctx context.Context, req MetadataRequest) (*SignedResult, error) {
	pkg, err := p.cfg.Store.Package(ctx, req.Package)
	if err != nil {
		return nil, err
	}
	key, err := p.cfg.Key(req.Key)
	if err != nil {
		return nil, err
	}
	if err := p.checkInputs(ctx, req.Inputs); err != nil {
		return nil, err
	}
	now := clock(req.Now)()
	tx, err := p.cfg.Store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)
	meta := &dag.MetadataSet{Subject: req.Package, Kind: orDefault(req.Kind, dag.KindBuild), Entries: req.Entries, Inputs: req.Inputs, Created: now}
	metaCID, sigCID, fresh, err := p.putSigned(ctx, tx, meta, key, orDefault(req.Role, dag.RolePublisher), now)
	if err != nil {
		return nil, err
	}
	entry, err := p.appendLog(ctx, tx, fresh, key, pkg.Ref(), req.Package, metaCID, sigCID, now)
	if err != nil {
		return nil, err
	}
	warnings, err := tx.CommitWithWarnings(ctx)
	if err != nil {
		return nil, err
	}
	return &SignedResult{Package: req.Package, Metadata: metaCID, Signature: sigCID, Signer: key.DID(), Log: p.appended(ctx, entry), Warnings: warnings}, nil
}

// SignRequest adds a signature to a metadata set in the repo.
type SignRequest struct {
	Metadata cid.Cid
	Key      string // "" is the default key
	Role     string // "" is "publisher"
	Now      func() time.Time
}

// Sign stores key's signature over the metadata set req.Metadata.
func (p *Publisher) Sign(ctx context.Context, req SignRequest) (*SignedResult, error) {
	data, err := p.cfg.Store.Block(ctx, req.Metadata)
	if err != nil {
		return nil, err
	}
	if req.Metadata.Prefix().Codec != cid.DagCBOR {
		return nil, fmt.Errorf("%w: %s is content, not a metadata set", errkind.Invalid, req.Metadata)
	}
	meta, err := dag.DecodeMetadataSet(data)
	if errors.Is(err, dag.ErrWrongKind) {
		return nil, fmt.Errorf("%w: %s is not a metadata set (sign takes a metadata set's CID; cairn inspect shows them)", errkind.Invalid, req.Metadata)
	}
	if err != nil {
		return nil, err
	}
	pkg, err := p.cfg.Store.Package(ctx, meta.Subject)
	if err != nil {
		return nil, fmt.Errorf("the package metadata set %s describes: %w", req.Metadata, err)
	}
	key, err := p.cfg.Key(req.Key)
	if err != nil {
		return nil, err
	}
	now := clock(req.Now)()
	tx, err := p.cfg.Store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)
	sigCID, fresh, err := p.putSignature(ctx, tx, req.Metadata, key, orDefault(req.Role, dag.RolePublisher), now)
	if err != nil {
		return nil, err
	}
	entry, err := p.appendLog(ctx, tx, fresh, key, pkg.Ref(), meta.Subject, req.Metadata, sigCID, now)
	if err != nil {
		return nil, err
	}
	warnings, err := tx.CommitWithWarnings(ctx)
	if err != nil {
		return nil, err
	}
	return &SignedResult{Package: meta.Subject, Metadata: req.Metadata, Signature: sigCID, Signer: key.DID(), Log: p.appended(ctx, entry), Warnings: warnings}, nil
}

// putSigned stores a metadata set and key's signature over it, with their
// pins and referrer index entries, in tx.
func (p *Publisher) putSigned(ctx context.Context, tx *store.Txn, meta *dag.MetadataSet, key *sign.Key, role string, now time.Time) (metaCID, sigCID cid.Cid, fresh bool, err error) {
	metaBytes, metaCID, err := meta.Encode()
	if err != nil {
		return cid.Undef, cid.Undef, false, err
	}
	if err := tx.PutNode(ctx, metaCID, metaBytes); err != nil {
		return cid.Undef, cid.Undef, false, err
	}
	tx.Pin(metaCID, store.PinMetadata)
	tx.AddReferrer(meta.Subject, metaCID, dag.NodeMetadata)
	sigCID, fresh, err = p.putSignature(ctx, tx, metaCID, key, role, now)
	return metaCID, sigCID, fresh, err
}

// putSignature stores key's signature over metaCID in tx. fresh says whether
// the signature is new to the repo: signing the same set again at the same
// second makes the same node, which the key's log already names.
func (p *Publisher) putSignature(ctx context.Context, tx *store.Txn, metaCID cid.Cid, key *sign.Key, role string, now time.Time) (_ cid.Cid, fresh bool, _ error) {
	sig, err := sign.Sign(key, metaCID, role, now)
	if err != nil {
		return cid.Undef, false, err
	}
	sigBytes, sigCID, err := sig.Encode()
	if err != nil {
		return cid.Undef, false, err
	}
	had, err := p.cfg.Store.Has(ctx, sigCID)
	if err != nil {
		return cid.Undef, false, err
	}
	if err := tx.PutNode(ctx, sigCID, sigBytes); err != nil {
		return cid.Undef, false, err
	}
	tx.Pin(sigCID, store.PinSignature)
	tx.AddReferrer(metaCID, sigCID, dag.NodeSignature)
	return sigCID, !had, nil
}

// appendLog appends key's log entry for what tx publishes, if the signature
// is fresh: one the repo already held is already in the log.
func (p *Publisher) appendLog(ctx context.Context, tx *store.Txn, fresh bool, key *sign.Key, ref dag.Ref, pkg, meta, sig cid.Cid, now time.Time) (*logs.Appended, error) {
	if !fresh {
		return nil, nil
	}
	return logs.Append(ctx, p.cfg.Store, tx, key, ref, pkg, []cid.Cid{meta}, []cid.Cid{sig}, now)
}
