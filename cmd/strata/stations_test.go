package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/internal/pgtest"
)

// stationImages are the demo original and suspect (sharing their base layers), an image built
// on the suspect and a re-tag of the original: station a scans the first two, station b the
// last three (the suspect at both), a single station all four.
func stationImages(t *testing.T) (a, b, all []string) {
	child, retagged := demoFamily(t)
	return []string{original, suspect}, []string{suspect, child, retagged}, []string{original, suspect, child, retagged}
}

// scanProcesses runs one strata process per station at once, each scanning its images into
// its own database (dbs[i], "" for the data directory's), and waits for them.
func scanProcesses(t *testing.T, datas, dbs []string, refs [][]string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(datas))
	for i := range datas {
		args := []string{"scan", "-q", "--format", "json"}
		if dbs[i] != "" {
			args = append(args, "--db", dbs[i])
		}
		cmd := strataProcess(datas[i], append(args, refs[i]...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := cmd.Run()
			var ee *exec.ExitError
			if err != nil && !(errorsAs(err, &ee) && ee.ExitCode() == exitFindings) {
				errs[i] = fmt.Errorf("station %d: %v: %s", i, err, stderr.String())
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func errorsAs(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*target = e
	}
	return ok
}

// answers are a database's trace and family answers with what legitimately differs between
// stations left out (times, local scan ids): what was found where, introduced by whom, and the
// family forest.
func answers(t *testing.T, data string, db ...string) string {
	t.Helper()
	var b strings.Builder
	for _, q := range [][]string{
		{"--ip", imagebuild.DemoRemoteAddr}, {"--path", imagebuild.DemoCronPath}, {"--path", "/app/*"}, {"--string", "curl"},
	} {
		out, errOut, code := strataIn(t, data, append(append([]string{"trace", "--format", "json"}, db...), q...)...)
		if code != 0 {
			t.Fatalf("trace %v: exit %d: %s", q, code, errOut)
		}
		var doc struct {
			Hits []history.Hit `json:"hits"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("trace %v: %v\n%s", q, err, out)
		}
		var lines []string
		for _, h := range doc.Hits {
			intro := ""
			if h.IntroducedBy != nil {
				intro = h.IntroducedBy.ConfigDigest
			}
			lines = append(lines, fmt.Sprintf("%s %s %s layer %d %s %s %s %q by %s", h.Indicator, h.Where, h.Image.ConfigDigest,
				h.Layer, h.DiffID, h.Path, h.SHA256, h.Detail, intro))
		}
		if len(lines) == 0 {
			t.Fatalf("trace %v found nothing: the comparison would prove nothing", q)
		}
		sort.Strings(lines)
		fmt.Fprintf(&b, "trace %v:\n  %s\n", q, strings.Join(lines, "\n  "))
	}
	out, errOut, code := strataIn(t, data, append([]string{"family", "--format", "json"}, db...)...)
	if code != 0 {
		t.Fatalf("family: exit %d: %s", code, errOut)
	}
	var doc struct {
		Forest []*history.Node `json:"forest"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(ns []*history.Node, indent string)
	walk = func(ns []*history.Node, indent string) {
		sort.Slice(ns, func(i, j int) bool { return ns[i].Image.ConfigDigest < ns[j].Image.ConfigDigest })
		for _, n := range ns {
			tags := append([]string{}, n.Image.Tags...)
			inputs := append([]string{}, n.Image.Inputs...)
			sort.Strings(tags)
			sort.Strings(inputs)
			fmt.Fprintf(&b, "%s%s %v %v %d layers\n", indent, n.Image.ConfigDigest, tags, inputs, len(n.Image.Chain))
			walk(n.Children, indent+"  ")
		}
	}
	b.WriteString("family:\n")
	walk(doc.Forest, "  ")
	return b.String()
}

// storeChecks runs strata store --check and fails unless the database and its ledger check out.
func storeChecks(t *testing.T, data string, db ...string) string {
	t.Helper()
	out, errOut, code := strataIn(t, data, append([]string{"store", "--check"}, db...)...)
	if code != 0 || !strings.Contains(out, "Ledger:          ok") {
		t.Fatalf("store --check: exit %d\n%s%s", code, out, errOut)
	}
	return out
}

// Two stations, two processes with their own SQLite databases, scan overlapping images at
// once; station a's export merged into station b's database answers trace and family as a
// single station that scanned everything does, its ledger checks out, and importing the same
// archive again changes nothing.
func TestStationsMergeByExport(t *testing.T) {
	refsA, refsB, all := stationImages(t)
	dataA, dataB, single := t.TempDir(), t.TempDir(), t.TempDir()
	scanProcesses(t, []string{dataA, dataB}, []string{"", ""}, [][]string{refsA, refsB})
	scanProcesses(t, []string{single}, []string{""}, [][]string{all})

	archive := filepath.Join(t.TempDir(), "station-a.tar.gz")
	out, errOut, code := strataIn(t, dataA, "history", "export", archive)
	if code != 0 || !strings.Contains(out, "Ledger head:") {
		t.Fatalf("export: exit %d: %s%s", code, out, errOut)
	}
	if fi, err := os.Stat(archive); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the archive: %v %v, want mode 0600", fi, err)
	}
	if _, _, code := strataIn(t, dataA, "history", "export", archive); code != exitBadInput {
		t.Errorf("exporting over an existing file: exit %d, want 2 without --force", code)
	}
	out, errOut, code = strataIn(t, dataB, "history", "import", "--json", archive)
	if code != 0 {
		t.Fatalf("import: exit %d: %s%s", code, out, errOut)
	}
	var sum history.ImportSummary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Added["scan"] != 2 || sum.Added["input"] != 2 || sum.Present["image"] != 2 {
		t.Errorf("import added %v, held %v: want station a's two readings and scans, both its images already held (the re-tag is the original)", sum.Added, sum.Present)
	}
	if got, want := answers(t, dataB), answers(t, single); got != want {
		t.Errorf("the merged database answers\n%s\na single station answers\n%s", got, want)
	}
	check := storeChecks(t, dataB)
	out, _, code = strataIn(t, dataB, "history", "import", "--json", archive)
	var again history.ImportSummary
	if err := json.Unmarshal([]byte(out), &again); code != 0 || err != nil || len(again.Added) != 0 {
		t.Errorf("a second import: exit %d, added %v (%v)", code, again.Added, err)
	}
	if check2 := storeChecks(t, dataB); check2 != check {
		t.Errorf("a second import changed the database:\n%s\nthen\n%s", check, check2)
	}
	storeChecks(t, dataA)
}

// A tampered export archive is refused with exit 2, naming the record that does not verify.
func TestImportTamperedArchiveExitsTwo(t *testing.T) {
	data := t.TempDir()
	scanAndRecord(t, data, suspect)
	archive := filepath.Join(t.TempDir(), "export.tar.gz")
	if out, errOut, code := strataIn(t, data, "history", "export", archive); code != 0 {
		t.Fatalf("export: exit %d: %s%s", code, out, errOut)
	}
	tampered := tamperArchive(t, archive, func(line []byte) []byte {
		// Lower the first finding of the scan: its severity follows its rule and category.
		if !bytes.Contains(line, []byte(`"kind":"scan"`)) {
			return nil
		}
		var r struct {
			Parts []struct {
				Table string              `json:"table"`
				Rows  [][]json.RawMessage `json:"rows"`
			} `json:"parts"`
		}
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatal(err)
		}
		for _, p := range r.Parts {
			if p.Table == "findings" && len(p.Rows) > 0 {
				row := p.Rows[0]
				old := fmt.Sprintf("%s,%s,%s,%s", row[2], row[3], row[4], row[5])
				lowered := fmt.Sprintf("%s,%s,0,%s", row[2], row[3], row[5])
				if old == lowered {
					lowered = fmt.Sprintf("%s,%s,1,%s", row[2], row[3], row[5])
				}
				return bytes.Replace(line, []byte(old), []byte(lowered), 1)
			}
		}
		return nil
	})
	target := t.TempDir()
	_, errOut, code := strataIn(t, target, "history", "import", tampered)
	if code != exitBadInput || !strings.Contains(errOut, "record ") || !strings.Contains(errOut, "(scan ") || !strings.Contains(errOut, "does not verify") {
		t.Fatalf("importing a tampered archive: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(target, history.DefaultName)); err == nil {
		out, _, _ := strataIn(t, target, "history", "--format", "json")
		if strings.Contains(out, `"id"`) {
			t.Errorf("a refused archive left scans behind: %s", out)
		}
	}
}

// tamperArchive rewrites the first records.jsonl line edit changes (edit returns nil to leave
// a line alone), keeping the manifest as it was.
func tamperArchive(t *testing.T, archive string, edit func([]byte) []byte) string {
	t.Helper()
	members := readTarGz(t, archive)
	lines := bytes.Split(members["records.jsonl"], []byte("\n"))
	changed := false
	for i, l := range lines {
		if n := edit(l); n != nil && !bytes.Equal(n, l) {
			lines[i], changed = n, true
			break
		}
	}
	if !changed {
		t.Fatal("nothing to tamper with")
	}
	members["records.jsonl"] = bytes.Join(lines, []byte("\n"))
	out := filepath.Join(t.TempDir(), "tampered.tar.gz")
	writeTarGz(t, out, []string{"manifest.json", "records.jsonl"}, members)
	return out
}

// Two processes record into one PostgreSQL store at once: the store answers trace and family
// as a single station that scanned everything does, and its ledger checks out. A station's
// SQLite export merges into PostgreSQL as into SQLite.
func TestStationsShareOnePostgreSQLStore(t *testing.T) {
	ctx := context.Background()
	c, err := pgtest.Start(ctx)
	if err != nil {
		if pgtest.Required() {
			t.Fatalf("PostgreSQL: %v", err)
		}
		t.Skipf("PostgreSQL: %v", err)
	}
	defer c.Stop()
	dsn, err := c.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	refsA, refsB, all := stationImages(t)
	dataA, dataB, single := t.TempDir(), t.TempDir(), t.TempDir()
	scanProcesses(t, []string{dataA, dataB}, []string{dsn, dsn}, [][]string{refsA, refsB})
	scanProcesses(t, []string{single}, []string{""}, [][]string{all})
	if got, want := answers(t, dataA, "--db", dsn), answers(t, single); got != want {
		t.Errorf("the shared PostgreSQL store answers\n%s\na single station answers\n%s", got, want)
	}
	out := storeChecks(t, dataA, "--db", dsn)
	if !strings.Contains(out, "scans:           5") {
		t.Errorf("the shared store holds other than the five scans:\n%s", out)
	}

	// The single station's SQLite history, exported, merges into a new PostgreSQL store.
	archive := filepath.Join(t.TempDir(), "single.tar.gz")
	if out, errOut, code := strataIn(t, single, "history", "export", archive); code != 0 {
		t.Fatalf("export: exit %d: %s%s", code, out, errOut)
	}
	dsn2, err := c.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := strataIn(t, dataB, "history", "import", "--db", dsn2, archive); code != 0 {
		t.Fatalf("import into PostgreSQL: exit %d: %s%s", code, out, errOut)
	}
	if got, want := answers(t, dataB, "--db", dsn2), answers(t, single); got != want {
		t.Errorf("the PostgreSQL store merged from an export answers\n%s\nthe exporting station answers\n%s", got, want)
	}
	storeChecks(t, dataB, "--db", dsn2)
}

func readTarGz(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if out[h.Name], err = io.ReadAll(tr); err != nil {
			t.Fatal(err)
		}
	}
}

func writeTarGz(t *testing.T, path string, order []string, members map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range order {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(members[name]))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(members[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
