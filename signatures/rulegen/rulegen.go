// Package rulegen writes large YARA rule sets shaped like the public collections responders
// pass with --rules (hundreds of files of APT, hack-tool, web shell and Linux malware rules),
// for the tests and benchmarks that must hold Strata to such sets without shipping any of
// them. Every rule is generated here from a seed: the same seed gives the same files, byte for
// byte. No rule is copied from a public set; the shapes are.
//
// The mix follows what public sets hold: PE rules guarded by uint16(0) == 0x5A4D with a
// filesize bound and "1 of ($x*) or N of ($s*)" conditions, some with the pe, hash and math
// modules; ELF rules guarded by the ELF magic, some with the elf module; web shell and script
// rules over text with nocase, wide and regex strings and the LOKI/THOR externals (filename,
// filepath, extension, filetype); hash-only rules; private helper rules other rules name;
// rules with dozens of strings and "N of them"; and a few strings whose atoms are weak
// enough that libyara warns they slow scanning.
package rulegen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// DefaultFiles is the size of a public-style set: signature-base holds about 700 rule files.
const DefaultFiles = 700

// File is one generated rule file.
type File struct {
	// Name is the file's path relative to the set's root ("apt/apt_kravon_17.yar").
	Name string
	Text []byte
}

// Generate returns n rule files made from seed.
func Generate(n int, seed uint64) []File { return GenerateTested(n, seed, nil) }

// GenerateTested returns the n rule files made from seed less the reporting rules named in
// fired, as a public set's authors drop the rules that fire on clean software they test them
// on. The strings that make generated rules fire on real trees are there on purpose (a scoping
// that loses a match shows in the tests), but a set whose rules fire on most of a clean
// image is not what responders pass: its scan is libyara evaluating those rules on every
// file they match. Every other rule is byte for byte as Generate writes it.
func GenerateTested(n int, seed uint64, fired map[string]bool) []File {
	g := &gen{r: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), drop: fired}
	out := make([]File, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, g.file(i))
	}
	return out
}

// Write writes n rule files made from seed under dir and returns their paths.
func Write(dir string, n int, seed uint64) ([]string, error) { return WriteTested(dir, n, seed, nil) }

// WriteTested writes GenerateTested's files under dir and returns their paths.
func WriteTested(dir string, n int, seed uint64, fired map[string]bool) ([]string, error) {
	var paths []string
	for _, f := range GenerateTested(n, seed, fired) {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("writing generated rules: %w", err)
		}
		if err := os.WriteFile(p, f.Text, 0o644); err != nil {
			return nil, fmt.Errorf("writing generated rules: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

type gen struct {
	r    *rand.Rand
	drop map[string]bool // reporting rules left out of the files (GenerateTested)
}

// kinds of rule files, with their share of a set (out of 100).
var kinds = []struct {
	name   string
	dir    string
	weight int
}{
	{"apt", "apt", 34},
	{"hktl", "hacktools", 12},
	{"linux", "linux", 12},
	{"webshell", "webshells", 16},
	{"script", "scripts", 10},
	{"susp", "generic", 8},
	{"hash", "hashes", 4},
	{"misc", "misc", 4},
}

func (g *gen) kind() int {
	n := g.r.IntN(100)
	for i, k := range kinds {
		if n < k.weight {
			return i
		}
		n -= k.weight
	}
	return 0
}

var syllables = []string{"kra", "vo", "zel", "tam", "dri", "sho", "pex", "lun", "mar", "qui", "ron", "bex", "tal",
	"vin", "gor", "sta", "nek", "ul", "fa", "ri", "do", "zun", "kel", "pra", "mo", "ty", "wex", "har", "jin", "lo"}

func (g *gen) word(min, max int) string {
	var b strings.Builder
	for b.Len() < min || (b.Len() < max && g.r.IntN(3) > 0) {
		b.WriteString(syllables[g.r.IntN(len(syllables))])
	}
	return b.String()
}

func (g *gen) title(w string) string { return strings.ToUpper(w[:1]) + w[1:] }

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) hexDigits(n int) string {
	const d = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = d[g.r.IntN(16)]
	}
	return string(b)
}

// Strings real files hold, so that generated rules fire on real trees (a scoping that loses
// a match shows), alongside made-up ones that never fire.
var (
	peWords = []string{"cmd.exe /c ", `\\.\pipe\`, "SeDebugPrivilege", "CreateRemoteThread", "VirtualAllocEx",
		"WriteProcessMemory", `Software\Microsoft\Windows\CurrentVersion\Run`, "powershell -nop -w hidden",
		"rundll32.exe", `%APPDATA%\`, "Mozilla/5.0 (compatible; MSIE 9.0; Windows NT 6.1)", `\Temp\`,
		"GetProcAddress", "LoadLibraryA", "kernel32.dll", "This program cannot be run in DOS mode", "mscoree.dll",
		"ReflectiveLoader", "mimikatz", "sekurlsa::logonpasswords", "vssadmin delete shadows"}
	elfWords = []string{"/bin/sh", "/proc/self/exe", "/dev/tcp/", "LD_PRELOAD", "/etc/ld.so.preload", "GLIBC_2.2.5",
		"__libc_start_main", "libc.so.6", "/tmp/.X11-unix", "stratum+tcp://", "xmrig", "/etc/rc.local", "chattr -i",
		"/usr/bin/wget", "iptables -F", "/var/run/", "getpwnam", "setsid", "ptrace", "/proc/net/tcp", "readdir"}
	webWords = []string{"<?php", "eval(", "base64_decode", "gzinflate", "str_rot13", "$_POST", "$_GET[", "$_REQUEST",
		"shell_exec", "passthru", "system(", "assert(", "create_function", "preg_replace", "Request.Form", "<%@ Page",
		"Runtime.getRuntime().exec", "ProcessBuilder", "<%@ page import", "WScript.Shell", "move_uploaded_file",
		"file_put_contents", "fsockopen", "proc_open", "uname -a", "FilesMan", "c99shell", "r57shell", "b374k"}
	scriptWords = []string{"#!/bin/bash", "#!/bin/sh", "#!/usr/bin/perl", "#!/usr/bin/env python", "import socket",
		"subprocess.Popen", "os.dup2", "pty.spawn", "bash -i", "nc -e", "curl -fsSL", "wget -q", "chmod +x", "crontab -l",
		"/etc/cron.d/", "use Socket;", "IO::Socket::INET", "exec(", "base64 -d", "| sh", "nohup ", "2>&1", "mkfifo",
		"set -e", "export PATH=", "$(uname -m)", "unset HISTFILE", "history -c", "ssh-rsa ", "authorized_keys"}
	extensions = []string{".php", ".asp", ".aspx", ".jsp", ".jspx", ".sh", ".py", ".pl", ".cgi", ".ps1", ".vbs", ".js"}
)

func (g *gen) file(i int) File {
	k := g.kind()
	base := fmt.Sprintf("%s_%s_%d", kinds[k].name, g.word(5, 12), i)
	var b strings.Builder
	fmt.Fprintf(&b, "/*\n   Generated rule set file %d (%s).\n   Shapes as public rule sets write them; names and strings made up.\n*/\n\n", i, kinds[k].name)
	var body string
	switch kinds[k].name {
	case "apt", "hktl":
		body = g.peFile(&b, base, kinds[k].name == "hktl")
	case "linux":
		body = g.elfFile(&b, base)
	case "webshell":
		body = g.webFile(&b, base)
	case "script":
		body = g.scriptFile(&b, base)
	case "susp":
		body = g.suspFile(&b, base)
	case "hash":
		body = g.hashFile(&b, base)
	default:
		body = g.miscFile(&b, base)
	}
	b.WriteString(body)
	return File{Name: kinds[k].dir + "/" + base + ".yar", Text: []byte(b.String())}
}

// ruleBuilder collects one rule.
type ruleBuilder struct {
	g       *gen
	name    string
	private bool
	global  bool
	tags    []string
	strs    []string
	cond    string
	score   int
}

func (g *gen) rule(prefix string) *ruleBuilder {
	return &ruleBuilder{g: g, name: prefix + "_" + g.title(g.word(4, 10)) + "_" + fmt.Sprint(g.r.IntN(1000)), score: 40 + 5*g.r.IntN(13)}
}

func (rb *ruleBuilder) str(id, decl string) {
	rb.strs = append(rb.strs, fmt.Sprintf("      %s = %s", id, decl))
}

func (rb *ruleBuilder) String() string {
	var b strings.Builder
	if rb.global {
		b.WriteString("global ")
	}
	if rb.private {
		b.WriteString("private ")
	}
	b.WriteString("rule " + rb.name)
	if len(rb.tags) > 0 {
		b.WriteString(" : " + strings.Join(rb.tags, " "))
	}
	b.WriteString(" {\n")
	if !rb.private {
		g := rb.g
		fmt.Fprintf(&b, "   meta:\n      description = \"Detects %s %s\"\n      author = \"Strata rule generator\"\n",
			g.pick([]string{"a backdoor of", "tooling of", "a loader used by", "a web shell named", "a miner dropped by", "a sample of"}), g.title(g.word(4, 9)))
		fmt.Fprintf(&b, "      reference = \"https://example.invalid/report/%s\"\n      date = \"20%02d-%02d-%02d\"\n      score = %d\n",
			g.hexDigits(8), 15+g.r.IntN(10), 1+g.r.IntN(12), 1+g.r.IntN(28), rb.score)
		if g.r.IntN(3) == 0 {
			fmt.Fprintf(&b, "      hash1 = \"%s\"\n", g.hexDigits(64))
		}
	}
	if len(rb.strs) > 0 {
		b.WriteString("   strings:\n" + strings.Join(rb.strs, "\n") + "\n")
	}
	b.WriteString("   condition:\n      " + rb.cond + "\n}\n\n")
	if !rb.private && rb.g.drop[rb.name] {
		return "" // written all the same: the random choices after it stay the same
	}
	return b.String()
}

// text returns a text string declaration: a real word or a made-up one, with the modifiers
// public sets use.
func (g *gen) text(real []string, realShare int) string {
	var s string
	if g.r.IntN(100) < realShare {
		s = g.pick(real)
	} else {
		s = g.madeUp()
	}
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
	mods := []string{"ascii", "wide", "ascii wide", "fullword ascii", "nocase", "ascii nocase", "wide nocase", ""}
	m := g.pick(mods)
	if strings.Contains(m, "fullword") && !isWordy(s) {
		m = "ascii"
	}
	if m == "" {
		return `"` + s + `"`
	}
	return `"` + s + `" ` + m
}

func isWordy(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (g *gen) madeUp() string {
	switch g.r.IntN(7) {
	case 0:
		return g.word(6, 14) + ".dll"
	case 1:
		return `Global\` + g.title(g.word(6, 12)) + "Mutex"
	case 2:
		return "/" + g.word(4, 8) + "/" + g.word(4, 8) + ".php?id="
	case 3:
		return g.title(g.word(5, 10)) + "::" + g.title(g.word(5, 10))
	case 4:
		return fmt.Sprintf("%d.%d.%d.%d:%d", 10+g.r.IntN(200), g.r.IntN(255), g.r.IntN(255), 1+g.r.IntN(254), 1024+g.r.IntN(60000))
	case 5:
		return "[" + g.word(3, 6) + "] " + g.word(5, 10) + " %s"
	default:
		return g.word(8, 18)
	}
}

// hex returns a hex string with wildcards and jumps, as disassembly-derived rules have.
func (g *gen) hex() string {
	var parts []string
	n := 6 + g.r.IntN(14)
	for i := 0; i < n; i++ {
		switch x := g.r.IntN(20); {
		case x == 0 && i > 2 && i < n-2:
			lo := g.r.IntN(4)
			parts = append(parts, fmt.Sprintf("[%d-%d]", lo, lo+1+g.r.IntN(8)))
		case x < 3 && i > 0:
			parts = append(parts, "??")
		case x == 3 && i > 0:
			parts = append(parts, fmt.Sprintf("%X?", g.r.IntN(16)))
		case x == 4 && i > 1 && i < n-2:
			parts = append(parts, fmt.Sprintf("( %02X | %02X )", g.r.IntN(256), g.r.IntN(256)))
		default:
			parts = append(parts, fmt.Sprintf("%02X", g.opcode()))
		}
	}
	return "{ " + strings.Join(parts, " ") + " }"
}

// opcode is a byte as x86 code holds them: common opcodes more often than others.
func (g *gen) opcode() int {
	common := []int{0x8B, 0x89, 0x48, 0xE8, 0xFF, 0x55, 0xC3, 0x83, 0xC4, 0x0F, 0x85, 0x84, 0x74, 0x75, 0x50, 0x51, 0x6A, 0x68, 0x33, 0xC0}
	if g.r.IntN(3) > 0 {
		return common[g.r.IntN(len(common))]
	}
	return g.r.IntN(256)
}

func (g *gen) size(kbMin, kbMax int) string {
	kb := kbMin + g.r.IntN(kbMax-kbMin+1)
	if kb >= 1000 && g.r.IntN(2) == 0 {
		return fmt.Sprintf("%dMB", (kb+999)/1000)
	}
	return fmt.Sprintf("%dKB", kb)
}

func (g *gen) peFile(b *strings.Builder, base string, hacktool bool) string {
	mods := map[string]bool{}
	var rules []string
	helper := ""
	if g.r.IntN(6) == 0 {
		helper = "MZ_Header_" + g.title(g.word(4, 8))
		rules = append(rules, (&ruleBuilder{g: g, name: helper, private: true, cond: "uint16(0) == 0x5A4D"}).String())
	}
	prefix := "APT"
	if hacktool {
		prefix = "HKTL"
	}
	n := 2 + g.r.IntN(6)
	for i := 0; i < n; i++ {
		rb := g.rule(prefix)
		nx, ns := 1+g.r.IntN(4), 2+g.r.IntN(8)
		if g.r.IntN(10) == 0 {
			ns = 25 + g.r.IntN(40) // one of the long ones: many strings, N of them
		}
		for j := 1; j <= nx; j++ {
			rb.str(fmt.Sprintf("$x%d", j), g.text(peWords, 15))
		}
		for j := 1; j <= ns; j++ {
			if g.r.IntN(3) == 0 {
				rb.str(fmt.Sprintf("$s%d", j), g.hex())
			} else {
				rb.str(fmt.Sprintf("$s%d", j), g.text(peWords, 35))
			}
		}
		if g.r.IntN(12) == 0 {
			rb.str("$xr", fmt.Sprintf(`/%s[0-9]{2,6}\.(exe|dll|dat)/ nocase`, g.word(4, 8)))
		}
		magic := g.pick([]string{"uint16(0) == 0x5a4d", "uint16(0) == 0x5A4D", "uint16be(0) == 0x4d5a"})
		if helper != "" && g.r.IntN(2) == 0 {
			magic = helper
		}
		sel := fmt.Sprintf("( 1 of ($x*) or %d of ($s*) )", min(ns, 2+g.r.IntN(4)))
		if ns > 20 {
			sel = fmt.Sprintf("( 1 of ($x*) or %d of them )", 6+g.r.IntN(8))
		}
		cond := magic + " and filesize < " + g.size(40, 6000) + " and " + sel
		switch g.r.IntN(10) {
		case 0:
			mods["pe"] = true
			cond = magic + " and filesize < " + g.size(100, 3000) + " and ( pe.imphash() == \"" + g.hexDigits(32) + "\" or " + sel + " )"
		case 1:
			mods["pe"] = true
			cond += fmt.Sprintf(" and pe.number_of_sections > %d", 2+g.r.IntN(4))
		case 2:
			mods["pe"] = true
			cond = fmt.Sprintf("uint16(0) == 0x5a4d and pe.exports(\"%s\") and %s", g.title(g.word(5, 10)), sel)
		case 3:
			mods["pe"] = true
			cond += " and for any i in ( 0 .. pe.number_of_sections - 1 ) : ( pe.sections[i].name == \"." + g.word(3, 5) + "\" )"
		case 4:
			mods["math"] = true
			cond += fmt.Sprintf(" and math.entropy(0, filesize) > %d.%d", 6+g.r.IntN(2), g.r.IntN(10))
		case 5:
			cond = "( " + magic + " and filesize < " + g.size(50, 900) + " and " + sel + " ) or all of ($x*)"
		case 6:
			// No magic check: the pe fields alone tie an alternative to PE files.
			mods["pe"] = true
			cond = fmt.Sprintf("( pe.number_of_exports == %d and pe.exports(\"%s\") ) or %s", 1+g.r.IntN(3), g.title(g.word(5, 10)), sel)
		case 7:
			mods["pe"] = true
			cond = fmt.Sprintf("pe.version_info[\"CompanyName\"] contains \"%s\" and %s", g.title(g.word(5, 10)), sel)
		}
		rb.cond = cond
		if g.r.IntN(450) == 0 {
			// A rule of single-byte XOR strings, every key (255 strings each for libyara to look
			// for), on no magic: about one rule in 800 of a public set is so (4 strings in 802
			// rules of 204 signature-base files, in one rule).
			xb := g.rule(prefix)
			for j := 1; j <= 3; j++ {
				xb.str(fmt.Sprintf("$s%d", j), fmt.Sprintf("\"%s %%s\" xor(0x01-0xff)", g.title(g.word(6, 12))))
			}
			xb.cond = "2 of them"
			rules = append(rules, xb.String())
		}
		if g.r.IntN(4) == 0 {
			rb.tags = []string{g.pick([]string{"APT", "Malware", "HackTool", "Loader", "RAT"})}
		}
		rules = append(rules, rb.String())
	}
	g.imports(b, mods)
	return strings.Join(rules, "")
}

func (g *gen) imports(b *strings.Builder, mods map[string]bool) {
	for _, m := range []string{"pe", "elf", "math", "hash"} {
		if mods[m] {
			fmt.Fprintf(b, "import \"%s\"\n", m)
		}
	}
	if len(mods) > 0 {
		b.WriteString("\n")
	}
}

func (g *gen) elfFile(b *strings.Builder, base string) string {
	mods := map[string]bool{}
	var rules []string
	n := 1 + g.r.IntN(5)
	for i := 0; i < n; i++ {
		rb := g.rule(g.pick([]string{"MAL_ELF", "LNX", "Linux_Backdoor", "ELF_Miner"}))
		ns := 2 + g.r.IntN(8)
		for j := 1; j <= ns; j++ {
			if g.r.IntN(4) == 0 {
				rb.str(fmt.Sprintf("$s%d", j), g.hex())
			} else {
				rb.str(fmt.Sprintf("$s%d", j), g.text(elfWords, 50))
			}
		}
		magic := g.pick([]string{"uint32(0) == 0x464c457f", "uint32be(0) == 0x7F454C46", "uint32(0) == 0x464C457F"})
		cond := fmt.Sprintf("%s and filesize < %s and %d of them", magic, g.size(20, 5000), min(ns, 1+g.r.IntN(5)))
		switch g.r.IntN(8) {
		case 0:
			mods["elf"] = true
			cond += " and elf.type == elf.ET_EXEC"
		case 1:
			mods["elf"] = true
			cond = fmt.Sprintf("%s and elf.machine == elf.EM_X86_64 and %d of them", magic, min(ns, 2))
		case 2:
			mods["elf"] = true
			cond += " and for any i in ( 0 .. elf.number_of_sections - 1 ) : ( elf.sections[i].name == \".note.gnu.build-id\" )"
		case 3:
			cond = fmt.Sprintf("%s and %d of them", magic, min(ns, 3))
		}
		rb.cond = cond
		rules = append(rules, rb.String())
	}
	g.imports(b, mods)
	return strings.Join(rules, "")
}

func (g *gen) webFile(b *strings.Builder, base string) string {
	var rules []string
	n := 2 + g.r.IntN(7)
	for i := 0; i < n; i++ {
		rb := g.rule(g.pick([]string{"WEBSHELL_PHP", "WEBSHELL_ASP", "WEBSHELL_JSP", "Webshell_Generic"}))
		ns := 2 + g.r.IntN(7)
		if g.r.IntN(8) == 0 {
			ns = 30 + g.r.IntN(30)
		}
		for j := 1; j <= ns; j++ {
			rb.str(fmt.Sprintf("$s%d", j), g.text(webWords, 45))
		}
		switch g.r.IntN(10) {
		case 0:
			rb.str("$re1", `/eval\s*\(\s*(base64_decode|gzinflate|str_rot13)\s*\(/ nocase`)
		case 1:
			rb.str("$re1", `/\$_(POST|GET|REQUEST|COOKIE)\[['"][a-z0-9_]{1,20}['"]\]/`)
		case 2:
			// Weak atoms: libyara warns that this one slows scanning.
			rb.str("$re1", `/[a-z0-9]{1,4}\([a-z_]{2,30}\(\$_/ nocase`)
		}
		var guard string
		switch g.r.IntN(7) {
		case 0:
			guard = fmt.Sprintf("( extension == \"%s\" or extension == \"%s\" ) and ", g.pick(extensions[:5]), g.pick(extensions[:5]))
		case 1:
			guard = "filetype == \"PHP\" and "
		case 2:
			guard = "( uint32(0) == 0x68703f3c or uint16(0) == 0x3f3c or uint16(0) == 0x253c ) and "
		case 3:
			guard = "not uint16(0) == 0x5a4d and "
		}
		k := min(ns, 1+g.r.IntN(4))
		if ns > 20 {
			k = 8 + g.r.IntN(10)
		}
		rb.cond = fmt.Sprintf("%sfilesize < %s and %d of them", guard, g.size(10, 900), k)
		if g.r.IntN(6) == 0 {
			rb.cond = fmt.Sprintf("%s%d of them", guard, k)
		}
		rules = append(rules, rb.String())
	}
	return strings.Join(rules, "")
}

func (g *gen) scriptFile(b *strings.Builder, base string) string {
	var rules []string
	n := 1 + g.r.IntN(6)
	for i := 0; i < n; i++ {
		rb := g.rule(g.pick([]string{"SUSP_Script", "MAL_Shell", "HKTL_Python", "SUSP_Persistence"}))
		ns := 2 + g.r.IntN(6)
		for j := 1; j <= ns; j++ {
			rb.str(fmt.Sprintf("$s%d", j), g.text(scriptWords, 60))
		}
		if g.r.IntN(5) == 0 {
			rb.str("$re1", `/(bash|sh) -i >& ?\/dev\/tcp\/[0-9.]{7,15}\/[0-9]{2,5}/`)
		}
		k := min(ns, 2+g.r.IntN(3))
		switch g.r.IntN(8) {
		case 0:
			rb.cond = fmt.Sprintf("uint16(0) == 0x2123 and filesize < %s and %d of them", g.size(2, 200), k)
		case 1:
			rb.cond = fmt.Sprintf("filepath contains \"/tmp/\" and %d of them", k)
		case 2:
			rb.cond = fmt.Sprintf("filename == \"%s.sh\" or ( filesize < %s and %d of them )", g.word(4, 8), g.size(5, 500), k)
		case 3:
			rb.cond = fmt.Sprintf("( extension == \"%s\" or filetype == \"script\" ) and %d of them", g.pick(extensions[5:]), k)
		case 4:
			rb.cond = fmt.Sprintf("%d of them", k)
		default:
			rb.cond = fmt.Sprintf("filesize < %s and %d of them", g.size(1, 3000), k)
		}
		rules = append(rules, rb.String())
	}
	return strings.Join(rules, "")
}

func (g *gen) suspFile(b *strings.Builder, base string) string {
	mods := map[string]bool{}
	var rules []string
	n := 1 + g.r.IntN(4)
	for i := 0; i < n; i++ {
		rb := g.rule("SUSP")
		switch g.r.IntN(8) {
		case 0:
			mods["math"] = true
			mods["pe"] = true
			rb.cond = fmt.Sprintf("uint16(0) == 0x5a4d and filesize < %s and pe.number_of_sections < 4 and math.entropy(0, filesize) > 7.%d",
				g.size(100, 4000), g.r.IntN(9))
		case 1:
			rb.str("$a", `"PK" ascii`)
			rb.str("$b", fmt.Sprintf(`"%s.class" ascii`, g.word(4, 8)))
			rb.cond = "uint32(0) == 0x04034b50 and $a at 0 and $b"
		case 2:
			rb.str("$s1", g.text(elfWords, 40))
			rb.str("$s2", g.text(scriptWords, 40))
			rb.cond = "uint32be(0) == 0xCAFEBABE and all of them"
		case 3:
			// A short string with weak atoms: slow.
			rb.str("$w", fmt.Sprintf(`{ %02X ?? ?? %02X }`, g.r.IntN(256), g.r.IntN(256)))
			rb.cond = fmt.Sprintf("#w > %d and filesize < %s", 20+g.r.IntN(100), g.size(10, 2000))
		case 4:
			rb.str("$s1", g.text(scriptWords, 70))
			rb.str("$s2", g.text(scriptWords, 70))
			rb.cond = "filetype == \"ELF\" and any of them"
		case 5:
			rb.str("$s1", g.text(peWords, 40))
			rb.str("$s2", g.text(elfWords, 40))
			rb.cond = fmt.Sprintf("filesize > %s and filesize < %s and any of them", g.size(1, 50), g.size(100, 900))
		default:
			ns := 3 + g.r.IntN(6)
			for j := 1; j <= ns; j++ {
				rb.str(fmt.Sprintf("$s%d", j), g.text(append(append([]string(nil), elfWords...), scriptWords...), 30))
			}
			rb.cond = fmt.Sprintf("%d of them", min(ns, 2+g.r.IntN(3)))
		}
		rules = append(rules, rb.String())
	}
	g.imports(b, mods)
	return strings.Join(rules, "")
}

func (g *gen) hashFile(b *strings.Builder, base string) string {
	var rules []string
	n := 3 + g.r.IntN(10)
	for i := 0; i < n; i++ {
		rb := g.rule("MAL_Hash")
		size := 1000 + g.r.IntN(400000)
		switch g.r.IntN(3) {
		case 0:
			rb.cond = fmt.Sprintf("filesize == %d and hash.sha256(0, filesize) == \"%s\"", size, g.hexDigits(64))
		case 1:
			rb.cond = fmt.Sprintf("uint16(0) == 0x5a4d and filesize < %s and hash.md5(0, filesize) == \"%s\"", g.size(50, 3000), g.hexDigits(32))
		default:
			rb.cond = fmt.Sprintf("filesize < %s and hash.sha1(0, filesize) == \"%s\"", g.size(5, 2000), g.hexDigits(40))
		}
		rules = append(rules, rb.String())
	}
	b.WriteString("import \"hash\"\n\n")
	return strings.Join(rules, "")
}

func (g *gen) miscFile(b *strings.Builder, base string) string {
	var rules []string
	if g.r.IntN(3) == 0 {
		// A global rule bounds every rule of its file.
		rules = append(rules, (&ruleBuilder{g: g, name: "Global_Size_" + g.title(g.word(4, 8)), global: true, private: true,
			cond: "filesize < " + g.size(100, 4000)}).String())
	}
	helper := "Is_Text_" + g.title(g.word(4, 8))
	rules = append(rules, (&ruleBuilder{g: g, name: helper, private: true,
		cond: "not ( uint16(0) == 0x5a4d or uint32(0) == 0x464c457f )"}).String())
	n := 1 + g.r.IntN(4)
	for i := 0; i < n; i++ {
		rb := g.rule(g.pick([]string{"SUSP_Config", "EXPL_Generic", "MAL_Doc"}))
		ns := 2 + g.r.IntN(5)
		for j := 1; j <= ns; j++ {
			rb.str(fmt.Sprintf("$s%d", j), g.text(append(append([]string(nil), scriptWords...), webWords...), 40))
		}
		rb.cond = fmt.Sprintf("%s and %d of them", helper, min(ns, 2))
		if g.r.IntN(2) == 0 {
			rb.cond = fmt.Sprintf("%s and filesize < %s and ( $s1 at 0 or %d of them )", helper, g.size(5, 800), min(ns, 3))
		}
		rules = append(rules, rb.String())
	}
	return strings.Join(rules, "")
}
