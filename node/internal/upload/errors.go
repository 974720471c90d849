package upload

import "errors"

// ErrInvalidRate: a rate that does not parse, or is too low to serve with.
var ErrInvalidRate = errors.New("upload: invalid rate")
