package logs

import (
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
)

// Block is a log entry from a peer or a bundle: its CID, bytes and decoded
// form, checked against its CID and signature.
type Block struct {
	CID   cid.Cid
	Data  []byte
	Entry *dag.LogEntry
	// Revocation is the bytes of the revocation a revoke entry publishes,
	// checked (CheckRevocation); nil for other kinds, or not fetched yet.
	Revocation []byte
}

// Check decodes data, which must hash to c, as an entry of signer's log ("":
// any signer's) and checks its signature.
func Check(c cid.Cid, data []byte, signer string) (Block, error) {
	if err := dag.CheckBlock(c, data); err != nil {
		return Block{}, err
	}
	e, err := dag.DecodeLogEntry(data)
	if err != nil {
		return Block{}, fmt.Errorf("%w: %s: %w", ErrBadLog, c, err)
	}
	if signer != "" && e.Signer != signer {
		return Block{}, fmt.Errorf("%w: entry %s is signed by %s, not %s", ErrBadLog, c, e.Signer, signer)
	}
	if err := sign.VerifyLogEntry(e); err != nil {
		return Block{}, fmt.Errorf("%w: %s: %w", ErrBadLog, c, err)
	}
	return Block{CID: c, Data: data, Entry: e}, nil
}

// CheckRevocation decodes data, which must hash to c, as a revocation of
// signer's key and checks its signature.
func CheckRevocation(c cid.Cid, data []byte, signer string) (*dag.Revocation, error) {
	if err := dag.CheckBlock(c, data); err != nil {
		return nil, err
	}
	r, err := dag.DecodeRevocation(data)
	if err != nil {
		return nil, fmt.Errorf("%w: revocation %s: %w", ErrBadLog, c, err)
	}
	if signer != "" && r.Signer != signer {
		return nil, fmt.Errorf("%w: revocation %s is of %s, not %s", ErrBadLog, c, r.Signer, signer)
	}
	if err := sign.VerifyRevocation(r); err != nil {
		return nil, fmt.Errorf("%w: revocation %s: %w", ErrBadLog, c, err)
	}
	return r, nil
}
