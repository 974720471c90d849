package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairnpkg/cairn/node"
)

// globalOptions are the flags every command takes.
type globalOptions struct {
	repo   string
	json   bool
	stdout io.Writer
	stderr io.Writer
	// term is the user at a terminal, to confirm what cannot be undone; nil
	// when nobody is there to answer (stdin not a terminal, the daemon).
	term *terminal
	// held, when set, is the repo a daemon holds open: commands the daemon
	// runs for the CLI use it instead of opening (and locking) the repo.
	held *node.Repo
	// node is the daemon running those commands, for those that use the
	// network (get fetches what is missing).
	node *node.Daemon
}

// repoDir returns --repo, else $CAIRN_REPO, else ~/.cairn.
func (g *globalOptions) repoDir() (string, error) {
	if g.repo != "" {
		return g.repo, nil
	}
	if d := os.Getenv("CAIRN_REPO"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no --repo, no CAIRN_REPO and no home directory: %w", err)
	}
	return filepath.Join(home, ".cairn"), nil
}

// openRepo opens the repo for a command; the caller closes it.
func (g *globalOptions) openRepo(ctx context.Context) (*node.Repo, error) {
	dir, err := g.repoDir()
	if err != nil {
		return nil, err
	}
	return node.Open(ctx, dir)
}

// withRepo runs fn on the open repo and closes it after.
func (g *globalOptions) withRepo(ctx context.Context, fn func(*node.Repo) error) (err error) {
	if g.held != nil {
		return fn(g.held)
	}
	r, err := g.openRepo(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := r.Close(); err == nil {
			err = cerr
		}
	}()
	return fn(r)
}

// printJSON writes v to stdout as indented JSON.
func (g *globalOptions) printJSON(v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// warn writes warnings to stderr (in --json mode too: they are not output).
func (g *globalOptions) warn(warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(g.stderr, "cairn: warning: %s\n", w)
	}
}

// printf writes human output to stdout; it is silent in --json mode.
func (g *globalOptions) printf(format string, args ...any) {
	if !g.json {
		fmt.Fprintf(g.stdout, format, args...)
	}
}

func newRootCmd(g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cairn",
		Short: "Publish, sign, verify and mirror packages over IPFS",
		Long: `Cairn is a peer-to-peer, content-addressed package registry node.

A package is content (files or directories, imported as UnixFS with the
unixfs-v1-2025 profile, so CIDs match Kubo's) plus signed metadata sets that
say how it was built. Everything lives in a local repo (default ~/.cairn, or
$CAIRN_REPO, or --repo) and is addressed by CID.

Start here:
  cairn init                                  create a repo and a signing key
  cairn publish ./app.wasm --name acme/app --version 1.0.0 --meta build.toml
  cairn inspect acme/app@1.0.0                see layers, metadata, signatures
  cairn verify acme/app@1.0.0                 exit 0 only if trusted by policy
  cairn get acme/app@1.0.0 -o app.wasm        write the bytes out, checked

With a daemon (cairn daemon): fetch from peers, follow publishers' logs
(cairn versions, cairn log), and mirror other organizations (cairn mirror).`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Set, so that cobra does not make its own unknown-command error.
		Args: cobra.ArbitraryArgs,
		RunE: runGroup,
	}
	cmd.SetOut(g.stdout)
	cmd.SetErr(g.stderr)
	cmd.PersistentFlags().StringVar(&g.repo, "repo", "", "repo directory (default $CAIRN_REPO, else ~/.cairn)")
	cmd.PersistentFlags().BoolVar(&g.json, "json", false, "print machine-readable JSON on stdout")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	cmd.AddCommand(
		newInitCmd(g),
		newKeyCmd(g),
		newPublishCmd(g),
		newMetaCmd(g),
		newSignCmd(g),
		newInspectCmd(g),
		newVerifyCmd(g),
		newGetCmd(g),
		newExportCmd(g),
		newImportCmd(g),
		newLsCmd(g),
		newVersionsCmd(g),
		newLogCmd(g),
		newTrustCmd(g),
		newMirrorCmd(g),
		newRepoCmd(g),
		newDaemonCmd(g),
		newIDCmd(g),
		newPeersCmd(g),
		newConnectCmd(g),
		newFetchCmd(g),
		newYankCmd(g),
		newUnyankCmd(g),
		newRmCmd(g),
		newAttestCmd(g),
	)
	return cmd
}

// exactArgs is cobra.ExactArgs with a usage error that says what is expected.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s expects %s (got %d arguments); see %s --help", cmd.CommandPath(), what, len(args), cmd.CommandPath())
		}
		return nil
	}
}

// requireFlags returns a usage error naming the first of names not given.
// (cobra's MarkFlagRequired errors cannot be told apart from others.)
func requireFlags(cmd *cobra.Command, names ...string) error {
	for _, n := range names {
		if !cmd.Flags().Changed(n) {
			return usageErrorf("%s needs --%s; see %s --help", cmd.CommandPath(), n, cmd.CommandPath())
		}
	}
	return nil
}

// rangeArgs is cobra.RangeArgs with a usage error that says what is expected.
func rangeArgs(lo, hi int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < lo || len(args) > hi {
			return usageErrorf("%s expects %s (got %d arguments); see %s --help", cmd.CommandPath(), what, len(args), cmd.CommandPath())
		}
		return nil
	}
}

// groupCmd returns a command that only holds subcommands: run alone it shows
// its help; run with anything else it is a usage error (cobra would show the
// help and exit 0, hiding a typo from a script).
func groupCmd(use, short, long string) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Long: long,
		Args: cobra.ArbitraryArgs,
		RunE: runGroup,
	}
}

// runGroup is the RunE of a command that only holds subcommands (the root
// too): alone, it shows the help; with an argument, that is an unknown
// command, a usage error with cobra's suggestions.
func runGroup(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return cmd.Help()
	}
	hint := ""
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, which SuggestionsFor does not apply
	}
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
	}
	return usageErrorf("unknown command %q for %s%s; see %s --help", args[0], cmd.CommandPath(), hint, cmd.CommandPath())
}
