package packages

import (
	"regexp"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp"
	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
)

// Licenses are kept as SPDX license expressions (https://spdx.github.io/spdx-spec/v2.3/SPDX-license-expressions/):
// a name that maps to an SPDX license list id is written as that id, any other name as
// LicenseRef-<name>, so that every expression parses and no license is lost. Names come from
// Debian's copyright files (DEP-5 short names, references to /usr/share/common-licenses and
// recognisable license texts), Fedora's old rpm short names, Python metadata and classifiers,
// npm's license field and Java manifests.

// LicenseRefPrefix starts the id of a license the SPDX list does not name.
const LicenseRefPrefix = "LicenseRef-"

// SPDXLicenseID reports whether id is on the SPDX license list (active or deprecated) and
// returns it as the list spells it.
func SPDXLicenseID(id string) (string, bool) {
	if ok, v := spdxlicenses.IsActiveLicense(id); ok {
		return v, true
	}
	if ok, v := spdxlicenses.IsDeprecatedLicense(id); ok {
		return v, true
	}
	return id, false
}

// ValidLicenseExpression reports whether s parses as an SPDX license expression whose ids are
// on the list or LicenseRefs.
func ValidLicenseExpression(s string) bool {
	ok, _ := spdxexp.ValidateLicenses([]string{s})
	return ok
}

// licenseNames maps names (lower case, runs of blanks as one space) that are not SPDX ids to
// the SPDX expression they stand for. The GNU families are handled by gnuLicense.
var licenseNames = map[string]string{
	"expat": "MIT", "mit license": "MIT", "the mit license": "MIT", "mit/x11": "MIT", "mit-style": "LicenseRef-MIT-style",
	"mit license (mit)": "MIT", "x11 license": "X11",
	"bsd-2": "BSD-2-Clause", "bsd-3": "BSD-3-Clause", "bsd-4": "BSD-4-Clause",
	"2-clause bsd": "BSD-2-Clause", "3-clause bsd": "BSD-3-Clause", "bsd 2-clause": "BSD-2-Clause", "bsd 3-clause": "BSD-3-Clause",
	"new bsd": "BSD-3-Clause", "new bsd license": "BSD-3-Clause", "modified bsd": "BSD-3-Clause", "simplified bsd": "BSD-2-Clause",
	"bsd-3-clause license": "BSD-3-Clause", "bsd 3-clause license": "BSD-3-Clause", "bsd-2-clause license": "BSD-2-Clause",
	"apache-2": "Apache-2.0", "apache 2": "Apache-2.0", "apache 2.0": "Apache-2.0", "apache2": "Apache-2.0", "apache-2.0 license": "Apache-2.0",
	"apache license 2.0": "Apache-2.0", "apache license, version 2.0": "Apache-2.0", "apache license version 2.0": "Apache-2.0",
	"apache software license 2.0": "Apache-2.0", "apache software license, version 2.0": "Apache-2.0", "asl 2.0": "Apache-2.0",
	"asl-2.0": "Apache-2.0", "the apache software license, version 2.0": "Apache-2.0", "the apache license, version 2.0": "Apache-2.0",
	"apache-1.1": "Apache-1.1", "asl 1.1": "Apache-1.1",
	"artistic": "Artistic-1.0-Perl", "artistic-1": "Artistic-1.0", "artistic-2": "Artistic-2.0", "artistic 2.0": "Artistic-2.0",
	"perl": "Artistic-1.0-Perl OR GPL-1.0-or-later",
	"psf":  "PSF-2.0", "psf license": "PSF-2.0", "psf-2": "PSF-2.0", "python software foundation license": "PSF-2.0", "python": "Python-2.0",
	"mpl-1": "MPL-1.0", "mpl-1.1": "MPL-1.1", "mpl 1.1": "MPL-1.1", "mpl-2": "MPL-2.0", "mpl 2.0": "MPL-2.0", "mpl2": "MPL-2.0", "mplv2.0": "MPL-2.0",
	"mozilla public license 2.0": "MPL-2.0", "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0", "mpl 2.0 (mozilla public license)": "MPL-2.0",
	"cc0": "CC0-1.0", "cc0-1": "CC0-1.0", "cc0 1.0 universal": "CC0-1.0", "cc0 1.0 universal (cc0 1.0) public domain dedication": "CC0-1.0",
	"boost": "BSL-1.0", "bsl": "BSL-1.0", "boost software license": "BSL-1.0", "boost software license 1.0 (bsl-1.0)": "BSL-1.0",
	"isc license": "ISC", "isc license (iscl)": "ISC", "iscl": "ISC",
	"zlib license": "Zlib", "zlib/libpng": "Zlib", "zlib/libpng license": "Zlib",
	"libpng": "Libpng", "openssl license": "OpenSSL", "the unlicense": "Unlicense", "the unlicense (unlicense)": "Unlicense",
	"sil open font license 1.1": "OFL-1.1", "sil open font license 1.1 (ofl-1.1)": "OFL-1.1",
	"epl-1": "EPL-1.0", "epl-2": "EPL-2.0", "eclipse public license 1.0": "EPL-1.0", "eclipse public license 2.0": "EPL-2.0",
	"eclipse public license - v 1.0": "EPL-1.0", "eclipse public license - v 2.0": "EPL-2.0", "eclipse public license v2.0": "EPL-2.0",
	"cddl": "CDDL-1.0", "cddl-1": "CDDL-1.0", "zope-2.1": "ZPL-2.1", "zope public license": "ZPL-2.1",
	"public-domain": "LicenseRef-public-domain", "public domain": "LicenseRef-public-domain", "pd": "LicenseRef-public-domain",
	"publicdomain": "LicenseRef-public-domain",
	"vim":          "Vim", "openldap": "OLDAP-2.8", "sleepycat": "Sleepycat", "postgresql": "PostgreSQL", "ijg": "IJG", "tcl": "TCL",
	"ucd": "Unicode-DFS-2016", "w3c": "W3C", "lppl-1.3c": "LPPL-1.3c",
	"fsfap": "FSFAP", "fsful": "FSFUL", "fsfullr": "FSFULLR",
}

// gnuLicenseRE matches the GNU licenses as Debian, Fedora, Alpine and package metadata write
// them: GPL-2, GPL-2+, GPLv2+, GPL2, LGPL-2.1+, GPL-2.0-or-later, GNU GPL v3, AGPLv3, GFDL-1.2+...
var gnuLicenseRE = regexp.MustCompile(`^(?:gnu[ -])?(agpl|lgpl|gpl|gfdl|fdl)[ -]?(?:v|version ?)?(\d(?:\.\d)?)?(\+| or later|-or-later| or any later version|-only| only)?$`)

var gnuFamilies = map[string]string{"agpl": "AGPL", "lgpl": "LGPL", "gpl": "GPL", "gfdl": "GFDL", "fdl": "GFDL"}

// gnuLicense returns the SPDX id of a GNU license name (lower case), "" when name is not one.
func gnuLicense(name string) string {
	m := gnuLicenseRE.FindStringSubmatch(name)
	if m == nil {
		return ""
	}
	family := gnuFamilies[m[1]]
	version, later := m[2], m[3] == "+" || strings.Contains(m[3], "later")
	if version == "" {
		if later && family == "GPL" {
			return "GPL-1.0-or-later" // Fedora's "GPL+": any version
		}
		return "" // no version: not an SPDX id
	}
	if !strings.Contains(version, ".") {
		version += ".0"
	}
	id := family + "-" + version
	if later {
		id += "-or-later"
	} else {
		id += "-only"
	}
	if ok, v := spdxlicenses.IsActiveLicense(id); ok {
		return v
	}
	return ""
}

var (
	blanks      = regexp.MustCompile(`\s+`)
	refUnsafe   = regexp.MustCompile(`[^A-Za-z0-9.]+`)
	parenthesis = regexp.MustCompile(`\(([^()]+)\)\s*$`)
)

// licenseAtom maps one license name (no operators) to an SPDX id, an expression of ids (a
// name such as Debian's "Perl" stands for two), or a LicenseRef.
func licenseAtom(name string) string {
	name = strings.Trim(strings.TrimSpace(name), `"'.;`)
	if name == "" {
		return ""
	}
	if id, ok := SPDXLicenseID(name); ok {
		if g := gnuLicense(strings.ToLower(id)); g != "" {
			return g // GPL-2.0+ and friends are deprecated ids
		}
		return id
	}
	key := strings.ToLower(blanks.ReplaceAllString(name, " "))
	if v, ok := licenseNames[key]; ok {
		return v
	}
	if g := gnuLicense(key); g != "" {
		return g
	}
	// "GNU General Public License v2 or later (GPLv2+)", "MIT License (MIT)": the abbreviation.
	if m := parenthesis.FindStringSubmatch(name); m != nil && len(m[1]) < len(name) {
		if v := licenseAtom(m[1]); v != "" && !strings.HasPrefix(v, LicenseRefPrefix) {
			return v
		}
		if v := licenseAtom(strings.TrimSpace(name[:len(name)-len(m[0])])); v != "" && !strings.HasPrefix(v, LicenseRefPrefix) {
			return v
		}
	}
	// Debian's "BSD-3-clause" is the list's "BSD-3-Clause": case is all that differs, and
	// SPDXLicenseID already took it. A trailing "+" on a non-GNU name means "or later",
	// which SPDX writes as "+" after the id.
	if strings.HasSuffix(name, "+") {
		if id, ok := SPDXLicenseID(strings.TrimSuffix(name, "+")); ok {
			return id + "+"
		}
	}
	return licenseRef(name)
}

// licenseRef turns a name into a LicenseRef id (letters, digits, "." and "-").
func licenseRef(name string) string {
	s := strings.Trim(refUnsafe.ReplaceAllString(name, "-"), "-")
	if s == "" {
		return ""
	}
	return LicenseRefPrefix + s
}

// knownExceptions maps exception names as Debian writes them after "with" (lower case, the
// word "exception" dropped) to SPDX ids, where the name alone does not find the id.
var knownExceptions = map[string]string{
	"gcc": "GCC-exception-3.1", "gcc runtime library": "GCC-exception-3.1", "classpath": "Classpath-exception-2.0",
	"font": "Font-exception-2.0", "bison": "Bison-exception-2.2", "libtool": "Libtool-exception",
}

var idVersionRE = regexp.MustCompile(`-(\d\.\d)`)

// licenseException returns the SPDX id of an exception named after "with" in a license whose
// id is license ("GPL-3.0-or-later"), "" when the list has none: "Autoconf exception" of a
// GPL-3 is Autoconf-exception-3.0, "Linux-syscall-note exception" is Linux-syscall-note.
func licenseException(name, license string) string {
	base := strings.TrimSpace(name)
	if low := strings.ToLower(base); strings.HasSuffix(low, " exception") {
		base = strings.TrimSpace(base[:len(base)-len(" exception")])
	}
	base = blanks.ReplaceAllString(base, "-")
	if v, ok := knownExceptions[strings.ToLower(strings.ReplaceAll(base, "-", " "))]; ok {
		return v
	}
	version := ""
	if m := idVersionRE.FindStringSubmatch(license); m != nil {
		version = m[1]
	}
	for _, c := range []string{base, base + "-exception", base + "-exception-" + version, base + "-exception-generic"} {
		if ok, v := spdxlicenses.IsException(c); ok {
			return v
		}
	}
	return ""
}

// NormalizeLicense turns a declared license (a name, an SPDX expression, a DEP-5 License
// field's first line, an rpm License tag such as "GPLv2+ and LGPLv2+") into an SPDX license
// expression, "" when it declares nothing. dep5 reads "," as a lower-precedence "and", as
// Debian's copyright format does.
func NormalizeLicense(s string, dep5 bool) string {
	s = strings.TrimSpace(s)
	switch strings.ToUpper(s) {
	case "", "UNKNOWN", "NONE", "NOASSERTION", "OTHER", "SEE LICENSE FILE", "SEE LICENSE":
		return ""
	}
	if dep5 && strings.Contains(s, ",") {
		// "A or B, and C": the comma splits at the lowest precedence; the word after it says
		// how the parts join ("and" when none does).
		var out strings.Builder
		for i, g := range strings.Split(s, ",") {
			g = strings.TrimSpace(g)
			op := " AND "
			if low := strings.ToLower(g); strings.HasPrefix(low, "and ") {
				g = g[4:]
			} else if strings.HasPrefix(low, "or ") {
				g, op = g[3:], " OR "
			}
			e := NormalizeLicense(g, false)
			if e == "" {
				continue
			}
			if i > 0 && out.Len() > 0 {
				out.WriteString(op)
			}
			out.WriteString(parenthesize(e))
		}
		return out.String()
	}
	out, ok := convertExpression(s)
	if !ok || !ValidLicenseExpression(out) {
		return licenseAtom(s)
	}
	return out
}

// parenthesize wraps a compound expression for use as an operand (WITH binds tightest and
// needs none).
func parenthesize(e string) string {
	if (strings.Contains(e, " AND ") || strings.Contains(e, " OR ")) && !(strings.HasPrefix(e, "(") && strings.HasSuffix(e, ")")) {
		return "(" + e + ")"
	}
	return e
}

// convertExpression rewrites an expression whose operators are and/or/with (any case, or
// "&", "|") and whose operands are license names into SPDX syntax.
// expressionSpacer sets an expression's parentheses and operators apart as words. Built once:
// a Replacer of several strings builds a lookup trie the first time it replaces.
var expressionSpacer = strings.NewReplacer("(", " ( ", ")", " ) ", "&&", " and ", "||", " or ", "&", " and ", "|", " or ")

func convertExpression(s string) (string, bool) {
	s = expressionSpacer.Replace(s)
	words := strings.Fields(s)
	var out []string
	var atom []string
	var with []string
	inWith := false
	flush := func() bool {
		if len(atom) == 0 {
			return !inWith
		}
		name := strings.Join(atom, " ")
		id := licenseAtom(name)
		if id == "" {
			return false
		}
		if inWith {
			exc := strings.Join(with, " ")
			if e := licenseException(exc, id); e != "" && !strings.Contains(id, " ") && !strings.HasPrefix(id, LicenseRefPrefix) {
				id += " WITH " + e
			} else {
				id = licenseRef(name + " with " + exc)
			}
		}
		out = append(out, parenthesize(id))
		atom, with, inWith = nil, nil, false
		return true
	}
	for _, w := range words {
		switch strings.ToLower(w) {
		case "and", "or":
			if !flush() {
				return "", false
			}
			out = append(out, strings.ToUpper(w))
		case "with":
			if inWith || len(atom) == 0 {
				return "", false
			}
			inWith = true
		case "(", ")":
			if !flush() {
				return "", false
			}
			out = append(out, w)
		default:
			if inWith {
				with = append(with, w)
			} else {
				atom = append(atom, w)
			}
		}
	}
	if !flush() {
		return "", false
	}
	return strings.ReplaceAll(strings.ReplaceAll(strings.Join(out, " "), "( ", "("), " )", ")"), len(out) > 0
}

// licenseSet collects distinct expressions in the order first seen.
type licenseSet struct {
	list []string
	seen map[string]bool
}

func (s *licenseSet) add(e string) {
	if e == "" {
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if !s.seen[e] {
		s.seen[e] = true
		s.list = append(s.list, e)
	}
}

// DebianCopyrightLicenses reads the licenses a /usr/share/doc/<pkg>/copyright file declares:
// the License fields of a machine-readable (DEP-5) file, else the files under
// /usr/share/common-licenses it points to and the license texts it recognisably quotes. Each
// is an SPDX expression; the texts are not kept.
func DebianCopyrightLicenses(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var set licenseSet
	if isDEP5(text) {
		// The header and the Files paragraphs say which licenses apply; a stand-alone License
		// paragraph only gives the text of one they name (perhaps as an alternative).
		var standalone licenseSet
		for _, para := range strings.Split(text, "\n\n") {
			files, license := false, ""
			for _, line := range strings.Split(para, "\n") {
				k, v, ok := strings.Cut(line, ":")
				if !ok || line == "" || line[0] == ' ' || line[0] == '\t' {
					continue
				}
				switch strings.ToLower(k) {
				case "files", "format":
					files = true
				case "license":
					license = strings.TrimSpace(v)
				}
			}
			if license == "" {
				continue
			}
			if files {
				set.add(NormalizeLicense(license, true))
			} else {
				standalone.add(NormalizeLicense(license, true))
			}
		}
		if len(set.list) > 0 {
			return set.list
		}
		if len(standalone.list) > 0 {
			return standalone.list
		}
	}
	for _, m := range commonLicenseRE.FindAllStringSubmatchIndex(text, -1) {
		name := strings.TrimRight(text[m[2]:m[3]], ".")
		context := text[max(0, m[0]-1200):m[1]]
		set.add(commonLicense(name, context))
	}
	quotedLicenses(text, &set)
	return set.list
}

// quotedLicenses adds the licenses whose text text quotes.
func quotedLicenses(text string, set *licenseSet) {
	lower := strings.ToLower(text)
	for _, t := range licenseTexts {
		if strings.Contains(lower, t.word) && t.phrase.match(text) {
			for _, id := range t.ids(text) {
				set.add(id)
			}
		}
	}
}

// isDEP5 reports whether a copyright file says it is in the machine-readable format.
func isDEP5(text string) bool {
	for _, line := range strings.SplitN(text, "\n", 4) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Format") {
			v = strings.ToLower(v)
			return strings.Contains(v, "copyright-format") || strings.Contains(v, "dep5") || strings.Contains(v, "dep-5")
		}
	}
	return false
}

var commonLicenseRE = regexp.MustCompile(`/usr/share/common-licenses/([A-Za-z0-9_.+-]+)`)

var (
	laterVersionRE = regexp.MustCompile(`(?i)(any\s+later\s+version|or\s+later)`)
	gnuVersionRE   = regexp.MustCompile(`(?i)(?:General\s+Public\s+License|GPL|GFDL|Documentation\s+License)[^.]{0,80}?version\s+(\d(?:\.\d)?)`)
)

// commonLicense maps a file name under /usr/share/common-licenses to an SPDX id, reading the
// text before the reference for "version N" and "any later version", which decide the GNU
// licenses' ids (the files GPL and LGPL are the latest version, which says nothing about
// what the package allows).
func commonLicense(name, context string) string {
	low := strings.ToLower(name)
	switch low {
	case "gpl", "lgpl", "gfdl", "agpl":
		m := gnuVersionRE.FindAllStringSubmatch(context, -1)
		if m == nil {
			return licenseRef(name)
		}
		versioned := name + "-" + m[len(m)-1][1]
		if gnuLicense(strings.ToLower(versioned)) == "" {
			return licenseRef(name)
		}
		name = versioned
	}
	if g := gnuLicense(strings.ToLower(name)); g != "" {
		if laterVersionRE.MatchString(context) && strings.HasSuffix(g, "-only") {
			return strings.TrimSuffix(g, "-only") + "-or-later"
		}
		return g
	}
	return licenseAtom(name)
}

// licenseTexts are license texts recognisable from a phrase each carries, for copyright files
// that quote a license instead of naming it. word is one word of the phrase, in lower case,
// looked for before the expression is run (hundreds of copyright files quote none of them):
// none has an "s" or a "k", the ASCII letters whose case folding (?i) extends beyond ASCII
// (ſ, the Kelvin sign), so a text holds the word in some case whenever the phrase matches.
var licenseTexts = []struct {
	word   string
	phrase phrase
	ids    func(text string) []string
}{
	{"hereby", newPhrase("permi", `(?i)permission\s+is\s+hereby\s+granted,\s+free\s+of\s+charge,\s+to\s+any\s+person\s+obtaining\s+a\s+copy`), constant("MIT")},
	{"modification", newPhrase("redi", `(?i)redistribution\s+and\s+use\s+in\s+source\s+and\s+binary\s+forms,\s+with\s+or\s+without\s+modification`), bsdClauses},
	{"warranty", newPhrase("thi", `(?i)this\s+software\s+is\s+provided\s+'as-is',\s+without\s+any\s+express\s+or\s+implied\s+warranty`), constant("Zlib")},
	{"hereby", newPhrase("permi", `(?i)permission\s+to\s+use,\s+copy,\s+modify,\s+and(/or)?\s+distribute\s+this\s+software\s+for\s+any\s+purpose\s+with\s+or\s+without\s+fee\s+is\s+hereby\s+granted`), constant("ISC")},
	{"apache", newPhrase("licen", `(?i)licensed\s+under\s+the\s+apache\s+license,\s+version\s+2\.0`), constant("Apache-2.0")},
	{"mozilla", newPhrase("mozilla", `(?i)mozilla\s+public\s+license,\s+v\.\s+2\.0`), constant("MPL-2.0")},
	{"foundation", newPhrase("python", `(?i)python\s+software\s+foundation\s+license\s+version\s+2`), constant("PSF-2.0")},
	{"general", gnuText, gnuTexts},
}

func constant(id string) func(string) []string { return func(string) []string { return []string{id} } }

var (
	bsdNeither     = newPhrase("neither", `(?i)neither\s+the\s+name`)
	bsdAdvertising = newPhrase("all", `(?i)all\s+advertising\s+materials`)
)

// bsdClauses tells the BSD licenses apart by the clauses the text carries.
func bsdClauses(text string) []string {
	switch {
	case bsdAdvertising.match(text):
		return []string{"BSD-4-Clause"}
	case bsdNeither.match(text):
		return []string{"BSD-3-Clause"}
	}
	return []string{"BSD-2-Clause"}
}

var gnuText = newPhrase("gnu", `(?i)GNU\s+(Lesser\s+|Library\s+|Affero\s+)?General\s+Public\s+License,?\s+(?:as\s+published\s+by\s+the\s+Free\s+Software\s+Foundation[;,]?\s+)?(?:either\s+)?(?:version|v\.?)\s*(\d(?:\.\d)?)`)

// gnuTexts finds the GNU licenses a text grants, "GNU Lesser General Public License, version
// 2.1 (or, at your option, any later version)", by family, version and what follows.
func gnuTexts(text string) []string {
	var out []string
	for _, m := range gnuText.findAll(text) {
		family := "gpl"
		if m[2] >= 0 {
			switch strings.ToLower(strings.TrimSpace(text[m[2]:m[3]])) {
			case "lesser", "library":
				family = "lgpl"
			case "affero":
				family = "agpl"
			}
		}
		name := family + "-" + text[m[4]:m[5]]
		if laterVersionRE.MatchString(text[m[1]:min(len(text), m[1]+120)]) {
			name += "+"
		}
		if id := gnuLicense(name); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// pythonLicenses reads a Python distribution's license: License-Expression (PEP 639), else a
// License field short enough to be a name, else the License classifiers.
func pythonLicenses(h stanza, classifiers []string) []string {
	if e := NormalizeLicense(h["License-Expression"], false); e != "" {
		return []string{e}
	}
	if l := strings.TrimSpace(h["License"]); l != "" && !strings.Contains(l, "\n") && len(l) <= 80 {
		if e := NormalizeLicense(l, false); e != "" {
			return []string{e}
		}
	} else if l != "" {
		var set licenseSet
		quotedLicenses(l, &set)
		if len(set.list) > 0 {
			return set.list
		}
	}
	var set licenseSet
	for _, c := range classifiers {
		parts := strings.Split(c, "::")
		if len(parts) < 2 || strings.TrimSpace(parts[0]) != "License" {
			continue
		}
		last := strings.TrimSpace(parts[len(parts)-1])
		if len(parts) == 2 && last == "OSI Approved" {
			continue
		}
		set.add(licenseAtom(last))
	}
	return set.list
}

// manifestLicenseURLs maps the license URLs Java manifests' Bundle-License carries to ids.
var manifestLicenseURLs = map[string]string{
	"apache.org/licenses/license-2.0": "Apache-2.0", "opensource.org/licenses/mit": "MIT",
	"opensource.org/licenses/apache-2.0": "Apache-2.0", "eclipse.org/legal/epl-2.0": "EPL-2.0",
	"eclipse.org/legal/epl-v10": "EPL-1.0", "eclipse.org/org/documents/edl-v10": "BSD-3-Clause",
	"opensource.org/licenses/bsd-3-clause": "BSD-3-Clause", "gnu.org/licenses/lgpl-2.1": "LGPL-2.1-only",
	"opensource.org/licenses/epl-2.0": "EPL-2.0", "mozilla.org/mpl/2.0": "MPL-2.0",
}

// manifestLicenses reads an OSGi Bundle-License header: comma-separated entries, each a name or
// SPDX id or a URL, with ";link=..." or ";description=..." attributes.
func manifestLicenses(v string) []string {
	var set licenseSet
	for _, entry := range splitManifestList(v) {
		name, _, _ := strings.Cut(entry, ";")
		name = strings.Trim(strings.TrimSpace(name), `"`)
		if strings.Contains(name, "://") {
			u := strings.ToLower(name)
			u = u[strings.Index(u, "://")+3:]
			u = strings.TrimPrefix(u, "www.")
			u = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(u, "/"), ".txt"), ".html")
			u = strings.TrimSuffix(u, ".php")
			if id, ok := manifestLicenseURLs[u]; ok {
				set.add(id)
			}
			continue
		}
		set.add(NormalizeLicense(name, false))
	}
	return set.list
}

// splitManifestList splits a manifest header's list at commas outside quotes.
func splitManifestList(v string) []string {
	var out []string
	quoted := false
	start := 0
	for i, r := range v {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ',' && !quoted:
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return append(out, v[start:])
}
