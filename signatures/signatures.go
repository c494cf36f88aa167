package signatures

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hillu/go-yara/v4"
)

//go:embed rules/*.yar
var builtinFS embed.FS

// Categories are the values built-in rules use for their category meta.
var Categories = []string{"reverse-shell", "ld-preload", "persistence", "ssh-key", "miner", "webshell", "secret", "malware"}

// Severities are the values rules use for their severity meta, lowest first.
var Severities = []string{"info", "low", "medium", "high", "critical"}

// Defaults for user rules that do not say.
const (
	DefaultCategory = "malware"
	DefaultSeverity = "medium"
)

// Externals every rule set is compiled with; the Scanner sets them per file.
var externals = []string{"filename", "filepath", "extension", "filetype", "owner"}

// Meta is the part of a rule's meta section Strata reports.
type Meta struct {
	ID          string
	Category    string
	Severity    string
	Description string
	// Labels are other categories the rule's tags, name or description name besides
	// Category; Techniques the MITRE ATT&CK technique IDs its meta gives (mitre_att,
	// mitre_attack, attack, technique, mitre, tactic_technique).
	Labels     []string
	Techniques []string
}

// Rule describes one compiled, non-private rule.
type Rule struct {
	Namespace string
	Name      string
	Meta      Meta
	// Source is where the rule is declared: "path/to/file.yar:12" for user
	// rules, "builtin:elf.yar:12" for built-in ones.
	Source string
	Tags   []string
}

// Options says which rules Compile takes and how Scanners behave.
type Options struct {
	// Paths are user rule files and directories; directories are walked
	// recursively for *.yar and *.yara files.
	Paths []string
	// NoBuiltin leaves out the embedded rules.
	NoBuiltin bool
	// Timeout bounds the scan of one file; YARA counts in whole seconds.
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxFileSize caps how many bytes ScanReader reads of one file. Zero means
	// DefaultMaxFileSize.
	MaxFileSize int64
	// CacheDir keeps the rules compiled, by the hash of their files' bytes and the externals,
	// so that the next Compile of the same rules loads them instead; "" compiles every time.
	// Only entries below it are written (and old ones removed).
	CacheDir string

	// noScope compiles the user rules as one set that sees every file (tests compare it with
	// the scoped sets).
	noScope bool
}

// Scan defaults.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxFileSize = 64 << 20
)

// RuleSet is a compiled rule set. It is safe for concurrent use; scanning
// goes through one Scanner per goroutine.
//
// The built-in rules are compiled into one yara.Rules per class of file, each
// holding only the rules that can match that class (see Scanner.Scan), and one for the
// rules that look at files of a few names only ("scope: named"); user
// rules are compiled apart, once per class of file (magic and size) with the rules whose
// conditions can be true for it (see scope.go).
type RuleSet struct {
	textRules   *yara.Rules // built-in: text and scripts; nil without built-ins
	pagesRules  *yara.Rules // built-in: PHP, JSP and ASP.NET pages (the text rules and the pages rules)
	binaryRules *yara.Rules // built-in: PE, Mach-O, class files, tar and ar archives
	elfRules    *yara.Rules // built-in: ELF files
	namedRules  *yara.Rules // built-in: files of the names in namedPaths and namedBases, whatever their class
	namedPaths  map[string]bool
	namedBases  map[string]bool
	// pre are the built-in sets' prefilters, by set (see prefilter.go); nil for a set that
	// sees every file it is chosen for.
	pre        map[*yara.Rules]*prefilter
	user       userRules // user rules, one set per class of file that any can match
	userCached bool      // the user rules came from the compiled-rules cache
	// builtinCached is how many classes' built-in sets came from the compiled-rules cache.
	builtinCached int
	list          []Rule
	byKey         map[string]int // namespace + "\x00" + name -> index in list
	hash          string
	warnings      []Diagnostic
	timeout       time.Duration
	maxFileSize   int64
}

// source is one rule file going into the compiler.
type source struct {
	group     int
	name      string // what diagnostics and Rule.Source call it
	namespace string
	path      string // on disk; empty for built-in rules
	text      []byte
	names     []string // groupNamed: the paths and base names its rules are about
}

// Source groups: which compiled rules a source goes into.
const (
	groupUser   = iota // user rules: every file
	groupAny           // built-in, "scope: any": every file built-in rules look at
	groupText          // built-in, "scope: text": text, scripts and server pages only
	groupELF           // built-in, "scope: elf": ELF files only, with the ELF facts externals
	groupShared        // built-in private building blocks: every built-in set
	groupPages         // built-in, "scope: pages": PHP, JSP and ASP.NET pages only
	groupNamed         // built-in, "scope: named NAME...": files of those names (a path, or a base name) only
)

// Diagnostic is a compiler error or warning located in a rule file, and in the rule declared
// there when there is one.
type Diagnostic struct {
	File string
	Line int
	Rule string
	Text string
}

func (d Diagnostic) String() string {
	where := d.File
	if d.Line > 0 {
		where += ":" + strconv.Itoa(d.Line)
	}
	if d.Rule != "" {
		where += ": rule " + d.Rule
	}
	return where + ": " + d.Text
}

// Slow reports whether the diagnostic is libyara's warning that a string or rule slows
// scanning down (its atoms are short or common: every file pays for checking them).
func (d Diagnostic) Slow() bool {
	return strings.Contains(d.Text, "slow down scanning") || strings.Contains(d.Text, "slowing down scanning")
}

// CompileError lists why a rule set did not compile.
type CompileError struct {
	Diagnostics []Diagnostic
}

func (e *CompileError) Error() string {
	if len(e.Diagnostics) == 0 {
		return "compiling rules: unknown error"
	}
	msg := "compiling rules: " + e.Diagnostics[0].String()
	if n := len(e.Diagnostics) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more)", n)
	}
	return msg
}

// Compile builds a RuleSet from the built-in rules (unless opts.NoBuiltin)
// and the user rules under opts.Paths. A rule that does not compile makes the
// error a *CompileError naming its file and line.
func Compile(opts Options) (*RuleSet, error) {
	var srcs []source
	if !opts.NoBuiltin {
		b, err := builtinSources()
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, b...)
	}
	u, err := userSources(opts.Paths)
	if err != nil {
		return nil, err
	}
	srcs = append(srcs, u...)
	rs, err := compileSources(srcs, opts.CacheDir, opts.noScope)
	if err != nil {
		return nil, err
	}
	rs.timeout = opts.Timeout
	if rs.timeout <= 0 {
		rs.timeout = DefaultTimeout
	}
	rs.maxFileSize = opts.MaxFileSize
	if rs.maxFileSize <= 0 {
		rs.maxFileSize = DefaultMaxFileSize
	}
	return rs, nil
}

// Check compiles the user rules under paths without the built-in ones, for
// `strata rules check`. Every file is compiled on its own first so that all
// broken files are reported, not just the first; the error is then a
// *CompileError. Warnings (slow strings and the like) come back either way.
func Check(paths []string) ([]Rule, []Diagnostic, error) {
	srcs, err := userSources(paths)
	if err != nil {
		return nil, nil, err
	}
	if len(srcs) == 0 {
		return nil, nil, fmt.Errorf("checking rules: no .yar or .yara files in %s", strings.Join(paths, ", "))
	}
	var errs []Diagnostic
	for _, s := range srcs {
		rs, err := compileSources([]source{s}, "", true)
		var ce *CompileError
		switch {
		case errors.As(err, &ce):
			errs = append(errs, ce.Diagnostics...)
		case err != nil:
			return nil, nil, err
		default:
			rs.Close()
		}
	}
	if len(errs) > 0 {
		return nil, nil, &CompileError{Diagnostics: errs}
	}
	rs, err := compileSources(srcs, "", true)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	return rs.Rules(), rs.Warnings(), nil
}

// Rules lists the rule set's rules in compile order. Private rules, which
// never report matches, are left out.
func (rs *RuleSet) Rules() []Rule {
	return append([]Rule(nil), rs.list...)
}

// Hash identifies the rule set's version: a sha256 over the names and
// contents of its rule files, in compile order. Scans cached under one hash
// are stale under another.
func (rs *RuleSet) Hash() string { return rs.hash }

// Warnings are the compiler's warnings, such as strings that slow scanning.
func (rs *RuleSet) Warnings() []Diagnostic { return append([]Diagnostic(nil), rs.warnings...) }

// Close frees the compiled rules. Scanners made from the RuleSet must be
// closed first and cannot be used afterwards.
func (rs *RuleSet) Close() {
	for _, r := range []**yara.Rules{&rs.textRules, &rs.pagesRules, &rs.binaryRules, &rs.elfRules, &rs.namedRules} {
		if *r != nil {
			(*r).Destroy()
			*r = nil
		}
	}
	rs.user.destroy()
}

// scopeLine is how a built-in rule file says which files its rules can match. "named" is
// followed by the names its rules are about: absolute paths, or base names; every rule of
// such a file must require one of them in its condition (filepath == or filename ==), since
// the file is scanned with them only when it has one (TestNamedScope holds them to it).
var scopeLine = regexp.MustCompile(`(?m)^\s*scope:\s*(text|pages|any|elf|named)\b([^\n]*)`)

func builtinSources() ([]source, error) {
	names, err := fs.Glob(builtinFS, "rules/*.yar")
	if err != nil {
		return nil, fmt.Errorf("listing built-in rules: %w", err)
	}
	sort.Strings(names)
	srcs := make([]source, 0, len(names))
	for _, n := range names {
		text, err := builtinFS.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("reading built-in rules %s: %w", n, err)
		}
		group := groupAny
		scope := ""
		var names []string
		if m := scopeLine.FindSubmatch(text); m != nil {
			scope = string(m[1])
			names = strings.Fields(string(m[2]))
		}
		switch {
		case strings.HasPrefix(filepath.Base(n), "00_"):
			group = groupShared
		case scope == "elf" || bytes.Contains(text, []byte(`import "elf"`)):
			group = groupELF
		case scope == "text":
			group = groupText
		case scope == "pages":
			group = groupPages
		case scope == "named":
			if len(names) == 0 {
				return nil, fmt.Errorf("reading built-in rules %s: scope named names no file", n)
			}
			group = groupNamed
		}
		srcs = append(srcs, source{group: group, name: "builtin:" + filepath.Base(n), namespace: "strata", text: text, names: names})
	}
	return srcs, nil
}

// userSources expands paths into rule files. Each file gets its own
// namespace so that rule names need only be unique within a file, as with
// `yara` given several files or LOKI.
func userSources(paths []string) ([]source, error) {
	var srcs []source
	seen := map[string]int{}
	add := func(p, ns string) error {
		text, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("reading rules %s: %w", p, err)
		}
		ns = filepath.ToSlash(ns)
		if n := seen[ns]; n > 0 {
			seen[ns]++
			ns = fmt.Sprintf("%s#%d", ns, n+1)
		} else {
			seen[ns] = 1
		}
		srcs = append(srcs, source{name: p, namespace: ns, path: p, text: text})
		return nil
	}
	for _, root := range paths {
		fi, err := os.Stat(root)
		if err != nil {
			return nil, fmt.Errorf("reading rules %s: %w", root, err)
		}
		if !fi.IsDir() {
			if err := add(root, filepath.Base(root)); err != nil {
				return nil, err
			}
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".yar", ".yara":
			default:
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				rel = p
			}
			return add(p, rel)
		})
		if err != nil {
			return nil, fmt.Errorf("walking rules %s: %w", root, err)
		}
	}
	return srcs, nil
}

// newCompiler returns a compiler with the externals defined, and the ELF facts' too when elf.
func newCompiler(elf bool) (*yara.Compiler, error) {
	c, err := yara.NewCompiler()
	if err != nil {
		return nil, fmt.Errorf("creating YARA compiler: %w", err)
	}
	define := func(name string, v any) error {
		if err := c.DefineVariable(name, v); err != nil {
			c.Destroy()
			return fmt.Errorf("defining external %s: %w", name, err)
		}
		return nil
	}
	for _, v := range externals {
		if err := define(v, ""); err != nil {
			return nil, err
		}
	}
	if elf {
		for i, v := range zeroELFFacts.values() {
			if err := define(elfExternals[i], v); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// compileSources compiles srcs into a RuleSet: one yara.Rules per class of
// file for the built-in rules, and one for the user rules. YARA searches every
// string of a rule set on every scan, whatever the conditions say, so a rule
// that can only match text costs the same on a 40 MB library as one that can
// match it; and a module import builds the module's object tree on every scan.
// Keeping each class's rules apart keeps both costs where they can pay off.
//
// The rules come from the compiled-rules cache under cacheDir when it holds them (the built-in
// classes' sets, and the user rules), and the user rules are scoped per class of file unless
// noScope.
func compileSources(srcs []source, cacheDir string, noScope bool) (*RuleSet, error) {
	h := sha256.New()
	var text, pages, bin, elf, named, user []source
	for _, s := range srcs {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s.namespace)))
		h.Write(n[:])
		h.Write([]byte(s.namespace))
		binary.BigEndian.PutUint64(n[:], uint64(len(s.text)))
		h.Write(n[:])
		h.Write(s.text)
		switch s.group {
		case groupUser:
			user = append(user, s)
		case groupText:
			text = append(text, s)
			pages = append(pages, s)
		case groupPages:
			pages = append(pages, s)
		case groupELF:
			elf = append(elf, s)
		case groupNamed:
			named = append(named, s)
		case groupAny, groupShared:
			text = append(text, s)
			pages = append(pages, s)
			bin = append(bin, s)
			elf = append(elf, s)
		}
	}
	rs := &RuleSet{hash: hex.EncodeToString(h.Sum(nil)), byKey: map[string]int{}}
	if len(named) > 0 {
		rs.namedPaths, rs.namedBases = map[string]bool{}, map[string]bool{}
		for _, s := range named {
			for _, n := range s.names {
				if strings.HasPrefix(n, "/") {
					rs.namedPaths[n] = true
				} else {
					rs.namedBases[n] = true
				}
			}
		}
		// The shared building blocks go in front.
		var shared []source
		for _, s := range srcs {
			if s.group == groupShared {
				shared = append(shared, s)
			}
		}
		named = append(shared, named...)
	}
	for _, g := range []struct {
		name  string
		rules **yara.Rules
		srcs  []source
	}{{"text", &rs.textRules, text}, {"pages", &rs.pagesRules, pages}, {"binary", &rs.binaryRules, bin}, {"elf", &rs.elfRules, elf},
		{"named", &rs.namedRules, named}} {
		if len(g.srcs) == 0 {
			continue
		}
		yr, warnings, cached, err := compileClass(cacheDir, g.name, g.srcs)
		if err != nil {
			rs.Close()
			return nil, err
		}
		if cached {
			rs.builtinCached++
		}
		*g.rules = yr
		if p := prefilterOf(g.srcs); p != nil {
			if rs.pre == nil {
				rs.pre = map[*yara.Rules]*prefilter{}
			}
			rs.pre[yr] = p
		}
		for _, w := range warnings {
			if !slices.Contains(rs.warnings, w) {
				rs.warnings = append(rs.warnings, w)
			}
		}
	}

	// Built-in files share a namespace, so rules are located by namespace
	// and name together.
	where := map[string]string{}
	fallback := map[string]string{}
	for _, s := range srcs {
		fallback[s.namespace] = s.name
		for name, line := range ruleLines(s.text) {
			key := s.namespace + "\x00" + name
			if _, ok := where[key]; !ok {
				where[key] = s.name + ":" + strconv.Itoa(line)
			}
		}
	}
	list := func(yr *yara.Rules) []Rule {
		var out []Rule
		for _, r := range yr.GetRules() {
			if r.IsPrivate() {
				continue
			}
			rule := Rule{Namespace: r.Namespace(), Name: r.Identifier(), Tags: r.Tags()}
			key := rule.Namespace + "\x00" + rule.Name
			rule.Source = where[key]
			if rule.Source == "" {
				rule.Source = fallback[rule.Namespace]
			}
			rule.Meta = ruleMeta(r.Metas(), rule)
			out = append(out, rule)
		}
		return out
	}
	add := func(rules []Rule) {
		for _, rule := range rules {
			key := rule.Namespace + "\x00" + rule.Name
			if _, dup := rs.byKey[key]; dup {
				continue
			}
			rs.byKey[key] = len(rs.list)
			rs.list = append(rs.list, rule)
		}
	}
	for _, yr := range []*yara.Rules{rs.elfRules, rs.pagesRules, rs.namedRules} {
		if yr != nil {
			add(list(yr))
		}
	}
	if len(user) > 0 {
		uc, err := compileUser(user, cacheDir, noScope, list)
		if err != nil {
			rs.Close()
			return nil, err
		}
		rs.user, rs.userCached = uc.rules, uc.cached
		add(uc.list)
		for _, w := range uc.warnings {
			if !slices.Contains(rs.warnings, w) {
				rs.warnings = append(rs.warnings, w)
			}
		}
	}
	return rs, nil
}

// compileGroup compiles srcs with one compiler, in order.
func compileGroup(srcs []source) (*yara.Rules, []Diagnostic, error) {
	c, err := newCompiler(slices.ContainsFunc(srcs, func(s source) bool { return s.group == groupELF }))
	if err != nil {
		return nil, nil, err
	}
	defer c.Destroy()
	var warnings []Diagnostic
	for _, s := range srcs {
		nwarn := len(c.Warnings)
		if s.path != "" {
			// AddFile lets include statements resolve relative to the file.
			err = addFile(c, s)
		} else {
			err = c.AddString(string(s.text), s.namespace)
		}
		if err != nil {
			diags := diagnostics(c.Errors, s)
			if len(diags) == 0 {
				diags = []Diagnostic{{File: s.name, Text: err.Error()}}
			}
			return nil, nil, &CompileError{Diagnostics: diags}
		}
		warnings = append(warnings, diagnostics(c.Warnings[nwarn:], s)...)
	}
	yr, err := c.GetRules()
	if err != nil {
		return nil, nil, fmt.Errorf("compiling rules: %w", err)
	}
	return yr, warnings, nil
}

func addFile(c *yara.Compiler, s source) error {
	f, err := os.Open(s.path)
	if err != nil {
		return fmt.Errorf("reading rules %s: %w", s.path, err)
	}
	defer f.Close()
	return c.AddFile(f, s.namespace)
}

// diagnostics turns compiler messages into Diagnostics; messages without a
// file name (rules added as strings) belong to s. A message located in s names the
// rule declared last before its line.
func diagnostics(msgs []yara.CompilerMessage, s source) []Diagnostic {
	var out []Diagnostic
	var decls map[string]int
	for _, m := range msgs {
		d := Diagnostic{File: m.Filename, Line: m.Line, Text: m.Text}
		if d.File == "" {
			d.File = s.name
		}
		if d.Line > 0 && (m.Filename == "" || m.Filename == s.path) {
			if decls == nil {
				decls = ruleLines(s.text)
			}
			best := 0
			for name, line := range decls {
				if line <= d.Line && (line > best || line == best && name < d.Rule) {
					d.Rule, best = name, line
				}
			}
		}
		out = append(out, d)
	}
	return out
}

var ruleDecl = regexp.MustCompile(`(?m)^[ \t]*(?:(?:private|global)[ \t]+)*rule[ \t]+([A-Za-z_][A-Za-z0-9_]*)`)

// ruleLines maps rule names to the line that declares them. YARA does not
// keep line numbers in compiled rules.
func ruleLines(text []byte) map[string]int {
	out := map[string]int{}
	line, last := 1, 0
	for _, m := range ruleDecl.FindAllSubmatchIndex(text, -1) {
		line += bytes.Count(text[last:m[0]], []byte("\n"))
		last = m[0]
		name := string(text[m[2]:m[3]])
		if _, ok := out[name]; !ok {
			out[name] = line
		}
	}
	return out
}

// ruleMeta reads id, category, severity and description from a rule's meta,
// falling back for rules written for other tools: severity from a
// signature-base style score; category from the meta's category (a known one, or
// words that name one: "webshell", "coinminer"), else from the tags, else from
// the rule's name, else from its description. Every other category those name is a
// label; technique IDs come from ATT&CK meta fields.
func ruleMeta(metas []yara.Meta, r Rule) Meta {
	var m Meta
	score := -1
	for _, x := range metas {
		v := fmt.Sprint(x.Value)
		switch strings.ToLower(x.Identifier) {
		case "id":
			m.ID = v
		case "category":
			m.Category = strings.ToLower(v)
		case "severity":
			m.Severity = strings.ToLower(v)
		case "description":
			m.Description = v
		case "score":
			if n, err := strconv.Atoi(v); err == nil {
				score = n
			}
		case "mitre_att", "mitre_attack", "attack", "technique", "techniques", "mitre", "mitre_technique", "attack_id":
			for _, t := range techniqueID.FindAllString(strings.ToUpper(v), -1) {
				if !slices.Contains(m.Techniques, t) {
					m.Techniques = append(m.Techniques, t)
				}
			}
		}
	}
	if m.ID == "" {
		m.ID = r.Namespace + ":" + r.Name
	}
	if !valid(Severities, m.Severity) {
		m.Severity = severityFromScore(score)
	}
	// Every category the rule's words name, most telling source first.
	var named []string
	add := func(cs []string) {
		for _, c := range cs {
			if !slices.Contains(named, c) {
				named = append(named, c)
			}
		}
	}
	given := valid(Categories, m.Category)
	if given {
		add([]string{m.Category})
	} else {
		add(categoriesIn(m.Category))
	}
	for _, t := range r.Tags {
		if valid(Categories, strings.ToLower(t)) {
			add([]string{strings.ToLower(t)})
		}
		add(categoriesIn(t))
	}
	// A rule that says its category is taken at its word; its name and description are
	// read only for rules that do not.
	if !given {
		add(categoriesIn(r.Name))
		add(categoriesIn(m.Description))
	}
	if len(named) == 0 {
		m.Category = DefaultCategory
	} else {
		m.Category, m.Labels = named[0], named[1:]
	}
	return m
}

var techniqueID = regexp.MustCompile(`T[0-9]{4}(\.[0-9]{3})?`)

// categoryWords name a category in a rule's tags, name or description, as public rule sets
// spell them: WEBSHELL_PHP_Generic, HKTL_Reverse_Shell, MAL_XMRIG_Miner, LD_PRELOAD_Rootkit.
var categoryWords = []struct {
	category string
	words    *regexp.Regexp
}{
	{"webshell", regexp.MustCompile(`webshell|web_shell|chinachopper|china_chopper|(^|_)(jsp|asp|aspx|php|cfm)_?shell($|_)|wso_shell|b374k|c99_?shell|r57_?shell|godzilla|behinder|antsword`)},
	{"reverse-shell", regexp.MustCompile(`reverse_?shell|revshell|bind_?shell|(^|_)rshell($|_)|back_?connect|(^|_)shell_?code($|_)`)},
	{"miner", regexp.MustCompile(`(^|_)(coin|crypto|xmr|monero|cpu|gpu)?_?miner(s)?($|_)|xmrig|cryptonight|coinhive|stratum|(^|_)mining($|_)|cryptojack`)},
	{"ld-preload", regexp.MustCompile(`ld_?preload|ld_so_preload|preload_?(lib|rootkit|hook)|(^|_)(userland|usermode)_rootkit|libprocesshider|azazel|jynx|vlany|bdvl|beurk`)},
	{"persistence", regexp.MustCompile(`(^|_)persistence($|_)|crontab|cron_?job|systemd_?(unit|service)|rc_local|(^|_)autostart($|_)`)},
	{"ssh-key", regexp.MustCompile(`authorized_?keys|ssh_?key`)},
	{"secret", regexp.MustCompile(`(^|_)(secret|credential|credentials|private_?key|api_?key|access_?key)s?($|_)`)},
}

// categoriesIn returns the categories text names: words joined by _ after lower-casing, any
// run of other characters taken as _.
func categoriesIn(text string) []string {
	if text == "" {
		return nil
	}
	norm := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return '_'
	}, text)
	var out []string
	for _, cw := range categoryWords {
		if cw.words.MatchString(norm) {
			out = append(out, cw.category)
		}
	}
	return out
}

// severityFromScore maps signature-base/THOR scores (40 notice, 60 warning,
// 75+ alert) onto severities.
func severityFromScore(score int) string {
	switch {
	case score < 0:
		return DefaultSeverity
	case score >= 90:
		return "critical"
	case score >= 75:
		return "high"
	case score >= 60:
		return "medium"
	case score >= 40:
		return "low"
	default:
		return "info"
	}
}

func valid(set []string, v string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// SeverityRank orders severities: 0 for info up to 4 for critical, -1 for
// anything else.
func SeverityRank(s string) int {
	for i, v := range Severities {
		if v == s {
			return i
		}
	}
	return -1
}
