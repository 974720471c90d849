package events

import (
	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/sign"
)

// Event is one of the types below.
type Event interface{ isEvent() }

// Published: a package (or a content root) was committed to the repo by a
// publish, a fetch or an import. The daemon provides it in the DHT.
type Published struct{ Root cid.Cid }

// LogAppended: an entry of one of the repo's own keys' publisher logs was
// committed. The announcer gossips the new head, signed with Key.
type LogAppended struct {
	Entry *dag.LogEntry
	CID   cid.Cid
	Key   *sign.Key
}

// Revoked: the repo learned a revocation (made here, imported, or heard):
// the announcer gossips it; trust decisions see it at once.
type Revoked struct {
	Revocation *dag.Revocation
	CID        cid.Cid
	Data       []byte
	// Heard: it came from gossip, which relays it already.
	Heard bool
}

// LogsCaughtUp: entries of a followed log were fetched from peers and
// committed (Added), or revealed proofs of equivocation (Evidence). The
// mirror looks at the logs again.
type LogsCaughtUp struct {
	Signer   string
	Added    int
	Evidence int
}

// PolicyChanged: policy.toml was saved. The follower looks again at the
// heads it ignored; the mirror at the logs it may now follow.
type PolicyChanged struct{}

// MirrorsChanged: a mirror rule was added. The mirror looks at the logs.
type MirrorsChanged struct{}

// Verified: a package was judged against the policy (verify, fetch,
// import), with this verdict. The metrics count verdicts.
type Verified struct{ Status sign.Status }

func (Published) isEvent()      {}
func (LogAppended) isEvent()    {}
func (LogsCaughtUp) isEvent()   {}
func (Revoked) isEvent()        {}
func (PolicyChanged) isEvent()  {}
func (MirrorsChanged) isEvent() {}
func (Verified) isEvent()       {}
