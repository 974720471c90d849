package sign

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/cairnpkg/cairn/dag"
	"github.com/cairnpkg/cairn/internal/atomicfile"
)

// PolicyVersion is the version of the policy file format.
const PolicyVersion = 1

// Policy is the local trust policy: which keys may sign for which packages.
// It is a TOML file (docs/trust.md):
//
//	version = 1
//
//	[[rule]]
//	pattern = "acme/*"
//	keys = ["did:key:z6Mk...", "did:key:z6Mk..."]
//	threshold = 2
//	roles = ["publisher", "builder"]
type Policy struct {
	Version int    `toml:"version" json:"version"`
	Rules   []Rule `toml:"rule" json:"rules"`
}

// Rule trusts Keys for the packages Pattern selects. A metadata set is trusted
// when Threshold distinct keys of Keys signed it in one of Roles (any role when
// Roles is empty), each signature named by its signer's publisher log unless
// RequireLog is false. The same threshold decides which publisher-log claims
// resolve a name and which conflicts dispute it (docs/trust.md §5).
type Rule struct {
	Pattern   Pattern  `toml:"pattern" json:"pattern"`
	Keys      []string `toml:"keys" json:"keys"`
	Threshold int      `toml:"threshold" json:"threshold"`
	Roles     []string `toml:"roles,omitempty" json:"roles,omitempty"`
	// RequireLog, unless false, counts a signature only if its signer's
	// publisher log names it, so that no key can sign a package its log does
	// not confess (equivocation is then always detectable). Absent is true;
	// false is for keys that publish without logs.
	RequireLog *bool `toml:"require_log,omitempty" json:"requireLog,omitempty"`
	// MaxAge, if set (a duration such as "48h"), is how long the node may go
	// without a signed statement from any of the rule's keys before names
	// under the rule no longer resolve: they are stale (docs/trust.md §7).
	MaxAge string `toml:"max_age,omitempty" json:"maxAge,omitempty"`
}

// MaxAgeDuration returns MaxAge as a duration; 0 when unset.
func (r *Rule) MaxAgeDuration() time.Duration {
	d, _ := time.ParseDuration(r.MaxAge) // checked by Validate
	return d
}

// LogRequired reports whether the rule counts only signatures its signers'
// publisher logs name (require_log, true unless set to false).
func (r *Rule) LogRequired() bool { return r.RequireLog == nil || *r.RequireLog }

// Validate checks every rule.
func (p *Policy) Validate() error {
	if p.Version != PolicyVersion {
		return fmt.Errorf("%w: version %d, expected %d", ErrInvalidPolicy, p.Version, PolicyVersion)
	}
	seen := map[Pattern]bool{}
	for i, r := range p.Rules {
		if _, err := ParsePattern(string(r.Pattern)); err != nil {
			return fmt.Errorf("%w: rule %d: %w", ErrInvalidPolicy, i+1, err)
		}
		if seen[r.Pattern] {
			return fmt.Errorf("%w: two rules for pattern %q; merge them", ErrInvalidPolicy, r.Pattern)
		}
		seen[r.Pattern] = true
		if len(r.Keys) == 0 {
			return fmt.Errorf("%w: rule %q has no keys", ErrInvalidPolicy, r.Pattern)
		}
		keys := make(map[string]bool, len(r.Keys))
		for _, k := range r.Keys {
			if _, err := ParseDID(k); err != nil {
				return fmt.Errorf("%w: rule %q: %w", ErrInvalidPolicy, r.Pattern, err)
			}
			// A key counts once towards the threshold, so a repeated key would make
			// the threshold count it twice here and once in Verify.
			if keys[k] {
				return fmt.Errorf("%w: rule %q lists key %s twice", ErrInvalidPolicy, r.Pattern, k)
			}
			keys[k] = true
		}
		if r.MaxAge != "" {
			if d, err := time.ParseDuration(r.MaxAge); err != nil || d <= 0 {
				return fmt.Errorf("%w: rule %q: max_age %q: expected a positive duration, like 48h", ErrInvalidPolicy, r.Pattern, r.MaxAge)
			}
		}
		if r.Threshold < 1 || r.Threshold > len(r.Keys) {
			return fmt.Errorf("%w: rule %q: threshold %d, expected 1 to %d (its number of keys)", ErrInvalidPolicy, r.Pattern, r.Threshold, len(r.Keys))
		}
	}
	return nil
}

// RuleFor returns the most specific rule whose pattern selects name, or nil.
func (p *Policy) RuleFor(name dag.Name) *Rule {
	var best *Rule
	for i := range p.Rules {
		r := &p.Rules[i]
		if r.Pattern.Match(name) && (best == nil || r.Pattern.specificity() > best.Pattern.specificity()) {
			best = r
		}
	}
	return best
}

// Trusts reports whether the rule counts a signature by did in role.
func (r *Rule) Trusts(did, role string) (keyOK, roleOK bool) {
	keyOK = slices.Contains(r.Keys, did)
	roleOK = len(r.Roles) == 0 || slices.Contains(r.Roles, role)
	return keyOK, roleOK
}

// AddKey trusts did for pattern: it adds the key to the pattern's rule, creating the
// rule with threshold 1 if there is none. A threshold > 0 and roles replace the rule's.
func (p *Policy) AddKey(pattern Pattern, did string, threshold int, roles []string) error {
	if _, err := ParsePattern(string(pattern)); err != nil {
		return err
	}
	if _, err := ParseDID(did); err != nil {
		return err
	}
	// Edit a copy and keep it only if it is valid, so a failed AddKey leaves p as it was.
	next := &Policy{Version: p.Version, Rules: slices.Clone(p.Rules)}
	i := slices.IndexFunc(next.Rules, func(r Rule) bool { return r.Pattern == pattern })
	if i < 0 {
		next.Rules = append(next.Rules, Rule{Pattern: pattern, Threshold: 1})
		i = len(next.Rules) - 1
	}
	r := &next.Rules[i]
	if !slices.Contains(r.Keys, did) {
		r.Keys = append(slices.Clone(r.Keys), did)
	}
	if threshold > 0 {
		r.Threshold = threshold
	}
	if len(roles) > 0 {
		r.Roles = slices.Clone(roles)
	}
	if err := next.Validate(); err != nil {
		return err
	}
	p.Rules = next.Rules
	return nil
}

// SetRequireLog sets the require_log of pattern's rule (docs/trust.md §5).
func (p *Policy) SetRequireLog(pattern Pattern, require bool) error {
	i := slices.IndexFunc(p.Rules, func(r Rule) bool { return r.Pattern == pattern })
	if i < 0 {
		return fmt.Errorf("%w: no rule for pattern %q", ErrInvalidPolicy, pattern)
	}
	if require {
		p.Rules[i].RequireLog = nil // the default
	} else {
		p.Rules[i].RequireLog = &require
	}
	return nil
}

// SetMaxAge sets the max_age of pattern's rule (docs/trust.md §7): a
// positive duration such as "48h", kept as written; "" or a zero duration
// ("0", "0s") removes it.
func (p *Policy) SetMaxAge(pattern Pattern, maxAge string) error {
	i := slices.IndexFunc(p.Rules, func(r Rule) bool { return r.Pattern == pattern })
	if i < 0 {
		return fmt.Errorf("%w: no rule for pattern %q", ErrInvalidPolicy, pattern)
	}
	if maxAge == "" {
		p.Rules[i].MaxAge = ""
		return nil
	}
	d, err := time.ParseDuration(maxAge)
	if err != nil || d < 0 {
		return fmt.Errorf("%w: rule %q: max_age %q: expected a positive duration, like 48h (0 removes it)", ErrInvalidPolicy, pattern, maxAge)
	}
	if d == 0 {
		maxAge = ""
	}
	p.Rules[i].MaxAge = maxAge
	return nil
}

// RemoveKey stops trusting did for pattern, or removes the whole rule when did is
// empty. The threshold is lowered if it would exceed the keys left.
func (p *Policy) RemoveKey(pattern Pattern, did string) error {
	i := slices.IndexFunc(p.Rules, func(r Rule) bool { return r.Pattern == pattern })
	if i < 0 {
		return fmt.Errorf("%w: no rule for pattern %q", ErrInvalidPolicy, pattern)
	}
	// Edit a copy and keep it only if it is valid, so a failed RemoveKey leaves p as it was.
	next := &Policy{Version: p.Version, Rules: slices.Clone(p.Rules)}
	r := &next.Rules[i]
	if did != "" {
		j := slices.Index(r.Keys, did)
		if j < 0 {
			return fmt.Errorf("%w: rule %q does not list %s", ErrInvalidPolicy, pattern, did)
		}
		r.Keys = slices.Delete(slices.Clone(r.Keys), j, j+1)
		if len(r.Keys) > 0 && r.Threshold > len(r.Keys) {
			return fmt.Errorf("%w: rule %q needs %d signatures and would keep %d keys; lower its threshold first (trust add %s DID --threshold %d)",
				ErrInvalidPolicy, pattern, r.Threshold, len(r.Keys), pattern, len(r.Keys))
		}
	}
	if did == "" || len(r.Keys) == 0 {
		next.Rules = slices.Delete(next.Rules, i, i+1)
	}
	if err := next.Validate(); err != nil {
		return err
	}
	p.Rules = next.Rules
	return nil
}

// ParsePolicy decodes and validates a policy file's bytes. Unknown keys are errors,
// so a misspelt "treshold" never silently means a threshold of 0.
func ParsePolicy(data []byte) (*Policy, error) {
	var p Policy
	md, err := toml.Decode(string(data), &p)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPolicy, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%w: unknown key %q", ErrInvalidPolicy, und[0].String())
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// LoadPolicy reads a policy file. Like ssh with authorized_keys, it refuses a
// file that users other than its owner may write: whoever can edit the policy
// decides what is trusted. A symbolic link is followed, and the file it
// names is checked.
func LoadPolicy(path string) (*Policy, error) {
	f, err := openPolicy(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	p, err := ParsePolicy(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// openPolicy opens the policy file at path, checked: a regular file that
// neither group nor others may write.
func openPolicy(path string) (*os.File, error) {
	name := path
	if st, err := os.Lstat(path); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return nil, fmt.Errorf("%w: %s is a link that leads nowhere: %w", ErrInvalidPolicy, path, err)
		}
		name, path = fmt.Sprintf("%s (a link to %s)", path, target), target
	}
	// Check the type before opening: opening a named pipe blocks until a writer
	// comes, so the check on the open file below would come too late.
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s does not exist", ErrInvalidPolicy, name)
		}
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrInvalidPolicy, name)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// The open file's mode, not the path's: the path may have changed since.
	if st, err = f.Stat(); err != nil {
		f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrInvalidPolicy, name)
	}
	if perm := st.Mode().Perm(); perm&0o022 != 0 {
		f.Close()
		return nil, fmt.Errorf("%w: %s has mode %04o: group or others may write it, and so decide what is trusted; run chmod go-w %s",
			ErrInvalidPolicy, name, perm, path)
	}
	return f, nil
}

// Marshal encodes the policy as TOML.
func (p *Policy) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# Cairn trust policy: which keys may sign for which packages (docs/trust.md).\n")
	buf.WriteString("# Edit with `cairn trust add|rm`, or by hand.\n\n")
	if err := toml.NewEncoder(&buf).Encode(p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Save writes the policy atomically (temporary file, sync, rename).
func (p *Policy) Save(path string) error {
	if err := p.Validate(); err != nil {
		return err
	}
	data, err := p.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o644)
}
