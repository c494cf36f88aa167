package shell

import (
	"bytes"
	"regexp"
	"sort"
	"strings"
)

// archURL matches a URL (or a tftp/ftpget path) whose last name ends in a CPU architecture's
// name, the way botnet loaders name one build per architecture (bins/x.mips, x.arm7, x86_64).
// archNames are the CPU architectures botnet loaders name their builds after (i486 is among
// i[3-6]86).
const archNames = `x86_64|x86|i[3-6]86|amd64|mipsel|mips64|mips|mpsl|armv?[4-7]l?|arm64|aarch64|arm|ppc64|ppc|powerpc|m68k|sh4|sparc|spc|arc|riscv64|x32`

var archURL = regexp.MustCompile(`(?i)(?:https?|ftp|tftp)://[^\s'"|;&]*?[._/-](` + archNames + `)(?:\b|$)`)

var (
	archName    = regexp.MustCompile(`(?i)^(` + archNames + `)$`)
	archLoop    = regexp.MustCompile(`\bfor\s+(\w+)\s+in\s+([^;\n]+)`)
	archLoopURL = regexp.MustCompile(`(?:https?|ftp|tftp)://[^\s'"|;&]*\$`)
)

// archDropper returns the first URL and the architectures of a script that fetches a program
// for each of several CPU architectures and runs what it fetched (or makes it executable): an
// IoT botnet's loader, which tries every build on a machine it does not know (installers pick
// one build by uname -m). n is 0 for other scripts.
func archDropper(data []byte) (evidence string, n int) {
	if !bytes.Contains(data, []byte("chmod")) && !bytes.Contains(data, []byte("./")) {
		return "", 0
	}
	arches := map[string]bool{}
	var first string
	for _, m := range archURL.FindAllSubmatch(data, 64) {
		if first == "" {
			first = string(m[0])
		}
		arches[strings.ToLower(string(m[1]))] = true
	}
	if len(arches) < 3 {
		// for a in x86 mips arm7; do wget http://host/bins.$a ...: the names in a loop's list
		for _, m := range archLoop.FindAllSubmatch(data, 16) {
			if !bytes.Contains(data, []byte("$"+string(m[1]))) && !bytes.Contains(data, []byte("${"+string(m[1])+"}")) {
				continue
			}
			list := map[string]bool{}
			for _, w := range strings.Fields(strings.Trim(string(m[2]), `"'`)) {
				if archName.MatchString(w) {
					list[strings.ToLower(w)] = true
				}
			}
			if len(list) >= 3 && archLoopURL.Match(data) {
				arches = list
				first = string(m[0])
				break
			}
		}
	}
	if len(arches) < 3 {
		return "", 0
	}
	var names []string
	for a := range arches {
		names = append(names, a)
	}
	sort.Strings(names)
	return oneLine(first+"; architectures "+strings.Join(names, ", "), 300), len(names)
}
