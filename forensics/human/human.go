// Package human renders sizes, digests and text for people: in terminal output, reports and
// the reconstructed Dockerfile. It depends on nothing but the standard library so that every
// Strata package can share one spelling of "20.5 kB".
package human

import (
	"fmt"
	"strings"
)

// Size renders n bytes in decimal units as docker does: "512 B", "20.5 kB", "1.2 GB".
func Size(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n) / 1000
	const units = "kMGTPE"
	i := 0
	for f >= 999.95 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.1f %cB", f, units[i])
}

// CompactSize renders n bytes in at most six cells, for table columns: "512", "14.3K", "2.1M".
func CompactSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d", n)
	case n < 999_950:
		return fmt.Sprintf("%.1fK", float64(n)/1e3)
	case n < 999_950_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	}
	return fmt.Sprintf("%.1fG", float64(n)/1e9)
}

// ShortDigest keeps the algorithm and the first 12 hex digits: "sha256:53f2329a9c30". An
// empty digest is "-".
func ShortDigest(d string) string {
	if d == "" {
		return "-"
	}
	algo, hex, ok := strings.Cut(d, ":")
	if !ok {
		algo, hex = "", d
	}
	if len(hex) > 12 {
		hex = hex[:12]
	}
	if algo == "" {
		return hex
	}
	return algo + ":" + hex
}

// Truncate shortens s to at most n runes, ending with "…" when it cut. n <= 0 keeps s whole.
func Truncate(s string, n int) string {
	if n <= 0 {
		return s
	}
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// OneLine squeezes every run of white space (newlines included) to one space and truncates
// the result to n runes (n <= 0: no limit).
func OneLine(s string, n int) string {
	return Truncate(strings.Join(strings.Fields(s), " "), n)
}
