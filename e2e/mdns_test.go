package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestMDNS: two daemons with --mdns find and connect to each other on the
// local network without being told of each other; each lists the other once.
func TestMDNS(t *testing.T) {
	a, b := newRepo(t), newRepo(t)
	da, db := startDaemon(t, a, "--mdns"), startDaemon(t, b, "--mdns")
	eventually(t, 20*time.Second, func() (bool, string) {
		pa, pb := peerSet(da.peers(t)), peerSet(db.peers(t))
		return slices.Equal(pa, []string{db.id()}) && slices.Equal(pb, []string{da.id()}),
			fmt.Sprintf("a lists %v, b lists %v", pa, pb)
	})
}
