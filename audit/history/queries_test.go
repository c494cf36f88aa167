package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/trust"
)

// family records the test family into a fresh store, in the order given, with a clock that
// advances an hour per recording; it returns the store and each image's config digest.
func family(t *testing.T, order ...string) (*Store, map[string]string) {
	t.Helper()
	ctx := context.Background()
	s := openStore(t, "")
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { clock = clock.Add(time.Hour); return clock }
	imgs := familyImages()
	digests := map[string]string{}
	for _, name := range order {
		recipe := imgs[strings.TrimSuffix(name, "+retag")]
		if strings.HasSuffix(name, "+retag") {
			recipe.Tags = []string{"example.test/app:1"}
		}
		img, trees := read(t, save(t, recipe))
		digests[strings.TrimSuffix(name, "+retag")] = img.ConfigDigest
		res := &audit.Result{Image: img}
		for _, lt := range trees {
			for _, e := range lt.Entries {
				if e.Path == "/usr/share/lib/libx.so" {
					res.Findings = append(res.Findings, audit.Finding{Rule: "STRATA-RS-002", Category: audit.CategoryReverseShell,
						Severity: audit.Critical, Title: "reverse shell library", Layer: lt.Index, Path: e.Path, History: -1,
						Evidence: "connect 203.0.113.45:4444"})
				}
			}
		}
		if _, err := s.RecordScan(ctx, img, trees, res, ScanInfo{RuleHash: "h"}); err != nil {
			t.Fatal(err)
		}
	}
	return s, digests
}

func names(imgs []*Image, digests map[string]string) []string {
	rev := map[string]string{}
	for n, d := range digests {
		rev[d] = n
	}
	out := []string{}
	for _, img := range imgs {
		out = append(out, rev[img.ConfigDigest])
	}
	return out
}

func TestFamily(t *testing.T) {
	ctx := context.Background()
	s, d := family(t, "base", "app", "suspect", "child", "unrelated")
	imgs, err := s.Images(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		image                  string
		ancestors, descendants string
	}{
		{"base", "", "app suspect child"},
		{"app", "base", "suspect child"},
		{"suspect", "app base", "child"},
		{"child", "suspect app base", ""},
		{"unrelated", "", ""},
	}
	for _, tc := range tests {
		img, err := s.FindImage(ctx, d[tc.image])
		if err != nil {
			t.Fatal(err)
		}
		f := FamilyOf(img, imgs)
		if got := strings.Join(names(f.Ancestors, d), " "); got != tc.ancestors {
			t.Errorf("%s: ancestors %q, want %q", tc.image, got, tc.ancestors)
		}
		if got := strings.Join(names(f.Descendants, d), " "); got != tc.descendants {
			t.Errorf("%s: descendants %q, want %q", tc.image, got, tc.descendants)
		}
	}
	forest := Forest(imgs)
	if len(forest) != 2 {
		t.Fatalf("%d roots, want base and unrelated", len(forest))
	}
	n := forest[0]
	var chain []string
	for n != nil {
		chain = append(chain, names([]*Image{n.Image}, d)[0])
		if len(n.Children) == 0 {
			break
		}
		n = n.Children[0]
	}
	if got := strings.Join(chain, " > "); got != "base > app > suspect > child" {
		t.Errorf("forest: %s", got)
	}
	MarkTrusted(imgs, []trust.Image{{ConfigDigest: d["base"]}})
	for _, img := range imgs {
		if img.Trusted != (img.ConfigDigest == d["base"]) {
			t.Errorf("%s trusted = %v", img.ConfigDigest, img.Trusted)
		}
	}
}

func TestFindImage(t *testing.T) {
	ctx := context.Background()
	s, d := family(t, "base", "app")
	for ref, want := range map[string]string{
		d["app"]:      d["app"],
		d["app"][:19]: d["app"],
		strings.TrimPrefix(d["app"], "sha256:")[:8]: d["app"],
		"example.test/base:1":                       d["base"],
	} {
		img, err := s.FindImage(ctx, ref)
		if err != nil || img.ConfigDigest != want {
			t.Errorf("FindImage(%q) = %v, %v; want %s", ref, img, err, want)
		}
	}
	if _, err := s.FindImage(ctx, "example.test/none:1"); err == nil {
		t.Error("an unknown tag resolved")
	}
}

func TestTagHistoryAfterRetagging(t *testing.T) {
	ctx := context.Background()
	s, d := family(t, "app", "suspect+retag", "app")
	got, err := s.TagHistory(ctx, "example.test/app:1")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		digest string
		moved  bool
	}{{d["app"], false}, {d["suspect"], true}, {d["app"], true}}
	if len(got) != len(want) {
		t.Fatalf("%d sightings: %+v", len(got), got)
	}
	for i, w := range want {
		if got[i].ConfigDigest != w.digest || got[i].Moved != w.moved || got[i].Input == "" || len(got[i].InputSHA256) != 64 {
			t.Errorf("sighting %d: %+v, want %s moved=%v", i, got[i], w.digest, w.moved)
		}
		if i > 0 && !got[i].SeenAt.After(got[i-1].SeenAt) {
			t.Errorf("sightings out of order: %v then %v", got[i-1].SeenAt, got[i].SeenAt)
		}
	}
	// By image: every tag the suspect was seen under, with its whole history.
	byImage, err := s.TagHistory(ctx, d["suspect"])
	if err != nil || len(byImage) != 3 {
		t.Errorf("tags of the suspect: %+v %v", byImage, err)
	}
}

func TestScanLogFilters(t *testing.T) {
	ctx := context.Background()
	s, d := family(t, "base", "app", "suspect", "child")
	tests := []struct {
		name   string
		filter ScanFilter
		want   int
	}{
		{"all", ScanFilter{}, 4},
		{"by image", ScanFilter{Image: d["suspect"]}, 1},
		{"by tag", ScanFilter{Tag: "example.test/app:1"}, 1},
		{"critical", ScanFilter{MinSeverity: audit.Critical, HasSeverity: true}, 2},
		{"since", ScanFilter{Since: time.Date(2025, 1, 1, 4, 30, 0, 0, time.UTC)}, 2},
		{"limit", ScanFilter{Limit: 3}, 3},
	}
	for _, tc := range tests {
		got, err := s.Scans(ctx, tc.filter)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got) != tc.want {
			t.Errorf("%s: %d scans, want %d", tc.name, len(got), tc.want)
		}
	}
	all, _ := s.Scans(ctx, ScanFilter{})
	if all[0].Image.ConfigDigest != d["child"] || all[0].Summary[audit.Critical] != 1 || all[0].Status != StatusComplete {
		t.Errorf("newest scan: %+v", all[0])
	}
}

func TestTraceImplant(t *testing.T) {
	ctx := context.Background()
	s, d := family(t, "base", "app", "suspect", "child", "unrelated")
	sum := sha256.Sum256([]byte(implant))
	h := hex.EncodeToString(sum[:])
	tests := []struct {
		name  string
		query TraceQuery
		// want is "image<-introducer" per hit, in order.
		want  []string
		where string
	}{
		{"hash", TraceQuery{SHA256: "sha256:" + h}, []string{"suspect<-suspect", "child<-suspect", "unrelated<-unrelated"}, "file"},
		{"path", TraceQuery{Path: "/usr/share/lib/*.so"}, []string{"suspect<-suspect", "child<-suspect", "unrelated<-unrelated"}, "file"},
		{"rule", TraceQuery{Rule: "STRATA-RS-002"}, []string{"suspect<-suspect", "child<-suspect", "unrelated<-unrelated"}, "finding"},
		{"ip in evidence", TraceQuery{IP: "203.0.113.45"}, []string{"suspect<-suspect", "child<-suspect", "unrelated<-unrelated"}, "finding"},
		{"ip is not a prefix match", TraceQuery{IP: "203.0.113.4"}, nil, ""},
		{"domain in env", TraceQuery{Domain: "example.invalid"}, []string{"suspect<-suspect"}, "env"},
		{"string in history", TraceQuery{String: "COPY app /app"}, []string{"app<-app", "suspect<-app", "child<-app"}, "history"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hits, err := s.Trace(ctx, tc.query)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range hits {
				got = append(got, names([]*Image{h.Image}, d)[0]+"<-"+names([]*Image{h.IntroducedBy}, d)[0])
				if h.Where != tc.where {
					t.Errorf("hit in %s, want %s", h.Where, tc.where)
				}
				if h.FirstSeen.IsZero() || len(h.Scans) == 0 {
					t.Errorf("hit lacks first seen or scans: %+v", h)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("hits %v, want %v", got, tc.want)
			}
		})
	}
	if _, err := s.Trace(ctx, TraceQuery{}); err == nil {
		t.Error("an empty query ran")
	}
}
