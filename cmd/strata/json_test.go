package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// TestEveryCommandTakesFormatJSON: every command but the interactive tui (and cobra's own
// help and completion) has --format with json among its values.
func TestEveryCommandTakesFormatJSON(t *testing.T) {
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.HasSubCommands() || !c.Runnable() {
			return
		}
		switch c.Name() {
		case "tui", "help", "bash", "zsh", "fish", "powershell":
			return
		}
		n++
		f := c.Flags().Lookup("format")
		if f == nil || !strings.Contains(f.Usage, "json") {
			t.Errorf("%s has no --format json", c.CommandPath())
		}
	}
	walk(newRootCommand())
	if n < 20 {
		t.Fatalf("walked only %d commands", n)
	}
}

// documentedLists returns the JSON members docs/json.md shows as lists ("name": [ or
// name[…] in the tables).
func documentedLists(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "json.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, re := range []*regexp.Regexp{regexp.MustCompile(`"([a-z_]+)":\s*\[`), regexp.MustCompile(`\b([a-z_]+)\[`)} {
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			out[m[1]] = true
		}
	}
	// A name shown as a list in one document and as a number, string, truth value or null in
	// another (a finding's "history" is a step index, inspect's a list of steps) is not checked.
	for _, m := range regexp.MustCompile(`"([a-z_]+)":\s*(null|true|false|-?[0-9]|")`).FindAllStringSubmatch(string(b), -1) {
		delete(out, m[1])
	}
	for _, want := range []string{"findings", "hits", "sightings", "rules", "warnings", "images", "evidence_files", "implants", "techniques", "packages"} {
		if !out[want] {
			t.Fatalf("docs/json.md shows no list %q: the parse is wrong", want)
		}
	}
	return out
}

// nullLists returns the paths in v where a member docs/json.md shows as a list is null.
func nullLists(v any, at string, lists map[string]bool, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if x[k] == nil && lists[k] {
				*out = append(*out, at+"."+k)
			}
			nullLists(x[k], at+"."+k, lists, out)
		}
	case []any:
		for i, e := range x {
			nullLists(e, at+"["+string(rune('0'+i%10))+"]", lists, out)
		}
	}
}

// TestJSONShapes runs every command with --format json, on a suspect and on images that hold
// nothing (an empty image, a history with nothing in it), and finds no null where
// docs/json.md shows a list.
func TestJSONShapes(t *testing.T) {
	lists := documentedLists(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	empty := saveRecipe(t, dir, "empty", imagebuild.Image{Tags: []string{"example.test/empty:1"}, Layers: []imagebuild.Layer{{CreatedBy: "COPY x / # buildkit",
		Files: []imagebuild.File{imagebuild.Reg("x", "x\n")}}}})
	rules := filepath.Join(dir, "mine.yar")
	os.WriteFile(rules, []byte("rule mine {\n strings:\n  $a = \"evil_marker\"\n condition:\n  $a\n}\n"), 0o644)
	archive := filepath.Join(dir, "history.tar.gz")
	runs := [][]string{
		// Nothing recorded yet.
		{"history"}, {"tags"}, {"family"}, {"store"}, {"trust", "list"}, {"vulndb", "status"},
		{"inspect", empty}, {"layers", empty}, {"layers", "--layer", "0", empty}, {"dockerfile", empty},
		{"scan", empty}, {"scan", suspect}, {"sbom", empty}, {"sbom", suspect}, {"sbom", "--unpackaged", suspect},
		{"diff", original, suspect}, {"diff", "--path", imagebuild.DemoCronPath, original, suspect}, {"diff", empty, empty},
		{"inspect", suspect}, {"layers", suspect}, {"dockerfile", suspect},
		{"rules", "list"}, {"rules", "check", rules}, {"version"},
		{"cat", suspect, imagebuild.DemoCronPath}, {"export", suspect, imagebuild.DemoCronPath, "-o", filepath.Join(dir, "cron.txt")},
		{"trust", "add", original}, {"trust", "list"},
		{"history"}, {"tags"}, {"tags", imagebuild.DemoTag}, {"family"}, {"family", suspect}, {"store"},
		{"trace", "--ip", imagebuild.DemoRemoteAddr}, {"trace", "--sha256", strings.Repeat("0", 64)},
		{"report", "--diff", original, suspect}, {"report", empty},
		{"history", "export", archive},
	}
	for _, args := range runs {
		args = append(args, "--format", "json")
		out, errOut, code := strataIn(t, data, args...)
		if code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, errOut)
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("%v: not JSON (%v): %.200q", args, err, out)
			continue
		}
		var nulls []string
		nullLists(v, "", lists, &nulls)
		if len(nulls) > 0 {
			t.Errorf("%v: null where docs/json.md shows a list: %v", args, nulls)
		}
	}
	// The archive imports into another station's history, JSON again.
	out, errOut, code := strataIn(t, filepath.Join(dir, "other"), "history", "import", archive, "--format", "json")
	var sum map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &sum) != nil || sum["records"] == nil {
		t.Errorf("history import --format json: exit %d %s %s", code, out, errOut)
	}
	// cat --format json says what was read, not the bytes.
	out, _, _ = strataIn(t, data, "cat", "--format", "json", suspect, imagebuild.DemoCronPath)
	var cat struct {
		Path, SHA256 string
		Layer        int
		Bytes        int64
	}
	if err := json.Unmarshal([]byte(out), &cat); err != nil || cat.Path != imagebuild.DemoCronPath || cat.Layer != 5 || len(cat.SHA256) != 64 || cat.Bytes == 0 ||
		strings.Contains(out, "curl") {
		t.Errorf("cat --format json: %v %s", err, out)
	}
}
