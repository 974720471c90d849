package main

import (
	"bytes"
	"context"
	"testing"
)

// cliResult is what one command line did.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs one command line on the repo dir with g's terminal (and held
// repo, if any).
func runCLI(t *testing.T, g *globalOptions, dir string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	g.stdout, g.stderr = &out, &errb
	code := execute(context.Background(), g, append([]string{"--repo", dir}, args...))
	return cliResult{out.String(), errb.String(), code}
}
