package e2e

import (
	"slices"
	"strings"
	"testing"
)

// TestDaemonsConnect runs three daemons and connects A to B and to C: each
// lists the peers it should, and cairn id describes each node as itself.
func TestDaemonsConnect(t *testing.T) {
	t.Parallel()
	a := startDaemon(t, newRepo(t))
	b := startDaemon(t, newRepo(t))
	c := startDaemon(t, newRepo(t))
	if a.id() == b.id() || a.id() == c.id() || b.id() == c.id() {
		t.Fatalf("three repos, peer IDs not distinct: %s %s %s", a.id(), b.id(), c.id())
	}

	for _, d := range []*daemon{a, b, c} {
		id := d.idOf(t)
		if id.PeerID != d.id() || !id.Running {
			t.Fatalf("cairn id: %+v, want peer %s running", id, d.id())
		}
		if !strings.HasPrefix(id.Agent, "cairn/") {
			t.Errorf("agent %q", id.Agent)
		}
		if id.API != d.info().API {
			t.Errorf("cairn id says api %s, daemon.json %s", id.API, d.info().API)
		}
		var tcp, quic bool
		for _, addr := range id.Addrs {
			if !strings.HasSuffix(addr, "/p2p/"+d.id()) {
				t.Errorf("address %q of %s does not end in /p2p/%s", addr, d.id(), d.id())
			}
			tcp = tcp || strings.Contains(addr, "/tcp/")
			quic = quic || strings.Contains(addr, "/quic-v1/")
		}
		if !tcp || !quic {
			t.Errorf("%s: expected a TCP and a QUIC v1 address, got %v", d.id(), id.Addrs)
		}
		if ps := d.peers(t); len(ps) != 0 {
			t.Errorf("%s has peers before any connect: %+v", d.id(), ps)
		}
	}

	connect(t, a, b)
	connect(t, a, c)

	// A knows exactly B and C, through the address it dialed. B and C know A
	// and may know each other: the DHT introduces the peers it meets.
	pa := a.peers(t)
	if got, want := peerSet(pa), sorted(b.id(), c.id()); !slices.Equal(got, want) {
		t.Fatalf("A lists %v, want %v", got, want)
	}
	for _, d := range []*daemon{b, c} {
		want := strings.TrimSuffix(d.addr("/tcp/"), "/p2p/"+d.id())
		if !slices.ContainsFunc(pa, func(p peerJSON) bool { return p.PeerID == d.id() && p.Addr == want }) {
			t.Errorf("A has no connection to %s at %s: %+v", d.id(), want, pa)
		}
	}
	for _, x := range []struct {
		d, other *daemon
	}{{b, c}, {c, b}} {
		got := peerSet(x.d.peers(t))
		if !slices.Contains(got, a.id()) {
			t.Errorf("%s does not list A (%s): %v", x.d.id(), a.id(), got)
		}
		for _, p := range got {
			if p != a.id() && p != x.other.id() {
				t.Errorf("%s lists a stranger %s: %v", x.d.id(), p, got)
			}
		}
	}

	// The QUIC address works too: a fourth node dials C on it.
	d := startDaemon(t, newRepo(t))
	connectVia(t, d, c, c.addr("/quic-v1"))
	pd := d.peers(t)
	if !slices.ContainsFunc(pd, func(p peerJSON) bool {
		return p.PeerID == c.id() && strings.Contains(p.Addr, "/quic-v1")
	}) {
		t.Errorf("D dialed C over QUIC but lists %+v", pd)
	}
}

// sorted returns ss sorted.
func sorted(ss ...string) []string {
	slices.Sort(ss)
	return ss
}
