package casework_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/casework"
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
