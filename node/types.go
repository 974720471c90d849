package node

import (
	"encoding/json"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/node/internal/bundle"
	"github.com/cairnpkg/cairn/node/internal/fetch"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/logsync"
	"github.com/cairnpkg/cairn/node/internal/mirror"
	"github.com/cairnpkg/cairn/node/internal/publish"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// The requests and results of the repo's and the daemon's operations. Most
// are defined by the part of the node that does the work (publish, fetch,
// bundle, logs, mirror, trust) and named here, so that callers need only
// this package.
type (
	// PublishRequest says what Publish publishes.
	PublishRequest = publish.Request
	// PublishResult says what Publish published.
	PublishResult = publish.Result
	// MetadataRequest attaches a new signed metadata set to a package.
	MetadataRequest = publish.MetadataRequest
	// SignRequest adds a signature to a metadata set.
	SignRequest = publish.SignRequest
	// SignedResult names a new metadata set and/or signature.
	SignedResult = publish.SignedResult
	// LayerView is a layer as the CLI and API show it.
	LayerView = publish.LayerView

	// LogRef names one entry of a publisher log.
	LogRef = logs.Ref
	// LogView is one key's publisher log, newest entry first.
	LogView = logs.View
	// LogEntryView is a publisher-log entry as the CLI and API show it.
	LogEntryView = logs.EntryView
	// LogEntryInspection is one log entry, as `cairn inspect ENTRY` shows it.
	LogEntryInspection = logs.Inspection

	// VersionStatus says how a version of a package resolves.
	VersionStatus = trust.VersionStatus
	// VersionView is one version of a package name and how it resolves.
	VersionView = trust.VersionView

	// ImportOptions bounds what Import reads; a nil Policy is the repo's.
	ImportOptions = bundle.Options
	// ImportResult says what Import read and what it kept.
	ImportResult = bundle.ImportResult
	// ImportedPackage is one package root of a bundle and its verdict.
	ImportedPackage = bundle.ImportedPackage
	// ExportResult says what Export wrote.
	ExportResult = bundle.ExportResult

	// FetchResult says what a fetch brought.
	FetchResult = fetch.Result
	// FetchProgress describes a fetch in progress.
	FetchProgress = fetch.Progress
	// FetchLogProgress is how far the catch-up of a long publisher log that
	// a fetch waits for has come.
	FetchLogProgress = fetch.LogProgress
	// FetchOption configures one fetch (WithTransport).
	FetchOption = fetch.Option
	// Transport picks how a fetch gets a package's node and content.
	Transport = fetch.Transport

	// MirrorRule says which packages the daemon mirrors.
	MirrorRule = mirror.Rule
	// MirrorFailure is a log entry a rule could not mirror.
	MirrorFailure = mirror.Failure
	// MirrorRuleStatus is one rule with its lag per followed log.
	MirrorRuleStatus = mirror.RuleStatus
	// MirrorLogStatus is how far a rule is behind one log.
	MirrorLogStatus = mirror.LogStatus
	// Rejection is an announced head the daemon did not follow, and why.
	Rejection = logsync.Rejection
)

// The ways a version resolves (docs/logs.md).
const (
	VersionTrusted      = trust.VersionTrusted
	VersionEquivocation = trust.VersionEquivocation
	VersionUntrusted    = trust.VersionUntrusted
	VersionLocal        = trust.VersionLocal
)

// The transports of a fetch.
const (
	TransportAuto    = fetch.TransportAuto
	TransportStream  = fetch.TransportStream
	TransportBitswap = fetch.TransportBitswap
)

// Limits and defaults.
const (
	// DefaultFetchTimeout bounds a fetch when the caller gives no timeout.
	DefaultFetchTimeout = fetch.DefaultTimeout
	// MaxLogWalk bounds the entries one catch-up fetches of a log beyond
	// what the node holds.
	MaxLogWalk = logs.MaxWalk
	// DefaultMaxBundleBlockSize bounds one block of a bundle.
	DefaultMaxBundleBlockSize = bundle.DefaultMaxBlockSize
	// DefaultMediaType is the media type of a file whose extension is not
	// in publish's table.
	DefaultMediaType = publish.DefaultMediaType
)

// ParseTransport parses "auto", "stream" or "bitswap"; "" is auto.
func ParseTransport(s string) (Transport, error) { return fetch.ParseTransport(s) }

// WithTransport picks the transport of a fetch (default TransportAuto).
func WithTransport(t Transport) FetchOption { return fetch.WithTransport(t) }

// WithAllowYanked lets a fetch by NAME@VERSION keep a withdrawn version.
func WithAllowYanked() FetchOption { return fetch.WithAllowYanked() }

// MirrorStatus is what `cairn mirror status` shows.
type MirrorStatus struct {
	Rules []MirrorRuleStatus `json:"rules"`
	// Rejected are recent heads of keys the policy does not name (only while
	// a daemon runs).
	Rejected []Rejection `json:"rejected,omitempty"`
}

// PackageView is a package with everything attached to it and the verdicts.
type PackageView struct {
	CID      cid.Cid        `json:"cid"`
	Name     string         `json:"name"`
	Version  string         `json:"version"`
	Layers   []LayerView    `json:"layers"`
	Status   sign.Status    `json:"status"`
	Code     sign.Code      `json:"code,omitempty"`
	Reason   string         `json:"reason,omitempty"`
	Metadata []MetadataView `json:"metadata"`
	Report   *sign.Report   `json:"report"`
}

// MetadataView is a metadata set with its entries, signatures and verdict.
type MetadataView struct {
	CID        cid.Cid                `json:"cid"`
	Kind       string                 `json:"kind,omitempty"`
	Created    *time.Time             `json:"created,omitempty"`
	Entries    json.RawMessage        `json:"entries,omitempty"`
	Inputs     []cid.Cid              `json:"inputs,omitempty"`
	Status     sign.Status            `json:"status"`
	Code       sign.Code              `json:"code,omitempty"`
	Reason     string                 `json:"reason,omitempty"`
	Signatures []sign.SignatureReport `json:"signatures"`
}

// ListEntry is one package of the name index.
type ListEntry struct {
	Name    string  `json:"name"`
	Version string  `json:"version"`
	Package cid.Cid `json:"package"`
	Layers  int     `json:"layers"`
	Size    uint64  `json:"size"`
}

// RepoStat describes what a repo holds.
type RepoStat struct {
	Dir       string `json:"repo"`
	DiskBytes uint64 `json:"diskBytes"`
	// Format is the store's format version (docs/repo.md §4).
	Format int `json:"format"`
	store.Stat
	store.Usage
}
