package shell

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/strata-forensics/strata/audit"
)

// RuleAuthSource is the source (or a patch) of an authentication module or daemon that lets
// a constant password in: what a backdoored pam_unix or sshd is built from (T1556.003).
const RuleAuthSource = "STRATA-PA-005"

// authContext are what the source of a password check holds: PAM's result codes and entry
// points, OpenSSH's password functions.
var authContext = [][]byte{[]byte("PAM_SUCCESS"), []byte("pam_sm_authenticate"), []byte("_unix_verify_password"),
	[]byte("auth_password"), []byte("sys_auth_passwd"), []byte("auth-passwd"), []byte("pam_unix_auth")}

// passwordCompare matches a password variable compared with a string literal, either way round,
// or with an upper-case constant (a macro the build or a header defines).
var passwordCompare = regexp.MustCompile(`\b(?:str|strn|mem|strcase)cmp\s*\(\s*(?:\(\s*char\s*\*\s*\)\s*)?(\w+)\s*,\s*"([^"]{1,64})"|\b(?:str|strn|mem|strcase)cmp\s*\(\s*"([^"]{1,64})"\s*,\s*(?:\(\s*char\s*\*\s*\)\s*)?(\w+)|\b(?:str|strn|mem|strcase)cmp\s*\(\s*(?:\(\s*char\s*\*\s*\)\s*)?(\w+)\s*,\s*([A-Z][A-Z0-9_]{3,})\s*[,)]`)

// authSourceEdit reports a shell script that edits the source of a password check before a
// build (sed -i over pam_unix_auth.c, a heredoc appended to auth-passwd.c): read as the code it
// puts there.
func authSourceEdit(ext string, data []byte) bool {
	if ext != "sh" && ext != "bash" && !(ext == "" && bytes.HasPrefix(data, []byte("#!"))) {
		return false
	}
	return bytes.Contains(data, []byte("passwd.c")) || bytes.Contains(data, []byte("_auth.c")) || bytes.Contains(data, []byte("passverify.c"))
}

// passwordVars are the names the password has in authentication code.
var passwordVars = map[string]bool{"p": true, "pass": true, "password": true, "passwd": true, "pw": true, "pwd": true, "pword": true,
	"authtok": true, "token": true, "resp": true, "plain": true, "cleartext": true}

// grants are what follows a successful check: PAM's success, a password function's true.
var grants = regexp.MustCompile(`PAM_SUCCESS|return\s*\(?\s*1\s*\)?\s*;|authenticated\s*=\s*1|\bok\s*=\s*1`)

// authSourceBypass returns the line and text of a constant password let in by the source or
// patch in data, 0 when there is none: a password variable compared with a literal, and a
// grant within the five lines after it. A patch is read as the code it leaves (its added and
// context lines).
func authSourceBypass(p string, data []byte) (int, string) {
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(p)), ".")
	if ext != "c" && ext != "patch" && ext != "diff" && ext != "h" && !authSourceEdit(ext, data) {
		return 0, ""
	}
	ctx := false
	for _, w := range authContext {
		if bytes.Contains(data, w) {
			ctx = true
			break
		}
	}
	if !ctx || !bytes.Contains(data, []byte("cmp")) {
		return 0, ""
	}
	patch := ext == "patch" || ext == "diff"
	lines := strings.Split(string(data), "\n")
	code := make([]string, len(lines))
	for i, l := range lines {
		if patch && len(l) > 0 {
			switch l[0] {
			case '-', '@', '*':
				continue // removed lines and headers are not the code the patch leaves
			case '+', '!', ' ':
				l = l[1:]
			}
		}
		code[i] = l
	}
	for i, l := range code {
		m := passwordCompare.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		v, lit := m[1], m[2]
		if v == "" {
			v, lit = m[4], m[3]
		}
		if v == "" {
			v, lit = m[5], m[6] // a constant the build defines (#define MASTER "...")
		}
		if !passwordVars[strings.ToLower(v)] || lit == "" {
			continue
		}
		for j := i; j < len(code) && j <= i+5; j++ {
			if grants.MatchString(code[j]) {
				return i + 1, strings.TrimSpace(l)
			}
		}
	}
	return 0, ""
}

// authSourceFinding reports authSourceBypass as a finding.
func authSourceFinding(p string, data []byte) (audit.Finding, bool) {
	line, text := authSourceBypass(p, data)
	if line == 0 {
		return audit.Finding{}, false
	}
	f := audit.Finding{Rule: RuleAuthSource, Category: audit.CategoryPersistence, Severity: audit.High,
		Title:       "Source of an authentication module or daemon that lets a constant password in (a backdoored pam_unix or sshd, built or to be built here)",
		Evidence:    fmt.Sprintf("line %d: %s", line, oneLine(text, 200)),
		Remediation: "Find the module or daemon built from it and where it was installed; rebuild the image from trusted sources and rotate every credential that passed through it."}
	f.AddLabels(audit.CategoryMalware, audit.CategoryTamper)
	f.AddTechniques("T1556.003")
	return f, true
}
