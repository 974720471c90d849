package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/node"
)

// build publishes -packages packages over -names names into a new repo
// with node.Repo.Publish, what `cairn publish` calls: for each, the UnixFS
// import of a small file, the package, a metadata set, an Ed25519
// signature, the publisher-log entry, pins and indexes in one committed
// store transaction, and auto-trust of the namespace on its first publish.
// It saves only the process start and the repo open per package.
func build(ctx context.Context, args []string) error {
	f := flag.NewFlagSet("build", flag.ContinueOnError)
	dir := f.String("repo", "", "directory for the new repo")
	packages := f.Int("packages", 100000, "packages to publish")
	names := f.Int("names", 1000, "names they are spread over")
	cpuprofile := f.String("cpuprofile", "", "write a CPU profile of the build to this file")
	if err := f.Parse(args); err != nil {
		return err
	}
	if *dir == "" || *packages < 1 || *names < 1 {
		return errors.New("build needs -repo, -packages ≥ 1 and -names ≥ 1")
	}
	// A new repo only: publishing again into a built one would add a
	// second log entry and metadata set to each package.
	if _, err := os.Stat(filepath.Join(*dir, node.ConfigFile)); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s holds a repo already (or cannot be read: %v); give a new directory", *dir, err)
	}
	if _, err := node.Init(ctx, *dir); err != nil {
		return err
	}
	r, err := node.Open(ctx, *dir)
	if err != nil {
		return err
	}
	defer r.Close()
	tmp, err := os.MkdirTemp("", "scalebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	start := time.Now()
	path := filepath.Join(tmp, "artifact.txt")
	for i := 0; i < *packages; i++ {
		name, err := dag.ParseName(nameOf(i, *names))
		if err != nil {
			return err
		}
		version := versionOf(i, *names)
		// One layer, its bytes unique to the package.
		body := fmt.Sprintf("%s@%s\nbuilt by scalebench\n", name, version)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			return err
		}
		entries, err := dag.ParseEntries("meta.json", []byte(fmt.Sprintf(
			`{"source": {"repository": "https://example.com/%s.git", "commit": "%040x"}}`, name, i)))
		if err != nil {
			return err
		}
		req := node.PublishRequest{Paths: []string{path}, Name: name, Version: version, Entries: entries}
		if _, err := r.Publish(ctx, req); err != nil {
			return fmt.Errorf("publish %s@%s: %w", name, version, err)
		}
		if (i+1)%5000 == 0 {
			fmt.Fprintf(os.Stderr, "%d packages in %.1f s\n", i+1, time.Since(start).Seconds())
		}
	}
	fmt.Printf("scale_packages: %d\nscale_names: %d\nscale_build_seconds: %.1f\n", *packages, *names, time.Since(start).Seconds())
	return nil
}
