package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/internal/npmtools"
)

// sarifLog is the part of a SARIF log the code-scanning checks read.
type sarifLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name            string `json:"name"`
				Version         string `json:"version"`
				InformationURI  string `json:"informationUri"`
				SemanticVersion string `json:"semanticVersion"`
				Rules           []struct {
					ID               string                 `json:"id"`
					ShortDescription *struct{ Text string } `json:"shortDescription"`
					FullDescription  *struct{ Text string } `json:"fullDescription"`
					Help             *struct {
						Text     string `json:"text"`
						Markdown string `json:"markdown"`
					} `json:"help"`
					HelpURI    string `json:"helpUri"`
					Properties struct {
						Tags             []string `json:"tags"`
						SecuritySeverity string   `json:"security-severity"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		AutomationDetails *struct {
			ID string `json:"id"`
		} `json:"automationDetails"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			Level     string `json:"level"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Properties          struct {
				Path  string `json:"path"`
				Layer *int   `json:"layer"`
			} `json:"properties"`
		} `json:"results"`
	} `json:"runs"`
}

// checkCodeScanning checks what GitHub code scanning needs of a SARIF log, without node:
// every rule described (short and full description, help text and markdown, helpUri to an
// anchor docs/rules.md has), tagged security and with ATT&CK tags where it has techniques, a
// numeric security-severity; every result with a region, a partial fingerprint and a location
// that names no layer index; one automation id per run; the build's version.
func checkCodeScanning(t *testing.T, raw []byte) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(raw, &log); err != nil {
		t.Fatalf("SARIF does not parse: %v", err)
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-schema-2.1.0.json") {
		t.Errorf("version %q, $schema %q", log.Version, log.Schema)
	}
	ids := map[string]bool{}
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for i, run := range log.Runs {
		d := run.Tool.Driver
		if d.Name != "strata" || d.Version != version || d.InformationURI == "" {
			t.Errorf("run %d: driver %q version %q (want %q), informationUri %q", i, d.Name, d.Version, version, d.InformationURI)
		}
		if run.AutomationDetails == nil || run.AutomationDetails.ID == "" || ids[run.AutomationDetails.ID] {
			t.Errorf("run %d: automationDetails %+v missing or repeated", i, run.AutomationDetails)
		} else {
			ids[run.AutomationDetails.ID] = true
		}
		rules := map[string]bool{}
		for _, r := range d.Rules {
			rules[r.ID] = true
			if r.ShortDescription == nil || r.ShortDescription.Text == "" || r.FullDescription == nil || r.FullDescription.Text == "" ||
				r.Help == nil || r.Help.Text == "" || r.Help.Markdown == "" {
				t.Errorf("rule %s: descriptions or help missing", r.ID)
			}
			anchor := strings.TrimPrefix(r.HelpURI, report.RulesDoc+"#")
			if anchor == r.HelpURI || !strings.Contains(string(doc), `<a id="`+anchor+`">`) && !strings.Contains(string(doc), "## User rules") {
				t.Errorf("rule %s: helpUri %q is no anchor of docs/rules.md", r.ID, r.HelpURI)
			}
			tags := strings.Join(r.Properties.Tags, " ")
			if !strings.Contains(tags, "security") || len(r.Properties.Tags) > 20 {
				t.Errorf("rule %s: tags %v", r.ID, r.Properties.Tags)
			}
			if score, err := strconv.ParseFloat(r.Properties.SecuritySeverity, 64); err != nil || score < 0 || score > 10 {
				t.Errorf("rule %s: security-severity %q is no score from 0 to 10", r.ID, r.Properties.SecuritySeverity)
			}
		}
		for _, res := range run.Results {
			if !rules[res.RuleID] {
				t.Errorf("result of %s: no such rule in the run", res.RuleID)
			}
			if len(res.Locations) != 1 || res.Locations[0].PhysicalLocation.Region == nil || res.Locations[0].PhysicalLocation.Region.StartLine < 1 {
				t.Errorf("result of %s: no region with a start line: %+v", res.RuleID, res.Locations)
				continue
			}
			uri := res.Locations[0].PhysicalLocation.ArtifactLocation.URI
			if strings.HasPrefix(uri, "layer/") || strings.HasPrefix(uri, "/") || res.Locations[0].PhysicalLocation.ArtifactLocation.URIBaseID != "IMAGE" {
				t.Errorf("result of %s: location %q (base %q) names a layer index or is not relative to the image", res.RuleID, uri,
					res.Locations[0].PhysicalLocation.ArtifactLocation.URIBaseID)
			}
			if !hex64.MatchString(res.PartialFingerprints[report.FingerprintKey]) {
				t.Errorf("result of %s: partialFingerprints %v", res.RuleID, res.PartialFingerprints)
			}
		}
	}
	return log
}

// TestSARIFForCodeScanning: SARIF from strata scan is what GitHub code scanning accepts
// (checked here without node, and with the SARIF multitool's Sarif, GitHub and GHAS rules
// and the SARIF 2.1.0 JSON schema when node is installed), one run per image with its own
// automation id, and its fingerprints stay put when the image is rebuilt with its layers
// shifted.
func TestSARIFForCodeScanning(t *testing.T) {
	dir := t.TempDir()
	shifted := imagebuild.DemoSuspect()
	shifted.Tags = []string{"strata-demo/webapp:1.3"}
	shifted.Layers = append([]imagebuild.Layer{{CreatedBy: "/bin/sh -c #(nop) ADD file:tools in / ",
		Created: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), Files: []imagebuild.File{imagebuild.Dir("opt"), imagebuild.Reg("opt/tools.txt", "tools\n")}}},
		shifted.Layers...)
	shifted.History = append([]imagebuild.Step{{Created: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), CreatedBy: "/bin/sh -c #(nop) ADD file:tools in / "}},
		shifted.History...)
	rebuilt := saveRecipe(t, dir, "rebuilt", shifted)

	out, errOut, code := strata(t, "scan", "--format", "sarif", suspect, original)
	if code != 0 {
		t.Fatalf("scan: exit %d: %s", code, errOut)
	}
	log := checkCodeScanning(t, []byte(out))
	if len(log.Runs) != 2 || len(log.Runs[0].Results) == 0 {
		t.Fatalf("%d runs, %d results in the first", len(log.Runs), len(log.Runs[0].Results))
	}
	out2, errOut, code := strata(t, "scan", "--format", "sarif", rebuilt)
	if code != 0 {
		t.Fatalf("scan of the rebuilt image: exit %d: %s", code, errOut)
	}
	log2 := checkCodeScanning(t, []byte(out2))
	// The implant's findings keep their fingerprints although their layer moved from 5 to 6.
	prints := map[string]string{}
	for _, res := range log.Runs[0].Results {
		if res.Properties.Path == imagebuild.DemoPreloadPath {
			prints[res.RuleID] = res.PartialFingerprints[report.FingerprintKey]
		}
	}
	if len(prints) == 0 {
		t.Fatal("no finding about the preload library")
	}
	for _, res := range log2.Runs[0].Results {
		if res.Properties.Path != imagebuild.DemoPreloadPath {
			continue
		}
		if res.Properties.Layer == nil || *res.Properties.Layer != 6 {
			t.Errorf("%s: layer %v, want 6 in the rebuilt image", res.RuleID, res.Properties.Layer)
		}
		if want, ok := prints[res.RuleID]; ok && res.PartialFingerprints[report.FingerprintKey] != want {
			t.Errorf("%s: fingerprint moved with the layer: %s, was %s", res.RuleID, res.PartialFingerprints[report.FingerprintKey], want)
		}
		delete(prints, res.RuleID)
	}
	if len(prints) > 0 {
		t.Errorf("findings of the original build missing from the rebuild: %v", prints)
	}

	v := sarifValidator(t)
	for name, doc := range map[string]string{"demo.sarif": out, "rebuilt.sarif": out2} {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if errs := v.schema(t, f); len(errs) > 0 {
			t.Errorf("%s fails the SARIF 2.1.0 schema:\n%s", name, strings.Join(errs, "\n"))
		}
		errs, warnings := v.multitool(t, f)
		if len(errs) > 0 {
			t.Errorf("%s: the SARIF multitool (Sarif;Gh;Ghas) reports %d errors:\n%s", name, len(errs), strings.Join(errs, "\n"))
		}
		t.Logf("%s: SARIF multitool: 0 errors, %d warnings", name, warnings)
	}
}

// sarifTools validates SARIF logs with the SARIF multitool (Microsoft's, from npm) and its
// SARIF 2.1.0 schema under ajv, both installed once under the repository's .cache.
type sarifTools struct{ dir string }

var (
	sarifOnce     sync.Once
	sarifToolsDir string
	sarifSkip     string
)

// The npm packages, pinned.
var sarifPackages = []string{"@microsoft/sarif-multitool@5.7.0", "ajv@8.20.0", "ajv-formats@3.0.1"}

const sarifSchemaScript = `'use strict'
// Strata's test driver: validates a SARIF file against the SARIF 2.1.0 schema the multitool ships.
const fs = require('fs')
const path = require('path')
const Ajv = require('ajv')
const addFormats = require('ajv-formats')
const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json'), 'utf8'))
delete schema.$schema
const ajv = new Ajv({ allErrors: true, strict: false })
addFormats(ajv)
const validate = ajv.compile(schema)
if (validate(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')))) { console.log('valid'); process.exit(0) }
for (const e of validate.errors) console.log(e.instancePath + ' ' + e.message)
process.exit(1)
`

// sarifValidator installs the tools once and skips the test, saying why, when node or npm is
// missing or the install fails. It proves each tool can fail: the multitool must report a
// rule without fullDescription, the schema a result with an unknown level.
func sarifValidator(t *testing.T) *sarifTools {
	t.Helper()
	sarifOnce.Do(func() {
		dir, err := npmtools.Install(filepath.Join("..", "..", ".cache", "sarif-validator"), sarifPackages,
			map[string]string{"schema.cjs": sarifSchemaScript}, "SARIF multitool", "the SARIF multitool and schema checks")
		if err != nil {
			sarifSkip = err.Error() + "; the checks without node ran"
			return
		}
		sarifToolsDir = dir
	})
	if sarifSkip != "" {
		t.Skip(sarifSkip)
	}
	v := &sarifTools{dir: sarifToolsDir}
	good := `{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{"tool":{"driver":{"name":"x","rules":[{"id":"R1","shortDescription":{"text":"r"}}]}},` +
		`"results":[{"ruleId":"R1","level":"%s","message":{"text":"m."},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a"},"region":{"startLine":1}}}]}]}]}`
	f := filepath.Join(t.TempDir(), "probe.sarif")
	os.WriteFile(f, fmt.Appendf(nil, good, "bogus"), 0o644)
	if errs := v.schema(t, f); len(errs) == 0 {
		t.Fatal("the schema check accepts a result with level \"bogus\"")
	}
	os.WriteFile(f, fmt.Appendf(nil, good, "error"), 0o644)
	if errs, _ := v.multitool(t, f); !strings.Contains(strings.Join(errs, "\n"), "GH2012") {
		t.Fatalf("the multitool does not report a rule without fullDescription (GH2012): %v", errs)
	}
	return v
}

// schema returns the SARIF 2.1.0 schema's complaints about the file.
func (v *sarifTools) schema(t *testing.T, file string) []string {
	t.Helper()
	out, err := exec.Command("node", filepath.Join(v.dir, "schema.cjs"), file).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 1 {
		return strings.Split(strings.TrimSpace(string(out)), "\n")
	}
	if err != nil || strings.TrimSpace(string(out)) != "valid" {
		t.Fatalf("running the schema check: %v\n%s", err, out)
	}
	return nil
}

// multitool runs the multitool's validate with the Sarif, GitHub and GHAS rule kinds and
// returns its errors and how many warnings it gave.
func (v *sarifTools) multitool(t *testing.T, file string) (errs []string, warnings int) {
	t.Helper()
	outLog := file + ".validation.sarif"
	cmd := exec.Command(filepath.Join(v.dir, "node_modules", "@microsoft", "sarif-multitool-linux", "Sarif.Multitool"), "validate",
		"--rule-kind", "Sarif;Gh;Ghas", "--level", "Error;Warning", "--log", "ForceOverwrite", "-o", outLog, file)
	cmd.Env = append(os.Environ(), "DOTNET_CLI_TELEMETRY_OPTOUT=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("running the SARIF multitool: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(outLog)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Runs []struct {
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"results"`
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(raw, &res); err != nil || len(res.Runs) != 1 {
		t.Fatalf("reading the multitool's log: %v", err)
	}
	for _, inv := range res.Runs[0].Invocations {
		if !inv.ExecutionSuccessful {
			t.Fatalf("the multitool did not run successfully on %s", file)
		}
	}
	for _, r := range res.Runs[0].Results {
		switch r.Level {
		case "error":
			errs = append(errs, r.RuleID+": "+r.Message.Text)
		case "warning", "":
			warnings++
		}
	}
	return errs, warnings
}
