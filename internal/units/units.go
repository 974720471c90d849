// Package units formats quantities for people, one way for the CLI and the
// web view.
package units

import "fmt"

// Bytes formats a byte count in binary units: 1536 is "1.5 KiB".
func Bytes[N ~int | ~int64 | ~uint64](n N) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := N(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
