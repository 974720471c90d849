package node_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/cairnpkg/cairn/node"
	"github.com/cairnpkg/cairn/sign"
)

func TestInit(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	dir := filepath.Join(parent, "a", "repo") // created, parents too
	res, err := node.Init(context.Background(), dir)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	if res.Dir != dir || res.Key != "default" || !strings.HasPrefix(res.DID, "did:key:z6Mk") {
		t.Errorf("InitResult = %+v", res)
	}

	for _, tc := range []struct {
		path string
		dir  bool
		mode os.FileMode
	}{
		{node.ConfigFile, false, 0o644},
		{node.PolicyFile, false, 0o644},
		{node.KeysDir, true, 0o700},
		{filepath.Join(node.KeysDir, "default.key"), false, 0o600},
		{node.StoreDir, true, 0o700},
		{"", true, 0o700},
	} {
		t.Run("file "+tc.path, func(t *testing.T) {
			fi, err := os.Stat(filepath.Join(dir, tc.path))
			if err != nil {
				t.Fatal(err)
			}
			if fi.IsDir() != tc.dir {
				t.Errorf("IsDir = %v, want %v", fi.IsDir(), tc.dir)
			}
			if got := fi.Mode().Perm(); got != tc.mode {
				t.Errorf("mode = %v, want %v", got, tc.mode)
			}
		})
	}
	t.Run("policy is empty", func(t *testing.T) {
		p, err := sign.LoadPolicy(filepath.Join(dir, node.PolicyFile))
		if err != nil {
			t.Fatal(err)
		}
		if p.Version != sign.PolicyVersion || len(p.Rules) != 0 {
			t.Errorf("policy = %+v", p)
		}
	})
	keyBefore, err := os.ReadFile(filepath.Join(dir, node.KeysDir, "default.key"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("opens with the default config and key", func(t *testing.T) {
		r := openRepo(t, dir)
		defer r.Close()
		if !reflect.DeepEqual(r.Config(), node.DefaultConfig()) {
			t.Errorf("config = %+v, want %+v", r.Config(), node.DefaultConfig())
		}
		k, err := r.Keys().Get("default")
		if err != nil {
			t.Fatal(err)
		}
		if k.DID() != res.DID {
			t.Errorf("key DID = %s, InitResult says %s", k.DID(), res.DID)
		}
		if st := repoStat(t, r); st.Blocks != 0 || st.Pins != 0 || st.Versions != 0 || st.Journal != 0 {
			t.Errorf("new repo Stat = %+v", st)
		}
		if r.Dir() != dir {
			t.Errorf("Dir = %s", r.Dir())
		}
	})

	t.Run("twice", func(t *testing.T) {
		_, err := node.Init(context.Background(), dir)
		wantErrIs(t, err, node.ErrRepoExists)
		got, err := os.ReadFile(filepath.Join(dir, node.KeysDir, "default.key"))
		if err != nil || string(got) != string(keyBefore) {
			t.Errorf("second Init changed the key: %v", err)
		}
		r := openRepo(t, dir)
		r.Close()
	})

	t.Run("while open", func(t *testing.T) {
		r := openRepo(t, dir)
		defer r.Close()
		_, err := node.Init(context.Background(), dir)
		wantErrIs(t, err, node.ErrRepoExists)
	})

	t.Run("into an existing empty directory", func(t *testing.T) {
		d := t.TempDir()
		if _, err := node.Init(context.Background(), d); err != nil {
			t.Fatal(err)
		}
		openRepo(t, d).Close()
	})
	_ = ctx
}

// TestInitFailureKeepsExistingKeys documents the expected behaviour: a failed
// Init must not delete files it did not create (a keys/ directory with keys in
// it, before init).
// TestInitPolicyModeIgnoresUmask: init writes policy.toml 0644 whatever the
// umask, so a group-writable umask never makes a repo whose policy
// sign.LoadPolicy refuses. Not parallel: the umask belongs to the process.
func TestInitPolicyModeIgnoresUmask(t *testing.T) {
	for _, mask := range []int{0o002, 0o077} {
		t.Run(fmt.Sprintf("umask %04o", mask), func(t *testing.T) {
			old := syscall.Umask(mask)
			defer syscall.Umask(old)
			dir := filepath.Join(t.TempDir(), "repo")
			if _, err := node.Init(context.Background(), dir); err != nil {
				t.Fatalf("Init: %v", err)
			}
			fi, err := os.Stat(filepath.Join(dir, node.PolicyFile))
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o644 {
				t.Errorf("policy.toml mode %04o, want 0644", got)
			}
			if _, err := sign.LoadPolicy(filepath.Join(dir, node.PolicyFile)); err != nil {
				t.Errorf("the policy init wrote does not load: %v", err)
			}
		})
	}
}

func TestInitFailureKeepsExistingKeys(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
	}{
		{"default key already there", func(t *testing.T, dir string) {
			// Generating "default" fails: keys are never replaced.
			writeFile(t, filepath.Join(dir, node.KeysDir, "default.key"), []byte("my precious default key\n"))
		}},
		{"policy already there", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, node.PolicyFile), []byte("version = 1\n# mine\n"))
		}},
		{"store cannot be created", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, node.StoreDir), []byte("a file where the store directory goes"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			mine := filepath.Join(dir, node.KeysDir, "mine.key")
			writeFile(t, mine, []byte("my precious key\n"))
			tc.setup(t, dir)
			before := snapshotKeys(t, dir)
			policy, policyErr := os.ReadFile(filepath.Join(dir, node.PolicyFile))

			if _, err := node.Init(context.Background(), dir); err == nil {
				t.Fatal("Init succeeded")
			}
			if _, err := os.Stat(filepath.Join(dir, node.ConfigFile)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("config.toml after a failed Init: %v", err)
			}
			if _, err := node.Open(context.Background(), dir); !errors.Is(err, node.ErrNoRepo) {
				t.Errorf("Open after a failed Init: err = %v, want ErrNoRepo", err)
			}
			after := snapshotKeys(t, dir)
			for name, data := range before {
				if got, ok := after[name]; !ok {
					t.Errorf("failed Init deleted keys/%s, which it did not create", name)
				} else if got != data {
					t.Errorf("failed Init changed keys/%s", name)
				}
			}
			if policyErr == nil {
				if got, err := os.ReadFile(filepath.Join(dir, node.PolicyFile)); err != nil || string(got) != string(policy) {
					t.Errorf("failed Init changed or removed the existing policy.toml: %v", err)
				}
			}
		})
	}
}

func snapshotKeys(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	ents, err := os.ReadDir(filepath.Join(dir, node.KeysDir))
	if errors.Is(err, os.ErrNotExist) {
		return m
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, node.KeysDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = string(data)
	}
	return m
}

func TestOpen(t *testing.T) {
	ctx := context.Background()

	t.Run("not a repo", func(t *testing.T) {
		for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
			r, err := node.Open(ctx, dir)
			if !errors.Is(err, node.ErrNoRepo) {
				t.Errorf("Open(%s) = %v, %v; want ErrNoRepo", dir, r, err)
			}
		}
	})

	dir := filepath.Join(t.TempDir(), "repo")
	if _, err := node.Init(context.Background(), dir); err != nil {
		t.Fatal(err)
	}

	t.Run("locked", func(t *testing.T) {
		r, err := node.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		r2, err := node.Open(ctx, dir)
		if !errors.Is(err, node.ErrRepoLocked) {
			if r2 != nil {
				r2.Close()
			}
			t.Fatalf("second Open: err = %v, want ErrRepoLocked", err)
		}
		if want := fmt.Sprintf("cairn process %d", os.Getpid()); !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name the holder (%q)", err, want)
		}
		pid, err := os.ReadFile(filepath.Join(dir, node.LockFile))
		if err != nil || string(pid) != fmt.Sprintf("%d\n", os.Getpid()) {
			t.Errorf("lock file = %q, %v", pid, err)
		}
	})

	t.Run("close releases and is idempotent", func(t *testing.T) {
		for i := range 3 {
			r, err := node.Open(ctx, dir)
			if err != nil {
				t.Fatalf("Open #%d: %v", i, err)
			}
			if err := r.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := r.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
		}
	})

	t.Run("invalid config", func(t *testing.T) {
		cfgPath := filepath.Join(dir, node.ConfigFile)
		orig, err := os.ReadFile(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(cfgPath, orig, 0o644)
		for _, cfg := range []string{
			"version = 2\ndefault_key = \"default\"\n",
			"version = 1\ndefault_key = \"default\"\nsurprise = true\n",
			"version = 1\ndefault_key = \"../x\"\n",
			"version = 1\ndefault_key = \"default\"\n[store]\nmemtable_mib = 5000\n",
			"version = 1\ndefault_key = \"default\"\n[store]\nblock_cache_mib = -1\n",
			"version = [\n",
		} {
			if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := node.Open(ctx, dir)
			if !errors.Is(err, node.ErrInvalidConfig) {
				if r != nil {
					r.Close()
				}
				t.Errorf("Open with config %q: err = %v, want ErrInvalidConfig", cfg, err)
			}
		}
	})
}
