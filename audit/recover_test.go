package audit_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// crashing is an analyzer of every kind that panics on a file named "boom" (content, stream)
// or whenever asked (tree, review), as a parser fed a crafted file would.
type crashing struct{ tree, review bool }

func (crashing) Name() string { return "crashing" }
func (crashing) Content(f audit.File, data []byte) []audit.Finding {
	if strings.HasSuffix(f.Entry.Path, "/boom") {
		counts(nil)[f.Entry.Path]++ // a nil map write, as a careless parser makes
	}
	return nil
}

func counts(m map[string]int) map[string]int { return m }
func (crashing) Stream(f audit.File) io.WriteCloser {
	if strings.HasSuffix(f.Entry.Path, "/big-boom") {
		return panicWriter{}
	}
	return nil
}
func (c crashing) Tree(context.Context, *audit.Subject) ([]audit.Finding, error) {
	if c.tree {
		panic("tree analyzer broken")
	}
	return nil, nil
}
func (c crashing) Review(s *audit.Subject, fs []audit.Finding) []audit.Finding {
	if c.review {
		fs[0].Title = "half-done review"
		panic("reviewer broken")
	}
	return fs
}

type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("stream broken") }
func (panicWriter) Close() error              { panic("close broken") }

// TestAnalyzerPanicsAreFindings: an analyzer that panics on a file, on the image or while
// reviewing does not take the scan down: it becomes a STRATA-SCAN-002 finding naming the file,
// and the other analyzers' findings stand.
func TestAnalyzerPanicsAreFindings(t *testing.T) {
	ref := saveImage(t, demoPlus(layer("COPY . /data/ # buildkit",
		imagebuild.Reg("data/boom", "x"), imagebuild.Reg("data/big-boom", strings.Repeat("y", 4096)),
		imagebuild.Reg("data/x.sh", bashReverseShell))), nil)
	for _, c := range []crashing{{}, {tree: true}, {review: true}} {
		img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: append(scanSet(t), c), MaxFileSize: 1024})
		img.Close()
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if f := find(res, audit.RuleAnalyzerFailed, 6, "/data/boom"); f == nil || !strings.Contains(f.Evidence, "nil map") {
			t.Errorf("%+v: no finding for the file the analyzer failed on:\n%s", c, dump(res))
		}
		if find(res, audit.RuleAnalyzerFailed, 6, "/data/big-boom") != nil {
			t.Errorf("%+v: a failing stream is not a finding (the file is reported not scanned)", c)
		}
		if c.tree || c.review {
			if f := find(res, audit.RuleAnalyzerFailed, -1, ""); f == nil || !strings.Contains(f.Evidence, "broken") {
				t.Errorf("%+v: no finding for the failing analyzer:\n%s", c, dump(res))
			}
		}
		shells := 0
		for _, f := range res.Findings {
			if f.Path == "/data/x.sh" && f.Category == audit.CategoryReverseShell {
				shells++
			}
			if f.Title == "half-done review" {
				t.Errorf("a reviewer's half-done changes were kept: %+v", f)
			}
		}
		if shells == 0 {
			t.Errorf("%+v: the other analyzers' findings are lost:\n%s", c, dump(res))
		}
	}
}
