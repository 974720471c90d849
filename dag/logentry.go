package dag

import (
	"fmt"
	"time"

	"github.com/ipfs/go-cid"
)

// LogEntryType is the "type" field of a LogEntry node.
const LogEntryType = "cairn/log@1"

// LogSigningDomain prefixes the bytes a log entry's signature covers, so it can
// never be taken for a signature over a metadata set or an announcement.
const LogSigningDomain = "cairn-log@1\x00"

// MaxEntryLinks bounds the metadata sets, and separately the signatures, one
// log entry names.
const MaxEntryLinks = 1024

// LogEntry is one entry of a signing key's publisher log. A release (Kind
// KindRelease, the type cairn/log@1) says the key published Name@Version as
// Package, with these metadata sets and signatures; the other kinds
// (cairn/log@2) are the key's corrections: a rotation to Key, a revocation,
// the yank or unyank of Name@Version. Entries are numbered from 1 and each
// links the one before, so a log's head commits to the whole log, and two
// entries with one Seq prove that the key equivocated.
type LogEntry struct {
	Kind    string // KindRelease when ""
	Signer  string
	Seq     uint64
	Prev    cid.Cid // cid.Undef exactly when Seq is 1
	Created time.Time
	Name    Name
	Version string
	Package cid.Cid
	// Key is a rotation's new key, KeySig its signature over the entry.
	Key    string
	KeySig []byte
	// Revocation is a revoke entry's Revocation node.
	Revocation cid.Cid
	// Reason says why, for a revoke, yank or unyank.
	Reason string
	// Metadata and Signatures are what this entry publishes: for a publish, the
	// package's first metadata set and signature; for `meta add`, a new set and
	// its signature; for `sign`, one signature (Metadata names the set it signs).
	Metadata   []cid.Cid
	Signatures []cid.Cid
	Sig        []byte
}

// Ref returns the entry's name@version.
func (e *LogEntry) Ref() Ref { return Ref{Name: e.Name, Version: e.Version} }

// IsRelease reports whether e is a release: it claims Package as Name@Version.
func (e *LogEntry) IsRelease() bool { return e.Kind == "" || e.Kind == KindRelease }

type logEntryWire struct {
	Type       string
	Signer     string
	Seq        int64
	Prev       *cid.Cid
	Created    string
	Name       string
	Version    string
	Package    cid.Cid
	Metadata   []cid.Cid
	Signatures []cid.Cid
	Sig        []byte
}

type logPayloadWire struct {
	Type       string
	Signer     string
	Seq        int64
	Prev       *cid.Cid
	Created    string
	Name       string
	Version    string
	Package    cid.Cid
	Metadata   []cid.Cid
	Signatures []cid.Cid
}

var (
	logEntryProto   = prototype((*logEntryWire)(nil), "LogEntry")
	logPayloadProto = prototype((*logPayloadWire)(nil), "LogEntryPayload")
)

// Validate checks the rules of docs/logs.md that the schema alone does not.
// It does not check the signature: that is the sign package's job.
func (e *LogEntry) Validate() error {
	if !e.IsRelease() {
		return e.validateEvent()
	}
	if e.Key != "" || e.KeySig != nil || e.Revocation.Defined() || e.Reason != "" {
		return fmt.Errorf("%w: a release entry has no key, revocation or reason", ErrInvalidField)
	}
	return e.validateRelease()
}

// validateChain checks what every entry has: its signer, its seq, and a
// prev link exactly when it is not the first.
func (e *LogEntry) validateChain() error {
	if err := checkField("signer", e.Signer, true); err != nil {
		return err
	}
	if e.Seq < 1 || e.Seq > maxSeq {
		return fmt.Errorf("%w: log entry seq %d: expected 1 to %d", ErrInvalidField, e.Seq, uint64(maxSeq))
	}
	if (e.Seq == 1) != !e.Prev.Defined() {
		return fmt.Errorf("%w: log entry %d: prev must be absent exactly on entry 1", ErrInvalidField, e.Seq)
	}
	if e.Prev.Defined() {
		if err := CheckNodeLink("prev", e.Prev); err != nil {
			return err
		}
	}
	return nil
}

// validateRelease checks a release entry.
func (e *LogEntry) validateRelease() error {
	if err := e.validateChain(); err != nil {
		return err
	}
	if _, err := ParseName(e.Name.String()); err != nil {
		return err
	}
	if _, err := ParseVersion(e.Version); err != nil {
		return err
	}
	if !e.Package.Defined() {
		return fmt.Errorf("%w: log entry has no package", ErrInvalidField)
	}
	if err := CheckNodeLink("package", e.Package); err != nil {
		return err
	}
	for _, l := range []struct {
		field string
		cids  []cid.Cid
	}{{"metadata", e.Metadata}, {"signatures", e.Signatures}} {
		if len(l.cids) > MaxEntryLinks {
			return fmt.Errorf("%w: %s has %d links, limit %d", ErrTooLarge, l.field, len(l.cids), MaxEntryLinks)
		}
		for _, c := range l.cids {
			if err := CheckNodeLink(l.field, c); err != nil {
				return err
			}
		}
	}
	if len(e.Sig) > 512 {
		return fmt.Errorf("%w: sig is %d bytes", ErrTooLarge, len(e.Sig))
	}
	return nil
}

// maxSeq keeps sequence numbers exact in every JSON and CBOR reader (2^53-1).
const maxSeq = 1<<53 - 1

func (e *LogEntry) payloadWire() *logPayloadWire {
	w := &logPayloadWire{
		Type: LogEntryType, Signer: e.Signer, Seq: int64(e.Seq), Created: FormatTime(e.Created),
		Name: e.Name.String(), Version: e.Version, Package: e.Package,
		Metadata: orEmpty(e.Metadata), Signatures: orEmpty(e.Signatures),
	}
	if e.Prev.Defined() {
		p := e.Prev
		w.Prev = &p
	}
	return w
}

// SigningPayload returns the bytes the log's key signs: LogSigningDomain
// followed by the DAG-CBOR encoding of every field of the entry but sig (and
// a rotation's keySig).
func (e *LogEntry) SigningPayload() ([]byte, error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	b, err := e.payloadBody()
	if err != nil {
		return nil, err
	}
	return append([]byte(LogSigningDomain), b...), nil
}

// payloadBody is the DAG-CBOR of every field but sig and keySig.
func (e *LogEntry) payloadBody() ([]byte, error) {
	if !e.IsRelease() {
		b, _, err := encode(e.eventPayloadWire(), logEventPayloadProto)
		return b, err
	}
	b, _, err := encode(e.payloadWire(), logPayloadProto)
	return b, err
}

// Encode validates e and returns its canonical bytes and CID.
func (e *LogEntry) Encode() ([]byte, cid.Cid, error) {
	if err := e.Validate(); err != nil {
		return nil, cid.Undef, err
	}
	if len(e.Sig) == 0 {
		return nil, cid.Undef, fmt.Errorf("%w: log entry is not signed", ErrInvalidField)
	}
	if !e.IsRelease() {
		if e.Kind == KindRotate && len(e.KeySig) == 0 {
			return nil, cid.Undef, fmt.Errorf("%w: a rotate entry is not countersigned by its new key", ErrInvalidField)
		}
		return encode(e.eventWire(), logEventProto)
	}
	p := e.payloadWire()
	w := &logEntryWire{
		Type: p.Type, Signer: p.Signer, Seq: p.Seq, Prev: p.Prev, Created: p.Created,
		Name: p.Name, Version: p.Version, Package: p.Package,
		Metadata: p.Metadata, Signatures: p.Signatures, Sig: e.Sig,
	}
	return encode(w, logEntryProto)
}

// DecodeLogEntry parses and validates untrusted bytes as a LogEntry of
// either type.
func DecodeLogEntry(data []byte) (*LogEntry, error) {
	if t, ok := typeField(data); ok && t == LogEventType {
		return decodeLogEvent(data)
	}
	v, err := decode(data, logEntryProto, LogEntryType)
	if err != nil {
		return nil, fmt.Errorf("log entry: %w", err)
	}
	w := v.(*logEntryWire)
	if w.Type != LogEntryType {
		return nil, fmt.Errorf("%w: type %q, expected %q", ErrWrongKind, w.Type, LogEntryType)
	}
	if w.Seq < 1 {
		return nil, fmt.Errorf("%w: log entry seq %d", ErrInvalidField, w.Seq)
	}
	created, err := ParseTime(w.Created)
	if err != nil {
		return nil, err
	}
	name, err := ParseName(w.Name)
	if err != nil {
		return nil, err
	}
	e := &LogEntry{
		Signer: w.Signer, Seq: uint64(w.Seq), Created: created, Name: name, Version: w.Version,
		Package: w.Package, Metadata: w.Metadata, Signatures: w.Signatures, Sig: w.Sig,
	}
	if w.Prev != nil {
		e.Prev = *w.Prev
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	if len(e.Sig) == 0 {
		return nil, fmt.Errorf("%w: log entry is not signed", ErrInvalidField)
	}
	return e, nil
}

func orEmpty(cs []cid.Cid) []cid.Cid {
	if cs == nil {
		return []cid.Cid{}
	}
	return cs
}
