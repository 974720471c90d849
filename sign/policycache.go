package sign

import (
	"os"
	"sync"
	"time"
)

// racyWindow is how recent a policy file's modification time may be for
// PolicyCache to trust its stat: a file changed twice within the clock
// tick of the file system may keep its size and time, so a file changed
// this recently is read again on every Load until it is older.
const racyWindow = 2 * time.Second

// PolicyCache loads a policy file with LoadPolicy and keeps what it parsed
// until the file changes: each Load stats the file and reads it again only
// when what it names, its size, modification time or mode differ from the
// last read, or when the file was modified less than two seconds before
// that read (git's "racy" rule: a change within one clock tick may leave
// size and time alone). A daemon answers every verification with the
// policy, and parsing the TOML each time was most of a cheap request.
// It is safe for concurrent use.
type PolicyCache struct {
	path string
	now  func() time.Time

	mu     sync.Mutex
	policy *Policy     // nil: nothing cached
	stamp  os.FileInfo // the stat the cached policy was read under
	racy   bool        // read within racyWindow of its modification
	loads  int         // times the file was parsed (for tests)
}

// NewPolicyCache returns a cache of the policy file at path.
func NewPolicyCache(path string) *PolicyCache {
	return &PolicyCache{path: path, now: time.Now}
}

// Load returns the policy in the file, as LoadPolicy would: a copy the
// caller may change.
func (c *PolicyCache) Load() (*Policy, error) {
	st, err := os.Stat(c.path)
	if err != nil {
		c.Forget()
		return LoadPolicy(c.path) // says why, in its words
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.policy != nil && !c.racy && sameStamp(c.stamp, st) {
		return c.policy.Clone(), nil
	}
	// Stat before reading: a change after the stat makes the next stat
	// differ, so it is never mistaken for what was read.
	p, err := LoadPolicy(c.path)
	c.loads++
	if err != nil {
		c.policy = nil
		return nil, err
	}
	c.policy, c.stamp = p, st
	c.racy = c.now().Sub(st.ModTime()) < racyWindow
	return p.Clone(), nil
}

// Forget drops what is cached: the next Load reads the file.
func (c *PolicyCache) Forget() {
	c.mu.Lock()
	c.policy = nil
	c.mu.Unlock()
}

// sameStamp reports whether a and b are stats of the same file (device and
// inode, where the platform has them) with the same size, modification
// time and mode.
func sameStamp(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && a.Mode() == b.Mode()
}

// Clone returns a deep copy of p.
func (p *Policy) Clone() *Policy {
	out := &Policy{Version: p.Version, Rules: make([]Rule, len(p.Rules))}
	for i, r := range p.Rules {
		r.Keys = append([]string(nil), r.Keys...)
		r.Roles = append([]string(nil), r.Roles...)
		if r.RequireLog != nil {
			v := *r.RequireLog
			r.RequireLog = &v
		}
		out.Rules[i] = r
	}
	return out
}
