package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics"
)

func TestReports(t *testing.T) {
	ctx := context.Background()
	s, d := family(t, "base", "app", "suspect", "child", "unrelated")
	imgs := familyImages()
	orig, _ := read(t, save(t, imgs["app"]))
	susp, _ := read(t, save(t, imgs["suspect"]))
	diff, err := forensics.DiffImages(ctx, orig, susp, forensics.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordDiff(ctx, diff); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(implant))
	implantHash := hex.EncodeToString(sum[:])
	opts := ReportOptions{Trusted: []trust.Image{{ConfigDigest: d["base"]}}}

	r, err := s.DiffReport(ctx, d["app"], d["suspect"], opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != "diff" || r.Original == nil || r.Original.ConfigDigest != d["app"] || r.Diff == nil || r.Scan == nil {
		t.Fatalf("diff report: kind %s, original %v, diff %v, scan %v", r.Kind, r.Original, r.Diff, r.Scan)
	}
	if len(r.Implant) == 0 || r.Implant[0].Path != "/usr/share/lib/libx.so" || r.Implant[0].Layer != 2 || r.Implant[0].SHA256 != implantHash {
		t.Errorf("implant: %+v", r.Implant)
	}
	if len(r.Custody.Inputs) < 3 || r.Custody.RuleHash == "" || r.Custody.ReportBy == "" {
		t.Errorf("custody: %+v", r.Custody)
	}
	if len(r.Family.Ancestors) != 2 || !r.Family.Ancestors[1].Trusted || len(r.Family.Descendants) != 1 {
		t.Errorf("family: %d ancestors (base trusted: %v), %d descendants", len(r.Family.Ancestors), len(r.Family.Ancestors) == 2 && r.Family.Ancestors[1].Trusted, len(r.Family.Descendants))
	}
	if len(r.Layers) != 3 || !r.Layers[2].Verified || r.Layers[0].IntroducedBy.ConfigDigest != d["base"] {
		t.Errorf("layers: %+v", r.Layers)
	}
	want := map[string]bool{"sha256:" + implantHash: false, "path:/usr/share/lib/libx.so": false, "domain:c2.example.invalid": false}
	for _, ind := range r.Indicators {
		if _, ok := want[ind.Kind+":"+ind.Value]; ok {
			want[ind.Kind+":"+ind.Value] = true
		}
	}
	for k, ok := range want {
		if !ok {
			t.Errorf("indicator %s missing: %+v", k, r.Indicators)
		}
	}
	others := map[string]bool{}
	for _, h := range r.Sightings {
		others[h.Image.ConfigDigest] = true
	}
	if !others[d["child"]] || !others[d["unrelated"]] || others[d["suspect"]] {
		t.Errorf("sightings in %v, want the child and the unrelated image", others)
	}
	if len(r.Timeline) == 0 {
		t.Error("no timeline")
	}

	scans, err := s.Scans(ctx, ScanFilter{Image: d["unrelated"]})
	if err != nil || len(scans) != 1 {
		t.Fatal(scans, err)
	}
	r, err = s.ScanReport(ctx, scans[0].ID, opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != "scan" || len(r.Findings) != 1 || len(r.Implant) != 1 || r.Implant[0].Layer != 1 || r.Diff != nil {
		t.Errorf("scan report: %+v", r)
	}
	r, err = s.ImageReport(ctx, "example.test/base:1", opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != "image" || len(r.Implant) != 0 || len(r.Family.Descendants) != 3 {
		t.Errorf("image report: %+v", r)
	}
	if _, err := s.DiffReport(ctx, d["base"], d["child"], opts); err == nil {
		t.Error("a report of a diff never recorded")
	}
}
