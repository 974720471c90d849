package main

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/internal/units"
	"github.com/cairnpkg/cairn/node"
)

type mirrorAddOptions struct {
	countersign bool
	key         string
	keep        int
	maxBytes    string
}

func newMirrorCmd(g *globalOptions) *cobra.Command {
	cmd := groupCmd("mirror", "Keep verified copies of other organizations' packages", `A mirror rule makes the daemon follow the publisher logs of the keys the trust
policy names for a pattern. For each new log entry whose package name matches,
the daemon fetches the package with its metadata and signatures, verifies it
against the policy, pins, indexes and provides it: the mirror keeps serving it
when the origin is offline. With --countersign it also signs each mirrored
metadata set in role "mirror" and announces that. Entries whose signer or
package the policy does not trust are not mirrored and are listed by
"cairn mirror status". Rules and their progress live in the repo: a daemon
that restarts, or crashed, resumes where it left off.

A rule may bound what it keeps (retention): --keep N keeps the newest N
versions of each name it matches (by version precedence), --max-bytes SIZE
keeps the newest versions whose content fits in SIZE over all the names it
matches. After each release it mirrors, the versions beyond the bounds are
removed as "cairn rm" removes them (not if another package names one as an
input, or another rule mirrors it), and are not fetched again;
"cairn repo gc" reclaims their space.`)
	o := &mirrorAddOptions{}
	add := &cobra.Command{
		Use:   "add PATTERN",
		Short: "Mirror the packages whose names match PATTERN (*, NAMESPACE/* or NAMESPACE/NAME)",
		Example: `  cairn trust add 'acme/*' did:key:z6Mk...   # whose packages to trust
  cairn mirror add 'acme/*' --countersign
  cairn mirror add 'tools/*' --keep 3 --max-bytes 10GiB
  cairn mirror status`,
		Args: exactArgs(1, "a pattern"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withRepo(cmd.Context(), func(r *node.Repo) error {
				mo := node.MirrorOptions{Countersign: o.countersign, Key: o.key, Keep: o.keep}
				if o.keep < 0 {
					return usageErrorf("--keep %d: expected 0 (every version) or more", o.keep)
				}
				if o.maxBytes != "" {
					n, err := parseSize(o.maxBytes)
					if err != nil {
						return usageErrorf("--max-bytes: %w", err)
					}
					mo.MaxBytes = n
				}
				rule, err := r.AddMirror(cmd.Context(), args[0], mo)
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(rule)
				}
				g.printf("mirroring %s%s%s\n", rule.Pattern, map[bool]string{true: " (countersigning)", false: ""}[rule.Countersign], retentionSuffix(*rule))
				return nil
			})
		},
	}
	add.Flags().BoolVar(&o.countersign, "countersign", false, `sign each mirrored metadata set in role "mirror"`)
	add.Flags().StringVar(&o.key, "key", "", "key to countersign with (default: the repo's default key)")
	add.Flags().IntVar(&o.keep, "keep", 0, "keep only the newest N versions of each name (0: all)")
	add.Flags().StringVar(&o.maxBytes, "max-bytes", "", "keep only the newest versions whose content fits in SIZE, over all names the rule matches (like 10GiB; B, KiB, MiB, GiB, TiB)")
	cmd.AddCommand(
		add,
		&cobra.Command{
			Use:   "ls",
			Short: "List the mirror rules",
			Args:  exactArgs(0, "no arguments"),
			RunE:  func(cmd *cobra.Command, _ []string) error { return runMirrorLs(cmd.Context(), g) },
		},
		&cobra.Command{
			Use:   "rm PATTERN",
			Short: "Stop mirroring PATTERN (what was mirrored stays pinned)",
			Args:  exactArgs(1, "a pattern"),
			RunE: func(cmd *cobra.Command, args []string) error {
				return g.withRepo(cmd.Context(), func(r *node.Repo) error {
					if err := r.RemoveMirror(cmd.Context(), args[0]); err != nil {
						return err
					}
					if g.json {
						return g.printJSON(map[string]string{"removed": args[0]})
					}
					g.printf("no longer mirroring %s\n", args[0])
					return nil
				})
			},
		},
		&cobra.Command{
			Use:   "status",
			Short: "Show each rule's lag behind the logs it follows, and what failed",
			Args:  exactArgs(0, "no arguments"),
			RunE:  func(cmd *cobra.Command, _ []string) error { return runMirrorStatus(cmd.Context(), g) },
		},
	)
	return cmd
}

func runMirrorLs(ctx context.Context, g *globalOptions) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		rules, err := r.Mirrors(ctx)
		if err != nil {
			return err
		}
		if g.json {
			return g.printJSON(rules)
		}
		if len(rules) == 0 {
			g.printf("no mirror rules (cairn mirror add PATTERN)\n")
		}
		for _, m := range rules {
			cs := ""
			if m.Countersign {
				cs = "  countersign"
			}
			g.printf("%s  mirrored %d%s%s  since %s\n", m.Pattern, m.Mirrored, cs, retentionSuffix(m), m.Added.Format(time.RFC3339))
		}
		return nil
	})
}

func runMirrorStatus(ctx context.Context, g *globalOptions) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		status := r.MirrorStatus
		if g.node != nil {
			status = g.node.MirrorStatus // with the heads the daemon did not follow
		}
		st, err := status(ctx)
		if err != nil {
			return err
		}
		if g.json {
			return g.printJSON(st)
		}
		if len(st.Rules) == 0 {
			g.printf("no mirror rules (cairn mirror add PATTERN)\n")
		}
		for _, rs := range st.Rules {
			last := "never"
			if rs.LastMirrored != nil {
				last = rs.LastMirrored.Format(time.RFC3339)
			}
			g.printf("%s  mirrored %d, lag %d entries, last %s\n", rs.Pattern, rs.Mirrored, rs.Lag, last)
			if rs.Bounded() {
				g.printf("  retention: %s; removed %d versions\n", retention(rs.Rule), rs.Removed)
			}
			for _, l := range rs.Logs {
				heard := "never"
				if l.Heard != nil {
					heard = l.Heard.UTC().Format(time.RFC3339)
				}
				g.printf("  log %s  head %d  done %d  lag %d  heard %s\n", safeText(l.Signer), l.Head, l.Cursor, l.Lag, heard)
			}
			for _, f := range rs.Freshness {
				if f.Stale {
					g.printf("  stale: %s\n", safeText(f.Reason()))
				}
			}
			for _, f := range rs.Failures {
				kind := "will retry"
				if f.Permanent {
					kind = "not mirrored"
				}
				g.printf("  %s %s@%s (entry %d of %s, %d attempts): %s\n", kind, safeText(f.Name), safeText(f.Version), f.Seq, safeText(f.Signer), f.Attempts, safeText(f.Error))
			}
		}
		for _, rj := range st.Rejected {
			g.printf("ignored head %d of %s from %s: %s\n", rj.Seq, safeText(rj.Signer), safeText(rj.From), safeText(rj.Reason))
		}
		return nil
	})
}

// retention says a rule's bounds, "keep 2, max 10.0 GiB", or "" if none.
func retention(r node.MirrorRule) string {
	var parts []string
	if r.Keep > 0 {
		parts = append(parts, fmt.Sprintf("keep %d", r.Keep))
	}
	if r.MaxBytes > 0 {
		parts = append(parts, "max "+units.Bytes(int64(min(r.MaxBytes, math.MaxInt64))))
	}
	return strings.Join(parts, ", ")
}

// retentionSuffix is retention after two spaces, or "".
func retentionSuffix(r node.MirrorRule) string {
	if !r.Bounded() {
		return ""
	}
	return "  " + retention(r)
}
