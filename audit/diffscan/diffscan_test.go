package diffscan

import (
	"slices"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

func TestChanged(t *testing.T) {
	d := &forensics.ImageDiff{
		Files: []forensics.FileChange{
			{Path: "/usr/share/lib/reverse_shell.so", Change: forensics.FileAdded},
			{Path: "/etc/cron.d/job", Change: forensics.FileModified},
			{Path: "/tmp/x.sh", Change: forensics.FileHidden},
			{Path: "/opt/gone", Change: forensics.FileRemoved},
		},
		Config: []forensics.ConfigChange{{Field: "env.LD_PRELOAD", Change: "added", Suspect: "LD_PRELOAD=/usr/share/lib/reverse_shell.so"}},
		Layers: forensics.LayerAlignment{Added: []forensics.LayerRef{{Index: 5}}},
	}
	all := []audit.Finding{
		{Rule: "added", Path: "/usr/share/lib/reverse_shell.so", Layer: 5},
		{Rule: "modified", Path: "/etc/cron.d/job", Layer: 5},
		{Rule: "hidden", Path: "/tmp/x.sh", Layer: 3},
		{Rule: "removed", Path: "/opt/gone", Layer: 2},
		{Rule: "base-suid", Path: "/usr/bin/su", Layer: 0},
		{Rule: "new-layer", Layer: 5},
		{Rule: "old-layer", Layer: 1},
		{Rule: "env", Layer: -1, Evidence: "LD_PRELOAD=/usr/share/lib/reverse_shell.so"},
		{Rule: "root-user", Layer: -1, Evidence: "no USER"},
	}
	var got []string
	for _, f := range Changed(all, d) {
		got = append(got, f.Rule)
	}
	want := []string{"added", "modified", "hidden", "new-layer", "env"}
	if !slices.Equal(got, want) {
		t.Errorf("findings about the changes: %v, want %v", got, want)
	}
}

func TestKnowledgeWithoutPackages(t *testing.T) {
	if k := Knowledge(nil, nil); k != nil {
		t.Errorf("knowledge without a packages analyzer: %v", k)
	}
}
