package main

import "testing"

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"1234", 1234, true},
		{"10B", 10, true},
		{"1KiB", 1 << 10, true},
		{"3 MiB", 3 << 20, true},
		{"10GiB", 10 << 30, true},
		{"2TiB", 2 << 40, true},
		{"16777215TiB", 16777215 << 40, true},
		{"16777216TiB", 0, false},
		{"", 0, false},
		{"GiB", 0, false},
		{"1.5GiB", 0, false},
		{"-1", 0, false},
		{"10GB", 0, false},
		{"10gib", 0, false},
		{"10 KiB B", 0, false},
	} {
		t.Run(c.in, func(t *testing.T) {
			got, err := parseSize(c.in)
			if (err == nil) != c.ok || got != c.want {
				t.Errorf("parseSize(%q) = %d, %v; want %d, ok %v", c.in, got, err, c.want, c.ok)
			}
		})
	}
}
