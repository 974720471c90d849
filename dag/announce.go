package dag

import (
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
)

// AnnouncementType is the "type" field of an Announcement.
const AnnouncementType = "cairn/announce@2"

// AnnounceSigningDomain prefixes the bytes an announcement's signature covers.
const AnnounceSigningDomain = "cairn-announce@1\x00"

// Limits on an announcement, which arrives unasked from any peer.
const (
	// MaxAnnouncementSize bounds an encoded announcement.
	MaxAnnouncementSize = 4 << 10
	// MaxAnnounceAddrs bounds its address hints.
	MaxAnnounceAddrs = 8
)

// Announcement is the gossip message that says a log has a head: the log's
// key, the head's sequence number and CID, where to fetch the entries, and
// when the key said so. It carries CIDs, never payloads, and is signed by the
// log's key. A publisher says it again on a schedule even without news, so
// that its followers can tell a quiet publisher from a withheld one
// (docs/gossip.md, docs/trust.md §7); Expires bounds how long it is relayed.
type Announcement struct {
	Signer  string
	Seq     uint64
	Head    cid.Cid
	Addrs   []string
	Created time.Time
	Expires time.Time
	Sig     []byte
}

type announceWire struct {
	Type    string
	Signer  string
	Seq     int64
	Head    cid.Cid
	Addrs   []string
	Created string
	Expires string
	Sig     []byte
}

type announcePayloadWire struct {
	Type    string
	Signer  string
	Seq     int64
	Head    cid.Cid
	Addrs   []string
	Created string
	Expires string
}

var (
	announceProto        = prototype((*announceWire)(nil), "Announcement")
	announcePayloadProto = prototype((*announcePayloadWire)(nil), "AnnouncementPayload")
)

// Validate checks the rules of docs/logs.md that the schema alone does not.
func (a *Announcement) Validate() error {
	if err := checkField("signer", a.Signer, true); err != nil {
		return err
	}
	if a.Seq < 1 || a.Seq > maxSeq {
		return fmt.Errorf("%w: announcement seq %d: expected 1 to %d", ErrInvalidField, a.Seq, uint64(maxSeq))
	}
	if !a.Head.Defined() {
		return fmt.Errorf("%w: announcement has no head", ErrInvalidField)
	}
	if err := CheckNodeLink("head", a.Head); err != nil {
		return err
	}
	if len(a.Addrs) > MaxAnnounceAddrs {
		return fmt.Errorf("%w: %d addresses, limit %d", ErrTooLarge, len(a.Addrs), MaxAnnounceAddrs)
	}
	for _, s := range a.Addrs {
		if err := checkField("addr", s, true); err != nil {
			return err
		}
	}
	if !a.Expires.After(a.Created) {
		return fmt.Errorf("%w: announcement expires at %s, not after it was made (%s)", ErrInvalidField, FormatTime(a.Expires), FormatTime(a.Created))
	}
	if len(a.Sig) > 512 {
		return fmt.Errorf("%w: sig is %d bytes", ErrTooLarge, len(a.Sig))
	}
	return nil
}

func (a *Announcement) payloadWire() *announcePayloadWire {
	addrs := a.Addrs
	if addrs == nil {
		addrs = []string{}
	}
	return &announcePayloadWire{
		Type: AnnouncementType, Signer: a.Signer, Seq: int64(a.Seq), Head: a.Head,
		Addrs: addrs, Created: FormatTime(a.Created), Expires: FormatTime(a.Expires),
	}
}

// SigningPayload returns the bytes the log's key signs: AnnounceSigningDomain
// followed by the DAG-CBOR encoding of every field but sig.
func (a *Announcement) SigningPayload() ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	b, _, err := encode(a.payloadWire(), announcePayloadProto)
	if err != nil {
		return nil, err
	}
	return append([]byte(AnnounceSigningDomain), b...), nil
}

// Encode validates a and returns its canonical bytes.
func (a *Announcement) Encode() ([]byte, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if len(a.Sig) == 0 {
		return nil, fmt.Errorf("%w: announcement is not signed", ErrInvalidField)
	}
	p := a.payloadWire()
	w := &announceWire{Type: p.Type, Signer: p.Signer, Seq: p.Seq, Head: p.Head, Addrs: p.Addrs, Created: p.Created, Expires: p.Expires, Sig: a.Sig}
	b, _, err := encode(w, announceProto)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxAnnouncementSize {
		return nil, fmt.Errorf("%w: announcement is %d bytes, limit %d", ErrTooLarge, len(b), MaxAnnouncementSize)
	}
	return b, nil
}

// DecodeAnnouncement parses and validates untrusted bytes as an Announcement.
// It does not check the signature: sign.VerifyAnnouncement does.
func DecodeAnnouncement(data []byte) (*Announcement, error) {
	if len(data) > MaxAnnouncementSize {
		return nil, fmt.Errorf("%w: announcement is %d bytes, limit %d", ErrTooLarge, len(data), MaxAnnouncementSize)
	}
	v, err := decode(data, announceProto, AnnouncementType)
	if err != nil {
		return nil, fmt.Errorf("announcement: %w", err)
	}
	w := v.(*announceWire)
	if w.Type != AnnouncementType {
		return nil, fmt.Errorf("%w: type %q, expected %q", ErrWrongKind, w.Type, AnnouncementType)
	}
	if w.Seq < 1 {
		return nil, fmt.Errorf("%w: announcement seq %d", ErrInvalidField, w.Seq)
	}
	created, err := ParseTime(w.Created)
	if err != nil {
		return nil, err
	}
	expires, err := ParseTime(w.Expires)
	if err != nil {
		return nil, err
	}
	a := &Announcement{Signer: w.Signer, Seq: uint64(w.Seq), Head: w.Head, Addrs: w.Addrs, Created: created, Expires: expires, Sig: w.Sig}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if len(a.Sig) == 0 {
		return nil, fmt.Errorf("%w: announcement is not signed", ErrInvalidField)
	}
	return a, nil
}
