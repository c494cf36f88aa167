package history

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// Text PostgreSQL cannot hold is stored escaped and reads back as it was; text it can hold is
// stored as it is.
func TestEscapeText(t *testing.T) {
	for _, s := range []string{"", "plain /etc/passwd", "\x00state/packages", "caf\xe9", "a\uffffb", "\uffff00", "x\xff\xfe\x00y",
		"naïve ünïcode ✓", string([]byte{0xef, 0xbf}), "\uffffzz"} {
		e := escapeText(s)
		if strings.ContainsRune(e, 0) || !utf8Valid(e) {
			t.Errorf("escapeText(%q) = %q: PostgreSQL cannot hold it", s, e)
		}
		if got := unescapeText(e); got != s {
			t.Errorf("unescapeText(escapeText(%q)) = %q", s, got)
		}
		if utf8Valid(s) && !strings.ContainsRune(s, 0) && !strings.ContainsRune(s, escapeMark) && e != s {
			t.Errorf("escapeText(%q) = %q, want it unchanged", s, e)
		}
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\ufffd") == s }

func TestRebindDollar(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b LIKE ? ESCAPE '\\'", "a = $1 AND b LIKE $2 ESCAPE '\\'"},
		{"x = '?' AND y = ? AND \"q?\" = ?", "x = '?' AND y = $1 AND \"q?\" = $2"},
	}
	for _, tt := range tests {
		if got := rebindDollar(tt.in); got != tt.want {
			t.Errorf("rebindDollar(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// globRegexp matches what SQLite's GLOB matches.
func TestGlobRegexp(t *testing.T) {
	tests := []struct {
		glob  string
		match []string
		not   []string
	}{
		{"/etc/*", []string{"/etc/passwd", "/etc/cron.d/x"}, []string{"/usr/etc/x", "/etc"}},
		{"*.so", []string{"/usr/lib/libx.so"}, []string{"/usr/lib/libx.so.1"}},
		{"/a?c", []string{"/abc"}, []string{"/ac", "/abbc"}},
		{"/[ab]x", []string{"/ax", "/bx"}, []string{"/cx"}},
		{"/[^ab]x", []string{"/cx"}, []string{"/ax"}},
		{"/a.b+(c)", []string{"/a.b+(c)"}, []string{"/aXb+(c)"}},
		{"/[", []string{"/["}, nil},
	}
	for _, tt := range tests {
		re := regexp.MustCompile(globRegexp(tt.glob))
		for _, m := range tt.match {
			if !re.MatchString(m) {
				t.Errorf("%s (%s) does not match %s", tt.glob, re, m)
			}
		}
		for _, m := range tt.not {
			if re.MatchString(m) {
				t.Errorf("%s (%s) matches %s", tt.glob, re, m)
			}
		}
	}
}

// A hostile image's file names need not be UTF-8: they are recorded, traced and hashed into
// the ledger the same on both engines.
func TestNonUTF8Names(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "")
	name := "opt/caf\xe9-\x01"
	img, trees := read(t, save(t, imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{{CreatedBy: "x", Created: t0,
		Files: []imagebuild.File{imagebuild.Dir("opt"), imagebuild.Reg(name, "x")}}}}))
	res := &audit.Result{Image: img, Findings: []audit.Finding{{Rule: "R", Severity: audit.High, Layer: 0, Path: "/" + name,
		Evidence: "bytes \xff\xfe", History: -1}}}
	if _, err := s.RecordScan(ctx, img, trees, res, ScanInfo{RuleHash: "h"}); err != nil {
		t.Fatal(err)
	}
	hits, err := s.Trace(ctx, TraceQuery{Path: "/opt/caf*"})
	if err != nil || len(hits) != 1 || hits[0].Path != "/"+name {
		t.Fatalf("tracing the name: %+v %v", hits, err)
	}
	fs, err := s.Findings(ctx, 1)
	if err != nil || len(fs) != 1 || fs[0].Evidence != "bytes \xff\xfe" {
		t.Fatalf("the finding read back: %+v %v", fs, err)
	}
	trees2, served, err := s.LayerTrees(ctx, img)
	if err != nil || served != len(img.Layers) {
		t.Fatal(served, err)
	}
	found := false
	for _, e := range trees2[0].Entries {
		found = found || e.Path == "/"+name
	}
	if !found {
		t.Errorf("the stored index lost %q", name)
	}
	if rep := checkLedger(t, s); !rep.OK() {
		t.Errorf("ledger: %+v", rep.Problems)
	}
}
