// Package intoto turns a package and its metadata sets into an in-toto
// Statement v1, and an in-toto Statement (bare, or in a DSSE envelope) into
// the entries of a metadata set, both ways as docs/metadata.md maps them.
//
// Export: Build makes a Statement whose subjects are the package's file
// layers (name, SHA-256) and whose predicate is SLSA Provenance v1 when a
// build metadata set names its builder, else Cairn's own predicate
// (PredicateCairn) listing every metadata set with its entries, signatures
// and verdicts. The JSON is made with encoding/json (byte-stable) and checked
// with the in-toto library's own Validate before it is returned.
//
//	st, err := intoto.Build(src, intoto.PredicateAuto)
//	data, _ := json.MarshalIndent(st, "", "  ")
//
// Import: Read parses a file that is a Statement or a DSSE envelope around
// one, validates it with the library, and verifies each DSSE signature whose
// keyid is a did:key; Attach then matches its subjects to the package's
// layers by SHA-256 and returns the entries of the metadata set that keeps
// it (the well-known keys mapped from SLSA provenance, and the statement's
// exact bytes under "intoto").
//
//	a, err := intoto.Read(data)
//	entries, kind, err := intoto.Attach(a, pkg)
package intoto
