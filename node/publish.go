package node

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/dag/content"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/sign"
	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/datamodel"
)

// PublishRequest says what to publish.
type PublishRequest struct {
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

// PublishResult says what was published.
type PublishResult struct {
	Package   cid.Cid     `json:"package"`
	Metadata  cid.Cid     `json:"metadata"`
	Signature cid.Cid     `json:"signature"`
	Name      string      `json:"name"`
	Version   string      `json:"version"`
	Layers    []LayerView `json:"layers"`
	Signer    string      `json:"signer"`
	// Log is the publisher-log entry the publish appended.
	Log *LogRef `json:"log,omitempty"`
	// TrustAdded is the pattern auto-trust added to the policy, if any.
	TrustAdded string `json:"trustAdded,omitempty"`
	// Warnings say what went wrong after the package was committed.
	Warnings []string `json:"warnings,omitempty"`
}

// Publish imports the paths, builds the package, its metadata set and a signature,
// and pins and indexes them, all in one store transaction: on any error the repo
// is left as it was.
func (r *Repo) Publish(ctx context.Context, req PublishRequest) (*PublishResult, error) {
	if _, err := dag.ParseVersion(req.Version); err != nil {
		return nil, err
	}
	if _, err := dag.ParseName(req.Name.String()); err != nil {
		return nil, err
	}
	if len(req.Paths) == 0 {
		return nil, fmt.Errorf("%w: nothing to publish: give a file or directory", ErrInvalidInput)
	}
	if req.MediaType != "" && len(req.Paths) != 1 {
		return nil, fmt.Errorf("%w: a media type can be given only for a single path", ErrInvalidInput)
	}
	names := map[string]string{}
	layerNames := make([]string, len(req.Paths))
	for i, p := range req.Paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidInput, err)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidInput, err)
		}
		base := filepath.Base(abs) // "." and "dir/" name the directory itself
		if prev, ok := names[base]; ok {
			return nil, fmt.Errorf("%w: %s and %s would both be layer %q", ErrInvalidInput, prev, p, base)
		}
		names[base], layerNames[i] = p, base
		if !st.Mode().IsRegular() && !st.IsDir() {
			return nil, fmt.Errorf("%w: %s is neither a regular file nor a directory", ErrInvalidInput, p)
		}
		if st.IsDir() && req.MediaType != "" {
			return nil, fmt.Errorf("%w: --media-type applies to a file; %s is a directory (%s)", ErrInvalidInput, p, dag.DirectoryMediaType)
		}
	}
	key, err := r.key(req.Key)
	if err != nil {
		return nil, err
	}
	if err := r.checkInputs(ctx, req.Inputs); err != nil {
		return nil, err
	}
	if r.cfg.AutoTrust {
		// A policy that cannot be read would fail auto-trust after the commit.
		if _, err := r.Policy(); err != nil {
			return nil, err
		}
	}
	now := clock(req.Now)()

	tx, err := r.store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Abort(ctx)

	pkg := &dag.Package{Name: req.Name, Version: req.Version}
	var done int64
	for i, p := range req.Paths {
		var opts []content.Option
		if req.Progress != nil {
			base := done
			opts = append(opts, content.WithProgress(func(n int64) { req.Progress(base + n) }))
		}
		res, err := content.ImportPath(ctx, tx.DAGService(), p, opts...)
		if err != nil {
			if errors.Is(err, content.ErrUnsupportedFile) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
				return nil, fmt.Errorf("%w: %w", ErrInvalidInput, err)
			}
			return nil, fmt.Errorf("import %s: %w", p, err)
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
	metaCID, sigCID, fresh, err := r.putSigned(ctx, tx, meta, key, orDefault(req.Role, dag.RolePublisher), now)
	if err != nil {
		return nil, err
	}
	entry, err := r.appendLog(ctx, tx, fresh, key, pkg.Ref(), pkgCID, []cid.Cid{metaCID}, []cid.Cid{sigCID}, now)
	if err != nil {
		return nil, err
	}
	warnings, err := commit(ctx, tx)
	if err != nil {
		return nil, err
	}
	res := &PublishResult{
		Warnings: warnings, Log: r.afterAppend(entry),
		Package: pkgCID, Metadata: metaCID, Signature: sigCID,
		Name: req.Name.String(), Version: req.Version, Layers: layerViews(pkg.Layers), Signer: key.DID(),
	}
	if r.cfg.AutoTrust {
		added, err := r.autoTrust(req.Name, key.DID())
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("could not update the trust policy: %s", err))
		}
		res.TrustAdded = added
	}
	r.log.Info("published", "package", pkgCID, "name", res.Name, "version", res.Version)
	if f := r.published.Load(); f != nil {
		(*f)(pkgCID)
	}
	return res, nil
}

// putSigned stores a metadata set and key's signature over it, with their pins
// and referrer index entries, in tx.
func (r *Repo) putSigned(ctx context.Context, tx *store.Txn, meta *dag.MetadataSet, key *sign.Key, role string, now time.Time) (metaCID, sigCID cid.Cid, fresh bool, err error) {
	metaBytes, metaCID, err := meta.Encode()
	if err != nil {
		return cid.Undef, cid.Undef, false, err
	}
	if err := tx.PutNode(ctx, metaCID, metaBytes); err != nil {
		return cid.Undef, cid.Undef, false, err
	}
	tx.Pin(metaCID, store.PinMetadata)
	tx.AddReferrer(meta.Subject, metaCID, dag.NodeMetadata)
	sigCID, fresh, err = r.putSignature(ctx, tx, metaCID, key, role, now)
	return metaCID, sigCID, fresh, err
}

// putSignature stores key's signature over metaCID in tx. fresh says whether
// the signature is new to the repo: signing the same set again at the same
// second makes the same node, which the key's log already names.
func (r *Repo) putSignature(ctx context.Context, tx *store.Txn, metaCID cid.Cid, key *sign.Key, role string, now time.Time) (_ cid.Cid, fresh bool, _ error) {
	sig, err := sign.Sign(key, metaCID, role, now)
	if err != nil {
		return cid.Undef, false, err
	}
	sigBytes, sigCID, err := sig.Encode()
	if err != nil {
		return cid.Undef, false, err
	}
	had, err := r.store.Has(ctx, sigCID)
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

// checkInputs requires every input to be a package in the repo, so provenance
// can be verified.
func (r *Repo) checkInputs(ctx context.Context, inputs []cid.Cid) error {
	for _, in := range inputs {
		if _, err := r.Package(ctx, in); err != nil {
			return fmt.Errorf("input %s: %w", in, err)
		}
	}
	return nil
}

// autoTrust adds a rule trusting did for NAMESPACE/* when no rule selects name.
// The policy file is rewritten only when a rule is added.
func (r *Repo) autoTrust(name dag.Name, did string) (string, error) {
	if p, err := r.Policy(); err != nil || p.RuleFor(name) != nil {
		return "", err
	}
	var added string
	err := r.UpdatePolicy(func(p *sign.Policy) error {
		if p.RuleFor(name) != nil {
			return nil
		}
		added = name.Namespace + "/*"
		return p.AddKey(sign.Pattern(added), did, 1, nil)
	})
	return added, err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// commit commits tx. A failure after the commit point (the writes stand) is
// returned as a warning, not an error: the caller's work is done.
func commit(ctx context.Context, tx *store.Txn) (warnings []string, err error) {
	err = tx.Commit(ctx)
	if errors.Is(err, store.ErrAfterCommit) {
		return []string{err.Error()}, nil
	}
	return nil, err
}
