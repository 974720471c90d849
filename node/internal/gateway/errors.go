package gateway

import "errors"

// Errors of the gateway.
var (
	// ErrInvalidConfig is wrapped by the error NewHandler (and
	// Config.Validate) returns for a Config that breaks one of its rules.
	ErrInvalidConfig = errors.New("invalid gateway config")
	// ErrHostNotAllowed is what the gateway answers, as 403 Forbidden with a
	// plain-text body, a request whose Host header it does not serve (DNS
	// rebinding).
	ErrHostNotAllowed = errors.New("host not allowed")
)
