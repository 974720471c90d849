// Command scalebench is the Go half of scripts/bench-scale.sh: `build` fills
// a new repo with many small packages, each a real publish, and `load`
// measures a daemon's API over that repo.
//
//	go run ./scripts/scalebench build -repo DIR -packages 100000 -names 1000
//	go run ./scripts/scalebench load -api 127.0.0.1:PORT -packages 100000 -names 1000
//
// Both print `name: value` lines.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "build":
		err = build(ctx, os.Args[2:])
	case len(os.Args) > 1 && os.Args[1] == "load":
		err = load(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("usage: scalebench build|load [flags]")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		os.Exit(1)
	}
}

// Package i of a repo of names names is version 1.0.(i/names) of name
// scale-NN/pkg-NNNN (i%names): the names fill up evenly, a hundred to a
// namespace.

func nameOf(i, names int) string {
	n := i % names
	return fmt.Sprintf("scale-%02d/pkg-%04d", n/100, n)
}

func versionOf(i, names int) string { return fmt.Sprintf("1.0.%d", i/names) }
