package webui

import (
	"context"
	"encoding/json"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/api"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/logsync"
	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/node/internal/publish"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// Source is what the pages read; the daemon implements it over the repo's
// and the API backend's own read methods (List, Versions, Inspect, Log,
// MirrorStatus, ID, Peers), so the pages show what the CLI and the API
// show. An error wrapping one of internal/errkind's kinds picks the page's
// status (404 for not found, 400 for invalid input, 409 for untrusted or
// stale, 504 for a timeout); any other is a 500.
type Source interface {
	// ID describes the node: its peer ID and its gateway's address.
	ID(ctx context.Context) (api.IDInfo, error)
	// Packages lists the name index, by name then version.
	Packages(ctx context.Context) ([]Listed, error)
	// Versions lists the versions of name and how each resolves.
	Versions(ctx context.Context, name dag.Name) ([]trust.VersionView, error)
	// Package returns the package c with its layers, its metadata sets
	// (entries and signatures) and the verdict of the policy.
	Package(ctx context.Context, c cid.Cid) (*Package, error)
	// Log returns the publisher log of a did:key, newest entry first.
	Log(ctx context.Context, did string) (*logs.View, error)
	// Mirror returns the mirror rules with their lag and failures.
	Mirror(ctx context.Context) (*MirrorStatus, error)
	// Peers lists the connected peers.
	Peers(ctx context.Context) ([]api.PeerInfo, error)
}

// Listed is one package of the name index.
type Listed struct {
	Name    string
	Version string
	Package cid.Cid
	Layers  int
	Size    uint64
}

// Package is a package as the package page shows it.
type Package struct {
	CID     cid.Cid
	Name    string
	Version string
	Layers  []publish.LayerView
	// Report is the verdict on the package: status, code and reason, the
	// rule that decided, each metadata set and signature, yank, proofs.
	Report *sign.Report
	// Metadata are the report's metadata sets, in its order, with their
	// entries.
	Metadata []Metadata
}

// Metadata is one metadata set with its entries (DAG-JSON, as
// dag.EntriesJSON writes them; nil when its bytes could not be read).
type Metadata struct {
	sign.MetadataReport
	Entries json.RawMessage
}

// MirrorStatus is the mirror page: each rule's lag per log and failures,
// and the heads the daemon did not follow.
type MirrorStatus struct {
	Rules    []mirror.RuleStatus
	Rejected []logsync.Rejection
}
