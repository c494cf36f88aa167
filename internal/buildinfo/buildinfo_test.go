package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	stamped := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2025-03-04T05:06:07Z"}}}, true
	}
	devel := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "fedcba9876543210"}, {Key: "vcs.modified", Value: "true"}}}, true
	}
	none := func() (*debug.BuildInfo, bool) { return nil, false }
	tests := []struct {
		name          string
		v, c, d       string
		read          func() (*debug.BuildInfo, bool)
		want          Info
		wantFormatted string
	}{
		{"ldflags win", "1.2.0", "abc", "2025-01-01T00:00:00Z", stamped, Info{"1.2.0", "abc", "2025-01-01T00:00:00Z"}, "strata 1.2.0 (commit abc, built 2025-01-01T00:00:00Z)"},
		{"go install", "", "", "", stamped, Info{"v1.4.0", "0123456789abcdef0123", "2025-03-04T05:06:07Z"}, "strata v1.4.0 (commit 0123456789ab, built 2025-03-04T05:06:07Z)"},
		{"go build in a checkout", "", "", "", devel, Info{"dev-fedcba987654-dirty", "fedcba9876543210", ""}, "strata dev-fedcba987654-dirty (commit fedcba987654)"},
		{"nothing known", "", "", "", none, Info{Version: "dev"}, "strata dev"},
	}
	for _, tc := range tests {
		got := resolve(tc.v, tc.c, tc.d, tc.read)
		if got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
		if s := got.String(); s != tc.wantFormatted {
			t.Errorf("%s: %q, want %q", tc.name, s, tc.wantFormatted)
		}
	}
}
