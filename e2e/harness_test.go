package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// cairnBin is the binary under test, built once by TestMain, in binDir;
// rogueBin is the misbehaving peer of e2e/rogue, built next to it.
var cairnBin, rogueBin, binDir string

// bigFileOnce makes the 512 MiB file that interruption tests publish, once.
var (
	bigFileOnce sync.Once
	bigFilePath string
)

// sharedBigFile returns a 512 MiB pseudo-random file shared by the tests that
// need a publish long enough to interrupt.
func sharedBigFile(t *testing.T) string {
	t.Helper()
	bigFileOnce.Do(func() {
		p := filepath.Join(binDir, "big.bin")
		randomFile(t, p, 512<<20, 7)
		bigFilePath = p
	})
	if bigFilePath == "" {
		t.Fatal("could not make the shared big file")
	}
	return bigFilePath
}

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

// touchSources opens every Go source file of the module outside e2e/. go test
// caches a test's result until a file the test opened changes; the binary is
// built by a subprocess go test cannot see, so without this an edited cairn
// would get a cached pass.
func touchSources() {
	filepath.WalkDir("..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && (d.Name() == "e2e" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && p != ".." {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum" || strings.HasSuffix(p, ".ipldsch")) {
			if f, err := os.Open(p); err == nil {
				f.Close()
			}
		}
		return nil
	})
}

// touchOnce runs touchSources once, from within a test: go test records the
// files a test opens only once tests have started.
var touchOnce sync.Once

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cairn-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	cairnBin = filepath.Join(dir, "cairn")
	args := []string{"build", "-o", cairnBin}
	if os.Getenv("CAIRN_E2E_RACE") != "" {
		// A daemon with the race detector: a data race makes it exit 66,
		// which fails the test that stops it.
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "github.com/cairnpkg/cairn/cmd/cairn")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build cairn:", err)
		return 1
	}
	rogueBin = filepath.Join(dir, "rogue")
	build = exec.Command("go", "build", "-o", rogueBin, "github.com/cairnpkg/cairn/e2e/rogue")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build rogue:", err)
		return 1
	}
	return m.Run()
}

// result is what one cairn process did.
type result struct {
	args   []string
	stdout string
	stderr string
	code   int
}

func (r result) String() string {
	return fmt.Sprintf("cairn %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// repo is one cairn repo directory with helpers to run the CLI on it.
type repo struct {
	t   *testing.T
	dir string
}

// newRepo initializes a repo in a fresh temporary directory.
func newRepo(t *testing.T) *repo {
	t.Helper()
	r := &repo{t: t, dir: filepath.Join(t.TempDir(), "repo")}
	r.ok("init")
	return r
}

// run runs cairn on the repo, with a deadline, and returns what it did.
func (r *repo) run(args ...string) result {
	r.t.Helper()
	return r.runIn("", args...)
}

// runIn is run from the directory dir ("": the test's).
func (r *repo) runIn(dir string, args ...string) result {
	r.t.Helper()
	touchOnce.Do(touchSources)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cairnBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CAIRN_REPO="+r.dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	if exit, ok := err.(*exec.ExitError); ok {
		res.code = exit.ExitCode()
	} else if err != nil {
		r.t.Fatalf("cairn %v: %v", args, err)
	}
	return res
}

// ok runs cairn and fails the test unless it exits 0.
func (r *repo) ok(args ...string) result {
	r.t.Helper()
	res := r.run(args...)
	if res.code != 0 {
		r.t.Fatalf("expected success:\n%s", res)
	}
	return res
}

// fail runs cairn and fails the test unless it exits with code and its stderr
// contains every one of msgs.
func (r *repo) fail(code int, msgs []string, args ...string) result {
	r.t.Helper()
	res := r.run(args...)
	if res.code != code {
		r.t.Fatalf("expected exit %d:\n%s", code, res)
	}
	for _, m := range msgs {
		if !strings.Contains(res.stderr, m) {
			r.t.Fatalf("expected stderr to contain %q:\n%s", m, res)
		}
	}
	return res
}

// json runs cairn with --json and decodes stdout into v.
func (r *repo) json(v any, args ...string) {
	r.t.Helper()
	res := r.ok(append(args, "--json")...)
	if err := json.Unmarshal([]byte(res.stdout), v); err != nil {
		r.t.Fatalf("decode --json output: %v\n%s", err, res)
	}
}

// publishResult is the --json output of publish.
type publishResult struct {
	Package   cidJSON `json:"package"`
	Metadata  cidJSON `json:"metadata"`
	Signature cidJSON `json:"signature"`
	Layers    []struct {
		Name    string  `json:"name"`
		Size    uint64  `json:"size"`
		SHA256  string  `json:"sha256"`
		Content cidJSON `json:"content"`
	} `json:"layers"`
}

// cidJSON is a CID as cairn prints it in JSON: {"/": "bafy..."}.
type cidJSON struct {
	S string `json:"/"`
}

func (c cidJSON) String() string { return c.S }

// publish publishes paths as name@version and returns the --json result.
func (r *repo) publish(name, version string, paths []string, extra ...string) publishResult {
	r.t.Helper()
	var res publishResult
	args := append([]string{"publish", "--name", name, "--version", version}, paths...)
	r.json(&res, append(args, extra...)...)
	return res
}

// snapshot captures the repo's observable state, to show that a failed command
// changed nothing: the store's counts of blocks, pins and index entries, the
// policy file and the key files.
func (r *repo) snapshot() string {
	r.t.Helper()
	var st map[string]any
	r.json(&st, "repo", "stat")
	delete(st, "diskBytes") // moves with badger's own bookkeeping; the counts must not
	j, err := json.Marshal(st)
	if err != nil {
		r.t.Fatal(err)
	}
	pol, err := os.ReadFile(filepath.Join(r.dir, "policy.toml"))
	if err != nil {
		r.t.Fatal(err)
	}
	keys, err := os.ReadDir(filepath.Join(r.dir, "keys"))
	if err != nil {
		r.t.Fatal(err)
	}
	var names []string
	for _, k := range keys {
		names = append(names, k.Name())
	}
	return fmt.Sprintf("%s\n%s\n%v", j, pol, names)
}

// on returns the repo bound to another test (a subtest), for its failures.
func (r *repo) on(t *testing.T) *repo { return &repo{t: t, dir: r.dir} }

// writeFile writes data to path, creating parent directories.
func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
