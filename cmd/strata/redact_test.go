package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// TestNoSecretInAnyOutput runs every output format of scan (SARIF too), diff, inspect, layers,
// dockerfile, sbom (CycloneDX and SPDX too), report, the audit's fleet view and the history
// commands on an image with an AWS key ID and secret in its Env (and an ENV step and a
// script), an RSA private key and an npm token (in .npmrc and a build argument), then reads
// the files written with -o, the history database's files and a history export's members:
// none may hold a planted value, and each secret shows masked. (The workbench's screens are
// tui's TestNoSecretOnAnyScreen.)
func TestNoSecretInAnyOutput(t *testing.T) {
	dir := t.TempDir()
	orig, susp := secretPair(t, dir)
	data := t.TempDir()
	var runs [][]string
	for _, f := range []string{"text", "json", "sarif"} {
		runs = append(runs, []string{"scan", "--format", f, susp})
	}
	for _, f := range []string{"text", "json"} {
		runs = append(runs,
			[]string{"diff", "--format", f, "--all", "--diff-lines", "0", orig, susp},
			[]string{"diff", "--format", f, "--path", "/root/.ssh/id_rsa", orig, susp},
			[]string{"diff", "--format", f, "--path", "/app/run", orig, susp},
			[]string{"inspect", "--format", f, susp},
			[]string{"layers", "--format", f, susp},
			[]string{"layers", "--format", f, "--layer", "1", susp},
			[]string{"dockerfile", "--format", f, susp},
			[]string{"history", "--format", f},
			[]string{"trace", "--format", f, "--string", "AWS"},
			[]string{"tags", "--format", f},
			[]string{"family", "--format", f, susp})
	}
	for _, f := range []string{"table", "json", "cyclonedx", "spdx"} {
		runs = append(runs, []string{"sbom", "--format", f, susp})
	}
	for _, f := range []string{"md", "html", "json"} {
		runs = append(runs,
			[]string{"report", "--format", f, "--diff", orig, susp},
			[]string{"report", "--format", f, susp},
			[]string{"report", "--format", f, "-o", filepath.Join(dir, "report."+f), susp})
	}
	for _, f := range []string{"text", "json", "md", "html"} {
		runs = append(runs, []string{"audit", "--format", f, orig, susp})
	}
	runs = append(runs,
		[]string{"audit", "--format", "html", "-o", filepath.Join(dir, "report.audit.html"), orig, susp},
		[]string{"scan", "--format", "sarif", "-o", filepath.Join(dir, "report.sarif"), susp},
		[]string{"sbom", "--format", "spdx", "-o", filepath.Join(dir, "report.spdx.json"), susp},
		[]string{"cat", "--format", "json", susp, "/root/.npmrc"},
		[]string{"store", "--format", "json"},
		[]string{"history", "export", "--format", "json", filepath.Join(dir, "history.tar.gz")})
	planted := imagebuild.PlantedSecrets()
	var all bytes.Buffer
	for _, args := range runs {
		stdout, stderr, code := strataIn(t, data, args...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, stderr)
		}
		all.WriteString(stdout)
		for _, s := range planted {
			if strings.Contains(stdout, s) || strings.Contains(stderr, s) {
				t.Errorf("%q shows the planted secret %.12s…", args, s)
			}
		}
	}
	// Files written with -o, and the database with its WAL.
	files, _ := filepath.Glob(filepath.Join(dir, "report.*"))
	dbs, _ := filepath.Glob(filepath.Join(data, "strata.db*"))
	if len(files) != 6 || len(dbs) == 0 {
		t.Fatalf("reports %v, database files %v", files, dbs)
	}
	for _, p := range append(files, dbs...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range planted {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds the planted secret %.12s…", filepath.Base(p), s)
			}
		}
	}
	// The export's records are plain text: the suspect's Env names show in them.
	named := false
	for name, b := range readTarGz(t, filepath.Join(dir, "history.tar.gz")) {
		named = named || bytes.Contains(b, []byte("AWS_SECRET_ACCESS_KEY"))
		for _, s := range planted {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("the history export's %s holds the planted secret %.12s…", name, s)
			}
		}
	}
	if !named {
		t.Error("no member of the history export names the suspect's Env: its records were not read")
	}
	// Each secret shows, masked the same everywhere.
	_, keyLines := imagebuild.PlantedKey()
	for _, m := range []string{
		secrets.Mask("aws-access-key-id", imagebuild.PlantedAWSKeyID),
		secrets.Mask("aws-secret-access-key", imagebuild.PlantedAWSSecret),
		secrets.Mask("npm-token", imagebuild.PlantedNpmToken),
		secrets.Mask("rsa-private-key", strings.Join(keyLines, "")),
	} {
		if !strings.Contains(all.String(), m) {
			t.Errorf("no output shows %s", m)
		}
	}
}

// TestShowSecretsOnlyOnATerminal: --show-secrets is refused where the output is not a screen.
func TestShowSecretsOnlyOnATerminal(t *testing.T) {
	dir := t.TempDir()
	_, susp := secretPair(t, dir)
	for _, args := range [][]string{
		{"inspect", "--show-secrets", susp}, // standard output is not a terminal here
		{"inspect", "--show-secrets", "--format", "json", susp},
		{"scan", "--show-secrets", "-o", filepath.Join(dir, "scan.txt"), susp},
	} {
		stdout, stderr, code := strata(t, args...)
		if code != exitBadInput || !strings.Contains(stderr, "--show-secrets") || strings.Contains(stdout, imagebuild.PlantedAWSSecret) {
			t.Errorf("%q: exit %d, %q", args, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "scan.txt")); err == nil {
		t.Error("scan --show-secrets -o wrote a file")
	}
}
