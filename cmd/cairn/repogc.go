package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cairnpkg/cairn/internal/units"
	"github.com/cairnpkg/cairn/node"
)

func newRepoGCCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "gc",
		Short: "Delete the blocks no pin keeps and reclaim their space",
		Long: `Delete every block that no pin keeps (a pinned package keeps its node and
its layers' content; every other pin its own node), then rewrite or remove
the pack files that hold mostly deleted blocks, and compact the database.
Run it after 'cairn rm'. With a daemon running it runs inside the daemon,
beside its work: it waits for a publish, fetch or import in progress to end,
and those that start wait for it to sweep. A crash or kill at any moment
leaves a repo that opens and has lost nothing pinned.`,
		Example: `  cairn rm acme/app@1.0.0 && cairn repo gc
  cairn repo gc --json | jq .removedBytes`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runRepoGC(cmd.Context(), g) },
	}
}

func runRepoGC(ctx context.Context, g *globalOptions) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		before, _ := r.DiskUsage(ctx)
		ph := newPhases("gc")
		st, err := r.GC(ctx, node.GCOptions{Progress: ph.update})
		ph.done()
		if err != nil {
			return err
		}
		after, _ := r.DiskUsage(ctx)
		if g.json {
			return g.printJSON(struct {
				node.GCStats
				DiskBefore uint64 `json:"diskBytesBefore"`
				DiskAfter  uint64 `json:"diskBytesAfter"`
			}{st, before, after})
		}
		g.printf("removed %d block(s), %s; kept %d (%s)\n", st.Removed, units.Bytes(int64(st.RemovedBytes)), st.Kept, units.Bytes(int64(st.KeptBytes)))
		g.printf("packs   %d rewritten, %d removed, %s freed\n", st.PacksRewritten, st.PacksRemoved, units.Bytes(int64(st.PackBytesFreed)))
		g.printf("disk    %s -> %s\n", units.Bytes(int64(before)), units.Bytes(int64(after)))
		if st.Missing > 0 {
			g.printf("warning: %d block(s) that pins keep are missing: run 'cairn repo verify'\n", st.Missing)
		}
		return nil
	})
}

// phases draws "LABEL: PHASE N[/TOTAL]" on a terminal's stderr, for work
// counted in items rather than bytes; nothing elsewhere.
type phases struct {
	mu    sync.Mutex
	label string
	on    bool
	last  time.Time
	drawn bool
}

func newPhases(label string) *phases {
	return &phases{label: label, on: term.IsTerminal(int(os.Stderr.Fd()))}
}

func (p *phases) update(phase string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on || (time.Since(p.last) < 100*time.Millisecond && done != total) {
		return
	}
	p.last, p.drawn = time.Now(), true
	count := fmt.Sprint(done)
	if total > 0 {
		count = fmt.Sprintf("%d/%d", done, total)
	}
	fmt.Fprintf(os.Stderr, "\r%s: %s %s\033[K", p.label, phase, count)
}

func (p *phases) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(os.Stderr)
	}
}
