package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/internal/units"
	"github.com/cairnpkg/cairn/node"
)

type repoVerifyOptions struct {
	repair bool
}

func newRepoVerifyCmd(g *globalOptions) *cobra.Command {
	o := &repoVerifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Re-hash every block and check pins, pack files, indexes and logs",
		Long: `Re-hash every block of the repo against its CID, check that every pin keeps
all it should, that the pack files, the names and referrers indexes and the
publisher logs agree with the blocks, and report each problem with the package
it affects. Exits 8 if there is any problem. Nothing is changed, unless
--repair: with a daemon running, damaged blocks are deleted and the packages
they belong to fetched again from peers, then the repo is checked again.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runRepoVerify(cmd.Context(), g, o) },
	}
	cmd.Flags().BoolVar(&o.repair, "repair", false, "refetch the packages of damaged and missing blocks from peers (needs a running daemon)")
	return cmd
}

func runRepoVerify(ctx context.Context, g *globalOptions, o *repoVerifyOptions) error {
	if o.repair && g.node == nil {
		return fmt.Errorf("repo verify --repair fetches from peers, so it needs a running daemon: start one (cairn daemon) and run it again")
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		opts := node.CheckOptions{}
		var bar *progress
		if g.held == nil { // in the daemon, its stderr is not the user's
			var once sync.Once
			opts.Progress = func(done, total uint64) {
				once.Do(func() { bar = newProgress("verifying", int64(total)) })
				bar.update(int64(done))
			}
		}
		var (
			rep *node.RepoCheck
			err error
		)
		if o.repair {
			rep, err = g.node.Repair(ctx, opts)
		} else {
			rep, err = r.Check(ctx, opts)
		}
		bar.done()
		if err != nil {
			return err
		}
		if g.json {
			if err := g.printJSON(rep); err != nil {
				return err
			}
		} else {
			printRepoCheck(g, rep)
		}
		if n := len(rep.Problems); n > 0 {
			hint := " (cairn repo verify --repair, with the daemon running, refetches damaged and missing blocks from peers)"
			if o.repair {
				hint = ""
			}
			return fmt.Errorf("%w: %d %s%s", node.ErrRepoDamaged, n, plural(n, "problem", "problems"), hint)
		}
		return nil
	})
}

// printRepoCheck writes a check's report for people: the figures, each
// problem, each repair.
func printRepoCheck(g *globalOptions, rep *node.RepoCheck) {
	g.printf("checked %d blocks (%s) in %.1f s; %d stray (no pin keeps them)\n", rep.Blocks, units.Bytes(int64(rep.Bytes)), rep.Seconds, rep.Stray)
	for _, t := range rep.Repaired {
		what := t.Target.String()
		if t.Name != "" {
			what = fmt.Sprintf("%s@%s (%s)", t.Name, t.Version, t.Target)
		}
		if t.OK {
			g.printf("repaired %s: %d damaged %s dropped, fetched again\n", safeText(what), t.Dropped, plural(t.Dropped, "block", "blocks"))
		} else {
			g.printf("not repaired %s: %d damaged %s dropped, fetch failed: %s\n", safeText(what), t.Dropped, plural(t.Dropped, "block", "blocks"), safeText(t.Error))
		}
	}
	for _, p := range rep.Problems {
		subject := p.Key
		if p.CID.Defined() {
			subject = p.CID.String()
		}
		g.printf("%-8s %s: %s: %s\n", p.Kind, subject, safeText(p.Affects), safeText(p.Detail))
	}
	if len(rep.Problems) == 0 {
		g.printf("no problems\n")
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
