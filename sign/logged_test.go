package sign

import (
	"context"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/cairnpkg/cairn/dag"
)

// plainSource hides a memSource's logs: a Source with no publisher logs.
type plainSource struct{ m *memSource }

func (p plainSource) Block(ctx context.Context, c cid.Cid) ([]byte, error) { return p.m.Block(ctx, c) }
func (p plainSource) Referrers(ctx context.Context, c cid.Cid) ([]cid.Cid, error) {
	return p.m.Referrers(ctx, c)
}

// A signature counts only if its signer's publisher log names it, unless the
// rule says require_log = false (docs/trust.md §5).
func TestVerifyRequiresLogInclusion(t *testing.T) {
	k1, k2 := testKey(t, 1), testKey(t, 2)
	no := false
	tests := []struct {
		name      string
		threshold int
		noLog     bool // require_log = false
		plain     bool // a Source without logs
		unlog     []int
		status    Status
		code      Code
	}{
		{"both logged", 2, false, false, nil, Valid, CodeOK},
		{"one of two not logged", 2, false, false, []int{1}, Untrusted, CodeBelowThreshold},
		{"no signature logged", 1, false, false, []int{0, 1}, Untrusted, CodeNotLogged},
		{"none logged, require_log = false", 1, true, false, []int{0, 1}, Valid, CodeOK},
		{"a source with no logs", 1, false, true, nil, Untrusted, CodeNotLogged},
		{"a source with no logs, require_log = false", 2, true, true, nil, Valid, CodeOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.trust("acme/*", tt.threshold, nil, k1, k2)
			if tt.noLog {
				w.pol.Rules[0].RequireLog = &no
			}
			p, m := w.signed("acme/app@1.0.0", k1)
			w.sign(k2, m, dag.RolePublisher)
			for _, i := range tt.unlog {
				w.src.Unlog(w.src.refs[m][i])
			}
			var src Source = w.src
			if tt.plain {
				src = plainSource{w.src}
			}
			r, err := Verify(context.Background(), src, w.pol, p)
			if err != nil {
				t.Fatal(err)
			}
			pkgVerdict(t, r, tt.status, tt.code)
			for i, sr := range onlyMeta(t, r).Signatures {
				unlogged := tt.plain && !tt.noLog
				for _, j := range tt.unlog {
					unlogged = unlogged || (i == j && !tt.noLog)
				}
				if (sr.Code == CodeNotLogged) != unlogged {
					t.Errorf("signature %d: code %q, want not-logged = %v", i, sr.Code, unlogged)
				}
			}
		})
	}
}

func TestRequireLogInPolicyFile(t *testing.T) {
	did := testKey(t, 1).DID()
	p, err := ParsePolicy([]byte("version = 1\n[[rule]]\npattern = \"acme/*\"\nkeys = [\"" + did + "\"]\nthreshold = 1\nrequire_log = false\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Rules[0].LogRequired() {
		t.Error("require_log = false: LogRequired() = true")
	}
	p, err = ParsePolicy([]byte("version = 1\n[[rule]]\npattern = \"acme/*\"\nkeys = [\"" + did + "\"]\nthreshold = 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !p.Rules[0].LogRequired() {
		t.Error("no require_log: LogRequired() = false, want true (the default)")
	}
	// It survives a save: AddKey keeps the rule's other settings.
	p.Rules[0].RequireLog = new(bool)
	if err := p.AddKey("acme/*", testKey(t, 2).DID(), 0, nil); err != nil {
		t.Fatal(err)
	}
	data, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParsePolicy(data)
	if err != nil || back.Rules[0].LogRequired() {
		t.Fatalf("round trip of require_log = false: %v, LogRequired %v\n%s", err, back.Rules[0].LogRequired(), data)
	}
}

func TestSetRequireLog(t *testing.T) {
	p := &Policy{Version: PolicyVersion}
	if err := p.SetRequireLog("acme/*", false); err == nil {
		t.Fatal("SetRequireLog on a pattern with no rule succeeded")
	}
	if err := p.AddKey("acme/*", testKey(t, 1).DID(), 1, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.SetRequireLog("acme/*", false); err != nil || p.Rules[0].LogRequired() {
		t.Fatalf("SetRequireLog(false): %v, LogRequired %v", err, p.Rules[0].LogRequired())
	}
	if err := p.SetRequireLog("acme/*", true); err != nil || !p.Rules[0].LogRequired() || p.Rules[0].RequireLog != nil {
		t.Fatalf("SetRequireLog(true): %v, %+v; want the default (absent)", err, p.Rules[0].RequireLog)
	}
}

// A signature whose only log entry comes at or after its key's revocation
// is revoked-key, and a package that loses its threshold that way is too.
func TestVerifyRevokedKey(t *testing.T) {
	k1, k2 := testKey(t, 1), testKey(t, 2)
	w := newWorld(t)
	w.trust("acme/*", 1, nil, k1, k2)
	p, m := w.signed("acme/app@1.0.0", k1)
	w.src.Revoke(w.src.refs[m][0])
	r := w.verify(p)
	pkgVerdict(t, r, Untrusted, CodeRevokedKey)
	// A second key's signature keeps it trusted.
	w.sign(k2, m, dag.RolePublisher)
	pkgVerdict(t, w.verify(p), Valid, CodeOK)
}

// A revoked key's signature does not count under a rule without
// require_log either.
func TestVerifyRevokedKeyWithoutRequireLog(t *testing.T) {
	no := false
	w := newWorld(t)
	w.trust("acme/*", 1, nil, testKey(t, 1))
	w.pol.Rules[0].RequireLog = &no
	p, m := w.signed("acme/app@1.0.0", testKey(t, 1))
	pkgVerdict(t, w.verify(p), Valid, CodeOK)
	w.src.Revoke(w.src.refs[m][0])
	pkgVerdict(t, w.verify(p), Untrusted, CodeRevokedKey)
}

// holderSource is a memSource that knows rotations: holder maps a key to
// the key that holds its trust now.
type holderSource struct {
	*memSource
	holder map[string]string
}

func (h holderSource) Holder(_ context.Context, signer string) (string, error) {
	if k, ok := h.holder[signer]; ok {
		return k, nil
	}
	return signer, nil
}

// A key and the key it rotated to are one signer toward a threshold.
func TestVerifyCountsHolders(t *testing.T) {
	k1, k2, k3 := testKey(t, 1), testKey(t, 2), testKey(t, 3)
	w := newWorld(t)
	w.trust("acme/*", 2, nil, k1, k2, k3)
	p, m := w.signed("acme/app@1.0.0", k1)
	w.sign(k2, m, dag.RolePublisher)
	src := holderSource{w.src, map[string]string{k1.DID(): k2.DID()}} // k1 rotated to k2
	r, err := Verify(context.Background(), src, w.pol, p)
	if err != nil {
		t.Fatal(err)
	}
	pkgVerdict(t, r, Untrusted, CodeBelowThreshold)
	if mr := onlyMeta(t, r); mr.Valid != 1 {
		t.Errorf("valid signers %d, want 1 (one holder)", mr.Valid)
	}
	w.sign(k3, m, dag.RolePublisher)
	if r, err = Verify(context.Background(), src, w.pol, p); err != nil {
		t.Fatal(err)
	}
	pkgVerdict(t, r, Valid, CodeOK)
}

func TestMaxAgeInPolicy(t *testing.T) {
	did := testKey(t, 1).DID()
	for _, tc := range []struct {
		maxAge string
		ok     bool
	}{{"48h", true}, {"3s", true}, {"0s", false}, {"-1h", false}, {"soon", false}} {
		_, err := ParsePolicy([]byte("version = 1\n[[rule]]\npattern = \"acme/*\"\nkeys = [\"" + did + "\"]\nthreshold = 1\nmax_age = \"" + tc.maxAge + "\"\n"))
		if (err == nil) != tc.ok {
			t.Errorf("max_age %q: %v, want ok = %v", tc.maxAge, err, tc.ok)
		}
	}
}
