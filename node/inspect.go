package node

import (
	"context"

	"github.com/cairnpkg/cairn/dag"
	"github.com/ipfs/go-cid"
)

// Inspect returns the package c with its layers, every metadata set with its
// entries and signatures, and their verdicts under the repo's policy.
func (r *Repo) Inspect(ctx context.Context, c cid.Cid) (*PackageView, error) {
	p, err := r.Package(ctx, c)
	if err != nil {
		return nil, err
	}
	rep, err := r.Verify(ctx, c, nil)
	if err != nil {
		return nil, err
	}
	v := &PackageView{
		CID: c, Name: p.Name.String(), Version: p.Version, Layers: layerViews(p.Layers),
		Status: rep.Status, Code: rep.Code, Reason: rep.Reason, Report: rep,
		Metadata: make([]MetadataView, 0, len(rep.Metadata)),
	}
	for _, m := range rep.Metadata {
		mv := MetadataView{
			CID: m.CID, Kind: m.Kind, Created: m.Created, Inputs: m.Inputs,
			Status: m.Status, Code: m.Code, Reason: m.Reason, Signatures: m.Signatures,
		}
		// Entries are shown only from bytes that match their CID.
		if data, err := r.store.Block(ctx, m.CID); err == nil {
			if ms, err := dag.DecodeMetadataSet(data); err == nil {
				mv.Entries, _ = dag.EntriesJSON(ms.Entries)
			}
		}
		v.Metadata = append(v.Metadata, mv)
	}
	return v, nil
}
