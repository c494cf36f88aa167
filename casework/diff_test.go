package casework_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

func saveImage(t *testing.T, img imagebuild.Image) string {
	t.Helper()
	b, err := imagebuild.Build(img)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "image.tar")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := imagebuild.WriteDockerArchive(f, imagebuild.Classic, b); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDiffRanksWhatFindingsFlag: a changed file a finding is about ranks as high as the
// finding says (credentials, tokens and a miner config above a crowd of plain added files),
// and config changes with findings (a secret added to Env, a newly exposed SSH port) are among
// the findings about what changed.
func TestDiffRanksWhatFindingsFlag(t *testing.T) {
	base := imagebuild.Layer{CreatedBy: "/bin/sh -c #(nop) ADD file:base in / ", Files: []imagebuild.File{
		imagebuild.Dir("etc"), imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
		imagebuild.Reg("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"), imagebuild.Dir("app"), imagebuild.Dir("opt"),
		imagebuild.Dir("root")}}
	orig := imagebuild.Image{Tags: []string{"example.test/app:1"}, Layers: []imagebuild.Layer{base},
		Config: imagebuild.Config{ExposedPorts: []string{"8080/tcp"}}}
	var crowd []imagebuild.File
	for i := range 30 {
		crowd = append(crowd, imagebuild.Reg(fmt.Sprintf("app/static/page%02d.html", i), "<p>hello</p>\n"))
	}
	implants := []imagebuild.File{
		imagebuild.Dir("root/.aws"),
		imagebuild.Reg("root/.aws/credentials", "[default]\naws_access_key_id = AKIAQX7Z4KD2PN3WB5EY\naws_secret_access_key = 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\n"),
		imagebuild.Reg("opt/.npmrc", "//registry.npmjs.org/:_authToken=npm_Xa7bC9dE1fG3hI5jK7lM9nO1pQ3rS5tU7vW9\n"),
		imagebuild.Dir("opt/miner"),
		imagebuild.Reg("opt/miner/config.json", `{"autosave": true, "cpu": {"enabled": true}, "pools": [{"algo": "rx/0", "url": "pool.example.org:443", "user": "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A", "pass": "x"}]}`),
	}
	susp := orig
	susp.Layers = []imagebuild.Layer{base, {CreatedBy: "COPY . / # buildkit", Files: append(append([]imagebuild.File{imagebuild.Dir("app/static")}, crowd...), implants...)}}
	susp.Config = imagebuild.Config{ExposedPorts: []string{"22/tcp", "8080/tcp"},
		Env: []string{"AWS_ACCESS_KEY_ID=AKIAQX7Z4KD2PN3WB5EY", "AWS_SECRET_ACCESS_KEY=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"}}

	w := workspace(t)
	sc, err := w.NewScanner(context.Background(), casework.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	res, done, err := w.DiffRefs(context.Background(), saveImage(t, orig), saveImage(t, susp), casework.DiffOptions{Scanner: sc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	rank := map[string]int{}
	for i, f := range res.Diff.Files {
		rank[f.Path] = i
	}
	worstPlain := 0
	for _, f := range crowd {
		worstPlain = max(worstPlain, res.Diff.Files[rank["/"+f.Path]].Score)
	}
	for _, p := range []string{"/root/.aws/credentials", "/opt/.npmrc", "/opt/miner/config.json"} {
		i, ok := rank[p]
		if !ok {
			t.Fatalf("%s is not among the changes", p)
		}
		if f := res.Diff.Files[i]; i >= 5 || f.Score <= worstPlain {
			t.Errorf("%s ranks %d with score %d (%s); plain added files score up to %d", p, i, f.Score, f.Why, worstPlain)
		}
	}
	var secretInEnv, sshPort bool
	for _, f := range res.Findings {
		secretInEnv = secretInEnv || f.Category == audit.CategorySecret && f.Path == ""
		sshPort = sshPort || f.Category == audit.CategoryExposedPort
	}
	if !secretInEnv || !sshPort {
		t.Errorf("findings about what changed: secret in Env %v, port 22 %v: %+v", secretInEnv, sshPort, res.Findings)
	}
}

// diffPair is an original of three layers and a suspect that keeps the bottom two, replaces
// the top one and adds another.
func diffPair(t *testing.T) (orig, susp string) {
	t.Helper()
	base := imagebuild.Layer{CreatedBy: "/bin/sh -c #(nop) ADD file:base in / ", Files: []imagebuild.File{
		imagebuild.Dir("etc"), imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
		imagebuild.Reg("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n"), imagebuild.Dir("usr"), imagebuild.Dir("usr/bin"),
		imagebuild.Reg("usr/bin/tool", "#!/bin/sh\necho tool\n"), imagebuild.Hardlink("usr/bin/tool2", "usr/bin/tool")}}
	mid := imagebuild.Layer{CreatedBy: "RUN mkdir /app # buildkit", Files: []imagebuild.File{imagebuild.Dir("app"),
		imagebuild.Reg("app/server.py", "print('hi')\n")}}
	o := imagebuild.Image{Tags: []string{"example.test/app:1"}, Layers: []imagebuild.Layer{base, mid,
		{CreatedBy: "COPY conf /app/conf # buildkit", Files: []imagebuild.File{imagebuild.Reg("app/conf", "debug = false\n")}}}}
	s := o
	s.Layers = []imagebuild.Layer{base, mid,
		{CreatedBy: "COPY conf /app/conf # buildkit", Files: []imagebuild.File{imagebuild.Reg("app/conf", "debug = true\n")}},
		{CreatedBy: "RUN curl -o /opt/x # buildkit", Files: []imagebuild.File{imagebuild.Dir("opt"),
			imagebuild.Reg("opt/config.json", `{"pools": [{"algo": "rx/0", "url": "pool.example.org:443", "user": "worker-01", "pass": "x"}]}`)}}}
	return saveImage(t, o), saveImage(t, s)
}

// TestDiffReadsEachBlobOnce: a diff with a scan reads the suspect once for both and, of the
// original, only the layers whose blobs the suspect does not hold; a layer the layer cache
// serves, of either image, is not read at all. Reads are counted by the blob their layer's bytes hash to, and
// the comparison is the one DiffImages makes reading both images.
func TestDiffReadsEachBlobOnce(t *testing.T) {
	origRef, suspRef := diffPair(t)
	ctx := context.Background()
	// What each image's layers hash to, and the comparison made by reading both.
	o, err := forensics.Open(ctx, origRef, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	s, err := forensics.Open(ctx, suspRef, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	want, err := forensics.DiffImages(ctx, o, s, forensics.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	blob := map[string][]string{origRef: nil, suspRef: nil}
	for ref, img := range map[string]*forensics.Image{origRef: o, suspRef: s} {
		for _, l := range img.Layers {
			blob[ref] = append(blob[ref], l.BlobSHA256)
		}
	}
	oBlobs, sBlobs := blob[origRef], blob[suspRef]
	if oBlobs[0] != sBlobs[0] || oBlobs[1] != sBlobs[1] || oBlobs[2] == sBlobs[2] {
		t.Fatalf("the pair does not share its bottom two layers only: %v %v", oBlobs, sBlobs)
	}
	for _, tc := range []struct {
		name string
		warm string // the image scanned before the diff, in the same data directory
		read []string
	}{
		{"cold", "", []string{sBlobs[0], sBlobs[1], sBlobs[2], sBlobs[3], oBlobs[2]}},
		{"original scanned before", origRef, []string{sBlobs[2], sBlobs[3]}},
		{"suspect scanned before", suspRef, []string{oBlobs[2]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := workspace(t)
			sc, err := w.NewScanner(ctx, casework.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer sc.Close()
			if tc.warm != "" {
				if _, err := sc.ScanRef(ctx, tc.warm, nil); err != nil {
					t.Fatal(err)
				}
			}
			var mu sync.Mutex
			reads := map[string]int{}
			sink := func(e casework.Event) {
				if e, ok := e.(casework.LayerStarted); ok {
					mu.Lock()
					reads[blob[e.Image][e.Layer]]++
					mu.Unlock()
				}
			}
			res, done, err := w.DiffRefs(ctx, origRef, suspRef, casework.DiffOptions{Scanner: sc}, sink)
			if err != nil {
				t.Fatal(err)
			}
			defer done()
			for b, n := range reads {
				if n != 1 {
					t.Errorf("blob %s read %d times, want once", b, n)
				}
			}
			got := slices.Sorted(maps.Keys(reads))
			wantRead := slices.Sorted(slices.Values(tc.read))
			if !slices.Equal(got, wantRead) {
				t.Errorf("blobs read:\n  %v\nwant:\n  %v", got, wantRead)
			}
			d := res.Diff
			if d.Summary.LayersCommon != 2 || d.Summary.LayersReplaced != 1 || d.Summary.LayersAdded != 1 {
				t.Errorf("layers: %+v", d.Summary)
			}
			changes := func(d *forensics.ImageDiff) map[string]string {
				m := map[string]string{}
				for _, f := range d.Files {
					m[f.Path] = f.Change.String()
				}
				return m
			}
			if got, want := changes(d), changes(want); !maps.Equal(got, want) {
				t.Errorf("changes %v, want those of reading both images: %v", got, want)
			}
			if res.Scan == nil || !slices.ContainsFunc(res.Findings, func(f audit.Finding) bool { return f.Path == "/opt/config.json" }) {
				t.Errorf("no finding about the added miner config: %+v", res.Findings)
			}
		})
	}
}
