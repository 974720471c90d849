package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cairnpkg/cairn/node"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// While a daemon holds the repo, a command that opens the repo runs in the
// daemon instead: the CLI sends its command line (paths made absolute) to the
// daemon's API (POST /api/v1/run), and prints what comes back.

// annotations marking what names a file, for forwarding.
const (
	pathAnnotation     = "cairn/path"      // on a flag: its values are paths
	keyAnnotation      = "cairn/key"       // on a flag: a key name, or a path if it looks like one
	pathArgsAnnotation = "cairn/path-args" // on a command: its positional args are paths
)

// notForwarded are the commands that never run in the daemon: they start it,
// make the repo, or already talk to the daemon themselves.
var notForwarded = []string{"daemon", "init", "id", "peers", "connect", "fetch", "help", "completion"}

// markPaths marks flags of cmd whose values are paths.
func markPaths(cmd *cobra.Command, flags ...string) {
	for _, f := range flags {
		_ = cmd.Flags().SetAnnotation(f, pathAnnotation, []string{"true"})
	}
}

// markKey marks a --key flag: a key store name, or a PEM file path.
func markKey(cmd *cobra.Command) {
	_ = cmd.Flags().SetAnnotation("key", keyAnnotation, []string{"true"})
}

// markPathArgs marks cmd's positional arguments as paths.
func markPathArgs(cmd *cobra.Command) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[pathArgsAnnotation] = "true"
}

// forward runs args in the daemon holding the repo, if one does. ok is false
// when the command should run here (no daemon, or a command that never
// forwards, or a command line cobra will reject anyway).
func forward(ctx context.Context, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	g := &globalOptions{stdout: io.Discard, stderr: io.Discard}
	root := newRootCmd(g)
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root || slices.Contains(notForwarded, strings.Fields(cmd.CommandPath())[1]) {
		return 0, false
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return 0, false
	}
	if help, _ := cmd.Flags().GetBool("help"); help {
		return 0, false
	}
	dir, err := g.repoDir()
	if err != nil {
		return 0, false
	}
	if _, err := os.Stat(filepath.Join(dir, node.DaemonFile)); err != nil {
		return 0, false
	}
	c, err := node.DialDaemon(ctx, dir)
	if errors.Is(err, node.ErrNoDaemon) {
		return 0, false
	}
	if err != nil {
		fmt.Fprintf(stderr, "cairn: %s\n", err)
		return exitCode(err), true
	}
	line, err := commandLine(cmd)
	if err != nil {
		fmt.Fprintf(stderr, "cairn: %s\n", err)
		return exitUsage, true
	}
	res, err := c.Run(ctx, line)
	if err != nil {
		fmt.Fprintf(stderr, "cairn: through the daemon: %s\n", err)
		return exitCode(err), true
	}
	io.WriteString(stdout, res.Stdout)
	io.WriteString(stderr, res.Stderr)
	return res.Code, true
}

// commandLine rebuilds a parsed command line for the daemon: the command's
// path, each flag given (but --repo: the daemon has its own), then "--" and
// the positional arguments, with every path made absolute.
func commandLine(cmd *cobra.Command) ([]string, error) {
	line := strings.Fields(cmd.CommandPath())[1:]
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if f.Name == "repo" || err != nil {
			return
		}
		values := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			values = sv.GetSlice()
		}
		for _, v := range values {
			switch {
			case f.Annotations[pathAnnotation] != nil:
				v, err = absPath(v)
			case f.Annotations[keyAnnotation] != nil && (strings.ContainsRune(v, os.PathSeparator) || strings.HasSuffix(v, ".pem")):
				v, err = absPath(v)
			}
			line = append(line, "--"+f.Name+"="+v)
		}
	})
	if err != nil {
		return nil, err
	}
	line = append(line, "--")
	for _, a := range cmd.Flags().Args() {
		if cmd.Annotations[pathArgsAnnotation] != "" {
			if a, err = absPath(a); err != nil {
				return nil, err
			}
		}
		line = append(line, a)
	}
	return line, nil
}

func absPath(p string) (string, error) {
	if p == "" {
		return p, nil
	}
	return filepath.Abs(p)
}

// runForCLI runs a command line the CLI forwarded, on the repo the daemon
// holds, and returns what it printed and its exit code.
func runForCLI(ctx context.Context, held *node.Repo, d *node.Daemon, args []string) node.CommandResult {
	var out, errb bytes.Buffer
	if len(args) > 0 && slices.Contains(notForwarded, args[0]) {
		return node.CommandResult{Stderr: fmt.Sprintf("cairn: %s does not run through the daemon\n", args[0]), Code: exitUsage}
	}
	code := execute(ctx, &globalOptions{stdout: &out, stderr: &errb, held: held, node: d}, args)
	return node.CommandResult{Stdout: out.String(), Stderr: errb.String(), Code: code}
}
