package dag

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseName(t *testing.T) {
	ns64 := "a" + strings.Repeat("-", 62) + "z"
	short128 := "a" + strings.Repeat("._-", 42) + "z"
	tests := []struct {
		in        string
		ns, short string // want, when valid
		err       error
	}{
		{in: "acme/hello", ns: "acme", short: "hello"},
		{in: "a/b", ns: "a", short: "b"},
		{in: "0/9", ns: "0", short: "9"},
		{in: "acme-corp/hello-world", ns: "acme-corp", short: "hello-world"},
		{in: "acme/hello.world_2", ns: "acme", short: "hello.world_2"},
		{in: "acme/a..b", ns: "acme", short: "a..b"},
		{in: "acme/a--b", ns: "acme", short: "a--b"},
		{in: "123/456", ns: "123", short: "456"},
		{in: ns64 + "/x", ns: ns64, short: "x"},
		{in: "x/" + short128, ns: "x", short: short128},
		{in: strings.Repeat("n", 64) + "/" + strings.Repeat("s", 128), ns: strings.Repeat("n", 64), short: strings.Repeat("s", 128)},

		{in: "", err: ErrInvalidName},
		{in: "/", err: ErrInvalidName},
		{in: "hello", err: ErrInvalidName},
		{in: "acme/", err: ErrInvalidName},
		{in: "/hello", err: ErrInvalidName},
		{in: "acme/hello/world", err: ErrInvalidName},
		{in: "acme//hello", err: ErrInvalidName},
		{in: strings.Repeat("n", 65) + "/x", err: ErrInvalidName},
		{in: "x/" + strings.Repeat("s", 129), err: ErrInvalidName},
		{in: "Acme/hello", err: ErrInvalidName},
		{in: "acme/Hello", err: ErrInvalidName},
		{in: "-acme/hello", err: ErrInvalidName},
		{in: "acme-/hello", err: ErrInvalidName},
		{in: "acme/-hello", err: ErrInvalidName},
		{in: "acme/hello-", err: ErrInvalidName},
		{in: "acme/.hello", err: ErrInvalidName},
		{in: "acme/hello.", err: ErrInvalidName},
		{in: "acme/_hello", err: ErrInvalidName},
		{in: "acme/hello_", err: ErrInvalidName},
		{in: "acme/.", err: ErrInvalidName},
		{in: "acme/..", err: ErrInvalidName},
		{in: "ac.me/hello", err: ErrInvalidName},
		{in: "ac_me/hello", err: ErrInvalidName},
		{in: "acme/hel lo", err: ErrInvalidName},
		{in: "acme/hello@1.0.0", err: ErrInvalidName},
		{in: "acme/héllo", err: ErrInvalidName},
		{in: "acme/hello\n", err: ErrInvalidName},
		{in: " acme/hello", err: ErrInvalidName},
		{in: "acme/hello\x00", err: ErrInvalidName},
		{in: `acme\hello`, err: ErrInvalidName},
		{in: "acme:hello", err: ErrInvalidName},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			n, err := ParseName(tc.in)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("ParseName(%q) = %+v, %v; want error %v", tc.in, n, err, tc.err)
				}
				if n != (Name{}) {
					t.Errorf("ParseName(%q) returned %+v with an error", tc.in, n)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseName(%q): %v", tc.in, err)
			}
			if n.Namespace != tc.ns || n.Short != tc.short {
				t.Errorf("ParseName(%q) = %+v, want %s / %s", tc.in, n, tc.ns, tc.short)
			}
			if n.String() != tc.in {
				t.Errorf("String() = %q, want %q", n.String(), tc.in)
			}
		})
	}
}

func TestParseVersion(t *testing.T) {
	valid := []string{
		"0.0.0",
		"1.0.0",
		"1.2.3",
		"10.20.30",
		"1.0.0-alpha",
		"1.0.0-alpha.1",
		"1.0.0-0.3.7",
		"1.0.0-x.7.z.92",
		"1.0.0-x-y-z.--",
		"1.0.0-rc.1+build.5",
		"1.0.0+20130313144700",
		"1.0.0-beta+exp.sha.5114f85",
		"1.0.0+21AF26D3----117B344092BD",
		"1.0.0-0A.is.legal",
		"99999999999999999999.0.0",
		"1.0.0-" + strings.Repeat("a", MaxVersionLength-6), // exactly 128
		"1.0.0+" + strings.Repeat("b", MaxVersionLength-6),
	}
	invalid := []string{
		"",
		"1",
		"1.0",
		"1.0.0.0",
		"v1.0.0",
		"01.0.0",
		"1.01.0",
		"1.0.01",
		"1.0.0-",
		"1.0.0+",
		"1.0.0-01",
		"1.0.0-alpha..1",
		"1.0.0-alpha_1",
		"1.0.0+build+1",
		"1.0.0+build..1",
		"-1.0.0",
		"1.0.0 ",
		" 1.0.0",
		"1.0.0\n",
		"1.0.x",
		"1.0.0-é",
		"١.0.0", // an Arabic-Indic digit is not \d in RE2
		"1.0.0-" + strings.Repeat("a", MaxVersionLength-5), // 129
		"1.0.0+" + strings.Repeat("b", MaxVersionLength-5),
	}
	for _, v := range valid {
		t.Run("valid/"+v[:min(len(v), 40)], func(t *testing.T) {
			got, err := ParseVersion(v)
			if err != nil || got != v {
				t.Fatalf("ParseVersion(%q) = %q, %v", v, got, err)
			}
		})
	}
	for _, v := range invalid {
		t.Run("invalid/"+v[:min(len(v), 40)], func(t *testing.T) {
			got, err := ParseVersion(v)
			if !errors.Is(err, ErrInvalidVersion) {
				t.Fatalf("ParseVersion(%q) = %q, %v; want ErrInvalidVersion", v, got, err)
			}
			if got != "" {
				t.Errorf("ParseVersion(%q) returned %q with an error", v, got)
			}
		})
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct {
		in      string
		name    string
		version string
		err     error
	}{
		{in: "acme/hello@1.0.0", name: "acme/hello", version: "1.0.0"},
		{in: "a/b@0.0.0", name: "a/b", version: "0.0.0"},
		{in: "acme/hello@2.0.0-rc.1+build.5", name: "acme/hello", version: "2.0.0-rc.1+build.5"},
		{in: strings.Repeat("n", 64) + "/" + strings.Repeat("s", 128) + "@1.0.0-" + strings.Repeat("p", MaxVersionLength-6),
			name: strings.Repeat("n", 64) + "/" + strings.Repeat("s", 128), version: "1.0.0-" + strings.Repeat("p", MaxVersionLength-6)},

		{in: "", err: ErrInvalidName},
		{in: "acme/hello", err: ErrInvalidName},
		{in: "acme/hello 1.0.0", err: ErrInvalidName},
		{in: "@1.0.0", err: ErrInvalidName},
		{in: "hello@1.0.0", err: ErrInvalidName},
		{in: "Acme/hello@1.0.0", err: ErrInvalidName},
		{in: strings.Repeat("n", 65) + "/x@1.0.0", err: ErrInvalidName},
		{in: "x/" + strings.Repeat("s", 129) + "@1.0.0", err: ErrInvalidName},
		{in: "acme/hello@", err: ErrInvalidVersion},
		{in: "acme/hello@1.0", err: ErrInvalidVersion},
		{in: "acme/hello@v1.0.0", err: ErrInvalidVersion},
		{in: "acme/hello@latest", err: ErrInvalidVersion},
		{in: "acme/hello@1.0.0@2.0.0", err: ErrInvalidVersion},
		{in: "acme/hello@1.0.0-" + strings.Repeat("p", MaxVersionLength-5), err: ErrInvalidVersion},
	}
	for _, tc := range tests {
		t.Run(tc.in[:min(len(tc.in), 60)], func(t *testing.T) {
			r, err := ParseRef(tc.in)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("ParseRef(%q) = %+v, %v; want error %v", tc.in, r, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRef(%q): %v", tc.in, err)
			}
			if r.Name.String() != tc.name || r.Version != tc.version {
				t.Errorf("ParseRef(%q) = %s @ %s, want %s @ %s", tc.in, r.Name, r.Version, tc.name, tc.version)
			}
			if r.String() != tc.in {
				t.Errorf("String() = %q, want %q", r.String(), tc.in)
			}
		})
	}
}

// TestPackageRef: a package's Ref is its name and version.
func TestPackageRef(t *testing.T) {
	p := testPackage(t, "acme/hello", "1.2.3", []byte("x"))
	if got := p.Ref().String(); got != "acme/hello@1.2.3" {
		t.Fatalf("Ref() = %q", got)
	}
	r, err := ParseRef(p.Ref().String())
	if err != nil || r != p.Ref() {
		t.Fatalf("ParseRef(Ref().String()) = %+v, %v; want %+v", r, err, p.Ref())
	}
}

func TestParseTime(t *testing.T) {
	got, err := ParseTime("2026-01-02T15:04:05Z")
	if err != nil || !got.Equal(testTime) || got.Location().String() != "UTC" {
		t.Fatalf("ParseTime = %v, %v; want %v", got, err, testTime)
	}
	for _, s := range []string{"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2024-02-29T00:00:00Z"} {
		if got, err := ParseTime(s); err != nil || FormatTime(got) != s {
			t.Errorf("ParseTime(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range append(invalidTimes, "2025-02-29T00:00:00Z") {
		t.Run(s, func(t *testing.T) {
			if _, err := ParseTime(s); !errors.Is(err, ErrInvalidField) {
				t.Fatalf("ParseTime(%q): %v, want ErrInvalidField", s, err)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		in   string // RFC 3339 with any zone and fraction
		want string
	}{
		{"2026-01-02T15:04:05Z", "2026-01-02T15:04:05Z"},
		{"2026-01-02T15:04:05.999999999Z", "2026-01-02T15:04:05Z"},
		{"2026-01-02T16:04:05+01:00", "2026-01-02T15:04:05Z"},
		{"2026-01-01T23:59:59-08:00", "2026-01-02T07:59:59Z"},
	}
	for _, tc := range tests {
		in, err := time.Parse(time.RFC3339Nano, tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatTime(in); got != tc.want {
			t.Errorf("FormatTime(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
