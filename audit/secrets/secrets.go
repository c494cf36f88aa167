// Package secrets finds credentials baked into an image: in the config's Env, in history
// commands (URLs with passwords, --password flags, build arguments, chpasswd), and in files
// (PEM private keys, AWS, GitHub, GitLab, Slack and Stripe tokens, JWTs, password assignments in
// .env and config files, credential files such as .docker/config.json, .npmrc, .pypirc, .netrc,
// .git-credentials, AWS credentials and SSH identities). Evidence never holds a secret: each is
// shown as Mask shows it everywhere ([kind prefix… N chars sha256:...]). Files in
// known-benign places (documentation, test fixtures) are reported two severities lower, never
// hidden.
package secrets

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/filetype"
)

// Rule ids.
const (
	RuleEnv            = "STRATA-SE-001"
	RuleHistory        = "STRATA-SE-002"
	RulePrivateKey     = "STRATA-SE-010"
	RuleAWSKeyID       = "STRATA-SE-011"
	RuleAWSSecret      = "STRATA-SE-012"
	RuleConfigPassword = "STRATA-SE-018"
	RuleSSHIdentity    = "STRATA-SE-020"
	RuleDockerConfig   = "STRATA-SE-021"
	RuleNpmrc          = "STRATA-SE-022"
	RulePypirc         = "STRATA-SE-023"
	RuleNetrc          = "STRATA-SE-024"
	RuleGitCredentials = "STRATA-SE-025"
	RuleAWSCredentials = "STRATA-SE-026"
	RuleVaultToken     = "STRATA-SE-027"
	RuleKubeconfig     = "STRATA-SE-028"
	RuleURLPassword    = "STRATA-SE-019"
)

// maxConfigSize bounds the config files searched for NAME=secret lines: settings files are
// small, and the line regexp is slow on big JSON data files.
const maxConfigSize = 256 << 10

const remediation = "Revoke the secret, remove it from every layer (a later delete does not remove it from the image), and pass it at run time instead."

// Analyzer finds secrets.
type Analyzer struct {
	// Exhaustive turns off the shortcuts that only save time (the literal scans in front of
	// regular expressions, the byte before a trigger ruling it out); the findings are the
	// same either way, which the tests hold.
	Exhaustive bool
}

// New returns the secrets analyzer.
func New() *Analyzer { return &Analyzer{} }

// Name implements audit.Analyzer.
func (*Analyzer) Name() string { return "secrets" }

// compiled reports native code: ELF files and static library archives.
func compiled(data []byte) bool {
	return bytes.HasPrefix(data, []byte("\x7fELF")) || bytes.HasPrefix(data, []byte("!<arch>\n"))
}

// compressed reports data whose format is compressed or media: it cannot hold a token in the
// clear, and random bytes would only make noise.
func compressed(data []byte) bool {
	for _, magic := range []string{"\x1f\x8b", "\x28\xb5\x2f\xfd", "\xfd7zXZ\x00", "BZh", "\x89PNG", "\xff\xd8\xff", "GIF8", "wOFF", "wOF2", "PK\x03\x04", "\x00\x00\x00\x0cjP"} {
		if bytes.HasPrefix(data, []byte(magic)) {
			return true
		}
	}
	return false
}

// Content implements audit.ContentAnalyzer.
func (a *Analyzer) Content(f audit.File, data []byte) []audit.Finding {
	p := f.Entry.Path
	var out []audit.Finding
	add := func(rule string, s audit.Severity, title, evidence string) {
		out = append(out, audit.Finding{Rule: rule, Category: audit.CategorySecret, Severity: s, Title: title,
			Path: p, Evidence: evidence, Remediation: remediation})
	}
	if len(data) > 0 && !compressed(data) {
		base := path.Base(p)
		var keyFound bool
		var assigned []audit.Finding
		// Token formats are searched in text and in files named as credential or config
		// files, together with PEM keys and config assignments in one pass; binary data
		// only gets the PEM key search, which skips through it on the rare '-'.
		if filetype.Detect(p, data).Textual() || isConfigFile(p) || credentialFile(base) {
			config := len(data) <= maxConfigSize && isConfigFile(p)
			n := 0
			r := scanPass(data, config, a.Exhaustive, func(line []byte) bool {
				n = scanAssignments(line, n, func(rule string, s audit.Severity, title, evidence string) {
					assigned = append(assigned, audit.Finding{Rule: rule, Category: audit.CategorySecret, Severity: s,
						Title: title, Path: p, Evidence: evidence, Remediation: remediation})
				})
				return n < maxAssignments
			})
			if r.pem >= 0 {
				keyFound = scanPrivateKeys(p, data, r.pem, add)
			}
			r.report(add)
		} else {
			keyFound = scanPrivateKeys(p, data, 0, add)
		}
		if isSSHIdentity(base) && !keyFound {
			add(RuleSSHIdentity, audit.High, "SSH private key file "+base, fmt.Sprintf("%d bytes", len(data)))
		}
		scanCredentialFiles(p, data, add)
		if len(data) <= maxConfigSize && isConfigFile(p) {
			scanURLPasswords(data, a.Exhaustive, add)
		}
		out = append(out, assigned...)
	}
	if len(out) > 0 && benign(p) {
		for i := range out {
			out[i].Severity = out[i].Severity.Raise(-2)
			out[i].Title += " (in documentation, test fixtures or sample configuration)"
		}
	}
	return out
}

type addFunc func(rule string, s audit.Severity, title, evidence string)

// scanPrivateKeys looks for a PEM private key from offset from on and reports the first.
func scanPrivateKeys(p string, data []byte, from int, add addFunc) bool {
	for off := from; ; {
		i := bytes.Index(data[off:], []byte("-----BEGIN "))
		if i < 0 {
			return false
		}
		at := off + i
		off = at + 11
		m := privateKey.FindSubmatch(data[at:min(len(data), at+16<<10)])
		if m == nil {
			continue
		}
		kind := strings.TrimSpace(string(m[1]))
		label := strings.TrimSpace(kind + " private key")
		s, title := audit.High, "PEM "+label
		encrypted := kind == "ENCRYPTED" || bytes.Contains(m[2], []byte("ENCRYPTED"))
		switch {
		case strings.Contains(p, "snakeoil"):
			s, title = audit.Low, "the ssl-cert package's self-signed snakeoil "+label
		case encrypted:
			s, title = audit.Medium, "encrypted PEM "+label
		case strings.HasPrefix(p, "/etc/ssh/ssh_host_"):
			s, title = audit.Medium, "SSH host key baked into the image: every container shares it"
		case compiled(data):
			// Crypto libraries embed self-test keys (libgnutls holds GOST test keys); a program
			// that embeds a real key is still worth a look.
			s, title = audit.Medium, "PEM "+label+" embedded in a compiled file (crypto libraries embed self-test keys)"
		}
		add(RulePrivateKey, s, title, fmt.Sprintf("-----BEGIN %sPRIVATE KEY----- at offset %d", m[1], at))
		return true // one finding per file is enough
	}
}

// scanTokens finds token formats and AWS secrets in data.
func scanTokens(data []byte, add addFunc) {
	r := scanPass(data, false, false, nil)
	r.report(add)
}

// report adds the pass's token and AWS secret findings: by format, then the secrets, which
// are critical when the file also holds an access key ID.
func (r *passResult) report(add addFunc) {
	for ti := range numTokens {
		t := &tokens[ti]
		for _, s := range r.tokens(ti) {
			add(t.rule, severity(t.severity), t.title, Mask(tokenKinds[ti], s))
		}
	}
	for _, s := range r.secrets {
		sev, title := audit.High, "AWS secret access key"
		if len(r.tokens(tokAWSKeyID)) > 0 {
			sev, title = audit.Critical, "AWS secret access key with its access key ID"
		}
		add(RuleAWSSecret, sev, title, Mask("aws-secret-access-key", s))
	}
}

func severity(s sev) audit.Severity {
	switch s {
	case sevCritical:
		return audit.Critical
	case sevHigh:
		return audit.High
	}
	return audit.Medium
}

// credentialFile reports names scanCredentialFiles or isSSHIdentity know.
func credentialFile(base string) bool {
	switch base {
	case "config.json", ".npmrc", ".pypirc", ".netrc", "_netrc", ".git-credentials", "credentials", ".vault-token":
		return true
	}
	return isSSHIdentity(base)
}

func isSSHIdentity(base string) bool {
	switch base {
	case "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk":
		return true
	}
	return false
}

var (
	// a kubeconfig user's bearer token, client key or password (YAML, quoted or not)
	kubeCredential = regexp.MustCompile(`(?m)^[ \t-]*(token|client-key-data|password)[ \t]*:[ \t]*["']?([^\s"'#]{8,})`)
	dockerAuth     = regexp.MustCompile(`"auth"\s*:\s*"([^"]{4,})"`)
	npmToken       = regexp.MustCompile(`(?m)(?:_authToken|_auth|_password)\s*=\s*["']?([^\s"']{4,})`)
	pypiPassword   = regexp.MustCompile(`(?m)^\s*password\s*[:=]\s*(\S{4,})`)
	netrcPassword  = regexp.MustCompile(`\bpassword\s+(\S{4,})`)
	gitCredential  = regexp.MustCompile(`(?m)^[a-z]+://[^:/\s]+:([^@\s]{4,})@`)
)

func scanCredentialFiles(p string, data []byte, add addFunc) {
	base := path.Base(p)
	first := func(re *regexp.Regexp) string {
		if m := re.FindSubmatch(data); m != nil && !bytes.HasPrefix(m[1], []byte("${")) {
			return string(m[1])
		}
		return ""
	}
	switch {
	case base == "config.json" && path.Base(path.Dir(p)) == ".docker":
		if s := first(dockerAuth); s != "" && bytes.Contains(data, []byte(`"auths"`)) {
			add(RuleDockerConfig, audit.High, "Docker registry credentials in .docker/config.json", "auth "+Mask("docker-auth", s))
		}
	case base == ".npmrc":
		if s := first(npmToken); s != "" {
			add(RuleNpmrc, audit.High, "npm registry token in .npmrc", Mask("npm-token", s))
		}
	case base == ".pypirc":
		if s := first(pypiPassword); s != "" {
			add(RulePypirc, audit.High, "PyPI password in .pypirc", Mask("password", s))
		}
	case base == ".netrc" || base == "_netrc":
		if s := first(netrcPassword); s != "" {
			add(RuleNetrc, audit.High, "password in .netrc", Mask("password", s))
		}
	case base == ".git-credentials":
		if s := first(gitCredential); s != "" {
			add(RuleGitCredentials, audit.High, "Git credentials in .git-credentials", Mask("url-password", s))
		}
	case kubeconfig(p, base, data):
		for _, m := range kubeCredential.FindAllSubmatch(data, 16) {
			v := string(m[2])
			if placeholder(v) || strings.HasPrefix(v, "${") || strings.HasPrefix(v, "{{") {
				continue
			}
			what := map[string]string{"token": "a user's bearer token", "client-key-data": "a client certificate's private key",
				"password": "a user's password"}[string(m[1])]
			add(RuleKubeconfig, audit.High, "Kubernetes credentials in a kubeconfig: "+what, Mask("kube-"+string(m[1]), v))
			break
		}
	case base == ".vault-token":
		if t := bytes.TrimSpace(data); len(t) >= 20 && !bytes.ContainsAny(t, " \n") && !placeholder(string(t)) {
			add(RuleVaultToken, audit.High, "HashiCorp Vault token in .vault-token", Mask("vault-token", string(t)))
		}
	case base == "credentials" && (path.Base(path.Dir(p)) == ".aws" || bytes.Contains(data, []byte("aws_secret_access_key"))):
		if bytes.Contains(data, []byte("aws_secret_access_key")) {
			add(RuleAWSCredentials, audit.High, "AWS credentials file", fmt.Sprintf("%d bytes", len(data)))
		}
	}
}

// kubeconfig reports a Kubernetes client configuration: ~/.kube/config, a *.kubeconfig,
// the control plane's /etc/kubernetes/*.conf, or a YAML file (.yaml, .yml, .conf) that says
// kind: Config with users and clusters.
func kubeconfig(p, base string, data []byte) bool {
	switch {
	case base == "config" && path.Base(path.Dir(p)) == ".kube", base == "kubeconfig", strings.HasSuffix(base, ".kubeconfig"),
		strings.HasPrefix(p, "/etc/kubernetes/") && strings.HasSuffix(base, ".conf"):
		return true
	}
	// elsewhere only YAML files are looked into: this runs on every file of the image
	switch path.Ext(base) {
	case ".yaml", ".yml", ".conf":
		return len(data) < 1<<20 && bytes.Contains(data, []byte("kind: Config")) && bytes.Contains(data, []byte("users:")) &&
			bytes.Contains(data, []byte("clusters:"))
	}
	return false
}

// scanURLPasswords reports connection URLs with a password in a configuration file
// (postgres://app:s3cret@db:5432/app), passwords that are not placeholders or examples.
// exhaustive runs urlCreds over the whole file instead of at each "://".
func scanURLPasswords(data []byte, exhaustive bool, add addFunc) {
	if !bytes.Contains(data, []byte("://")) {
		return
	}
	var ms [][][]byte
	if exhaustive {
		ms = urlCreds.FindAllSubmatch(data, 8)
	} else {
		ms = urlCredMatches(data, 8)
	}
	n := 0
	for _, m := range ms {
		pw := string(m[3])
		if placeholder(pw) || isExample(m[0]) || len(pw) < 4 {
			continue
		}
		switch strings.ToLower(string(m[1])) {
		case "http", "https", "ftp", "sftp", "ssh", "git", "postgres", "postgresql", "mysql", "mariadb", "mongodb", "mongodb+srv",
			"redis", "rediss", "amqp", "amqps", "mssql", "sqlserver", "jdbc:postgresql", "smtp", "smtps", "ldap", "ldaps", "nats", "kafka":
		default:
			continue
		}
		add(RuleURLPassword, audit.Medium, "password in a "+string(m[1])+" URL in a configuration file",
			string(m[1])+"://"+string(m[2])+":"+Mask("url-password", pw)+"@")
		if n++; n >= 3 {
			return
		}
	}
}

// isConfigFile reports files where NAME=value and name: value lines are settings.
func isConfigFile(p string) bool {
	return configName(path.Base(p)) && !messageCatalog(p)
}

// configName reports the file names of settings files; messageCatalog rules out some of their
// places, and is only asked when the name is one of them.
func configName(base string) bool {
	if base == ".env" || strings.HasPrefix(base, ".env.") || strings.HasSuffix(base, ".env") {
		return true
	}
	switch path.Ext(base) {
	case ".ini", ".conf", ".cfg", ".cnf", ".properties", ".yaml", ".yml", ".toml", ".json":
		return true
	}
	switch base {
	case "settings.py", "local_settings.py", "config.php", "wp-config.php", "database.yml", "secrets.yml":
		return true
	}
	return false
}

// messageCatalog reports a translation file: its keys name messages about passwords and
// tokens ("yourpassword": "Passwort:") and its values are what a user reads, not settings.
func messageCatalog(p string) bool {
	for _, dir := range []string{"/i18n/", "/l10n/", "/locale/", "/locales/", "/lang/", "/languages/", "/translations/"} {
		if strings.Contains(p, dir) {
			return true
		}
	}
	return false
}

// maxAssignments bounds the config assignments reported per file.
const maxAssignments = 5

// scanAssignments adds the secret assignments in data, n of which were already reported,
// up to maxAssignments, and returns the new count.
func scanAssignments(data []byte, n int, add addFunc) int {
	for _, m := range assignment.FindAllSubmatchIndex(data, -1) {
		if n >= maxAssignments {
			break
		}
		name, value := string(data[m[2]:m[3]]), string(data[m[4]:m[5]])
		if !secretName(name) || placeholder(value) || prose(data, m[4], m[5]) {
			continue
		}
		add(RuleConfigPassword, audit.Medium, "secret assigned in a config file: "+name, name+"="+Mask(kindOfName(name), value))
		n++
	}
	return n
}

// prose reports a quoted value that goes on past its first word: a sentence (a translation
// file's message about tokens), not a secret. start and end bound the value's first run.
func prose(data []byte, start, end int) bool {
	if start == 0 || (data[start-1] != '"' && data[start-1] != '\'') || end >= len(data) || data[end] != ' ' {
		return false
	}
	q := data[start-1]
	rest := data[end:]
	if i := bytes.IndexByte(rest, q); i >= 0 {
		rest = rest[:i]
	}
	return len(bytes.TrimSpace(rest)) > 0
}

// secretName reports a setting name that holds a secret rather than describing one
// (password_min_length, tokenFile, secret.path do not).
func secretName(name string) bool {
	parts := nameParts(name)
	return len(parts) > 0 && !describes[parts[len(parts)-1]]
}

// describes holds last name parts that make a setting about a secret rather than the secret.
var describes = map[string]bool{
	"file": true, "path": true, "dir": true, "url": true, "uri": true, "length": true, "len": true, "min": true,
	"max": true, "policy": true, "type": true, "mode": true, "lifetime": true, "ttl": true, "timeout": true,
	"expiry": true, "expires": true, "name": true, "user": true, "username": true, "header": true, "prompt": true,
	"command": true, "cmd": true, "hash": true, "algorithm": true, "enabled": true, "required": true, "size": true,
	"count": true, "env": true, "id": true, "location": true, "store": true, "backend": true, "method": true,
	"format": true, "regex": true, "pattern": true, "chars": true, "rounds": true, "age": true, "history": true,
	"host": true, "port": true, "version": true, "region": true, "prefix": true, "field": true, "param": true,
}

// nameParts splits a setting name at _, -, . and camelCase humps, lower-cased.
func nameParts(name string) []string {
	var parts []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			parts = append(parts, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	prevLower := false
	for _, r := range name {
		switch {
		case r == '_' || r == '-' || r == '.':
			flush()
			prevLower = false
			continue
		case r >= 'A' && r <= 'Z' && prevLower:
			flush()
		}
		cur = append(cur, r)
		prevLower = r >= 'a' && r <= 'z' || r >= '0' && r <= '9'
	}
	flush()
	return parts
}

// placeholder reports values that are not secrets: references, booleans, numbers, paths,
// templates and masks.
func placeholder(v string) bool {
	l := strings.ToLower(strings.Trim(v, `"'`))
	switch l {
	case "none", "null", "nil", "true", "false", "yes", "no", "on", "off", "required", "optional", "prompt", "empty", "changeit", "undefined", "disabled", "enabled", "default", "secret", "password", "string", "example":
		return true
	}
	if strings.ContainsAny(l, "$%<>{}[]()") || strings.HasPrefix(l, "/") || strings.HasPrefix(l, "./") || strings.HasPrefix(l, "file:") ||
		strings.HasPrefix(l, "env:") || strings.HasPrefix(l, "vault:") || strings.Trim(l, "*x.-_") == "" {
		return true
	}
	// A version or version range is what a package manifest assigns to a dependency whose
	// name mentions tokens or keys ("js-tokens": "^4.0.0").
	return versionLike.MatchString(l) || versionRange.MatchString(l)
}

// versionLike matches plain numbers and version ranges: 42, 4.0.0, ^4.0.0, ~1.2, >=2.0.0-rc.1.
var versionLike = regexp.MustCompile(`^(?:[\^~]|[<>]=?|=)?v?[0-9]+(?:\.[0-9x*]+)*(?:[-+][0-9a-z.-]+)?$`)

// versionRange is a version range of several parts ("^3.0.0 || ^4.0.0", ">=1.2 <2").
var versionRange = regexp.MustCompile(`^(\^|~|>=?|<=?|=)?\s*v?[0-9]+(\.[0-9x*]+){0,3}([-+][0-9a-z.-]+)?(\s*(\|\||-|<=?|>=?)\s*v?[0-9]+(\.[0-9x*]+){0,3})*$`)

// benign reports places where sample keys and tokens are expected: documentation, test
// suites and fixtures of packages, and distribution files known to hold demo credentials.
func benign(p string) bool {
	switch p {
	case "/etc/ssl/openssl.cnf", "/usr/lib/ssl/openssl.cnf":
		return true // its sample CMP section sets "secret = pass:insta" for a public demo CA
	}
	for _, prefix := range []string{"/usr/share/doc/", "/usr/share/man/", "/usr/share/gtk-doc/", "/usr/share/help/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	for _, part := range []string{"/test/", "/tests/", "/testdata/", "/testing/", "/__tests__/", "/fixtures/", "/spec/", "/examples/", "/example/", "/samples/", "/test_data/"} {
		if strings.Contains(p, part) {
			return true
		}
	}
	base := path.Base(p)
	return strings.HasPrefix(base, "test_") || strings.HasSuffix(base, "_test.go") || strings.HasSuffix(base, ".test.js") || strings.HasSuffix(base, ".spec.js")
}

// secretEnvName matches names of variables that hold secrets.
var secretEnvName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|PASSPHRASE|(^|_)PASS$|(^|_)PWD$|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH_?KEY|CREDENTIALS?$|(^|_)AUTH$)`)

// secretEnvNameHolds reports a variable name whose value is a secret rather than where one is
// or something about it (DB_PASSWORD_FILE, TOKEN_URL).
func secretEnvNameHolds(name string) bool {
	if !secretEnvName.MatchString(name) || name == "PWD" || name == "OLDPWD" {
		return false
	}
	return secretName(name)
}

// Tree implements audit.TreeAnalyzer: secrets in the config's Env and in history commands.
func (a *Analyzer) Tree(ctx context.Context, s *audit.Subject) ([]audit.Finding, error) {
	img := s.Image
	var out []audit.Finding
	for _, kv := range img.Config.Env {
		name, value, _ := strings.Cut(kv, "=")
		ev := scanText(value)
		if secretEnvNameHolds(name) && value != "" && !placeholder(value) {
			ev = append(ev, hit{title: "secret in the image's environment: " + name, evidence: RedactValue(kv, value, kindOfName(name))})
		}
		for _, h := range ev {
			f := audit.Finding{Rule: RuleEnv, Category: audit.CategorySecret, Severity: audit.High, Title: h.title,
				Layer: -1, Evidence: h.evidence, Remediation: "Pass secrets at run time (--env-file, orchestrator secrets), not in the image config: " + strings.ToLower(remediation[:1]) + remediation[1:]}
			if i, step := envStep(img, name); i >= 0 {
				f.History, f.CreatedBy = i, step
			}
			out = append(out, f)
		}
	}
	for i, h := range img.History {
		in := forensics.ParseCreatedBy(h.CreatedBy)
		if in.Keyword == "ENV" {
			continue // reported from the Env
		}
		var hits []hit
		for _, arg := range in.BuildArgs {
			name, value, _ := strings.Cut(arg, "=")
			if secretEnvNameHolds(name) && value != "" && !placeholder(value) {
				hits = append(hits, hit{title: "secret passed as build argument " + name, evidence: RedactValue(arg, value, kindOfName(name))})
			}
		}
		hits = append(hits, scanCommand(h.CreatedBy)...)
		seen := map[string]bool{}
		for _, x := range hits {
			if seen[x.evidence] {
				continue // a build argument is also in the command line's "|1 NAME=value" prefix
			}
			seen[x.evidence] = true
			f := audit.Finding{Rule: RuleHistory, Category: audit.CategorySecret, Severity: audit.High, Title: x.title,
				Layer: h.Layer, Evidence: x.evidence, Remediation: "Use build secrets (RUN --mount=type=secret) instead of arguments or literals; " + strings.ToLower(remediation[:1]) + remediation[1:]}
			if h.Layer < 0 {
				f.History, f.CreatedBy = i, h.CreatedBy
			}
			out = append(out, f)
		}
	}
	return out, nil
}

type hit struct{ title, evidence string }

// scanText finds token formats and URL passwords in a short text.
func scanText(s string) []hit {
	var out []hit
	add := func(rule string, sv audit.Severity, title, evidence string) {
		out = append(out, hit{title: title, evidence: evidence})
	}
	scanTokens([]byte(s), add)
	scanPrivateKeys("", []byte(s), 0, add)
	for _, m := range urlCreds.FindAllStringSubmatch(s, 3) {
		if placeholder(m[3]) {
			continue
		}
		out = append(out, hit{title: "password in a " + m[1] + " URL", evidence: m[1] + "://" + m[2] + ":" + Mask("url-password", m[3]) + "@"})
	}
	return out
}

var (
	passwordFlag = regexp.MustCompile(`(?i)--(?:password|passwd|pass|token|api-key|secret)(?:=|\s+)["']?([^\s"'|;&]+)`)
	chpasswd     = regexp.MustCompile(`echo\s+(?:-[en]+\s+)?["']?([A-Za-z0-9_.-]+):([^\s"'|]+)["']?\s*\|\s*(?:sudo\s+)?chpasswd`)
	shellAssign  = regexp.MustCompile(`(?:^|[\s;&|(])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=["']?([^\s"';&|]+)`)
)

// scanCommand finds secrets in a history command line.
func scanCommand(cmd string) []hit {
	out := scanText(cmd)
	for _, m := range passwordFlag.FindAllStringSubmatch(cmd, 3) {
		if m[1] == "-" || strings.HasPrefix(m[1], "-") || placeholder(m[1]) {
			continue // --password-stdin, variables
		}
		out = append(out, hit{title: "password given on a command line", evidence: strings.SplitN(m[0], m[1], 2)[0] + Mask("password", m[1])})
	}
	for _, m := range chpasswd.FindAllStringSubmatch(cmd, 3) {
		out = append(out, hit{title: "password set with chpasswd for " + m[1], evidence: m[1] + ":" + Mask("password", m[2])})
	}
	for _, m := range shellAssign.FindAllStringSubmatch(cmd, -1) {
		if secretEnvNameHolds(m[1]) && !placeholder(m[2]) {
			out = append(out, hit{title: "secret assigned in a build command: " + m[1], evidence: RedactValue(m[1]+"="+m[2], m[2], kindOfName(m[1]))})
		}
	}
	return out
}

// envStep finds the history step that set the variable, newest first.
func envStep(img *forensics.Image, name string) (int, string) {
	for i := len(img.History) - 1; i >= 0; i-- {
		in := forensics.ParseCreatedBy(img.History[i].CreatedBy)
		if in.Keyword == "ENV" && (strings.Contains(in.Args, name+"=") || strings.HasPrefix(in.Args, name+" ")) {
			return i, img.History[i].CreatedBy
		}
	}
	return -1, ""
}

// Review implements audit.Reviewer: a secret in a file a distribution package of the image
// ships unchanged (its checksum in the package database matches) is public, since everyone
// with the package holds it (a bundled development or test key): reported low, never
// hidden, for a service configured with it has no secret either.
func (a *Analyzer) Review(s *audit.Subject, findings []audit.Finding) []audit.Finding {
	if s.Shipped == nil || s.Tree == nil {
		return findings
	}
	for i := range findings {
		f := &findings[i]
		if f.Category != audit.CategorySecret || f.Layer < 0 || f.Path == "" || f.Severity <= audit.Low || !strings.HasPrefix(f.Rule, "STRATA-SE-") {
			continue
		}
		// Only the version the final filesystem holds is the one the database vouches for.
		if n := s.Tree.Node(f.Path); n == nil || n.Hidden || n.Layer() != f.Layer {
			continue
		}
		if pkg := s.Shipped(f.Path); pkg != "" {
			f.Severity = audit.Low
			f.Title += ", shipped unchanged by package " + pkg + ": public to anyone with the package, so a service using it has no secret"
		}
	}
	return findings
}
