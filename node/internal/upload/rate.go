package upload

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Rate is a number of bytes per second; Unlimited (0) is no limit.
type Rate uint64

// Unlimited is the Rate of no limit.
const Unlimited Rate = 0

// MinRate is the lowest limit accepted: below it, a bitswap message of a
// few blocks would outlast the sender's timeout (boxo allows 100 kbit/s).
const MinRate Rate = 100_000

// units are the byte units ParseRate accepts, SI (powers of 1000) and IEC
// (powers of 1024), matched case-sensitively except for the SI prefix k/K.
var units = []struct {
	name string
	mult uint64
}{
	{"B", 1},
	{"kB", 1000}, {"KB", 1000}, {"MB", 1000_000}, {"GB", 1000_000_000},
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
}

// ParseRate reads a rate written as a number, a byte unit and "/s": "40MB/s",
// "500KiB/s", "1.5GB/s", "250000B/s". Units: B, kB (or KB), MB, GB (powers of
// 1000) and KiB, MiB, GiB (powers of 1024). "" is Unlimited. A rate below
// MinRate, or one that does not parse, is refused with ErrInvalidRate.
func ParseRate(s string) (Rate, error) {
	if s == "" {
		return Unlimited, nil
	}
	bad := func(why string) (Rate, error) {
		return 0, fmt.Errorf("%w: %q: %s", ErrInvalidRate, s, why)
	}
	body, ok := strings.CutSuffix(s, "/s")
	if !ok {
		return bad(`expected a rate ending in "/s", like 40MB/s or 500KiB/s`)
	}
	i := strings.IndexFunc(body, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.') })
	if i <= 0 {
		return bad("expected a number then a unit, like 40MB/s or 500KiB/s")
	}
	num, unit := body[:i], body[i:]
	var mult uint64
	for _, u := range units {
		if u.name == unit {
			mult = u.mult
		}
	}
	if mult == 0 {
		return bad(fmt.Sprintf("unknown unit %q: expected B, kB, MB, GB, KiB, MiB or GiB (bytes, not bits)", unit))
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return bad("expected a number then a unit, like 40MB/s or 500KiB/s")
	}
	v := f * float64(mult)
	if v > 1<<50 {
		return bad("expected at most 1PiB/s")
	}
	if r := Rate(v); r >= MinRate {
		return r, nil
	}
	return bad(fmt.Sprintf("expected at least %s (or nothing for no limit)", MinRate))
}

// String writes r as ParseRate reads it, in the largest unit that divides
// it exactly (SI first); Unlimited is "".
func (r Rate) String() string {
	if r == Unlimited {
		return ""
	}
	best := "B"
	var bestMult uint64 = 1
	for _, u := range units {
		if u.name == "KB" {
			continue // kB is the spelling
		}
		if uint64(r)%u.mult == 0 && u.mult > bestMult {
			best, bestMult = u.name, u.mult
		}
	}
	return fmt.Sprintf("%d%s/s", uint64(r)/bestMult, best)
}
