package standard_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/audit/shell"
	"github.com/strata-forensics/strata/audit/webshell"
	"github.com/strata-forensics/strata/forensics"
)

// TestGatesKeepFindings holds the shortcuts of the shell, secrets and webshell analyzers (the
// trigram set in front of their word searches, literal tests in front of regular
// expressions, names decided by their ends, compiled files ruled out by their header, one
// pass over a script's parentheses) to the analyzers without them: on every variant of the
// harness, on the variants cut, spliced and reformatted at random, and on the files of the
// clean corpora that were fetched, both must report the same findings.
func TestGatesKeepFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the analyzers twice over the harness and the clean corpora")
	}
	type input struct {
		path string
		mode uint32
		text []byte
	}
	var in []input
	var vs []variant
	vs = append(vs, shellVariants()...)
	vs = append(vs, langVariants()...)
	vs = append(vs, fileVariants()...)
	for _, v := range vs {
		in = append(in, input{v.path, uint32(v.mode), []byte(v.text)})
	}
	rng := harnessRand(11)
	for i := range vs {
		a, b := vs[i].text, vs[rng.IntN(len(vs))].text
		cut, at := rng.IntN(len(a)+1), rng.IntN(len(b)+1)
		texts := []string{a[:cut] + b[at:], b + "\n" + a, strings.ReplaceAll(a, "\n", "\n\n# note\n"), strings.ReplaceAll(a, " ", "  ")}
		for k := 0; k < 2; k++ {
			in = append(in, input{vs[i].path, uint32(vs[i].mode), []byte(texts[rng.IntN(len(texts))])})
		}
		// The same text under another kind of name: a script's text as a library, a
		// config file, prose.
		for _, p := range []string{"/usr/lib/node_modules/x/index.js", "/usr/lib/python3/dist-packages/x.py", "/etc/app/settings.json", "/usr/share/doc/x/NOTES"} {
			if rng.IntN(4) == 0 {
				in = append(in, input{p, 0o644, []byte(a)})
			}
		}
	}
	corpora := 0
	for _, c := range []string{"debian-web", "npm", "debian-autostart", "wordpress"} {
		dir := filepath.Join(corpusDir(), c)
		if _, err := os.Stat(filepath.Join(dir, ".done")); err != nil {
			t.Logf("corpus %s not fetched: checked on the harness alone", c)
			continue
		}
		corpora++
		// Some 800 files spread over the corpus, up to 1 MB each.
		var files []string
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if info, err := d.Info(); err == nil && info.Size() <= 1<<20 {
					files = append(files, p)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		step := max(1, len(files)/800)
		for i := 0; i < len(files); i += step {
			p := files[i]
			info, err1 := os.Stat(p)
			data, err2 := os.ReadFile(p)
			if err1 != nil || err2 != nil {
				continue
			}
			in = append(in, input{"/" + filepath.ToSlash(strings.TrimPrefix(p, dir+string(filepath.Separator))), uint32(info.Mode().Perm()), data})
		}
	}
	type pair struct {
		name       string
		fast, slow audit.ContentAnalyzer
	}
	pairs := []pair{
		{"shell", shell.New(), &shell.Analyzer{Exhaustive: true}},
		{"secrets", secrets.New(), &secrets.Analyzer{Exhaustive: true}},
		{"webshell", webshell.New(), &webshell.Analyzer{Exhaustive: true}},
	}
	found := map[string]int{}
	for _, x := range in {
		f := audit.File{Entry: &forensics.Entry{Path: x.path, Mode: x.mode, Size: int64(len(x.text))}}
		for _, p := range pairs {
			want := p.slow.Content(f, x.text)
			if got := p.fast.Content(f, x.text); !reflect.DeepEqual(got, want) {
				t.Errorf("%s on %s: with shortcuts\n%+v\nwithout\n%+v\n--- %s", p.name, x.path, got, want, excerpt(string(x.text)))
			}
			found[p.name] += len(want)
		}
	}
	t.Logf("%d files (%d corpora): findings %v", len(in), corpora, found)
	if found["shell"] < len(vs) {
		t.Fatalf("%d shell findings on %d variants: the inputs do not exercise the analyzer", found["shell"], len(vs))
	}
}
