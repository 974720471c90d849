package sign

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"
)

// agedPolicy saves a one-rule policy and dates it an hour back, past the
// cache's racy window.
func agedPolicy(t *testing.T) string {
	t.Helper()
	path := savedPolicy(t, t.TempDir())
	age(t, path)
	return path
}

func age(t *testing.T, path string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

// TestPolicyCacheParsesOnce: an unchanged file is parsed once, however
// often it is loaded, and each Load returns a copy the caller may change.
func TestPolicyCacheParsesOnce(t *testing.T) {
	c := NewPolicyCache(agedPolicy(t))
	for i := range 5 {
		p, err := c.Load()
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Rules) != 1 || p.Rules[0].Pattern != "acme/*" || len(p.Rules[0].Keys) != 1 {
			t.Fatalf("load %d: policy %+v, want the saved one", i, p)
		}
		p.Rules[0].Keys[0] = did0 // must not reach the cache
		p.Rules = append(p.Rules, Rule{Pattern: "evil/*"})
	}
	if c.loads != 1 {
		t.Fatalf("the file was parsed %d times, want 1", c.loads)
	}
}

// TestPolicyCacheSeesChanges: every change of the file is seen by the next
// Load — a save (a new file renamed over it), an edit in place of the same
// size within the same tick of the file system's clock, a chmod that makes it writable by others,
// its removal — and a Load after Forget reads the file again.
func TestPolicyCacheSeesChanges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, path string)
		check  func(t *testing.T, p *Policy, err error)
	}{
		{"save", func(t *testing.T, path string) {
			p := &Policy{Version: 1, Rules: []Rule{{Pattern: "acme/*", Keys: []string{did1, did0}, Threshold: 2}}}
			if err := p.Save(path); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, p *Policy, err error) {
			if err != nil || p.Rules[0].Threshold != 2 {
				t.Fatalf("Load = %+v, %v; want the saved threshold 2", p, err)
			}
		}},
		{"edit in place, same size, same clock tick", func(t *testing.T, path string) {
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			editInPlace(t, path, "acme/*", "beta/*")
			// Within one tick of the file system's clock, the time stays.
			if err := os.Chtimes(path, st.ModTime(), st.ModTime()); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, p *Policy, err error) {
			if err != nil || p.Rules[0].Pattern != "beta/*" {
				t.Fatalf("Load = %+v, %v; want the edited pattern beta/*", p, err)
			}
		}},
		{"chmod go+w", func(t *testing.T, path string) {
			if err := os.Chmod(path, 0o666); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, p *Policy, err error) {
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("Load = %+v, %v; want ErrInvalidPolicy (writable by others)", p, err)
			}
		}},
		{"removed", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, p *Policy, err error) {
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("Load = %+v, %v; want ErrInvalidPolicy (does not exist)", p, err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A fresh file: the cache must not trust its stat yet.
			path := savedPolicy(t, t.TempDir())
			c := NewPolicyCache(path)
			if _, err := c.Load(); err != nil {
				t.Fatal(err)
			}
			tc.change(t, path)
			p, err := c.Load()
			tc.check(t, p, err)
		})
	}
	t.Run("forget", func(t *testing.T) {
		path := agedPolicy(t)
		c := NewPolicyCache(path)
		if _, err := c.Load(); err != nil {
			t.Fatal(err)
		}
		// A change the stat cannot see: same size, time put back.
		editInPlace(t, path, "acme/*", "beta/*")
		age(t, path)
		c.Forget()
		if p, err := c.Load(); err != nil || p.Rules[0].Pattern != "beta/*" {
			t.Fatalf("Load after Forget = %+v, %v; want the edited pattern beta/*", p, err)
		}
	})
}

// editInPlace replaces old by new (of the same length) in the file at path
// without replacing the file.
func editInPlace(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(bytes.Replace(data, []byte(old), []byte(new), 1)); err != nil {
		t.Fatal(err)
	}
}
