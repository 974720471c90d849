package intoto

import "github.com/cairnpkg/cairn/internal/errkind"

// Errors returned by this package; detail is added with fmt.Errorf("%w: ...", ErrX).
var (
	// ErrInvalidStatement: a file that is not an in-toto Statement (or a
	// DSSE envelope around one) the in-toto library accepts.
	ErrInvalidStatement = errkind.New("invalid in-toto statement", errkind.Invalid)
	// ErrSubjectMismatch: a subject of a statement whose SHA-256 is the
	// digest of no file layer of the package it is attached to.
	ErrSubjectMismatch = errkind.New("in-toto subject does not match the package", errkind.Invalid)
	// ErrNoFileLayers: a package with no file layer has no SHA-256 to make an
	// in-toto subject of.
	ErrNoFileLayers = errkind.New("package has no file layers", errkind.Invalid)
	// ErrNoProvenance: SLSA provenance was asked for a package none of whose
	// build metadata sets names its builder.
	ErrNoProvenance = errkind.New("no build metadata for slsa provenance", errkind.Invalid)
)
