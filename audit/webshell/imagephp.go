package webshell

import (
	"bytes"
	"path"
	"strconv"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures/decode"
)

// RuleImagePHP: an image file carries PHP code (a polyglot an upload check lets through)
// and something has the server run it: an upload directory, or an .htaccess that maps the
// image's extension to PHP.
const RuleImagePHP = "STRATA-WS-112"

// imagePHPMark starts the title of a WS-112 finding that nothing runs as PHP yet; the review
// raises it when an .htaccess maps the extension.
const imagePHPMark = "image file carries PHP code"

// imageCode reports whether the PHP page an image carries holds code: a <?php tag followed
// by a call or a variable, not bytes that happen to spell a tag.
func imageCode(src []byte) bool {
	i := bytes.Index(bytes.ToLower(src[:min(len(src), 64)]), []byte("<?php"))
	if i < 0 {
		return false
	}
	code := src[i:min(len(src), i+4096)]
	toks, _ := decode.Lex(code, langPHP.syntax)
	for k, t := range toks {
		if t.Kind == decode.Var && len(t.Text) > 1 {
			return true
		}
		if t.Kind == decode.Ident && (k+1 < len(toks) && toks[k+1].Is("(") || imageStatements[strings.ToLower(t.Text)]) {
			return true
		}
		// <?phpinfo(); runs as the short tag <? followed by phpinfo()
		if t.Kind == decode.Tag && strings.HasPrefix(strings.ToLower(t.Text), "<?php") && len(t.Text) > 5 && identByte(t.Text[5]) {
			return true
		}
	}
	// the lexer reads <?phpinfo as a tag and the name after it
	rest := code[5:]
	j := 0
	for j < len(rest) && identByte(rest[j]) {
		j++
	}
	return j > 0 && j < len(rest) && rest[j] == '('
}

// imageStatements are PHP statements that run without parentheses.
var imageStatements = set("include", "include_once", "require", "require_once", "echo", "print")

// uploadDir reports whether p lies in a directory named for uploads (uploads, UploadFiles,
// user_uploads), not in an application's code about uploads (includes/upload, src/Upload)
// nor in packaged code below /usr.
func uploadDir(p string) bool {
	if strings.HasPrefix(p, "/usr/") {
		return false
	}
	segs := strings.Split(strings.ToLower(path.Dir(p)), "/")
	for k, seg := range segs {
		if !strings.Contains(seg, "upload") || seg == "upload" && k > 0 && codeDirs[segs[k-1]] {
			continue
		}
		return true
	}
	return false
}

// codeDirs hold an application's code: a directory below them is named for what the code does.
var codeDirs = set("includes", "include", "src", "lib", "libs", "classes", "modules", "vendor")

// imagePHPFinding reports an image that carries PHP code: high in an upload directory,
// low elsewhere until the review finds an .htaccess that runs it.
func imagePHPFinding(pg page, p string) audit.Finding {
	f := audit.Finding{Rule: RuleImagePHP, Category: audit.CategoryWebshell, Severity: audit.Low, Path: p,
		Title:       "PHP web shell dropper: " + imagePHPMark + " (" + pg.polyglot + ")",
		Evidence:    "page starts at byte " + strconv.Itoa(pg.offset),
		Remediation: remediation}
	if uploadDir(p) {
		f.Severity = audit.High
		f.Title += "; it sits in an upload directory, where an upload check let it through"
	}
	return f
}

// KeepFile implements audit.FileKeeper: the .htaccess files, which may map an image
// extension to PHP.
func (*Analyzer) KeepFile(p string) bool { return path.Base(p) == ".htaccess" }

// Review implements audit.Reviewer: an image carrying PHP code (WS-112) whose directory or
// a parent holds an .htaccess mapping its extension to PHP is raised to high.
func (*Analyzer) Review(s *audit.Subject, findings []audit.Finding) []audit.Finding {
	for i := range findings {
		f := &findings[i]
		if f.Rule != RuleImagePHP || s == nil || s.Tree == nil {
			continue
		}
		ext := strings.ToLower(path.Ext(f.Path))
		for dir := path.Dir(f.Path); ; dir = path.Dir(dir) {
			conf := path.Join(dir, ".htaccess")
			if data, _ := s.FinalFile(conf); data != nil {
				if line := mapsToPHP(data, ext, path.Base(f.Path)); line != "" {
					if f.Severity < audit.High {
						f.Severity = audit.High
					}
					f.Title += "; " + conf + " has the server run it as PHP"
					f.Evidence += "; " + conf + ": " + line
					break
				}
			}
			if dir == "/" || dir == "." {
				break
			}
		}
	}
	return findings
}

// mapsToPHP returns the directive of an .htaccess that has the server run a file with
// extension ext (or named base) as PHP: AddType/AddHandler of a PHP type for the extension,
// SetHandler/ForceType of one in a <Files>/<FilesMatch> block that names it, or for every file.
func mapsToPHP(data []byte, ext, base string) string {
	if ext == "" {
		return ""
	}
	bare := strings.TrimPrefix(ext, ".")
	block := "" // the pattern of the <Files...> block the line is in
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		low := strings.ToLower(line)
		if strings.HasPrefix(low, "#") || low == "" {
			continue
		}
		switch {
		case strings.HasPrefix(low, "<files"):
			block = low
			continue
		case strings.HasPrefix(low, "</files"):
			block = ""
			continue
		}
		fields := strings.Fields(low)
		if len(fields) < 2 || !strings.Contains(fields[1], "php") {
			continue
		}
		switch fields[0] {
		case "addtype", "addhandler":
			for _, e := range fields[2:] {
				if strings.TrimPrefix(e, ".") == bare {
					return line
				}
			}
		case "sethandler", "forcetype":
			if block == "" || strings.Contains(block, bare) || strings.Contains(block, strings.ToLower(base)) {
				return line
			}
		}
	}
	return ""
}
