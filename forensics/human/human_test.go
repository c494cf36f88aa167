package human

import "testing"

func TestSize(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{{0, "0 B"}, {999, "999 B"}, {1000, "1.0 kB"}, {20480, "20.5 kB"}, {14_200_000, "14.2 MB"}, {999_960, "1.0 MB"}, {1_234_567_890, "1.2 GB"}, {3_500_000_000, "3.5 GB"}} {
		if got := Size(tc.n); got != tc.want {
			t.Errorf("Size(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestCompactSize(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		want string
	}{{512, "512"}, {14300, "14.3K"}, {999_999, "1.0M"}, {2_100_000, "2.1M"}, {3_000_000_000, "3.0G"}} {
		if got := CompactSize(tc.n); got != tc.want {
			t.Errorf("CompactSize(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestShortDigestTruncateOneLine(t *testing.T) {
	if got := ShortDigest("sha256:53f2329a9c303251c7d9df39"); got != "sha256:53f2329a9c30" {
		t.Errorf("ShortDigest: %q", got)
	}
	if got := ShortDigest(""); got != "-" {
		t.Errorf("ShortDigest(empty): %q", got)
	}
	if got := Truncate("héllo wörld", 6); got != "héllo…" {
		t.Errorf("Truncate: %q", got)
	}
	if got := OneLine("RUN a &&\n\t b", 0); got != "RUN a && b" {
		t.Errorf("OneLine: %q", got)
	}
	if got := OneLine("a  b  c  d", 4); got != "a b…" {
		t.Errorf("OneLine with limit: %q", got)
	}
}
