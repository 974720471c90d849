package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/internal/errkind"
	"github.com/cairnpkg/cairn/node/internal/events"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
)

// Request says what to publish.
type Request struct {
	// Paths are the files or directories to import, one layer each, named by
	// their base names.
	Paths   []string
	Name    dag.Name
	Version string
	// MediaType overrides the media type of a single-file package.
	MediaType string
	// Kind and Entries make the metadata set; Kind defaults to "build".
	Kind    string
	Entries datamodel.Node
	// Inputs are packages (in this repo) this one was made from.
	Inputs []cid.Cid
	// Key names the signing key (key store name or PEM file); "" is the default key.
	Key string
	// Role is the signature's role; "" is "publisher".
	Role string
	// Progress, if set, is called with the bytes imported so far.
	Progress func(n int64)
	// Now, if set, replaces the clock (for reproducible tests).
	Now func() time.Time
}

// Result says what was published.
type Result struct {
	Package   cid.Cid     `json:"package"`
	Metadata  cid.Cid     `json:"metadata"`
	Signature cid.Cid     `json:"signature"`
	Name      string      `json:"name"`
	Version   string      `json:"version"`
	Layers    []LayerView `json:"layers"`
	Signer    string      `json:"signer"`
	// Log is the publisher-log entry the publish appended.
	Log *logs.Ref `json:"log,omitempty"`
	// TrustAdded is the pattern auto-trust added to the policy, if any.
	TrustAdded string `json:"trustAdded,omitempty"`
	// Warnings say what went wrong after the package was committed.
	Warnings []string `json:"warnings,omitempty"`
}

// Publish imports the paths, builds the package, its metadata set and a
// signature, and pins and indexes them, all in one store transaction: on any
// error the repo is left as it was.
func (p *Publisher) Publish(ctx context.Context, req Request) (*Result, error) {
	layerNames, err := checkRequest(req)
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
	if p.cfg.AutoTrust {
		// A policy that cannot be read would fail auto-trust after the commit.
		if _, err := p.cfg.Policy(); err != nil {
			return nil, err
		}
	}
	now := clock(req.Now)()

	tx, err := p.cfg.Store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)

	pkg := &dag.Package{Name: req.Name, Version: req.Version}
	var done int64
	for i, path := range req.Paths {
		// The Txn copies every block before its Add returns.
		opts := []content.Option{content.MapFiles()}
		if req.Progress != nil {
			base := done
			opts = append(opts, content.WithProgress(func(n int64) { req.Progress(base + n) }))
		}
		res, err := content.ImportPath(ctx, tx.DAGService(), path, opts...)
		if err != nil {
			if errors.Is(err, content.ErrUnsupportedFile) || errors.Is(err, content.ErrFileChanged) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
				return nil, fmt.Errorf("%w: %w", errkind.Invalid, err)
			}
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
		done += int64(res.Size)
		l := dag.Layer{Name: layerNames[i], Size: res.Size, SHA256: res.SHA256, Content: res.Root}
		switch {
		case res.Dir:
			l.MediaType = dag.DirectoryMediaType
		case req.MediaType != "":
			l.MediaType = req.MediaType
		default:
			l.MediaType = mediaTypeOf(l.Name)
		}
		pkg.Layers = append(pkg.Layers, l)
		tx.Pin(res.Root, store.PinContent)
	}
	pkgBytes, pkgCID, err := pkg.Encode()
	if err != nil {
		return nil, err
	}
	if err := tx.PutNode(ctx, pkgCID, pkgBytes); err != nil {
		return nil, err
	}
	tx.Pin(pkgCID, store.PinPackage)
	tx.SetVersion(pkg.Ref(), pkgCID)

	meta := &dag.MetadataSet{Subject: pkgCID, Kind: orDefault(req.Kind, dag.KindBuild), Entries: req.Entries, Inputs: req.Inputs, Created: now}
	metaCID, sigCID, fresh, err := p.putSigned(ctx, tx, meta, key, orDefault(req.Role, dag.RolePublisher), now)
	if err != nil {
		return nil, err
	}
	entry, err := p.appendLog(ctx, tx, fresh, key, pkg.Ref(), pkgCID, metaCID, sigCID, now)
	if err != nil {
		return nil, err
	}
	warnings, err := tx.CommitWithWarnings(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Warnings: warnings, Log: p.appended(ctx, entry),
		Package: pkgCID, Metadata: metaCID, Signature: sigCID,
		Name: req.Name.String(), Version: req.Version, Layers: LayerViews(pkg.Layers), Signer: key.DID(),
	}
	if p.cfg.AutoTrust {
		added, err := p.autoTrust(req.Name, key.DID())
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("could not update the trust policy: %s", err))
		}
		res.TrustAdded = added
	}
	p.cfg.Log.Info("published", "package", pkgCID, "name", res.Name, "version", res.Version)
	p.cfg.Events.Emit(events.Published{Root: pkgCID})
	return res, nil
}

// checkRequest checks what can be checked before anything is read, and
// returns the layers' names.
func checkRequest(req Request) ([]string, error) {
	if _, err := dag.ParseVersion(req.Version); err != nil {
		return nil, err
	}
	if _, err := dag.ParseName(req.Name.String()); err != nil {
		return nil, err
	}
	if len(req.Paths) == 0 {
		return nil, fmt.Errorf("%w: nothing to publish: give a file or directory", errkind.Invalid)
	}
	if req.MediaType != "" && len(req.Paths) != 1 {
		return nil, fmt.Errorf("%w: a media type can be given only for a single path", errkind.Invalid)
	}
	names := map[string]string{}
	layerNames := make([]string, len(req.Paths))
	for i, path := range req.Paths {
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errkind.Invalid, err)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errkind.Invalid, err)
		}
		base := filepath.Base(abs) // "." and "dir/" name the directory itself
		if prev, ok := names[base]; ok {
			return nil, fmt.Errorf("%w: %s and %s would both be layer %q", errkind.Invalid, prev, path, base)
		}
		names[base], layerNames[i] = path, base
		if !st.Mode().IsRegular() && !st.IsDir() {
			return nil, fmt.Errorf("%w: %s is neither a regular file nor a directory", errkind.Invalid, path)
		}
		if st.IsDir() && req.MediaType != "" {
			return nil, fmt.Errorf("%w: --media-type applies to a file; %s is a directory (%s)", errkind.Invalid, path, dag.DirectoryMediaType)
		}
	}
	return layerNames, nil
}

// checkInputs requires every input to be a package in the repo, so
// provenance can be verified.
func (p *Publisher) checkInputs(ctx context.Context, inputs []cid.Cid) error {
	for _, in := range inputs {
		if _, err := p.cfg.Store.Package(ctx, in); err != nil {
			return fmt.Errorf("input %s: %w", in, err)
		}
	}
	return nil
}

// autoTrust adds a rule trusting did for NAMESPACE/* when no rule selects
// name. The policy file is rewritten only when a rule is added.
func (p *Publisher) autoTrust(name dag.Name, did string) (string, error) {
	if pol, err := p.cfg.Policy(); err != nil || pol.RuleFor(name) != nil {
		return "", err
	}
	var added string
	err := p.cfg.UpdatePolicy(func(pol *sign.Policy) error {
		if pol.RuleFor(name) != nil {
			return nil
		}
		added = name.Namespace + "/*"
		return pol.AddKey(sign.Pattern(added), did, 1, nil)
	})
	return added, err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func clock(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}
