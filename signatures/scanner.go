package signatures

import (
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/hillu/go-yara/v4"
)

// Limits on what a Match carries, so that one noisy rule cannot flood a report.
const (
	// MaxMatchData caps the bytes kept of each matched string.
	MaxMatchData = 64
	// MaxMatchStrings caps the matched strings kept per rule and file.
	MaxMatchStrings = 16
)

// ErrTruncated is returned by ScanReader, with the matches found, when the
// file was larger than the size cap and only its head was scanned.
var ErrTruncated = errors.New("file larger than the scan size cap: only its head was scanned")

// FileInfo describes the file being scanned, for the externals.
type FileInfo struct {
	// Path is the file's absolute path inside the image ("/etc/passwd").
	Path string
	// Owner is the file's owner as the image records it: a user name, or
	// the numeric uid when there is none.
	Owner string
	// Size is the file's full size; it may exceed the bytes scanned.
	Size int64
}

// Match is one rule that matched a file.
type Match struct {
	Rule    Rule
	Strings []MatchString
}

// MatchString is one matched string of a rule.
type MatchString struct {
	// ID is the string's identifier in the rule, such as "$redir".
	ID     string
	Offset int64
	// Data is the matched bytes, at most MaxMatchData of them. Rules of
	// category "secret" match secrets: show them through Redacted.
	Data []byte
	// Length is the full length of the match.
	Length int
}

// Redacted returns the matched data with all but its first four bytes masked,
// printable for reports.
func (m MatchString) Redacted() string {
	const keep = 4
	if len(m.Data) <= keep {
		return strings.Repeat("*", len(m.Data))
	}
	return string(m.Data[:keep]) + strings.Repeat("*", m.Length-keep)
}

// Scanner scans files one at a time against a RuleSet. A Scanner is not safe
// for concurrent use: give every goroutine its own.
type Scanner struct {
	rs     *RuleSet
	text   yaraScanner   // built-in rules for text and scripts
	pages  yaraScanner   // built-in rules for server pages: the text rules and the pages rules
	binary yaraScanner   // built-in rules for PE, Mach-O, class files, tar and ar
	elf    yaraScanner   // built-in rules for ELF files
	named  yaraScanner   // built-in rules for files of a few names (RuleSet.namedPaths, namedBases)
	user   []yaraScanner // user rules, one per set (RuleSet.user)
	cb     collector
	buf    []byte
	filter filterScratch // for the user rules' filters
}

// scanFlagsNoTryCatch is libyara's SCAN_FLAGS_NO_TRYCATCH, which go-yara does not name.
const scanFlagsNoTryCatch yara.ScanFlags = 4

// yaraScanner is a yara.Scanner and the externals last set on it, so that
// unchanged ones are not set again; uses says which externals its rules name (the
// others are never set).
type yaraScanner struct {
	ys   *yara.Scanner
	pre  *prefilter // files that hold none of its words are not scanned
	vars [5]string
	set  bool
	uses [5]bool
}

// NewScanner returns a Scanner for rs. Close it when done.
func (rs *RuleSet) NewScanner() (*Scanner, error) {
	if rs.textRules == nil && rs.user.empty() {
		return nil, errors.New("creating YARA scanner: rule set is closed")
	}
	s := &Scanner{rs: rs}
	s.cb.rs = rs
	for _, x := range []struct {
		y *yaraScanner
		r *yara.Rules
	}{{&s.text, rs.textRules}, {&s.pages, rs.pagesRules}, {&s.binary, rs.binaryRules}, {&s.elf, rs.elfRules}, {&s.named, rs.namedRules}} {
		if x.r == nil {
			continue
		}
		var err error
		if x.y.ys, err = rs.newYaraScanner(x.r, &s.cb); err != nil {
			s.Close()
			return nil, err
		}
		x.y.uses = [5]bool{true, true, true, true, true}
		x.y.pre = rs.pre[x.r]
	}
	s.user = make([]yaraScanner, len(rs.user.sets))
	for i, r := range rs.user.sets {
		var err error
		if s.user[i].ys, err = rs.newYaraScanner(r, &s.cb); err != nil {
			s.Close()
			return nil, err
		}
		s.user[i].uses = rs.user.vars[i]
		s.user[i].pre = rs.user.pre[i]
	}
	return s, nil
}

func (rs *RuleSet) newYaraScanner(r *yara.Rules, cb yara.ScanCallback) (*yara.Scanner, error) {
	ys, err := yara.NewScanner(r)
	if err != nil {
		return nil, fmt.Errorf("creating YARA scanner: %w", err)
	}
	ys.SetCallback(cb)
	// Fast mode records only the first match of each string: enough to report
	// and much cheaper on files full of repeats. Without "no try-catch", libyara installs
	// its own SIGSEGV and SIGBUS handlers around every scan, to survive a memory-mapped
	// file shrinking under it: a few system calls per file, for buffers Go owns and keeps
	// alive, and handlers that stand in for the Go runtime's while they are installed.
	ys.SetFlags(yara.ScanFlagsFastMode | scanFlagsNoTryCatch)
	ys.SetTimeout(rs.timeout)
	return ys, nil
}

// Close frees the scanner.
func (s *Scanner) Close() {
	for _, y := range []*yaraScanner{&s.text, &s.pages, &s.binary, &s.elf, &s.named} {
		if y.ys != nil {
			y.ys.Destroy()
			y.ys = nil
		}
	}
	for i := range s.user {
		if s.user[i].ys != nil {
			s.user[i].ys.Destroy()
		}
	}
	s.user = nil
	s.buf = nil
}

// Scan matches data, the whole content of the file info describes. On a scan
// timeout the error wraps yara's and the matches found so far are returned.
//
// User rules see the files their conditions can match: each file goes to the set of its
// class (MZ, ELF or other, see scope.go), and to libyara not at all when no user rule of
// its class allows its size. Built-in rules see the files they can match,
// chosen by the detected type: ELF files under 2 MB whose structure allows an ELF
// rule to match (elfFacts.mayMatch) get the ELF rules (which are all limited to smaller
// files) and the "scope: any" rules, other ELF files the "scope: any" rules; text, scripts and server pages (and files named .jsp or .jspx)
// get the "scope: text" and "scope: any" rules; PE, Mach-O and class files and
// tar and ar archives get the "scope: any" rules; compressed archives, images,
// empty files and unrecognised binary data get none: their bytes hold nothing
// in the clear, or nothing that runs as it is. A shell one-liner appended to
// random bytes is therefore not reported: no shell would run it from there. Files of
// the names "scope: named" rule files list (/etc/ld.so.preload, authorized_keys) get
// those rules as well, whatever their class.
func (s *Scanner) Scan(info FileInfo, data []byte) ([]Match, error) {
	if s.text.ys == nil && s.user == nil {
		return nil, errors.New("scanning with a closed scanner")
	}
	vals, class := externalValues(info, data)
	s.cb.matches = nil
	var builtin *yaraScanner
	var facts elfFacts
	switch class {
	case classText:
		builtin = &s.text
	case classPage:
		builtin = &s.pages
	case classELF:
		builtin = &s.binary
		// Every ELF rule is limited to smaller files, and needs a file of the structure it
		// describes: otherwise only the "scope: any" rules can match.
		if len(data) < elfFactsMaxSize {
			if facts = factsOfELF(data); facts.mayMatch(len(data)) {
				builtin = &s.elf
			}
		}
	case classBinary:
		builtin = &s.binary
	}
	var err error
	if builtin == &s.elf && builtin.ys != nil {
		err = builtin.defineELF(facts)
	}
	if err == nil && builtin != nil && builtin.ys != nil && builtin.may(nil, nil, vals, data) {
		err = builtin.scan(vals, data)
	}
	if err == nil && s.named.ys != nil && (s.rs.namedPaths[vals[1]] || s.rs.namedBases[vals[0]]) && s.named.may(nil, nil, vals, data) {
		err = s.named.scan(vals, data)
	}
	if err == nil && len(s.user) > 0 {
		before, scanned := len(s.cb.matches), 0
		for _, p := range s.rs.user.class[classOf(data)] {
			if n := int64(len(data)); n < p.Size[0] || n > p.Size[1] || !s.user[p.Set].may(p.filter, &s.filter, vals, data) {
				continue
			}
			if err = s.user[p.Set].scan(vals, data); err != nil {
				break
			}
			scanned++
		}
		if scanned > 1 {
			// A rule another rule needs is compiled into the sets of both: report it once.
			s.cb.matches = append(s.cb.matches[:before], uniqueMatches(s.cb.matches[before:])...)
		}
	}
	matches := s.cb.matches
	s.cb.matches = nil
	if err != nil {
		return matches, fmt.Errorf("scanning %s: %w", info.Path, err)
	}
	return matches, nil
}

// uniqueMatches returns ms without the repeats of a rule, in order.
func uniqueMatches(ms []Match) []Match {
	var out []Match
	for _, m := range ms {
		if !slices.ContainsFunc(out, func(o Match) bool { return o.Rule.Namespace == m.Rule.Namespace && o.Rule.Name == m.Rule.Name }) {
			out = append(out, m)
		}
	}
	return out
}

// may reports whether a rule of the scanner's set can match data: by the rule filter f of the
// file's class when there is one, else by the set's prefilter.
func (y *yaraScanner) may(f *ruleFilter, sc *filterScratch, vals [5]string, data []byte) bool {
	if f != nil {
		return f.may(vals[0], vals[1], vals[3], data, sc)
	}
	return y.pre == nil || y.pre.may(vals[0], vals[1], data)
}

func (y *yaraScanner) scan(vals [5]string, data []byte) error {
	for i, v := range vals {
		if !y.uses[i] || y.set && y.vars[i] == v {
			continue
		}
		if err := y.ys.DefineVariable(externals[i], v); err != nil {
			y.set = false
			return fmt.Errorf("setting external %s: %w", externals[i], err)
		}
		y.vars[i] = v
	}
	y.set = true
	return y.ys.ScanMem(data)
}

// defineELF sets the ELF facts externals for the next scan.
func (y *yaraScanner) defineELF(f elfFacts) error {
	for i, v := range f.values() {
		if err := y.ys.DefineVariable(elfExternals[i], v); err != nil {
			return fmt.Errorf("setting external %s: %w", elfExternals[i], err)
		}
	}
	return nil
}

// ScanReader reads the file from r into the scanner's buffer, at most the
// rule set's MaxFileSize bytes, and scans it. The buffer is reused from file
// to file, so many small files cost no allocation. If the file is larger than
// the cap, the head is scanned and the error is ErrTruncated.
func (s *Scanner) ScanReader(info FileInfo, r io.Reader) ([]Match, error) {
	limit := s.rs.maxFileSize
	want := info.Size
	if want <= 0 || want > limit {
		want = 0
	}
	// One spare byte lets the read that reports EOF, or the one that shows
	// the file goes past the cap, land without growing the buffer.
	if int64(cap(s.buf)) < want+1 {
		s.buf = make([]byte, 0, want+1)
	}
	buf := s.buf[:0]
	lr := io.LimitReader(r, limit+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", info.Path, err)
		}
	}
	truncated := int64(len(buf)) > limit
	if truncated {
		buf = buf[:limit]
	}
	// Keep small buffers for the next file; let one-off big ones go.
	if cap(buf) <= 1<<20 {
		s.buf = buf[:0]
	} else {
		s.buf = nil
	}
	matches, err := s.Scan(info, buf)
	if err == nil && truncated {
		err = ErrTruncated
	}
	return matches, err
}

// externalValues computes filename, filepath, extension, filetype and owner,
// and the class of file that decides which built-in rules see it.
func externalValues(info FileInfo, data []byte) ([5]string, fileClass) {
	p := info.Path
	if p != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	name := ""
	if p != "" {
		name = path.Base(p)
	}
	// Lower-case with the dot, as LOKI and signature-base expect (".php").
	ext := strings.ToLower(path.Ext(name))
	ft, class := detect(data, name)
	if ext == ".jsp" || ext == ".jspx" {
		class = classPage // a JSP page is a page by its name, whatever its bytes
	}
	return [5]string{name, p, ext, ft, info.Owner}, class
}

// collector is the yara callback: it turns matching rules into Matches.
type collector struct {
	rs      *RuleSet
	matches []Match
}

func (c *collector) RuleMatching(sc *yara.ScanContext, r *yara.Rule) (bool, error) {
	i, ok := c.rs.byKey[r.Namespace()+"\x00"+r.Identifier()]
	if !ok {
		return false, nil
	}
	m := Match{Rule: c.rs.list[i]}
	for _, str := range r.Strings() {
		for _, hit := range str.Matches(sc) {
			if len(m.Strings) == MaxMatchStrings {
				break
			}
			data := hit.Data()
			ms := MatchString{ID: str.Identifier(), Offset: hit.Offset(), Length: len(data)}
			if len(data) > MaxMatchData {
				data = data[:MaxMatchData:MaxMatchData]
			}
			ms.Data = data
			m.Strings = append(m.Strings, ms)
		}
	}
	c.matches = append(c.matches, m)
	return false, nil
}
