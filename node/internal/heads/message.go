package heads

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ipfs/go-cid"
	"github.com/ipld/go-ipld-prime/codec/dagcbor"
	"github.com/ipld/go-ipld-prime/datamodel"
	"github.com/ipld/go-ipld-prime/fluent/qp"
	cidlink "github.com/ipld/go-ipld-prime/linking/cid"
	"github.com/ipld/go-ipld-prime/node/basicnode"

	"github.com/cairnpkg/cairn/dag"
)

// Limits of one heads message (docs/protocols.md §6).
const (
	// MaxHeads bounds the heads in one message.
	MaxHeads = 4096
	// MaxSeq is the largest sequence number: 2^53-1, exact in every JSON and
	// CBOR reader, as for log entries.
	MaxSeq = 1<<53 - 1
	// MaxSignerLength bounds a signer's did:key, in bytes.
	MaxSignerLength = dag.MaxFieldLength
	// signerPrefix starts every signer.
	signerPrefix = "did:key:"

	// maxHeadSize is the largest encoding of one head: map(3) 1, "seq" 4, an
	// integer 9, "head" 5, a link 41 (tag 2, bytes header 2, 0x00, a 36-byte
	// CID), "signer" 7, a 256-byte text string 259 (header 59 01 00).
	maxHeadSize = 1 + 4 + 9 + 5 + 41 + 7 + 3 + MaxSignerLength
	// MaxMessageSize bounds a message's bytes: a list header of up to 3 bytes
	// and MaxHeads heads of the largest size (1,335,299 bytes).
	MaxMessageSize = 3 + MaxHeads*maxHeadSize
	// allocationBudget bounds the decoder's work on a message (see
	// dagcbor.DecodeOptions): generous for MaxHeads well-formed heads, far
	// below what a message of small items packed to MaxMessageSize would need.
	allocationBudget = 8 + MaxHeads*(maxHeadSize+64)
)

// Head is the head of one publisher log: the entry numbered Seq of the log
// of the key Signer, whose CID is CID. From a peer it is a hint: the entries
// it names are fetched and verified before anything is believed.
type Head struct {
	Signer string
	Seq    uint64
	CID    cid.Cid
}

// String returns "signer#seq cid".
func (h Head) String() string { return fmt.Sprintf("%s#%d %s", h.Signer, h.Seq, h.CID) }

// Validate checks the rules every head on the wire follows.
func (h Head) Validate() error {
	if err := checkSigner(h.Signer); err != nil {
		return err
	}
	if h.Seq < 1 || h.Seq > MaxSeq {
		return fmt.Errorf("%w: seq %d of %s: expected 1 to %d", ErrInvalidHead, h.Seq, h.Signer, uint64(MaxSeq))
	}
	if err := dag.CheckNodeLink("head", h.CID); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidHead, err)
	}
	return nil
}

// checkSigner requires "did:key:" and a non-empty multibase identifier made of
// ASCII letters and digits (the base58btc alphabet is a subset), at most
// MaxSignerLength bytes in all. Which key types are known is left to the
// sign package: a head is a hint.
func checkSigner(s string) error {
	if len(s) > MaxSignerLength {
		return fmt.Errorf("%w: signer is %d bytes, limit %d", ErrInvalidHead, len(s), MaxSignerLength)
	}
	rest, ok := strings.CutPrefix(s, signerPrefix)
	if !ok || rest == "" || strings.IndexFunc(rest, notAlnum) >= 0 {
		return fmt.Errorf("%w: signer %q: expected did:key: and letters and digits", ErrInvalidHead, s)
	}
	return nil
}

func notAlnum(r rune) bool {
	return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
}

// encodeHeads validates heads and encodes them sorted by signer (bytewise),
// so one set of heads has exactly one encoding. heads is not modified.
func encodeHeads(heads []Head) ([]byte, error) {
	if len(heads) > MaxHeads {
		return nil, fmt.Errorf("%w: %d heads, limit %d", ErrTooLarge, len(heads), MaxHeads)
	}
	sorted := slices.Clone(heads)
	slices.SortFunc(sorted, func(a, b Head) int { return strings.Compare(a.Signer, b.Signer) })
	for i, h := range sorted {
		if err := h.Validate(); err != nil {
			return nil, err
		}
		if i > 0 && sorted[i-1].Signer == h.Signer {
			return nil, fmt.Errorf("%w: %s", ErrDuplicateSigner, h.Signer)
		}
	}
	return encodeSorted(sorted)
}

// encodeSorted encodes heads, already valid and sorted, as a DAG-CBOR list of
// {"signer", "seq", "head"} maps (keys sorted length-first by the encoder).
func encodeSorted(heads []Head) ([]byte, error) {
	n, err := qp.BuildList(basicnode.Prototype.List, int64(len(heads)), func(la datamodel.ListAssembler) {
		for _, h := range heads {
			qp.ListEntry(la, qp.Map(3, func(ma datamodel.MapAssembler) {
				qp.MapEntry(ma, "signer", qp.String(h.Signer))
				qp.MapEntry(ma, "seq", qp.Int(int64(h.Seq)))
				qp.MapEntry(ma, "head", qp.Link(cidlink.Link{Cid: h.CID}))
			}))
		}
	})
	if err != nil {
		return nil, fmt.Errorf("heads: encode: %w", err)
	}
	var buf bytes.Buffer
	if err := dagcbor.Encode(n, &buf); err != nil {
		return nil, fmt.Errorf("heads: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeHeads parses a message from a peer. It accepts exactly what
// encodeHeads produces: strict DAG-CBOR, a list of at most MaxHeads maps with
// exactly the keys signer, seq and head, valid heads, signers strictly
// ascending; anything else is refused whole.
func decodeHeads(data []byte) ([]Head, error) {
	if len(data) > MaxMessageSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), MaxMessageSize)
	}
	nb := basicnode.Prototype.Any.NewBuilder()
	opts := dagcbor.DecodeOptions{AllowLinks: true, MaxDepth: 2, AllocationBudget: allocationBudget}
	if err := opts.Decode(nb, bytes.NewReader(data)); err != nil {
		if errors.Is(err, dagcbor.ErrAllocationBudgetExceeded) {
			return nil, fmt.Errorf("%w: %w", ErrTooLarge, err)
		}
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	list := nb.Build()
	if list.Kind() != datamodel.Kind_List {
		return nil, fmt.Errorf("%w: expected a list, found a %s", ErrMalformed, list.Kind())
	}
	if list.Length() > MaxHeads {
		return nil, fmt.Errorf("%w: %d heads, limit %d", ErrTooLarge, list.Length(), MaxHeads)
	}
	out := make([]Head, 0, list.Length())
	seen := make(map[string]struct{}, list.Length())
	for it := list.ListIterator(); !it.Done(); {
		i, n, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		h, err := decodeHead(n)
		if err != nil {
			return nil, fmt.Errorf("head %d: %w", i, err)
		}
		if _, dup := seen[h.Signer]; dup {
			return nil, fmt.Errorf("%w: head %d: %s", ErrDuplicateSigner, i, h.Signer)
		}
		seen[h.Signer] = struct{}{}
		if len(out) > 0 && out[len(out)-1].Signer > h.Signer {
			return nil, fmt.Errorf("%w: head %d: signers not in ascending order", ErrMalformed, i)
		}
		out = append(out, h)
	}
	// Strict decoding and the checks above leave one encoding per message;
	// comparing keeps "what decodes re-encodes to the same bytes" true by
	// construction.
	again, err := encodeSorted(out)
	if err != nil || !bytes.Equal(again, data) {
		return nil, fmt.Errorf("%w: not the canonical encoding", ErrMalformed)
	}
	return out, nil
}

// decodeHead reads one {"signer", "seq", "head"} map.
func decodeHead(n datamodel.Node) (Head, error) {
	if n.Kind() != datamodel.Kind_Map {
		return Head{}, fmt.Errorf("%w: expected a map, found a %s", ErrMalformed, n.Kind())
	}
	var h Head
	var have [3]bool // signer, seq, head
	for it := n.MapIterator(); !it.Done(); {
		k, v, err := it.Next()
		if err != nil {
			return Head{}, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		key, err := k.AsString()
		if err != nil {
			return Head{}, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		switch key {
		case "signer":
			have[0] = true
			if h.Signer, err = v.AsString(); err != nil || v.Kind() != datamodel.Kind_String {
				return Head{}, fmt.Errorf("%w: signer: expected a string, found a %s", ErrMalformed, v.Kind())
			}
		case "seq":
			have[1] = true
			if v.Kind() != datamodel.Kind_Int {
				return Head{}, fmt.Errorf("%w: seq: expected an integer, found a %s", ErrMalformed, v.Kind())
			}
			seq, err := v.AsInt()
			if err != nil || seq < 1 || seq > MaxSeq {
				return Head{}, fmt.Errorf("%w: seq: expected 1 to %d", ErrInvalidHead, uint64(MaxSeq))
			}
			h.Seq = uint64(seq)
		case "head":
			have[2] = true
			l, err := v.AsLink()
			cl, ok := l.(cidlink.Link)
			if err != nil || !ok {
				return Head{}, fmt.Errorf("%w: head: expected a link, found a %s", ErrMalformed, v.Kind())
			}
			h.CID = cl.Cid
		default:
			return Head{}, fmt.Errorf("%w: unknown field %q", ErrMalformed, key)
		}
	}
	for i, name := range []string{"signer", "seq", "head"} {
		if !have[i] {
			return Head{}, fmt.Errorf("%w: missing field %q", ErrMalformed, name)
		}
	}
	if err := h.Validate(); err != nil {
		return Head{}, err
	}
	return h, nil
}
