package fetch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairnpkg/cairn/node/internal/heads"
	"github.com/cairnpkg/cairn/node/internal/logs"
	"github.com/cairnpkg/cairn/node/internal/store"
	"github.com/cairnpkg/cairn/node/internal/trust"
	"github.com/cairnpkg/cairn/sign"
)

// entryTimeout bounds the fetch of one log entry (a few hundred bytes).
const entryTimeout = 10 * time.Second

// logOf makes sure the fetch holds the entry of signer's publisher log that
// names signature sig of package pkg, as verification requires
// (require_log): if the repo does not hold it, connected peers are asked
// for their heads (/cairn/heads/1.0.0), and signer's log is walked back
// from the newest one to what the repo holds, checked, and ingested into
// the fetch's Txn. Each signer is caught up once per fetch; a log no peer
// can bring is not an error here: the verdict says not-logged.
func (s *session) logOf(ctx context.Context, signer string, pkg, sig cid.Cid) error {
	idx := trust.TxIndex{Store: s.f.cfg.Store, Tx: s.tx}
	if state, err := trust.Logged(ctx, idx, signer, pkg, sig); err != nil || state != sign.NotLogged {
		return err
	}
	s.mu.Lock()
	caught := s.caught[signer]
	s.caught[signer] = true
	s.mu.Unlock()
	if caught {
		return nil
	}
	held, err := s.f.cfg.Store.LogHead(ctx, signer)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	get := func(ctx context.Context, c cid.Cid) ([]byte, error) {
		got, err := s.small(ctx, []cid.Cid{c}, true)
		if data, ok := got[c]; ok {
			return data, nil
		}
		if err == nil {
			err = store.ErrNotFound
		}
		return nil, err
	}
	var failed error // the last catch-up that failed
	for _, p := range s.f.cfg.Net.Peers(heads.ID) {
		hctx, cancel := context.WithTimeout(ctx, heads.StreamTimeout)
		hs, err := s.f.cfg.Net.LogHeads(hctx, p)
		cancel()
		if err != nil {
			s.f.cfg.Log.Debug("fetch: head exchange failed", "peer", p, "err", err)
			continue
		}
		for _, h := range hs {
			if h.Signer != signer || h.Seq <= held.Seq {
				continue
			}
			if h.Seq > held.Seq+logs.MaxWalk {
				// Longer walks are the daemon's log follower's, a run per
				// Txn: a fetch holds its one Txn throughout. The fetch
				// asks it once this Txn is over (fetchPackage).
				s.mu.Lock()
				s.far = append(s.far, farLog{Head: h, From: p})
				s.mu.Unlock()
				failed = fmt.Errorf("%s's log is at entry %d, %d entries ahead of this repo, more than a fetch catches up (%d): a daemon trusting the key catches it up in the background; fetch again once `cairn log %s --limit 1` shows entry %d",
					signer, h.Seq, h.Seq-held.Seq, logs.MaxWalk, signer, h.Seq)
				continue
			}
			rng := func(ctx context.Context, from, count uint64) (map[cid.Cid][]byte, error) {
				got, err := s.f.cfg.Net.LogRange(ctx, p, signer, from, count)
				for _, data := range got {
					s.counted.blocks.Add(1) // received, as every block a fetch gets
					s.counted.bytes.Add(int64(len(data)))
				}
				return got, err
			}
			chain, err := logs.Walk(ctx, get, rng, signer, h.CID, h.Seq, held, entryTimeout)
			if err == nil {
				_, err = logs.IngestInto(ctx, s.f.cfg.Store, s.tx, chain)
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				s.f.cfg.Log.Debug("fetch: log catch-up failed", "peer", p, "signer", signer, "err", err)
				failed = fmt.Errorf("catching up %s's log to entry %d from peer %s failed: %w", signer, h.Seq, p, err)
				continue
			}
			return nil
		}
	}
	switch {
	case failed != nil:
	case held.Seq == 0:
		failed = fmt.Errorf("no connected peer holds %s's log", signer)
	default:
		failed = fmt.Errorf("no connected peer holds %s's log beyond entry %d, which this repo has", signer, held.Seq)
	}
	s.mu.Lock()
	s.uncaught = append(s.uncaught, failed.Error())
	s.mu.Unlock()
	return nil
}

// farLog is the head of a log too far ahead for a fetch to catch up, and
// the peer that named it.
type farLog struct {
	heads.Head
	From peer.ID
}

// farLogs returns the logs too far ahead to catch up, one a signer.
func (s *session) farLogs() []farLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]farLog, 0, len(s.far))
	for _, l := range s.far {
		if !slices.ContainsFunc(out, func(o farLog) bool { return o.Signer == l.Signer }) {
			out = append(out, l)
		}
	}
	return out
}

// whyNotLogged says why the logs a not-logged verdict lacks were not caught
// up, for its reason; "" if every catch-up succeeded.
func (s *session) whyNotLogged() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.uncaught, "; ")
}
