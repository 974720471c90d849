package sign

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairnpkg/cairn/dag"
)

var (
	did1 = "did:key:z6Mkon3Necd6NkkyfoGoHxid2znGc59LU3K7mubaRcFbLfLX" // testKey(t, 1)
	did0 = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp" // all-zero seed
	didH = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
)

func TestTestKeyDIDs(t *testing.T) {
	// The constants above are used as literals in TOML; keep them honest.
	if testKey(t, 1).DID() != did1 || testKey(t, 0).DID() != did0 {
		t.Fatal("did constants do not match TestKey")
	}
	if _, err := ParseDID(didH); err != nil {
		t.Fatal(err)
	}
}

func TestParsePolicyValid(t *testing.T) {
	data, err := os.ReadFile("testdata/policy.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePolicy(data)
	if err != nil {
		t.Fatalf("ParsePolicy(testdata/policy.toml): %v", err)
	}
	want := &Policy{Version: 1, Rules: []Rule{
		{Pattern: "acme/*", Keys: []string{did1}, Threshold: 1, Roles: []string{"publisher"}},
		{Pattern: "acme/hello", Keys: []string{did1, did0, didH}, Threshold: 2},
		{Pattern: "*", Keys: []string{didH}, Threshold: 1, Roles: []string{"mirror", "auditor"}},
	}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("ParsePolicy =\n%+v\nwant\n%+v", p, want)
	}
	lp, err := LoadPolicy("testdata/policy.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lp, want) {
		t.Errorf("LoadPolicy = %+v", lp)
	}
}

func TestParsePolicyEmpty(t *testing.T) {
	p, err := ParsePolicy([]byte("version = 1\n"))
	if err != nil {
		t.Fatalf("a policy with no rules: %v", err)
	}
	if len(p.Rules) != 0 {
		t.Errorf("rules %v", p.Rules)
	}
	name, _ := dag.ParseName("acme/hello")
	if r := p.RuleFor(name); r != nil {
		t.Errorf("RuleFor in an empty policy = %+v", r)
	}
}

// rule renders one [[rule]] table.
func rule(pattern string, keys []string, threshold int, extra string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	return fmt.Sprintf("[[rule]]\npattern = %q\nkeys = [%s]\nthreshold = %d\n%s\n", pattern, strings.Join(q, ", "), threshold, extra)
}

func TestParsePolicyInvalid(t *testing.T) {
	v1 := "version = 1\n"
	for _, tc := range []struct {
		name, text string
		also       error  // a second error the first must wrap, if any
		mention    string // a word the message must contain
	}{
		{"misspelt threshold", v1 + "[[rule]]\npattern = \"acme/*\"\nkeys = [\"" + did1 + "\"]\ntreshold = 1\n", nil, "treshold"},
		{"misspelt threshold with threshold", v1 + rule("acme/*", []string{did1}, 1, "treshold = 2"), nil, "treshold"},
		{"unknown top-level key", v1 + "trust_everything = true\n", nil, "trust_everything"},
		{"unknown table", v1 + "[rules]\npattern = \"*\"\n", nil, "rules"},
		{"threshold 0", v1 + rule("acme/*", []string{did1}, 0, ""), nil, "threshold"},
		{"threshold missing", v1 + "[[rule]]\npattern = \"acme/*\"\nkeys = [\"" + did1 + "\"]\n", nil, "threshold"},
		{"threshold negative", v1 + rule("acme/*", []string{did1}, -1, ""), nil, "threshold"},
		{"threshold above keys", v1 + rule("acme/*", []string{did1, did0}, 3, ""), nil, "threshold"},
		{"threshold as string", v1 + "[[rule]]\npattern = \"acme/*\"\nkeys = [\"" + did1 + "\"]\nthreshold = \"1\"\n", nil, ""},
		{"threshold float", v1 + "[[rule]]\npattern = \"acme/*\"\nkeys = [\"" + did1 + "\"]\nthreshold = 1.5\n", nil, ""},
		{"no keys", v1 + rule("acme/*", nil, 1, ""), nil, "no keys"},
		{"keys missing", v1 + "[[rule]]\npattern = \"acme/*\"\nthreshold = 1\n", nil, "no keys"},
		{"bad pattern glob", v1 + rule("acme/he*", []string{did1}, 1, ""), ErrInvalidPattern, "acme/he*"},
		{"bad pattern star namespace", v1 + rule("*/hello", []string{did1}, 1, ""), ErrInvalidPattern, ""},
		{"bad pattern upper case", v1 + rule("ACME/*", []string{did1}, 1, ""), ErrInvalidPattern, ""},
		{"bad pattern empty", v1 + rule("", []string{did1}, 1, ""), ErrInvalidPattern, ""},
		{"bad pattern no slash", v1 + rule("acme", []string{did1}, 1, ""), ErrInvalidPattern, ""},
		{"bad pattern double star", v1 + rule("**", []string{did1}, 1, ""), ErrInvalidPattern, ""},
		{"bad pattern deep", v1 + rule("acme/*/*", []string{did1}, 1, ""), ErrInvalidPattern, ""},
		{"pattern missing", v1 + "[[rule]]\nkeys = [\"" + did1 + "\"]\nthreshold = 1\n", ErrInvalidPattern, ""},
		{"duplicate pattern", v1 + rule("acme/*", []string{did1}, 1, "") + rule("acme/*", []string{did0}, 1, ""), nil, "acme/*"},
		{"duplicate star", v1 + rule("*", []string{did1}, 1, "") + rule("*", []string{did1}, 1, ""), nil, ""},
		{"bad did", v1 + rule("acme/*", []string{"did:key:z6MkNOTAKEY"}, 1, ""), ErrInvalidDID, ""},
		{"did:web", v1 + rule("acme/*", []string{"did:web:acme.example"}, 1, ""), ErrInvalidDID, ""},
		{"one bad did among good", v1 + rule("acme/*", []string{did1, "nope"}, 1, ""), ErrInvalidDID, ""},
		{"duplicate key", v1 + rule("acme/*", []string{did1, did1}, 2, ""), nil, did1},
		{"duplicate key, threshold 1", v1 + rule("acme/*", []string{did1, did0, did1}, 1, ""), nil, did1},
		{"version 0", "version = 0\n", nil, "version"},
		{"version 2", "version = 2\n" + rule("acme/*", []string{did1}, 1, ""), nil, "version"},
		{"version missing", rule("acme/*", []string{did1}, 1, ""), nil, "version"},
		{"empty file", "", nil, "version"},
		{"malformed TOML", "version = 1\n[[rule]\n", nil, ""},
		{"malformed TOML string", "version = \"1\n", nil, ""},
		{"duplicate TOML key", "version = 1\nversion = 1\n", nil, ""},
		{"rule as table", v1 + "[rule]\npattern = \"*\"\nkeys = [\"" + did1 + "\"]\nthreshold = 1\n", nil, ""},
		{"roles not a list", v1 + rule("acme/*", []string{did1}, 1, "roles = \"publisher\""), nil, ""},
		{"binary garbage", "\x00\xff\xfe", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePolicy([]byte(tc.text))
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("ParsePolicy = %+v, %v; want ErrInvalidPolicy\n%s", p, err, tc.text)
			}
			if p != nil {
				t.Error("ParsePolicy returned a policy with its error")
			}
			if tc.also != nil && !errors.Is(err, tc.also) {
				t.Errorf("error %v does not wrap %v", err, tc.also)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
		})
	}
}

func TestParsePattern(t *testing.T) {
	for _, s := range []string{"*", "acme/*", "acme/hello", "a/b", "a-1/x.y_z-2", "0/0"} {
		if p, err := ParsePattern(s); err != nil || string(p) != s {
			t.Errorf("ParsePattern(%q) = %q, %v", s, p, err)
		}
	}
	for _, s := range []string{"", "**", "*/*", "*/hello", "acme/", "/hello", "acme", "acme/he*", "acme/*x",
		"ACME/*", "acme/Hello", "-acme/*", "acme-/*", "acme/*/*", "acme/hello/x", " acme/*", "acme/* ", "acme/?"} {
		if p, err := ParsePattern(s); !errors.Is(err, ErrInvalidPattern) {
			t.Errorf("ParsePattern(%q) = %q, %v; want ErrInvalidPattern", s, p, err)
		}
	}
}

func mustName(t testing.TB, s string) dag.Name {
	t.Helper()
	n, err := dag.ParseName(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPatternMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern Pattern
		name    string
		want    bool
	}{
		{"*", "acme/hello", true},
		{"*", "x/y", true},
		{"acme/*", "acme/hello", true},
		{"acme/*", "acme/tools", true},
		{"acme/*", "acme-evil/hello", false},
		{"acme/*", "evil/acme", false},
		{"acme/*", "acm/hello", false},
		{"acme/*", "acmee/hello", false},
		{"acme/hello", "acme/hello", true},
		{"acme/hello", "acme/hello2", false},
		{"acme/hello", "acme/hell", false},
		{"acme/hello", "evil/hello", false},
		{"acme/hello", "acme/tools", false},
		{"a/*", "acme/hello", false},
	} {
		t.Run(fmt.Sprintf("%s~%s", tc.pattern, tc.name), func(t *testing.T) {
			if got := tc.pattern.Match(mustName(t, tc.name)); got != tc.want {
				t.Errorf("Pattern(%q).Match(%q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
			}
		})
	}
}

func TestRuleForSpecificity(t *testing.T) {
	rules := []Rule{
		{Pattern: "*", Keys: []string{didH}, Threshold: 1},
		{Pattern: "acme/*", Keys: []string{did0}, Threshold: 1},
		{Pattern: "acme/hello", Keys: []string{did1}, Threshold: 1},
		{Pattern: "other/*", Keys: []string{did1}, Threshold: 1},
	}
	cases := []struct{ name, want string }{
		{"acme/hello", "acme/hello"},
		{"acme/tools", "acme/*"},
		{"other/hello", "other/*"},
		{"zeta/hello", "*"},
	}
	// The answer must not depend on the order of the rules in the file.
	perms := [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 0, 3, 2}, {2, 3, 0, 1}, {2, 0, 1, 3}, {0, 2, 1, 3}}
	for _, perm := range perms {
		p := &Policy{Version: 1}
		for _, i := range perm {
			p.Rules = append(p.Rules, rules[i])
		}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, tc := range cases {
			r := p.RuleFor(mustName(t, tc.name))
			if r == nil || string(r.Pattern) != tc.want {
				t.Errorf("order %v: RuleFor(%s) = %+v, want the %q rule", perm, tc.name, r, tc.want)
			}
		}
	}
	// Without "*" nothing selects an unknown namespace.
	p := &Policy{Version: 1, Rules: rules[1:]}
	if r := p.RuleFor(mustName(t, "zeta/hello")); r != nil {
		t.Errorf("RuleFor(zeta/hello) without a * rule = %+v, want nil", r)
	}
	// RuleFor returns the policy's rule itself.
	r := p.RuleFor(mustName(t, "acme/hello"))
	if r != &p.Rules[1] {
		t.Error("RuleFor does not point into the policy")
	}
}

func TestRuleTrusts(t *testing.T) {
	r := &Rule{Pattern: "acme/*", Keys: []string{did1, did0}, Threshold: 1, Roles: []string{"publisher", "builder"}}
	for _, tc := range []struct {
		did, role     string
		keyOK, roleOK bool
	}{
		{did1, "publisher", true, true},
		{did0, "builder", true, true},
		{did1, "mirror", true, false},
		{didH, "publisher", false, true},
		{didH, "auditor", false, false},
		{did1, "Publisher", true, false},
	} {
		k, ro := r.Trusts(tc.did, tc.role)
		if k != tc.keyOK || ro != tc.roleOK {
			t.Errorf("Trusts(%s, %s) = %v, %v; want %v, %v", tc.did, tc.role, k, ro, tc.keyOK, tc.roleOK)
		}
	}
	anyRole := &Rule{Pattern: "*", Keys: []string{did1}, Threshold: 1}
	if _, ro := anyRole.Trusts(did1, "anything"); !ro {
		t.Error("a rule without roles must allow every role")
	}
}

func TestAddKey(t *testing.T) {
	p := &Policy{Version: PolicyVersion}
	if err := p.AddKey("acme/*", did1, 0, nil); err != nil {
		t.Fatal(err)
	}
	want := []Rule{{Pattern: "acme/*", Keys: []string{did1}, Threshold: 1}}
	if !reflect.DeepEqual(p.Rules, want) {
		t.Fatalf("after AddKey: %+v, want %+v", p.Rules, want)
	}
	// The same key again: no duplicate.
	if err := p.AddKey("acme/*", did1, 0, nil); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Rules, want) {
		t.Fatalf("adding a key twice: %+v", p.Rules)
	}
	// A second key, threshold 2, roles.
	if err := p.AddKey("acme/*", did0, 2, []string{"publisher"}); err != nil {
		t.Fatal(err)
	}
	want = []Rule{{Pattern: "acme/*", Keys: []string{did1, did0}, Threshold: 2, Roles: []string{"publisher"}}}
	if !reflect.DeepEqual(p.Rules, want) {
		t.Fatalf("after the second key: %+v, want %+v", p.Rules, want)
	}
	// Threshold 0 and nil roles keep the rule's.
	if err := p.AddKey("acme/*", did0, 0, nil); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Rules, want) {
		t.Fatalf("threshold 0 / nil roles changed the rule: %+v", p.Rules)
	}
	// Roles and threshold replace, they do not merge.
	if err := p.AddKey("acme/*", did1, 1, []string{"builder", "auditor"}); err != nil {
		t.Fatal(err)
	}
	want = []Rule{{Pattern: "acme/*", Keys: []string{did1, did0}, Threshold: 1, Roles: []string{"builder", "auditor"}}}
	if !reflect.DeepEqual(p.Rules, want) {
		t.Fatalf("replacing threshold and roles: %+v, want %+v", p.Rules, want)
	}
	// Another pattern is another rule.
	if err := p.AddKey("acme/hello", didH, 0, nil); err != nil {
		t.Fatal(err)
	}
	if len(p.Rules) != 2 || p.Rules[1].Pattern != "acme/hello" || !slices.Equal(p.Rules[1].Keys, []string{didH}) {
		t.Fatalf("a new pattern: %+v", p.Rules)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestAddKeyErrorsLeavePolicyUnchanged(t *testing.T) {
	base := func() *Policy {
		return &Policy{Version: 1, Rules: []Rule{{Pattern: "acme/*", Keys: []string{did1}, Threshold: 1, Roles: []string{"publisher"}}}}
	}
	for _, tc := range []struct {
		name      string
		pattern   Pattern
		did       string
		threshold int
		roles     []string
		want      error
	}{
		{"bad pattern", "acme/he*", did0, 1, nil, ErrInvalidPattern},
		{"bad did", "acme/*", "did:key:zNOPE", 1, nil, ErrInvalidDID},
		{"threshold above keys, existing rule", "acme/*", did0, 3, nil, ErrInvalidPolicy},
		{"threshold above keys, new rule", "other/*", did0, 2, nil, ErrInvalidPolicy},
		{"threshold above keys, new rule with roles", "other/*", did0, 5, []string{"builder"}, ErrInvalidPolicy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := base()
			err := p.AddKey(tc.pattern, tc.did, tc.threshold, tc.roles)
			if !errors.Is(err, tc.want) {
				t.Fatalf("AddKey = %v, want %v", err, tc.want)
			}
			if !reflect.DeepEqual(p, base()) {
				t.Errorf("a failed AddKey changed the policy: %+v", p.Rules)
			}
			if err := p.Validate(); err != nil {
				t.Errorf("a failed AddKey left an invalid policy: %v", err)
			}
		})
	}
}

func TestAddKeyDoesNotAliasRoles(t *testing.T) {
	p := &Policy{Version: 1}
	roles := []string{"publisher"}
	if err := p.AddKey("acme/*", did1, 1, roles); err != nil {
		t.Fatal(err)
	}
	roles[0] = "mirror"
	if p.Rules[0].Roles[0] != "publisher" {
		t.Errorf("the caller's slice changed the policy's roles: %v", p.Rules[0].Roles)
	}
}

func TestRemoveKey(t *testing.T) {
	newPolicy := func() *Policy {
		return &Policy{Version: 1, Rules: []Rule{
			{Pattern: "acme/*", Keys: []string{did1, did0, didH}, Threshold: 3},
			{Pattern: "*", Keys: []string{didH}, Threshold: 1},
		}}
	}
	t.Run("refuses to leave an unreachable threshold", func(t *testing.T) {
		p := newPolicy()
		before := clonePolicy(p)
		err := p.RemoveKey("acme/*", did0)
		if !errors.Is(err, ErrInvalidPolicy) || !strings.Contains(err.Error(), "lower its threshold first") {
			t.Fatalf("RemoveKey = %v", err)
		}
		if !reflect.DeepEqual(p, before) {
			t.Errorf("policy changed by a refused RemoveKey: %+v", p)
		}
	})
	t.Run("keeps a lower threshold", func(t *testing.T) {
		p := newPolicy()
		p.Rules[0].Threshold = 1
		if err := p.RemoveKey("acme/*", did1); err != nil {
			t.Fatal(err)
		}
		if r := p.Rules[0]; r.Threshold != 1 || !slices.Equal(r.Keys, []string{did0, didH}) {
			t.Errorf("rule %+v", r)
		}
	})
	t.Run("last key removes the rule", func(t *testing.T) {
		p := newPolicy()
		if err := p.RemoveKey("*", didH); err != nil {
			t.Fatal(err)
		}
		if len(p.Rules) != 1 || p.Rules[0].Pattern != "acme/*" {
			t.Errorf("rules %+v", p.Rules)
		}
	})
	t.Run("whole rule", func(t *testing.T) {
		p := newPolicy()
		if err := p.RemoveKey("acme/*", ""); err != nil {
			t.Fatal(err)
		}
		if len(p.Rules) != 1 || p.Rules[0].Pattern != "*" {
			t.Errorf("rules %+v", p.Rules)
		}
	})
	for _, tc := range []struct {
		name    string
		pattern Pattern
		did     string
	}{
		{"unknown pattern", "other/*", did1},
		{"unknown pattern, whole rule", "other/*", ""},
		{"key not in rule", "*", did1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPolicy()
			if err := p.RemoveKey(tc.pattern, tc.did); !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("RemoveKey = %v, want ErrInvalidPolicy", err)
			}
			if !reflect.DeepEqual(p, newPolicy()) {
				t.Errorf("a failed RemoveKey changed the policy: %+v", p.Rules)
			}
		})
	}
}

func TestPolicySaveLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.toml")
	p := &Policy{Version: 1}
	for _, step := range []struct {
		pattern Pattern
		did     string
		thr     int
		roles   []string
	}{
		{"acme/*", did1, 0, []string{"publisher", "builder"}},
		{"acme/*", did0, 2, nil},
		{"acme/hello", didH, 0, nil},
		{"*", did0, 0, []string{"mirror"}},
	} {
		if err := p.AddKey(step.pattern, step.did, step.thr, step.roles); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadPolicy(path)
	if err != nil {
		t.Fatalf("LoadPolicy(Save()): %v", err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, p)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("policy file mode %v, want 0644", st.Mode())
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), "#") {
		t.Errorf("saved policy has no header comment:\n%s", data)
	}

	// Overwrite with a smaller policy.
	if err := p.RemoveKey("acme/*", ""); err != nil {
		t.Fatal(err)
	}
	if err := p.Save(path); err != nil {
		t.Fatal(err)
	}
	if got, err := LoadPolicy(path); err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("after overwrite: %+v, %v", got, err)
	}
	assertNoTempFiles(t, dir)
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestPolicySaveRefusesInvalid(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.toml")
	good := &Policy{Version: 1, Rules: []Rule{{Pattern: "*", Keys: []string{did1}, Threshold: 1}}}
	if err := good.Save(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	bad := &Policy{Version: 1, Rules: []Rule{{Pattern: "*", Keys: []string{did1}, Threshold: 2}}}
	if err := bad.Save(path); !errors.Is(err, ErrInvalidPolicy) {
		t.Fatalf("Save(invalid) = %v, want ErrInvalidPolicy", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("Save of an invalid policy changed the file")
	}
	assertNoTempFiles(t, dir)
}

func TestPolicySaveFailureKeepsDirClean(t *testing.T) {
	// The target is a non-empty directory: the final rename fails, and the
	// temporary file must not stay behind.
	dir := t.TempDir()
	target := filepath.Join(dir, "policy.toml")
	if err := os.MkdirAll(filepath.Join(target, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	p := &Policy{Version: 1}
	if err := p.Save(target); err == nil {
		t.Fatal("Save over a directory succeeded")
	}
	assertNoTempFiles(t, dir)
	// A directory that does not exist.
	if err := p.Save(filepath.Join(dir, "missing", "policy.toml")); err == nil {
		t.Error("Save into a missing directory succeeded")
	}
}

// TestPolicySaveAtomic saves two policies in turn while readers load the file: a
// reader must always see one whole policy or the other, never a torn file.
func TestPolicySaveAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.toml")
	a := &Policy{Version: 1, Rules: []Rule{{Pattern: "*", Keys: []string{did1}, Threshold: 1}}}
	b := &Policy{Version: 1}
	for i := range 40 {
		_ = b.AddKey(Pattern(fmt.Sprintf("ns%d/*", i)), did0, 0, []string{"publisher", "builder"})
	}
	if err := a.Save(path); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := LoadPolicy(path)
				if err != nil {
					errs <- err
					return
				}
				if !reflect.DeepEqual(got, a) && !reflect.DeepEqual(got, b) {
					errs <- fmt.Errorf("read a policy that is neither: %+v", got)
					return
				}
			}
		}()
	}
	// Each Save syncs to disk; stop after 60 saves or a second, whichever is first.
	start := time.Now()
	for i := 0; i < 60 && (i < 10 || time.Since(start) < time.Second); i++ {
		p := a
		if i%2 == 0 {
			p = b
		}
		if err := p.Save(path); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assertNoTempFiles(t, dir)
}

func TestLoadPolicyErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadPolicy(filepath.Join(dir, "nope.toml")); !errors.Is(err, ErrInvalidPolicy) {
		t.Errorf("LoadPolicy(missing) = %v, want ErrInvalidPolicy", err)
	}
	bad := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(bad, []byte("version = 1\n"+rule("*", []string{did1}, 1, "treshold = 2")), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPolicy(bad)
	if !errors.Is(err, ErrInvalidPolicy) || !strings.Contains(err.Error(), bad) {
		t.Errorf("LoadPolicy(bad) = %v, want ErrInvalidPolicy naming the file", err)
	}
}

func TestPolicyMarshalRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/policy.toml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParsePolicy(data)
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePolicy(out)
	if err != nil {
		t.Fatalf("ParsePolicy(Marshal()): %v\n%s", err, out)
	}
	if !reflect.DeepEqual(back, p) {
		t.Errorf("round trip:\n%+v\n%+v", back, p)
	}
}

// normalize maps empty slices to nil: TOML cannot tell them apart.
func normalize(p *Policy) *Policy {
	q := &Policy{Version: p.Version}
	for _, r := range p.Rules {
		if len(r.Roles) == 0 {
			r.Roles = nil
		}
		q.Rules = append(q.Rules, r)
	}
	return q
}

func FuzzParsePolicy(f *testing.F) {
	if data, err := os.ReadFile("testdata/policy.toml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte("version = 1\n"))
	f.Add([]byte("version = 1\n" + rule("acme/*", []string{did1}, 1, `roles = ["publisher", "x\u00e9\"\\"]`)))
	f.Add([]byte("version = 1\n" + rule("*", []string{did1, did0}, 2, "roles = []")))
	f.Add([]byte("version = 1\nrule = []\n"))
	f.Add([]byte("version = 1\n" + rule("acme/*", []string{did1}, 1, "treshold = 1")))
	f.Add([]byte("version = 1\n[[rule]]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidPolicy) {
				t.Fatalf("ParsePolicy error %v does not wrap ErrInvalidPolicy", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParsePolicy returned a policy that does not validate: %v", err)
		}
		out, err := p.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed policy: %v", err)
		}
		back, err := ParsePolicy(out)
		if err != nil {
			t.Fatalf("ParsePolicy(Marshal(p)): %v\ninput:\n%q\nmarshalled:\n%s", err, data, out)
		}
		if !reflect.DeepEqual(normalize(back), normalize(p)) {
			t.Fatalf("round trip changed the policy:\n got %#v\nwant %#v\nmarshalled:\n%s", back, p, out)
		}
		// Every rule of a parsed policy is usable: its pattern selects something.
		for _, r := range p.Rules {
			if r.Pattern == "*" || strings.HasSuffix(string(r.Pattern), "/*") {
				continue
			}
			n, err := dag.ParseName(string(r.Pattern))
			if err != nil || p.RuleFor(n) == nil || p.RuleFor(n).Pattern != r.Pattern {
				t.Fatalf("exact rule %q does not select its own name", r.Pattern)
			}
		}
	})
}

func TestRemoveKeyFailureLeavesPolicyUnchanged(t *testing.T) {
	// A policy already invalid (version 0): RemoveKey fails validation and must
	// not have edited the rule on the way.
	newPolicy := func() *Policy {
		return &Policy{Version: 0, Rules: []Rule{{Pattern: "acme/*", Keys: []string{did1, did0}, Threshold: 2}}}
	}
	p := newPolicy()
	keys := p.Rules[0].Keys
	if err := p.RemoveKey("acme/*", did1); !errors.Is(err, ErrInvalidPolicy) {
		t.Fatalf("RemoveKey = %v, want ErrInvalidPolicy", err)
	}
	if !reflect.DeepEqual(p, newPolicy()) {
		t.Errorf("a failed RemoveKey changed the policy: %+v", p.Rules)
	}
	if !slices.Equal(keys, []string{did1, did0}) {
		t.Errorf("RemoveKey edited the keys slice in place: %v", keys)
	}
}

func TestRemoveKeyDoesNotEditSharedSlices(t *testing.T) {
	// A caller holding a rule's Keys (say, to print them) keeps its view.
	p := &Policy{Version: 1, Rules: []Rule{{Pattern: "acme/*", Keys: []string{did1, did0, didH}, Threshold: 1}}}
	keys := p.Rules[0].Keys
	if err := p.RemoveKey("acme/*", did1); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys, []string{did1, did0, didH}) {
		t.Errorf("the old Keys slice changed to %v", keys)
	}
}

func clonePolicy(p *Policy) *Policy {
	c := &Policy{Version: p.Version}
	for _, r := range p.Rules {
		r.Keys = slices.Clone(r.Keys)
		r.Roles = slices.Clone(r.Roles)
		c.Rules = append(c.Rules, r)
	}
	return c
}

func TestPatternOverlaps(t *testing.T) {
	cases := []struct {
		p, q Pattern
		want bool
	}{
		{"*", "acme/x", true}, {"acme/*", "*", true}, {"acme/*", "acme/x", true}, {"acme/x", "acme/*", true},
		{"acme/x", "acme/x", true}, {"acme/x", "acme/y", false}, {"acme/*", "other/*", false}, {"acme/x", "other/x", false},
	}
	for _, c := range cases {
		if got := c.p.Overlaps(c.q); got != c.want {
			t.Errorf("%q.Overlaps(%q) = %v, want %v", c.p, c.q, got, c.want)
		}
	}
}
