package dag

import (
	"fmt"

	"github.com/ipfs/go-cid"
)

// LogEventType is the "type" field of a log entry that is not a release.
const LogEventType = "cairn/log@2"

// RotateSigningDomain prefixes the bytes a rotation's new key signs: the
// same payload as the entry's own signature, in a domain of its own.
const RotateSigningDomain = "cairn-rotate@1\x00"

// The kinds of log entry (docs/logs.md §7).
const (
	// KindRelease: the key published Name@Version as Package (cairn/log@1).
	KindRelease = "release"
	// KindRotate: the key hands over to Key, which countersigns; the log
	// ends here, and Key's own log goes on.
	KindRotate = "rotate"
	// KindRevoke: the key is revoked (Revocation says from which seq on).
	KindRevoke = "revoke"
	// KindYank: the key withdraws Name@Version (Package), saying Reason.
	KindYank = "yank"
	// KindUnyank: the key takes back its yank of Name@Version.
	KindUnyank = "unyank"
)

// MaxReasonLength bounds a reason, in bytes.
const MaxReasonLength = 1024

type logEventWire struct {
	Type       string
	Kind       string
	Signer     string
	Seq        int64
	Prev       *cid.Cid
	Created    string
	Name       *string
	Version    *string
	Package    *cid.Cid
	Key        *string
	Revocation *cid.Cid
	Reason     *string
	KeySig     *[]byte
	Sig        []byte
}

type logEventPayloadWire struct {
	Type       string
	Kind       string
	Signer     string
	Seq        int64
	Prev       *cid.Cid
	Created    string
	Name       *string
	Version    *string
	Package    *cid.Cid
	Key        *string
	Revocation *cid.Cid
	Reason     *string
}

var (
	logEventProto        = prototype((*logEventWire)(nil), "LogEvent")
	logEventPayloadProto = prototype((*logEventPayloadWire)(nil), "LogEventPayload")
)

// validateEvent checks an entry of a kind other than release: the fields
// its kind needs, and none other.
func (e *LogEntry) validateEvent() error {
	if err := e.validateChain(); err != nil {
		return err
	}
	if len(e.Metadata) > 0 || len(e.Signatures) > 0 {
		return fmt.Errorf("%w: a %s entry names no metadata sets or signatures", ErrInvalidField, e.Kind)
	}
	if err := checkText("reason", e.Reason, false, MaxReasonLength); err != nil {
		return err
	}
	named := e.Name != (Name{}) || e.Version != ""
	switch e.Kind {
	case KindRotate:
		if err := checkField("key", e.Key, true); err != nil {
			return err
		}
		if e.Key == e.Signer {
			return fmt.Errorf("%w: a key cannot rotate to itself", ErrInvalidField)
		}
		if named || e.Package.Defined() || e.Revocation.Defined() || e.Reason != "" {
			return fmt.Errorf("%w: a rotate entry names only the new key", ErrInvalidField)
		}
		if len(e.KeySig) > 512 {
			return fmt.Errorf("%w: keySig is %d bytes", ErrTooLarge, len(e.KeySig))
		}
	case KindRevoke:
		if !e.Revocation.Defined() {
			return fmt.Errorf("%w: a revoke entry has no revocation", ErrInvalidField)
		}
		if err := CheckNodeLink("revocation", e.Revocation); err != nil {
			return err
		}
		if named || e.Package.Defined() || e.Key != "" || e.KeySig != nil {
			return fmt.Errorf("%w: a revoke entry names only its revocation", ErrInvalidField)
		}
	case KindYank, KindUnyank:
		if _, err := ParseName(e.Name.String()); err != nil {
			return err
		}
		if _, err := ParseVersion(e.Version); err != nil {
			return err
		}
		if e.Kind == KindYank {
			if !e.Package.Defined() {
				return fmt.Errorf("%w: a yank entry has no package", ErrInvalidField)
			}
			if err := CheckNodeLink("package", e.Package); err != nil {
				return err
			}
		} else if e.Package.Defined() {
			return fmt.Errorf("%w: an unyank entry has no package", ErrInvalidField)
		}
		if e.Key != "" || e.KeySig != nil || e.Revocation.Defined() {
			return fmt.Errorf("%w: a %s entry names no key or revocation", ErrInvalidField, e.Kind)
		}
	default:
		return fmt.Errorf("%w: log entry kind %q, expected rotate, revoke, yank or unyank", ErrInvalidField, e.Kind)
	}
	if len(e.Sig) > 512 {
		return fmt.Errorf("%w: sig is %d bytes", ErrTooLarge, len(e.Sig))
	}
	return nil
}

// RotatePayload returns the bytes a rotation's new key signs.
func (e *LogEntry) RotatePayload() ([]byte, error) {
	if e.Kind != KindRotate {
		return nil, fmt.Errorf("%w: a %s entry has no rotation", ErrInvalidField, e.Kind)
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	b, err := e.payloadBody()
	if err != nil {
		return nil, err
	}
	return append([]byte(RotateSigningDomain), b...), nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optLink(c cid.Cid) *cid.Cid {
	if !c.Defined() {
		return nil
	}
	return &c
}

func (e *LogEntry) eventPayloadWire() *logEventPayloadWire {
	w := &logEventPayloadWire{
		Type: LogEventType, Kind: e.Kind, Signer: e.Signer, Seq: int64(e.Seq), Prev: optLink(e.Prev),
		Created: FormatTime(e.Created), Version: optString(e.Version), Package: optLink(e.Package),
		Key: optString(e.Key), Revocation: optLink(e.Revocation), Reason: optString(e.Reason),
	}
	if e.Name != (Name{}) {
		w.Name = optString(e.Name.String())
	}
	return w
}

func (e *LogEntry) eventWire() *logEventWire {
	p := e.eventPayloadWire()
	w := &logEventWire{
		Type: p.Type, Kind: p.Kind, Signer: p.Signer, Seq: p.Seq, Prev: p.Prev, Created: p.Created,
		Name: p.Name, Version: p.Version, Package: p.Package, Key: p.Key, Revocation: p.Revocation, Reason: p.Reason,
		Sig: e.Sig,
	}
	if e.KeySig != nil {
		ks := e.KeySig
		w.KeySig = &ks
	}
	return w
}

// decodeLogEvent parses and validates untrusted bytes as a cairn/log@2 entry.
func decodeLogEvent(data []byte) (*LogEntry, error) {
	v, err := decode(data, logEventProto, LogEventType)
	if err != nil {
		return nil, fmt.Errorf("log entry: %w", err)
	}
	w := v.(*logEventWire)
	if w.Type != LogEventType {
		return nil, fmt.Errorf("%w: type %q, expected %q", ErrWrongKind, w.Type, LogEventType)
	}
	if w.Seq < 1 {
		return nil, fmt.Errorf("%w: log entry seq %d", ErrInvalidField, w.Seq)
	}
	if w.Kind == KindRelease || w.Kind == "" {
		return nil, fmt.Errorf("%w: a release is a %s entry, not %s", ErrInvalidField, LogEntryType, LogEventType)
	}
	created, err := ParseTime(w.Created)
	if err != nil {
		return nil, err
	}
	e := &LogEntry{Kind: w.Kind, Signer: w.Signer, Seq: uint64(w.Seq), Created: created, Sig: w.Sig}
	if w.Prev != nil {
		e.Prev = *w.Prev
	}
	if w.Name != nil {
		if e.Name, err = ParseName(*w.Name); err != nil {
			return nil, err
		}
	}
	for _, f := range []struct {
		dst *string
		src *string
	}{{&e.Version, w.Version}, {&e.Key, w.Key}, {&e.Reason, w.Reason}} {
		if f.src != nil {
			if *f.src == "" {
				return nil, fmt.Errorf("%w: an empty optional field is absent, not empty", ErrNotCanonical)
			}
			*f.dst = *f.src
		}
	}
	if w.Package != nil {
		e.Package = *w.Package
	}
	if w.Revocation != nil {
		e.Revocation = *w.Revocation
	}
	if w.KeySig != nil {
		e.KeySig = *w.KeySig
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if len(e.Sig) == 0 {
		return nil, fmt.Errorf("%w: log entry is not signed", ErrInvalidField)
	}
	if e.Kind == KindRotate && len(e.KeySig) == 0 {
		return nil, fmt.Errorf("%w: a rotate entry is not countersigned by its new key", ErrInvalidField)
	}
	return e, nil
}
