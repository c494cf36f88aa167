package tui

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// Secrets planted in the suspect of secretPairTUI (AWS's documented example key ID, the rest
// random): no screen of the workbench may show them.
const (
	tuiKeyID     = "AKIAIOSFODNN7EXAMPLE"
	tuiAWSSecret = "q8Lw2Xv5Rt7Yb1Nc4Md6Fg9Hj0Ks2Ue5Zk3Pq8Lw"
	tuiNpmToken  = "npm_Rt7Yb1Nc4Md6Fg9Hj0Ks2Ue5Zk3Pq8Lw2Xv5"
)

// tuiKey is a PEM RSA private key of random bytes, and its body's lines.
func tuiKey() (string, []string) {
	r := rand.New(rand.NewPCG(7, 42))
	raw := make([]byte, 1190)
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	body := base64.StdEncoding.EncodeToString(raw)
	var lines []string
	for i := 0; i < len(body); i += 64 {
		lines = append(lines, body[i:min(i+64, len(body))])
	}
	return "-----BEGIN RSA PRIVATE KEY-----\n" + strings.Join(lines, "\n") + "\n-----END RSA PRIVATE KEY-----\n", lines
}

// secretPairTUI writes an original and a suspect docker-archive: the suspect's Env holds an
// AWS key ID and secret (set by an ENV step), a RUN line passes an npm token as a build
// argument and writes it to /root/.npmrc, /root/.ssh/id_rsa holds a private key, and a
// script exports the AWS secret.
func secretPairTUI(t *testing.T) (orig, susp string) {
	t.Helper()
	key, _ := tuiKey()
	o := imagebuild.Image{
		Tags:   []string{"secrets/app:1"},
		Config: imagebuild.Config{Env: []string{"PATH=/usr/bin:/bin"}, Cmd: []string{"/app/run"}},
		Layers: []imagebuild.Layer{{
			CreatedBy: "/bin/sh -c #(nop) ADD file:abc in / ",
			Files: []imagebuild.File{imagebuild.Dir("etc"), imagebuild.Dir("app"), imagebuild.Dir("root"),
				imagebuild.Reg("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
				imagebuild.Reg("app/run", "#!/bin/sh\nexec /app/server\n").WithMode(0o755)},
		}},
	}
	s := o
	s.Tags = []string{"secrets/app:2"}
	s.Config.Env = []string{"PATH=/usr/bin:/bin", "AWS_ACCESS_KEY_ID=" + tuiKeyID, "AWS_SECRET_ACCESS_KEY=" + tuiAWSSecret}
	s.Layers = append(append([]imagebuild.Layer{}, o.Layers...), imagebuild.Layer{
		CreatedBy: "RUN |1 NPM_TOKEN=" + tuiNpmToken + " /bin/sh -c echo \"//registry.npmjs.org/:_authToken=$NPM_TOKEN\" > /root/.npmrc # buildkit",
		Files: []imagebuild.File{
			imagebuild.Dir("root/.ssh"),
			imagebuild.Reg("root/.ssh/id_rsa", key).WithMode(0o600),
			imagebuild.Reg("root/.npmrc", "//registry.npmjs.org/:_authToken="+tuiNpmToken+"\n"),
			imagebuild.Reg("app/run", "#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY="+tuiAWSSecret+"\nexec /app/server\n").WithMode(0o755),
		},
	})
	s.History = []imagebuild.Step{
		{CreatedBy: o.Layers[0].CreatedBy},
		{CreatedBy: "ENV AWS_ACCESS_KEY_ID=" + tuiKeyID + " AWS_SECRET_ACCESS_KEY=" + tuiAWSSecret, EmptyLayer: true},
		{CreatedBy: s.Layers[1].CreatedBy},
	}
	dir := t.TempDir()
	write := func(name string, img imagebuild.Image) string {
		b, err := imagebuild.Build(img)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := imagebuild.WriteDockerArchive(&buf, imagebuild.Classic, b); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+".tar")
		if err := os.WriteFile(p, buf.Bytes(), 0o444); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("secrets-original", o), write("secrets-suspect", s)
}

// screens collects every screen the workbench draws while keys are pressed.
type screens struct {
	t   *testing.T
	m   *Model
	all strings.Builder
}

func (s *screens) press(keys ...string) {
	for _, k := range keys {
		press(s.t, s.m, k)
		s.all.WriteString(s.m.View())
		s.all.WriteByte('\n')
	}
}

// walk presses down n times on the focused list, opening each row with enter and going back.
func (s *screens) walk(n int) {
	for range n {
		s.press("enter", "esc", "j")
	}
}

// TestNoSecretOnAnyScreen walks every screen of the workbench over an image holding secrets:
// the layers, every file of the secret layer and its preview, the whole filesystem, the
// Dockerfile, the scan's findings and their details, the history, and the comparison with
// the original (every change, its content diff, the config changes, the findings). No screen
// may show a planted value; each secret shows masked.
func TestNoSecretOnAnyScreen(t *testing.T) {
	orig, susp := secretPairTUI(t)
	_, keyLines := tuiKey()
	planted := append([]string{tuiKeyID, tuiAWSSecret, tuiNpmToken}, keyLines...)

	// The image view: layer 1 (the secret layer), its files one by one, then everything.
	m := newLoaded(t, 160, 50, susp)
	s := &screens{t: t, m: m}
	s.press("j", "tab", "e")
	s.walk(12)
	s.press("esc", "a", ".")
	s.walk(12)
	s.press("esc", "2", "g")
	for range 8 {
		s.press("j")
	}
	s.press("s") // the scan, which lands on the Findings tab
	for range 20 {
		s.press("j")
	}
	s.press("4")
	for range 8 {
		s.press("j")
	}

	// The comparison.
	opts := testOptions(t, orig, susp)
	opts.Diff = true
	d := newLoadedWith(t, 160, 50, opts)
	if d.view != viewDiff || d.diff == nil || d.diff.d == nil {
		t.Fatalf("the diff view is not open: view %d", d.view)
	}
	ds := &screens{t: t, m: d}
	ds.press("g")
	ds.walk(10)
	for _, section := range []string{"2", "3", "4", "5"} {
		ds.press(section, "g")
		ds.walk(8)
	}

	all := s.all.String() + ds.all.String()
	for _, p := range planted {
		// Panes cut long lines: a planted value's first 16 characters are enough to show it
		// leaked (a mask shows 4).
		p = p[:16]
		if strings.Contains(all, p) {
			i := strings.Index(all, p)
			t.Errorf("a screen shows the planted secret %.12s…: %q", p, all[max(0, i-200):min(len(all), i+len(p)+50)])
		}
	}
	// Narrow panes cut a mask's end: its kind, prefix and length must show.
	for _, mask := range []string{
		secrets.Mask("aws-secret-access-key", tuiAWSSecret),
		secrets.Mask("npm-token", tuiNpmToken),
		secrets.Mask("rsa-private-key", strings.Join(keyLines, "")),
	} {
		want, _, _ := strings.Cut(mask, " chars ")
		if !strings.Contains(all, want+" chars") {
			t.Errorf("no screen shows %s", mask)
		}
	}
}
