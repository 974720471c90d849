package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
	ds "github.com/ipfs/go-datastore"
	ipld "github.com/ipfs/go-ipld-format"
	mh "github.com/multiformats/go-multihash"

	"github.com/cairnpkg/cairn/dag/content"
)

// What a pin keeps (docs/repo.md §7): a pinned package keeps its node and
// every block of its layers' content DAGs; a pinned content root keeps its
// DAG, whatever its codecs (content.Links: dag-pb, DAG-CBOR and DAG-JSON
// links, identity CIDs' links included); every other pin (a metadata set, a signature, a log entry, a
// revocation) keeps its own block only. Links between Cairn nodes (a
// metadata set's subject and inputs, a log entry's package) keep nothing:
// what they name is kept by pins of its own, so removing a package does not
// need to chase every node that mentions it.

// Reach is a block a pin keeps, as Closure reaches it.
type Reach struct {
	// CID is the block's; Root the pin that reached it first.
	CID  cid.Cid
	Root cid.Cid
	// Size is the block's stored size; 0 when it is missing.
	Size uint64
	// Err is why the block could not be followed: ErrNotFound when it is
	// missing; a hash mismatch or a decoding error when it is damaged.
	Err error
}

// Closure calls visit for every block that the pins keep, each once (the
// first pin to reach it wins), pins in key order, each DAG depth first.
// Blocks are read (and checked) only where their links must be followed:
// dag-pb nodes and packages; a raw leaf is only looked up. A block that is
// missing or damaged is visited with Err set, and the walk goes on. Memory
// grows with the number of blocks kept (a set of their multihashes), not
// with their bytes.
func (s *Store) Closure(ctx context.Context, visit func(Reach) error) error {
	pins, err := s.pinList(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, p := range pins {
		stack := []cid.Cid{p.c}
		follow := p.kind == PinPackage || p.kind == PinContent
		for len(stack) > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if c.Prefix().MhType == identityMultihash {
				// In the CID itself: nothing stored, but a DAG-CBOR or
				// DAG-JSON one may link to blocks that are.
				if follow {
					links := identityLinks(c)
					for i := len(links) - 1; i >= 0; i-- {
						stack = append(stack, links[i])
					}
				}
				continue
			}
			mh := string(c.Hash())
			if seen[mh] {
				continue
			}
			seen[mh] = true
			r := Reach{CID: c, Root: p.c}
			links, err := s.reach(ctx, &r, follow)
			if err := visit(r); err != nil {
				return err
			}
			if err != nil {
				continue
			}
			for i := len(links) - 1; i >= 0; i-- {
				stack = append(stack, links[i])
			}
		}
	}
	return nil
}

// identityMultihash is the multihash code of identity CIDs.
const identityMultihash = 0x00

// identityLinks returns the links of the block an identity CID holds; none
// when it holds no links or bytes that do not decode.
func identityLinks(c cid.Cid) []cid.Cid {
	d, err := mh.Decode(c.Hash())
	if err != nil {
		return nil
	}
	links, _ := content.Links(c, d.Digest)
	return links
}

// reach fills r's size (and Err), and returns the links to follow.
func (s *Store) reach(ctx context.Context, r *Reach, follow bool) ([]cid.Cid, error) {
	c := r.CID
	if !follow || c.Prefix().Codec == cid.Raw {
		n, err := s.bs.GetSize(ctx, c)
		if err != nil {
			r.Err = notFound(c, err)
			return nil, r.Err
		}
		r.Size = uint64(n)
		return nil, nil
	}
	data, err := s.Block(ctx, c)
	if err != nil {
		if n, serr := s.bs.GetSize(ctx, c); serr == nil {
			r.Size = uint64(n) // present, but damaged
		}
		r.Err = err
		return nil, err
	}
	r.Size = uint64(len(data))
	links, err := content.Links(c, data)
	if err != nil {
		r.Err = err
	}
	return links, err
}

// notFound turns a blockstore's not-found error into one wrapping ErrNotFound.
func notFound(c cid.Cid, err error) error {
	if ipld.IsNotFound(err) {
		return fmt.Errorf("%w: block %s", ErrNotFound, c)
	}
	return err
}

// pinned is one pin, as Closure walks them.
type pinned struct {
	c    cid.Cid
	kind PinKind
}

// pinList returns the pins in key order.
func (s *Store) pinList(ctx context.Context) ([]pinned, error) {
	var out []pinned
	err := s.each(ctx, pinsPrefix, func(k ds.Key, v []byte) error {
		c, err := cid.Decode(k.BaseNamespace())
		if err != nil {
			return fmt.Errorf("pin %s: %w", k, err)
		}
		var p Pin
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("pin %s: %w", k, err)
		}
		out = append(out, pinned{c, p.Kind})
		return nil
	})
	return out, err
}

// IsMissing reports whether err says a block is not in the store.
func IsMissing(err error) bool { return errors.Is(err, ErrNotFound) }
