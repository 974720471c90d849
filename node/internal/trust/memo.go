package trust

import (
	"context"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node/internal/store"
)

// memo is an Index for one look at every version of one name (Versions):
// what each version's resolution would ask again — the claims and yanks of
// the name, every proof, each key's rotation, revocations and statement — is
// read once and kept for the call, and the name's index entries, read by the
// caller, answer Lookup and IsPinned for the packages they name. It lives no
// longer than the call, so it never outlives a change of the repo it could
// miss, and a name of many versions costs a few reads per version instead of
// a dozen.
type memo struct {
	Index
	name    string
	indexed map[string]cid.Cid       // the names index: version -> package
	held    map[cid.Cid]bool         // the packages indexed, which are pinned
	claims  map[string][]store.Claim // by version
	yanks   map[string][]store.Yank  // by version
	// evidence is nil until read.
	evidence  []store.Evidence
	rotations map[string]rotationRead
	revs      map[string][]store.RevocationRecord
	stmts     map[string]statementRead
}

type rotationRead struct {
	r   store.Rotation
	err error
}

type statementRead struct {
	data []byte
	err  error
}

// newMemo reads the claims and yanks of name from st; indexed is the names
// index's entries for name (version -> package).
func newMemo(ctx context.Context, st Index, name dag.Name, indexed map[string]cid.Cid) (*memo, error) {
	m := &memo{Index: st, name: name.String(), indexed: indexed, held: map[cid.Cid]bool{},
		claims: map[string][]store.Claim{}, yanks: map[string][]store.Yank{},
		rotations: map[string]rotationRead{}, revs: map[string][]store.RevocationRecord{}, stmts: map[string]statementRead{}}
	for _, c := range indexed {
		m.held[c] = true
	}
	claims, err := st.Claims(ctx, m.name, "")
	if err != nil {
		return nil, err
	}
	for _, c := range claims {
		m.claims[c.Version] = append(m.claims[c.Version], c)
	}
	yanks, err := st.Yanks(ctx, m.name, "")
	if err != nil {
		return nil, err
	}
	for _, y := range yanks {
		m.yanks[y.Version] = append(m.yanks[y.Version], y)
	}
	return m, nil
}

// Claims answers for the memo's name from what newMemo read.
func (m *memo) Claims(ctx context.Context, name, version string) ([]store.Claim, error) {
	if name != m.name || version == "" {
		return m.Index.Claims(ctx, name, version)
	}
	return m.claims[version], nil
}

// Yanks answers for the memo's name from what newMemo read.
func (m *memo) Yanks(ctx context.Context, name, version string) ([]store.Yank, error) {
	if name != m.name || version == "" {
		return m.Index.Yanks(ctx, name, version)
	}
	return m.yanks[version], nil
}

// Lookup answers for the memo's name from the index entries it was given.
func (m *memo) Lookup(ctx context.Context, ref dag.Ref) (cid.Cid, error) {
	if c, ok := m.indexed[ref.Version]; ok && ref.Name.String() == m.name {
		return c, nil
	}
	return m.Index.Lookup(ctx, ref)
}

// IsPinned is true without a read for a package the name's index holds: an
// index entry names a pinned package (store.Check reports one that does not).
func (m *memo) IsPinned(ctx context.Context, c cid.Cid) (bool, error) {
	if m.held[c] {
		return true, nil
	}
	return m.Index.IsPinned(ctx, c)
}

func (m *memo) AllEvidence(ctx context.Context) ([]store.Evidence, error) {
	if m.evidence == nil {
		all, err := m.Index.AllEvidence(ctx)
		if err != nil {
			return nil, err
		}
		m.evidence = append([]store.Evidence{}, all...)
	}
	return m.evidence, nil
}

func (m *memo) Rotation(ctx context.Context, signer string) (store.Rotation, error) {
	r, ok := m.rotations[signer]
	if !ok {
		r.r, r.err = m.Index.Rotation(ctx, signer)
		if r.err != nil && !store.IsNotFound(r.err) {
			return r.r, r.err // not kept: a failure to read is no answer
		}
		m.rotations[signer] = r
	}
	return r.r, r.err
}

func (m *memo) Revocations(ctx context.Context, signer string) ([]store.RevocationRecord, error) {
	revs, ok := m.revs[signer]
	if !ok {
		var err error
		if revs, err = m.Index.Revocations(ctx, signer); err != nil {
			return nil, err
		}
		m.revs[signer] = revs
	}
	return revs, nil
}

func (m *memo) Statement(ctx context.Context, signer string) ([]byte, error) {
	s, ok := m.stmts[signer]
	if !ok {
		s.data, s.err = m.Index.Statement(ctx, signer)
		if s.err != nil && !store.IsNotFound(s.err) {
			return nil, s.err
		}
		m.stmts[signer] = s
	}
	return s.data, s.err
}
