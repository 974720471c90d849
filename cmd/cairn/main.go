package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the CLI and returns the process exit code. A first SIGINT or
// SIGTERM cancels the running command (which rolls back what it was writing);
// a second one kills the process.
func run(args []string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		cancel()
		if _, ok := <-sigs; ok {
			fmt.Fprintln(os.Stderr, "cairn: interrupted twice, exiting now")
			os.Exit(exitInterrupted)
		}
	}()

	for _, p := range []struct {
		env   string
		start func(string) (func(), error)
	}{{"CAIRN_CPUPROFILE", startCPUProfile}, {"CAIRN_TRACE", startTrace}, {"CAIRN_MEMPROFILE", startMemProfile}} {
		path := os.Getenv(p.env)
		if path == "" {
			continue
		}
		stop, err := p.start(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "cairn: %s: %s\n", p.env, err)
			return exitError
		}
		defer stop()
	}

	if code, ok := forward(ctx, args, os.Stdout, os.Stderr); ok {
		return code
	}
	return execute(ctx, &globalOptions{stdout: os.Stdout, stderr: os.Stderr, term: stdinTerminal()}, args)
}

// execute runs one command line with g's outputs and returns its exit code,
// having printed any error to g.stderr. The daemon runs the CLI's commands
// through it too (see forward.go).
func execute(ctx context.Context, g *globalOptions, args []string) int {
	cmd := newRootCmd(g)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	switch {
	case code == exitInterrupted:
		fmt.Fprintln(g.stderr, "cairn: interrupted; the repo is as it was before this command")
	case code != exitUntrusted || !g.json:
		fmt.Fprintf(g.stderr, "cairn: %s\n", err)
	}
	return code
}
