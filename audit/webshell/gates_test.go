package webshell

import (
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// nodeFragments build scripts that come near every check of the Node.js gate from every
// side: eval and the Function constructor called and handed on, require calls with
// literals and with computed names, routes with and without a path, parameter lists with a
// response second (and an error first), bodies and blanks of every kind, the words no
// parenthesis marks.
var nodeFragments = []string{"eval", "Function", "require", "(", ")", "(", ")", "'", `"`, "`", "/", "*", "x", "req", "res", "rep",
	"reply", "resp", "response", "resx", "err", "_", "h", ",", ", ", " ", "  ", "\t", "\n", "\r\n", "=>", "{", "}", ".", "app.", "get",
	"post", "use", "router.all", "http.get", "+", "child_process", "vm", "'vm'", ":vm\"", "global", "globalThis[", "[", "This",
	"createServer", "pathParameters", "atob(", "Buffer.from(", "base64", `\x`, "name", "function ", "(req, res) => {",
	"function (q, reply) {", "(err, res) {", "require(m)", "require('fs')", "eval(", "[f].map(eval)", "; ", ";", "('", `("`, "(`",
	"('/", "('*", `("/x`, "(`*", "eval)", "(eval)", ",eval)", " eval)", ";eval)", "(a, res)", "(a,res)", "( a ,\tres )", "(e, rep", "(req, res, ", "      ", "\t\t\t\t", "ID"}

// ident returns a name of 1 to 30 letters, so that parameter lists cross the 24 bytes the
// gate reads before a response's name.
func ident(rng *rand.Rand) string {
	b := make([]byte, 1+rng.Intn(30))
	for i := range b {
		b[i] = "abcdefghijklmnopqrstuvwxyz_$0"[rng.Intn(29)]
	}
	return string(b)
}

// randomParams builds a parameter list (or a call's arguments) around each bound the
// response check reads: the list's '(' up to 30 bytes before the second name, blanks after
// it, the list's ')' up to 70 bytes after it, bodies and no bodies.
func randomParams(rng *rand.Rand) string {
	blanks := func(n int) string {
		var b strings.Builder
		for range rng.Intn(n + 1) {
			b.WriteByte(" \t"[rng.Intn(2)])
		}
		return b.String()
	}
	pick := func(s ...string) string { return s[rng.Intn(len(s))] }
	return pick("(", "f(", "function (", " (") + blanks(3) + pick(ident(rng), "err", "e", "_", "") + blanks(2) + pick(",", ",", ";") + blanks(3) +
		pick("res", "resp", "response", "rep", "reply", "resx", "h", "Res") + blanks(9) + pick(")", ",", ")", "") +
		strings.Repeat(pick(" next", "x", ", y"), rng.Intn(24)) + pick(")", "") + blanks(3) + pick("=>", "{", "\n{", ";", "")
}

func randomNodeScript(rng *rand.Rand) string {
	if rng.Intn(3) == 0 {
		return pick3(rng, "eval(x)", "child_process", "") + randomParams(rng) + pick3(rng, "", "eval(x)", "require(m)")
	}
	var b strings.Builder
	for n := 1 + rng.Intn(24); n > 0; n-- {
		if f := nodeFragments[rng.Intn(len(nodeFragments))]; f != "ID" {
			b.WriteString(f)
		} else {
			b.WriteString(ident(rng))
		}
	}
	return b.String()
}

func pick3(rng *rand.Rand, a, b, c string) string { return []string{a, b, c}[rng.Intn(3)] }

// nodeCorpus returns the JavaScript and TypeScript files (up to 1 MB) of the npm corpus
// `make corpus` fetches, or nil when it is not there.
func nodeCorpus(t *testing.T) map[string][]byte {
	dir := os.Getenv("STRATA_CORPUS")
	if dir == "" {
		dir = filepath.Join("..", "..", ".cache", "corpus")
	}
	dir = filepath.Join(dir, "npm")
	if _, err := os.Stat(filepath.Join(dir, ".done")); err != nil {
		t.Logf("corpus %s not fetched: checked on generated scripts alone", dir)
		return nil
	}
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || !nodeExt[strings.ToLower(filepath.Ext(p))] {
			return nil
		}
		if info, err := d.Info(); err == nil && info.Size() <= 1<<20 {
			if data, err := os.ReadFile(p); err == nil {
				out[p] = data
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNodeGateOnePass holds the Node.js gate's single pass over the parentheses (nodeGate) to the
// searches it stands in for: on scripts built to come near every check, on the harness's
// scripts cut and spliced, and on every script of the npm corpus, both decide the same.
func TestNodeGateOnePass(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	var texts []string
	for range 100000 {
		texts = append(texts, randomNodeScript(rng))
	}
	var scripts []string
	for _, v := range variants() {
		if nodeExt[filepath.Ext(v.path)] {
			scripts = append(scripts, string(v.data))
		}
	}
	if len(scripts) == 0 {
		t.Fatal("the harness has no Node.js scripts")
	}
	for _, a := range scripts {
		b := scripts[rng.Intn(len(scripts))]
		i, j := rng.Intn(len(a)+1), rng.Intn(len(b)+1)
		texts = append(texts, a, a[:i]+b[j:], strings.ReplaceAll(a, " ", "\t"), strings.ReplaceAll(a, ", ", ","), a[:i]+randomNodeScript(rng)+a[i:])
	}
	check := func(name string, data []byte) bool {
		// Each search against what the pass read in its place, then the gate as a whole.
		evals, callback := evalCalls(data)
		ps := parenScan(data)
		slices.Sort(evals)
		if !slices.Equal(ps.evals, evals) || ps.callback != callback {
			t.Fatalf("%s: the pass finds eval calls at %v (handed on: %v), evalCalls at %v (%v)\n--- %q", name, ps.evals, ps.callback, evals, callback, data[:min(len(data), 2000)])
		}
		if got, want := ps.require || sinkWords(data), otherSinks(data); got != want {
			t.Fatalf("%s: the pass and sinkWords say %v, otherSinks %v\n--- %q", name, got, want, data[:min(len(data), 2000)])
		}
		if got, want := ps.route || ps.response || containsAny(data, nodeHandlerWords), handlerShape(data); got != want {
			t.Fatalf("%s: the pass says %v (route %v, response %v), handlerShape %v\n--- %q", name, got, ps.route, ps.response, want, data[:min(len(data), 2000)])
		}
		want := nodeLang(name, ".js", data, true) != nil
		if got := nodeLang(name, ".js", data, false) != nil; got != want {
			t.Fatalf("%s: the gate says %v, the searches %v\n--- %q", name, got, want, data[:min(len(data), 2000)])
		}
		return want
	}
	servers := 0
	for _, s := range texts {
		if check("generated", []byte(s)) {
			servers++
		}
	}
	if servers < 2000 {
		t.Fatalf("only %d of %d generated scripts pass the gate: they do not come near its checks", servers, len(texts))
	}
	corpus := nodeCorpus(t)
	passed := 0
	for p, data := range corpus {
		if check(p, data) {
			passed++
		}
	}
	t.Logf("%d generated scripts (%d servers), %d corpus scripts (%d pass the gate)", len(texts), servers, len(corpus), passed)
}

// TestExhaustiveSameFindings runs the analyzer with and without its shortcuts on the
// harness's pages and scripts, cut and spliced, behind the headers of compiled files and of
// text that only starts like one, and on a compiled file that holds pages among its strings
// (this test's own executable): the findings must be the same.
func TestExhaustiveSameFindings(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	type input struct {
		path string
		data []byte
	}
	var in []input
	vs := variants()
	heads := []string{"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00", "MZ", "MZ\x90\x00", "\xca\xfe\xba\xbe\x00\x00\x00\x34",
		"\xcf\xfa\xed\xfe", "\xfe\xed\xfa\xce", "\x7f"}
	for _, v := range vs {
		b := vs[rng.Intn(len(vs))].data
		i, j := rng.Intn(len(v.data)+1), rng.Intn(len(b)+1)
		in = append(in, input{v.path, v.data}, input{v.path, append(append([]byte{}, v.data[:i]...), b[j:]...)},
			input{v.path, append([]byte(heads[rng.Intn(len(heads))]), v.data...)})
	}
	if exe, err := os.Executable(); err == nil {
		if data, err := os.ReadFile(exe); err == nil && len(data) <= MaxPage {
			in = append(in, input{"/var/www/html/index.php", data}, input{"/usr/lib/cgi-bin/x.cgi", data}, input{"/srv/app/server.js", data})
		}
	}
	fast, slow := New(), &Analyzer{Exhaustive: true}
	found := 0
	for _, x := range in {
		want := slow.Analyze(x.path, x.data)
		if got := fast.Analyze(x.path, x.data); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: with shortcuts\n%+v\nwithout\n%+v\n--- %q", x.path, got, want, x.data[:min(len(x.data), 2000)])
		}
		found += len(want)
	}
	if found < len(vs) {
		t.Fatalf("%d findings on %d inputs: the inputs do not exercise the analyzer", found, len(in))
	}
}
