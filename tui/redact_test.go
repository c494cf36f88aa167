package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// secretPairTUI writes imagebuild.SecretPair as docker-archives: the suspect's Env holds an
// AWS key ID and secret (set by an ENV step), a RUN line passes an npm token as a build
// argument and writes it to /root/.npmrc, /root/.ssh/id_rsa holds a private key, and a
// script exports the AWS secret.
func secretPairTUI(t *testing.T) (orig, susp string) {
	t.Helper()
	o, s := imagebuild.SecretPair()
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
	_, keyLines := imagebuild.PlantedKey()
	planted := imagebuild.PlantedSecrets()

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
		secrets.Mask("aws-secret-access-key", imagebuild.PlantedAWSSecret),
		secrets.Mask("npm-token", imagebuild.PlantedNpmToken),
		secrets.Mask("rsa-private-key", strings.Join(keyLines, "")),
	} {
		want, _, _ := strings.Cut(mask, " chars ")
		if !strings.Contains(all, want+" chars") {
			t.Errorf("no screen shows %s", mask)
		}
	}
}
