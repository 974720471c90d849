package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/node"
)

func TestProgressDraws(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, label: "importing", total: 100 << 20, start: time.Now().Add(-time.Second)}
	p.update(50 << 20)
	if out := buf.String(); !strings.Contains(out, "importing [===============               ] 50.0 MiB / 100.0 MiB  50%") {
		t.Fatalf("half way: %q", out)
	}
	p.update(60 << 20) // within 100 ms of the last draw: skipped
	if strings.Count(buf.String(), "\r") != 1 {
		t.Fatalf("redrew too often: %q", buf.String())
	}
	p.update(100 << 20) // the end is always drawn
	p.done()
	if out := buf.String(); !strings.Contains(out, "100%") || !strings.HasSuffix(out, "\n") {
		t.Fatalf("end: %q", out)
	}
}

func TestProgressOffWhenNotNeeded(t *testing.T) {
	if newProgress("importing", progressMinBytes-1) != nil {
		t.Fatal("a bar for a tiny import")
	}
	// A nil bar (small work, or stderr not a terminal) is safe to use.
	var p *progress
	p.update(1)
	p.done()
}

func TestFetchProgressLine(t *testing.T) {
	for _, tc := range []struct {
		p    node.FetchProgress
		want string
	}{
		{node.FetchProgress{Blocks: 120, Bytes: 120 << 20, Total: 100 << 20, Peers: 2, Seconds: 4},
			"fetching  120.0 MiB / 100.0 MiB 100%  120 blocks  2 peers  30.0 MiB/s"},
		{node.FetchProgress{Peers: 1, Seconds: 3, Log: &node.FetchLogProgress{Signer: "did:key:z6Mk", Held: 4096, Head: 100000}},
			"catching up the publisher log of did:key:z6Mk first: entry 4096 of 100000"},
	} {
		if got := progressLine(tc.p); got != tc.want {
			t.Errorf("progressLine(%+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}
