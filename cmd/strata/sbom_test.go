package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSBOMVersionAndTime(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600") // 2026-01-01T00:00:00Z
	for _, tc := range []struct {
		args        []string
		spec, stamp string
	}{
		{[]string{"sbom", "--format", "cyclonedx", suspect}, "1.7", "2026-01-01T00:00:00Z"},
		{[]string{"sbom", "--format", "cyclonedx", "--cyclonedx-version", "1.6", suspect}, "1.6", "2026-01-01T00:00:00Z"},
	} {
		out, errOut, code := strata(t, tc.args...)
		var bom struct {
			SpecVersion string `json:"specVersion"`
			Metadata    struct {
				Timestamp string `json:"timestamp"`
			} `json:"metadata"`
			Components []json.RawMessage `json:"components"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &bom) != nil {
			t.Fatalf("%v: exit %d, %s", tc.args, code, errOut)
		}
		if bom.SpecVersion != tc.spec || bom.Metadata.Timestamp != tc.stamp || bom.Components == nil {
			t.Errorf("%v: specVersion %s, timestamp %s, components %v", tc.args, bom.SpecVersion, bom.Metadata.Timestamp, bom.Components)
		}
	}
	for _, tc := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"sbom", "--format", "cyclonedx", "--cyclonedx-version", "1.4", suspect}, "0", "--cyclonedx-version"},
		{[]string{"sbom", "--format", "spdx", suspect}, "yesterday", "SOURCE_DATE_EPOCH"},
	} {
		t.Setenv("SOURCE_DATE_EPOCH", tc.env)
		_, errOut, code := strata(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %q", tc.args, code, errOut, tc.want)
		}
	}
}
