package node

import (
	"context"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/api"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/node/internal/webui"
)

// uiSource answers the web view for a daemon, over the methods the API
// and the CLI read through (List, Versions, Inspect, Log, MirrorStatus, and
// the API backend's ID and Peers).
type uiSource struct{ d *Daemon }

var _ webui.Source = uiSource{}

func (s uiSource) ID(ctx context.Context) (api.IDInfo, error) { return apiBackend(s).ID(ctx) }

func (s uiSource) Peers(ctx context.Context) ([]api.PeerInfo, error) {
	return apiBackend(s).Peers(ctx)
}

func (s uiSource) Packages(ctx context.Context) ([]webui.Listed, error) {
	list, err := s.d.repo.List(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]webui.Listed, len(list))
	for i, e := range list {
		out[i] = webui.Listed{Name: e.Name, Version: e.Version, Package: e.Package, Layers: e.Layers, Size: e.Size}
	}
	return out, nil
}

func (s uiSource) Versions(ctx context.Context, name dag.Name) ([]trust.VersionView, error) {
	return s.d.repo.Versions(ctx, name)
}

func (s uiSource) Package(ctx context.Context, c cid.Cid) (*webui.Package, error) {
	v, err := s.d.repo.Inspect(ctx, c)
	if err != nil {
		return nil, err
	}
	p := &webui.Package{CID: v.CID, Name: v.Name, Version: v.Version, Layers: v.Layers, Report: v.Report,
		Metadata: make([]webui.Metadata, len(v.Metadata))}
	for i, m := range v.Metadata {
		p.Metadata[i] = webui.Metadata{MetadataReport: v.Report.Metadata[i], Entries: m.Entries}
	}
	return p, nil
}

func (s uiSource) Log(ctx context.Context, did string) (*logs.View, error) {
	return s.d.repo.Log(ctx, did, 0)
}

func (s uiSource) Mirror(ctx context.Context) (*webui.MirrorStatus, error) {
	st, err := s.d.MirrorStatus(ctx)
	if err != nil {
		return nil, err
	}
	return &webui.MirrorStatus{Rules: st.Rules, Rejected: st.Rejected}, nil
}
