package dag

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCompareVersions(t *testing.T) {
	// semver.org's example order, plus numeric-vs-string and build metadata.
	ordered := []string{
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
		"1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.0+build.1", "1.0.0+build.2",
		"1.2.0", "1.10.0", "2.0.0", "10.0.0",
		"99999999999999999999.0.0", "100000000000000000000.0.0", // beyond 64 bits
	}
	for i := range ordered {
		for j := range ordered {
			got := CompareVersions(ordered[i], ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	shuffled := slices.Clone(ordered)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	slices.SortFunc(shuffled, CompareVersions)
	if !slices.Equal(shuffled, ordered) {
		t.Errorf("sorted %v", shuffled)
	}
}

// TestSortVersions: SortVersions orders valid and invalid versions as
// sorting with CompareVersions does (invalid ones last, as strings).
func TestSortVersions(t *testing.T) {
	ordered := []string{"0.9.0", "1.0.0-rc.1", "1.0.0", "1.0.2", "1.0.10", "2.0.0+b", "1.0", "latest", "v1.0.0"}
	for seed := range uint64(20) {
		vs := slices.Clone(ordered)
		rand.New(rand.NewPCG(seed, 7)).Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
		SortVersions(vs)
		if !slices.Equal(vs, ordered) {
			t.Fatalf("seed %d: SortVersions = %v, want %v", seed, vs, ordered)
		}
	}
}
