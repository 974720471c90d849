package gossip

import (
	"math"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Peer-score thresholds (docs/gossip.md), the values Filecoin's lotus runs
// gossipsub with. A rejected message costs its sender
// invalidMessageWeight × (rejected count)², so 3 rejections push a peer
// below gossipThreshold, 4 below publishThreshold, and 6 below
// graylistThreshold, after which all its messages are dropped unread.
const (
	gossipThreshold             = -500
	publishThreshold            = -1000
	graylistThreshold           = -2500
	acceptPXThreshold           = 1000
	opportunisticGraftThreshold = 3.5

	invalidMessageWeight = -100
	// scoreInspectPeriod is how often Score's view of the router's scores
	// is refreshed.
	scoreInspectPeriod = time.Second
)

// scoreThresholds returns the thresholds above.
func scoreThresholds() *pubsub.PeerScoreThresholds {
	return &pubsub.PeerScoreThresholds{
		GossipThreshold:             gossipThreshold,
		PublishThreshold:            publishThreshold,
		GraylistThreshold:           graylistThreshold,
		AcceptPXThreshold:           acceptPXThreshold,
		OpportunisticGraftThreshold: opportunisticGraftThreshold,
	}
}

// scoreParams returns the peer-score parameters of the announce topic.
// Announcements are rare, so the mesh-delivery penalties (P3, P3b), which
// punish a mesh peer for forwarding too little, are off: on a quiet topic
// they would punish honest peers. What counts is time in the mesh (P1, a
// little), first deliveries of valid messages (P2) and, most, invalid
// messages (P4).
func scoreParams() *pubsub.PeerScoreParams {
	return &pubsub.PeerScoreParams{
		Topics: map[string]*pubsub.TopicScoreParams{Topic: {
			TopicWeight: 1,

			// P1: +1 per hour in the mesh, at most +1.
			TimeInMeshWeight:  1.0 / 3600,
			TimeInMeshQuantum: time.Second,
			TimeInMeshCap:     3600,

			// P2: +1 per first delivery, forgotten over an hour, at most +50.
			FirstMessageDeliveriesWeight: 1,
			FirstMessageDeliveriesDecay:  pubsub.ScoreParameterDecay(time.Hour),
			FirstMessageDeliveriesCap:    50,

			// P3, P3b: off (see above).
			MeshMessageDeliveriesWeight: 0,
			MeshFailurePenaltyWeight:    0,

			// P4: invalidMessageWeight × count², forgotten over an hour.
			InvalidMessageDeliveriesWeight: invalidMessageWeight,
			InvalidMessageDeliveriesDecay:  pubsub.ScoreParameterDecay(time.Hour),
		}},
		TopicScoreCap: 50,

		// P5: no application-specific score.
		AppSpecificScore:  func(peer.ID) float64 { return 0 },
		AppSpecificWeight: 1,

		// P6: more than 10 peers from one IP cost (n-10)² × 10 each.
		IPColocationFactorWeight:    -10,
		IPColocationFactorThreshold: 10,

		// P7: router-detected misbehaviour (re-grafting during backoff,
		// broken IWANT promises) beyond 6 costs (n-6)² × 10.
		BehaviourPenaltyWeight:    -10,
		BehaviourPenaltyThreshold: 6,
		BehaviourPenaltyDecay:     pubsub.ScoreParameterDecay(10 * time.Minute),

		DecayInterval: pubsub.DefaultDecayInterval,
		DecayToZero:   pubsub.DefaultDecayToZero,
		RetainScore:   time.Hour,
	}
}

// Score returns p's gossipsub score as last sampled (every second), or 0 for
// a peer not yet sampled.
func (g *Gossip) Score(p peer.ID) float64 {
	g.scoresMu.Lock()
	defer g.scoresMu.Unlock()
	s, ok := g.scores[p]
	if !ok || math.IsNaN(s) {
		return 0
	}
	return s
}

// inspectScores is the router's PeerScoreInspectFn.
func (g *Gossip) inspectScores(scores map[peer.ID]float64) {
	g.scoresMu.Lock()
	defer g.scoresMu.Unlock()
	g.scores = scores
}
