package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node"
	"github.com/cairnpkg/cairn/sign"
)

type logOptions struct {
	limit int
}

func newLogCmd(g *globalOptions) *cobra.Command {
	o := &logOptions{}
	cmd := &cobra.Command{
		Use:   "log [KEY]",
		Short: "Show a key's publisher log, newest entry first",
		Long: `Every key keeps a publisher log: a chain of signed entries, numbered from 1,
each linking the one before, in which the key says "I published NAME@VERSION as
this package, with these metadata sets and signatures". publish, meta add and
sign append to it; peers follow the logs of keys their policy trusts, so a key
that names two packages for one version is caught (docs/logs.md).

KEY is a key name in the repo, a PEM file, or a did:key (whose log this repo
holds, from a peer); the default is the repo's default key. The log is shown
as this repo holds it, with any proof of equivocation that involves the key.`,
		Example: `  cairn log
  cairn log ci-release --limit 10
  cairn log did:key:z6Mk... --json | jq '.entries[] | .name + "@" + .version'`,
		Args: rangeArgs(0, 1, "at most one KEY (key name, PEM file or did:key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			key := ""
			if len(args) == 1 {
				if args[0] == "" {
					return usageErrorf("empty KEY: give a key name, a PEM file or a did:key, or none for the default key")
				}
				key = args[0]
			}
			return runLog(cmd.Context(), g, o, key)
		},
	}
	cmd.Flags().IntVar(&o.limit, "limit", 0, "show at most N entries, the newest (0: all)")
	return cmd
}

func runLog(ctx context.Context, g *globalOptions, o *logOptions, key string) error {
	if o.limit < 0 {
		return usageErrorf("--limit %d: expected 0 (all) or more", o.limit)
	}
	return g.withRepo(ctx, func(r *node.Repo) error {
		v, err := r.Log(ctx, key, o.limit)
		if err != nil {
			return err
		}
		if g.json {
			return g.printJSON(v)
		}
		g.printf("log of %s\n  head           %d\n  shown          %d\n  equivocations  %d\n",
			safeText(v.Signer), v.Head, len(v.Entries), len(v.Equivocations))
		for _, e := range v.Entries {
			g.printf("%6d  %s  %s  entry %s\n", e.Seq, e.Created.UTC().Format(time.RFC3339), entrySummary(e), e.Entry)
		}
		printEquivocations(g.stdout, v.Equivocations, "")
		return nil
	})
}

// entrySummary says what a log entry says, in one line.
func entrySummary(e node.LogEntryView) string {
	ref := safeText(e.Name + "@" + e.Version)
	switch e.Kind {
	case dag.KindYank:
		return fmt.Sprintf("yank %s: %s", ref, safeText(e.Reason))
	case dag.KindUnyank:
		return fmt.Sprintf("unyank %s", ref)
	case dag.KindRotate:
		return fmt.Sprintf("rotate to %s", safeText(e.Key))
	case dag.KindRevoke:
		return fmt.Sprintf("revoke (revocation %s): %s", e.Revocation, safeText(e.Reason))
	}
	return fmt.Sprintf("%s  %s  %d metadata, %d signature(s)", ref, e.Package, len(e.Metadata), len(e.Signatures))
}

// printEquivocations writes proofs of equivocation, each as a header line and
// one line per entry, every line prefixed by ind.
func printEquivocations(w io.Writer, evs []sign.Equivocation, ind string) {
	for _, ev := range evs {
		fmt.Fprintf(w, "%sequivocation (%s): %s  detected %s\n", ind, ev.Kind,
			safeText(ev.Name+"@"+ev.Version), ev.Detected.UTC().Format(time.RFC3339))
		for i := range 2 {
			fmt.Fprintf(w, "%s  entry %d of %s  %s  package %s\n", ind, ev.Seqs[i], safeText(ev.Signers[i]), ev.Entries[i], ev.Packages[i])
		}
	}
}

// logLine says which log entry a publish, meta add or sign appended: "entry 3
// of did:key:… (bafyrei…)", or that it appended none (what it signed was
// already in the log).
func logLine(l *node.LogRef) string {
	if l == nil {
		return "unchanged (these signatures were already in the log)"
	}
	return fmt.Sprintf("entry %d of %s (%s)", l.Seq, l.Signer, l.Entry)
}
