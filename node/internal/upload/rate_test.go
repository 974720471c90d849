package upload

import (
	"errors"
	"testing"
)

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rate
	}{
		{"", Unlimited},
		{"40MB/s", 40_000_000},
		{"500KiB/s", 500 << 10},
		{"4MB/s", 4_000_000},
		{"1.5GB/s", 1_500_000_000},
		{"250000B/s", 250_000},
		{"100kB/s", 100_000},
		{"100KB/s", 100_000},
		{"2MiB/s", 2 << 20},
		{"1GiB/s", 1 << 30},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseRate(tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("ParseRate(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
			back, err := ParseRate(got.String())
			if err != nil || back != got {
				t.Fatalf("ParseRate(%q.String() = %q) = %d, %v", tc.in, got.String(), back, err)
			}
		})
	}
	for _, in := range []string{"40MB", "40", "MB/s", "40Mbit/s", "40mb/s", "-4MB/s", "4 MB/s", "1..2MB/s", "99999B/s", "0B/s", "2PB/s", "1e3MB/s"} {
		t.Run("bad "+in, func(t *testing.T) {
			if r, err := ParseRate(in); !errors.Is(err, ErrInvalidRate) {
				t.Fatalf("ParseRate(%q) = %d, %v; want ErrInvalidRate", in, r, err)
			}
		})
	}
}

func TestRateString(t *testing.T) {
	for r, want := range map[Rate]string{Unlimited: "", 4_000_000: "4MB/s", 500 << 10: "500KiB/s", 1 << 20: "1MiB/s", 100_001: "100001B/s"} {
		if got := r.String(); got != want {
			t.Errorf("Rate(%d).String() = %q, want %q", uint64(r), got, want)
		}
	}
}
