package node_test

import (
	"errors"
	"testing"

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
