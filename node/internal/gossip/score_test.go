package gossip

import (
	"context"
	"testing"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
)

// TestScoreParamsValidate runs the parameters through pubsub's own
// validation (WithPeerScore validates), with broken copies as controls.
func TestScoreParamsValidate(t *testing.T) {
	h := newHost(t)
	for _, tc := range []struct {
		name  string
		spoil func(*pubsub.PeerScoreParams, *pubsub.PeerScoreThresholds)
		valid bool
	}{
		{"as shipped", func(*pubsub.PeerScoreParams, *pubsub.PeerScoreThresholds) {}, true},
		{"rewarding invalid messages", func(p *pubsub.PeerScoreParams, _ *pubsub.PeerScoreThresholds) {
			p.Topics[Topic].InvalidMessageDeliveriesWeight = 1
		}, false},
		{"no decay of invalid messages", func(p *pubsub.PeerScoreParams, _ *pubsub.PeerScoreThresholds) {
			p.Topics[Topic].InvalidMessageDeliveriesDecay = 1
		}, false},
		{"graylist above publish", func(_ *pubsub.PeerScoreParams, th *pubsub.PeerScoreThresholds) {
			th.GraylistThreshold = th.PublishThreshold + 1
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params, thresholds := scoreParams(), scoreThresholds()
			tc.spoil(params, thresholds)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err := pubsub.NewGossipSub(ctx, h, pubsub.WithPeerScore(params, thresholds))
			if (err == nil) != tc.valid {
				t.Fatalf("valid %v, want %v: %v", err == nil, tc.valid, err)
			}
		})
	}
}

// TestRejectionsToThresholds pins what score.go's comment promises: how
// many rejected messages (and nothing else) take a peer past each threshold.
func TestRejectionsToThresholds(t *testing.T) {
	for _, tc := range []struct {
		threshold float64
		n         int
	}{{gossipThreshold, 3}, {publishThreshold, 4}, {graylistThreshold, 6}} {
		first := 0
		for n := 1; n <= 100 && first == 0; n++ {
			if invalidMessageWeight*float64(n*n) < tc.threshold {
				first = n
			}
		}
		if first != tc.n {
			t.Errorf("threshold %v crossed after %d rejections, want %d", tc.threshold, first, tc.n)
		}
	}
}
