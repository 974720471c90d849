package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/units"
	"github.com/cairnpkg/cairn/node"
)

func newInspectCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "inspect CID|NAME@VERSION",
		Short: "Show a package (layers, metadata sets, entries, signatures, verdicts) or a publisher-log entry",
		Example: `  cairn inspect acme/hello@1.2.0
  cairn inspect bafyrei... --json | jq '.metadata[].entries'`,
		Args: exactArgs(1, "a package (CID or NAME@VERSION)"),
		RunE: func(cmd *cobra.Command, args []string) error { return runInspect(cmd.Context(), g, args[0]) },
	}
}

func runInspect(ctx context.Context, g *globalOptions, arg string) error {
	return g.withRepo(ctx, func(r *node.Repo) error {
		c, err := r.Resolve(ctx, arg)
		if err != nil {
			return err
		}
		if e, err := r.InspectLogEntry(ctx, c); err == nil {
			return printLogEntry(g, e)
		}
		v, err := r.Inspect(ctx, c)
		if err != nil {
			return err
		}
		if g.json {
			return g.printJSON(v)
		}
		g.printf("%s@%s\n  package  %s\n  status   %s\n", v.Name, v.Version, v.CID, verdict(v.Status, v.Code))
		if v.Reason != "" {
			g.printf("  why      %s\n", safeText(v.Reason))
		}
		printEquivocations(g.stdout, v.Report.Equivocations, "  ")
		g.printf("layers:\n")
		for _, l := range v.Layers {
			g.printf("  %s\n    content  %s\n    type     %s\n    size     %d (%s)\n", l.Name, l.Content, l.MediaType, l.Size, units.Bytes(int64(l.Size)))
			if l.SHA256 != "" {
				g.printf("    sha256   %s\n", l.SHA256)
			}
		}
		g.printf("metadata sets: %d\n", len(v.Metadata))
		for _, m := range v.Metadata {
			g.printf("  %s  kind=%s  %s\n", m.CID, m.Kind, verdict(m.Status, m.Code))
			if m.Created != nil {
				g.printf("    created  %s\n", m.Created.Format("2006-01-02T15:04:05Z"))
			}
			if m.Reason != "" {
				g.printf("    why      %s\n", m.Reason)
			}
			for _, in := range m.Inputs {
				g.printf("    input    %s\n", in)
			}
			if len(m.Entries) > 0 {
				g.printf("    entries  %s\n", safeText(strings.TrimSpace(string(m.Entries))))
			}
			for _, s := range m.Signatures {
				g.printf("    signature %s\n      signer %s  role=%s  %s\n", s.CID, s.Signer, s.Role, verdict(s.Status, s.Code))
				if s.Reason != "" {
					g.printf("      why    %s\n", s.Reason)
				}
			}
		}
		return nil
	})
}

// printLogEntry shows a publisher-log entry.
func printLogEntry(g *globalOptions, e *node.LogEntryInspection) error {
	if g.json {
		return g.printJSON(e)
	}
	g.printf("log entry %d of %s\n  entry      %s\n", e.Seq, safeText(e.Signer), e.Entry)
	if e.Prev != nil {
		g.printf("  prev       %s\n", e.Prev)
	}
	g.printf("  created    %s\n", e.Created.Format("2006-01-02T15:04:05Z"))
	if e.Kind == dag.KindRelease {
		g.printf("  names      %s@%s = %s\n", safeText(e.Name), safeText(e.Version), e.Package)
	} else {
		g.printf("  says       %s\n", entrySummary(e.EntryView))
	}
	for _, m := range e.Metadata {
		g.printf("  metadata   %s\n", m)
	}
	for _, s := range e.Signatures {
		g.printf("  signature  %s\n", s)
	}
	g.printf("  signed     %s\n", safeText(e.Signature))
	if !e.InLog {
		g.printf("  not the entry this repo holds at seq %d: the other half of a fork (cairn log shows the evidence)\n", e.Seq)
	}
	return nil
}
