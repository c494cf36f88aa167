package webshell

import (
	"path"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures/decode"
)

// RuleDropper: a page writes out a page of its own that is a web shell.
const RuleDropper = "STRATA-WS-111"

// maxDropped bounds the literals a page is read for and their size.
const (
	maxDroppedLiterals = 4
	maxDroppedSize     = 64 << 10
)

// fileWriters are the calls server code writes a file with, lower case.
var fileWriters = set("createtext", "writealltext", "appendalltext", "streamwriter", "filestream", "file_put_contents", "fwrite",
	"fputs", "fileoutputstream", "filewriter", "savetofile", "createtextfile", "write", "writeline", "copyto", "printwriter")

// droppedPages returns the literals of a layer that hold a server page (<% ... %> or
// <?php) where the layer also writes a file, each with the name it is most likely written
// under: a literal of the layer that ends in a page extension, else the page's own
// extension.
func droppedPages(toks []decode.Token, own string) (lits []string, name string) {
	writes := false
	for i, t := range toks {
		if t.Kind == decode.Ident && i+1 < len(toks) && toks[i+1].Is("(") && fileWriters[lowerASCII(t.Text)] {
			writes = true
			break
		}
	}
	if !writes {
		return nil, ""
	}
	name = "dropped" + path.Ext(own)
	for _, t := range toks {
		if t.Kind != decode.Str || len(t.Text) < 5 || len(t.Text) > maxDroppedSize {
			continue
		}
		if e := strings.ToLower(path.Ext(t.Text)); phpExt[e] || aspxExt[e] || aspExt[e] || jspExt[e] {
			if !strings.ContainsAny(t.Text, "<> \n") {
				name = path.Base(t.Text)
			}
		}
		if len(lits) < maxDroppedLiterals && (strings.Contains(t.Text, "<%") || strings.Contains(t.Text, "<?php") || strings.Contains(t.Text, "<?=")) {
			lits = append(lits, t.Text)
		}
	}
	return lits, name
}

// dropperFindings analyses the pages a page writes out; a web shell among them makes the
// page its dropper.
func (a *Analyzer) dropperFindings(pg page, p string, lits []string, name string) []audit.Finding {
	var out []audit.Finding
	for _, lit := range lits {
		target := path.Join(path.Dir(p), name)
		inner := a.analyze(target, []byte(lit), false)
		b := (*audit.Finding)(nil)
		for i := range inner {
			if inner[i].Category == audit.CategoryWebshell && inner[i].Severity >= audit.High && (b == nil || inner[i].Severity > b.Severity) {
				b = &inner[i]
			}
		}
		if b == nil {
			continue
		}
		snippet := oneLine(lit, 160)
		out = append(out, audit.Finding{Rule: RuleDropper, Category: audit.CategoryWebshell, Severity: audit.High, Path: p,
			Title:       pg.label() + " web shell dropper: the page writes out " + name + ", itself a web shell (" + b.Title + ")",
			Evidence:    "written page: " + snippet + "; its finding: " + b.Rule + " " + b.Evidence,
			Remediation: remediation + " Look for the page it wrote (" + name + ") beside it."})
		break
	}
	return out
}
