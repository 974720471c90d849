package node_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/cairnpkg/cairn/dag/dagtest"
	"github.com/cairnpkg/cairn/node"
)

func TestCheckGatewayAddr(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"", true}, // disabled
		{"127.0.0.1:4503", true},
		{"127.0.0.1:0", true},
		{"0.0.0.0:8080", true},
		{":4503", true},
		{"[::1]:4503", true},
		{"localhost:4503", true},
		{"127.0.0.1", false},
		{"127.0.0.1:http", false},
		{"127.0.0.1:70000", false},
		{"::1:4503", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			err := node.CheckGatewayAddr(tt.addr)
			if tt.ok && err != nil {
				t.Errorf("refused: %v", err)
			}
			if !tt.ok && !errors.Is(err, node.ErrInvalidConfig) {
				t.Errorf("got %v, expected ErrInvalidConfig", err)
			}
		})
	}
}

func TestDaemonOptionsGateway(t *testing.T) {
	for _, addr := range []string{"", "0.0.0.0:0"} {
		if err := (node.DaemonOptions{Gateway: &addr}).Validate(); err != nil {
			t.Errorf("--gateway %q refused: %v", addr, err)
		}
	}
	bad := "nope"
	if err := (node.DaemonOptions{Gateway: &bad}).Validate(); !errors.Is(err, node.ErrInvalidInput) {
		t.Errorf("--gateway %q: got %v, expected ErrInvalidInput", bad, err)
	}
}

func TestUploadLimit(t *testing.T) {
	n := node.DefaultNetworkConfig()
	for _, bad := range []string{"40MB", "40Mbit/s", "0B/s", "1kB/s", "fast"} {
		n.UploadLimit = bad
		if err := n.Validate(); !errors.Is(err, node.ErrInvalidConfig) {
			t.Errorf("upload_limit %q: Validate = %v, want ErrInvalidConfig", bad, err)
		}
		if err := (node.DaemonOptions{UploadLimit: &bad}).Validate(); !errors.Is(err, node.ErrInvalidInput) {
			t.Errorf("--upload-limit %q: got %v, expected ErrInvalidInput", bad, err)
		}
	}
	for _, good := range []string{"", "40MB/s", "500KiB/s", "1.5GB/s"} {
		n.UploadLimit = good
		if err := n.Validate(); err != nil {
			t.Errorf("upload_limit %q: %v", good, err)
		}
		if err := (node.DaemonOptions{UploadLimit: &good}).Validate(); err != nil {
			t.Errorf("--upload-limit %q refused: %v", good, err)
		}
	}
}

func TestHeadsInterval(t *testing.T) {
	n := node.DefaultNetworkConfig()
	for _, bad := range []string{"0s", "500ms", "soon"} {
		n.HeadsInterval = bad
		if err := n.Validate(); !errors.Is(err, node.ErrInvalidConfig) {
			t.Errorf("heads_interval %q: Validate = %v, want ErrInvalidConfig", bad, err)
		}
	}
	for _, good := range []string{"", "1s", "5m"} {
		n.HeadsInterval = good
		if err := n.Validate(); err != nil {
			t.Errorf("heads_interval %q: %v", good, err)
		}
	}
}

func TestGatewayHosts(t *testing.T) {
	n := node.DefaultNetworkConfig()
	for _, bad := range [][]string{{""}, {"evil.example:80"}, {"*.example"}, {"http://x.example"}} {
		n.GatewayHosts = bad
		if err := n.Validate(); !errors.Is(err, node.ErrInvalidConfig) {
			t.Errorf("gateway_hosts %q: Validate = %v, want ErrInvalidConfig", bad, err)
		}
	}
	n.GatewayHosts = []string{"registry.example", "gw.internal"}
	if err := n.Validate(); err != nil {
		t.Errorf("gateway_hosts %q: %v", n.GatewayHosts, err)
	}
}

// TestDaemonGatewayHostsFromConfig: the daemon's gateway answers a name
// listed in config.toml's gateway_hosts and refuses others.
func TestDaemonGatewayHostsFromConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	if _, err := node.Init(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, node.ConfigFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// [network] is the config's last table.
	if _, err := f.WriteString("gateway_hosts = [\"registry.example\"]\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	d := startDaemon(t, openRepo(t, dir))
	absent, _ := dagtest.Content(t, []byte("not held"))
	for host, want := range map[string]int{"registry.example:4503": http.StatusNotFound, "evil.example": http.StatusForbidden} {
		req, err := http.NewRequest("GET", "http://"+d.Info().Gateway+"/ipfs/"+absent.String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// 404: allowed in, and the node does not hold the block.
		if resp.StatusCode != want {
			t.Errorf("Host %s: status %d, want %d", host, resp.StatusCode, want)
		}
	}
}

func TestAnnounceSchedule(t *testing.T) {
	for _, tc := range []struct {
		interval, ttl string
		ok            bool
	}{
		{"", "", true},
		{"1s", "", true},
		{"1h", "2h", true},
		{"500ms", "", false}, // under a second
		{"soon", "", false},
		{"", "1s", false},   // shorter than the default interval (1h)
		{"2h", "1h", false}, // announcements would expire between two
	} {
		n := node.DefaultNetworkConfig()
		n.AnnounceInterval, n.AnnounceTTL = tc.interval, tc.ttl
		err := n.Validate()
		if tc.ok && err != nil || !tc.ok && !errors.Is(err, node.ErrInvalidConfig) {
			t.Errorf("announce_interval %q, announce_ttl %q: Validate = %v, want ok %v", tc.interval, tc.ttl, err, tc.ok)
		}
	}
}

func TestGCConfig(t *testing.T) {
	for _, tc := range []struct {
		interval  string
		watermark int64
		ok        bool
	}{
		{"", 0, true},
		{"24h", 0, true},
		{"1m", 10240, true},
		{"30s", 0, false}, // under a minute
		{"daily", 0, false},
		{"", -1, false},
	} {
		c := node.DefaultConfig()
		c.Store.GCInterval, c.Store.GCWatermarkMiB = tc.interval, tc.watermark
		err := c.Validate()
		if tc.ok && err != nil || !tc.ok && !errors.Is(err, node.ErrInvalidConfig) {
			t.Errorf("gc_interval %q, gc_watermark_mib %d: Validate = %v, want ok %v", tc.interval, tc.watermark, err, tc.ok)
		}
	}
}
