package p2p

import (
	"testing"

	yamuxlib "github.com/libp2p/go-yamux/v5"
)

// TestMuxerFrames: the host's yamux sends frames of up to maxFrame bytes, no
// larger than the window a yamux peer starts a stream with, and its
// configuration is one yamux accepts.
func TestMuxerFrames(t *testing.T) {
	cfg := muxer().Config()
	if cfg.MaxMessageSize != maxFrame {
		t.Fatalf("yamux frames of %d bytes, want %d", cfg.MaxMessageSize, maxFrame)
	}
	if def := yamuxlib.DefaultConfig(); cfg.MaxMessageSize > def.InitialStreamWindowSize {
		t.Fatalf("frames of %d bytes exceed a peer's initial window of %d", cfg.MaxMessageSize, def.InitialStreamWindowSize)
	}
	if err := yamuxlib.VerifyConfig(cfg); err != nil {
		t.Fatal(err)
	}
}
