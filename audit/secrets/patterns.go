package secrets

import (
	"bytes"
	"regexp"
)

// token is a secret format found anywhere in a file: scanPass finds where a match could
// start, and the regexp is run only on the bytes from there.
type token struct {
	rule     string
	title    string
	severity sev
	// re is matched at the candidate start, over at most window bytes; group 1 is the
	// secret itself.
	re     *regexp.Regexp
	window int
	// boundary requires the byte before the match not to be a word character.
	boundary bool
}

type sev int

const (
	sevMedium sev = iota
	sevHigh
	sevCritical
)

// tokens are indexed by the tok constants scanPass uses.
var tokens = []token{
	{rule: "STRATA-SE-011", title: "AWS access key ID", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^((?:AKIA|ASIA)[A-Z2-7]{16})(?:[^A-Za-z0-9]|$)`), window: 21},
	{rule: "STRATA-SE-013", title: "GitHub token", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(gh[pousr]_[A-Za-z0-9]{36})(?:[^A-Za-z0-9_]|$)`), window: 41},
	{rule: "STRATA-SE-013", title: "GitHub fine-grained token", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?:[^A-Za-z0-9_]|$)`), window: 94},
	{rule: "STRATA-SE-014", title: "GitLab personal access token", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(gl(?:pat|ptt|dt|rt|soat|cbt|ft|imt|oas|wt|agent)-[A-Za-z0-9_-]{20,64})(?:[^A-Za-z0-9_-]|$)`), window: 74},
	{rule: "STRATA-SE-015", title: "Slack token", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(xox[baprse]-[0-9]{8,14}-[0-9A-Za-z-]{8,80}|xapp-[0-9]-[A-Z0-9]{8,14}-[0-9]{8,14}-[a-f0-9]{32,80})`), window: 110},
	{rule: "STRATA-SE-016", title: "Stripe live secret key", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^([rs]k_live_[0-9A-Za-z]{24,99})(?:[^0-9A-Za-z]|$)`), window: 110},
	{rule: "STRATA-SE-017", title: "JSON Web Token", severity: sevMedium, boundary: true,
		re: regexp.MustCompile(`^(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})`), window: 4096},
	{rule: "STRATA-SE-030", title: "npm access token", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(npm_[A-Za-z0-9]{36})(?:[^A-Za-z0-9_]|$)`), window: 41},
	{rule: "STRATA-SE-031", title: "PyPI API token", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(pypi-AgE[A-Za-z0-9_-]{50,300})(?:[^A-Za-z0-9_-]|$)`), window: 310},
	{rule: "STRATA-SE-032", title: "Docker Hub access token", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(dckr_pat_[A-Za-z0-9_-]{27,36})(?:[^A-Za-z0-9_-]|$)`), window: 46},
	{rule: "STRATA-SE-033", title: "Google API key", severity: sevMedium, boundary: true,
		re: regexp.MustCompile(`^(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)`), window: 40},
	{rule: "STRATA-SE-034", title: "AI platform API key (OpenAI, Anthropic)", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(sk-(?:ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,120}|(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,200}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}))(?:[^A-Za-z0-9_-]|$)`), window: 220},
	{rule: "STRATA-SE-015", title: "Slack incoming webhook", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(https://hooks\.slack\.com/services/T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})(?:[^A-Za-z0-9]|$)`), window: 90},
	{rule: "STRATA-SE-035", title: "DigitalOcean access token", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(do[por]_v1_[a-f0-9]{64})(?:[^a-f0-9]|$)`), window: 72},
	{rule: "STRATA-SE-036", title: "Shopify access token", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32})(?:[^a-fA-F0-9]|$)`), window: 39},
	{rule: "STRATA-SE-037", title: "Azure storage account key", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(?i:AccountKey)\s*=\s*([A-Za-z0-9+/]{86}==)`), window: 110},
	{rule: "STRATA-SE-038", title: "SendGrid API key", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})(?:[^A-Za-z0-9_-]|$)`), window: 70},
	{rule: "STRATA-SE-039", title: "Hugging Face access token", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(hf_[A-Za-z]{34})(?:[^A-Za-z0-9_]|$)`), window: 38},
	{rule: "STRATA-SE-040", title: "age secret key", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})(?:[^A-Za-z0-9]|$)`), window: 76},
	{rule: "STRATA-SE-041", title: "Postman API key", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(PMAK-[a-f0-9]{24}-[a-f0-9]{34})(?:[^A-Za-z0-9]|$)`), window: 65},
	{rule: "STRATA-SE-042", title: "Grafana service account token", severity: sevHigh, boundary: true,
		re: regexp.MustCompile(`^(glsa_[A-Za-z0-9]{32}_[a-f0-9]{8})(?:[^A-Za-z0-9_]|$)`), window: 47},
}

// privateKey is a PEM private key block with a body: at least two full lines of base64.
// Headers such as "Proc-Type: 4,ENCRYPTED" may come between.
// A key inside a JSON string (a cloud service account's key file) has its line breaks
// escaped as \n.
var privateKey = regexp.MustCompile(`^-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY(?: BLOCK)?-----(?:\r?\n|\\n)((?:[A-Za-z-]+: [^\n\\]*(?:\r?\n|\\n))*)(?:\r?\n|\\n)?(?:(?:[A-Za-z0-9+/=]{40,}(?:\r?\n|\\n)){2}|[A-Za-z0-9+/=]{40,}(?:\r?\n|\\n)-----END )`)

// awsSecret is an AWS secret access key given with its name (awsSecretAccessKey,
// AWS_SECRET_ACCESS_KEY); it is matched in a window around each ':' or '=' after a name
// ending in "key".
var awsSecret = regexp.MustCompile(`(?i)aws_?secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+]|$)`)

// assignment is a line assigning a secret-looking name in a .env or config file.
var assignment = regexp.MustCompile(`(?im)(?:^|[{,])[ \t]*(?:export[ \t]+)?["']?([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth[_-]?key|credentials?)[A-Za-z0-9_.-]*)["']?[ \t]*[:=][ \t]*["']?([^\s"'#;,]{6,})`)

// urlCreds is a URL with a password in it; urlCredsAt is the same from its first byte on,
// for urlCredMatches, which finds where it may start.
var (
	urlCreds   = regexp.MustCompile(`\b([a-z][a-z0-9+.-]{1,15})://([^\s/:@'"]+):([^\s/@'"]+)@`)
	urlCredsAt = regexp.MustCompile(`^([a-z][a-z0-9+.-]{1,15})://([^\s/:@'"]+):([^\s/@'"]+)@`)
)

// urlCredMatches returns what urlCreds.FindAllSubmatch(data, n) does, without trying the
// expression at every byte: a match holds "://" right after its scheme, so only the bytes
// before each "://" can start one. Of those, the leftmost that starts a scheme is where the
// expression would match (what follows the scheme does not depend on where it starts), and
// a match ends at an '@', which no scheme holds, before the next "://" can start one.
func urlCredMatches(data []byte, n int) [][][]byte {
	var out [][][]byte
	for off := 0; len(out) < n; {
		k := bytes.Index(data[off:], []byte("://"))
		if k < 0 {
			break
		}
		k += off
		off = k + 3
		s := schemeStart(data, k)
		if s < 0 {
			continue
		}
		if m := urlCredsAt.FindSubmatch(data[s:]); m != nil {
			out = append(out, m)
			off = s + len(m[0])
		}
	}
	return out
}

// schemeStart returns the leftmost i from which data[i:k] is a scheme as urlCreds reads one
// (\b[a-z][a-z0-9+.-]{1,15}), or -1.
func schemeStart(data []byte, k int) int {
	lo := k
	for lo > 0 && k-lo < 16 && schemeByte(data[lo-1]) {
		lo--
	}
	for i := lo; i <= k-2; i++ {
		if data[i] >= 'a' && data[i] <= 'z' && (i == 0 || !isWord(data[i-1])) {
			return i
		}
	}
	return -1
}

func schemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '.' || c == '-'
}

// Example values from vendor documentation, not secrets.
var examples = [][]byte{[]byte("EXAMPLE"), []byte("example"), []byte("XXXXXXXX"), []byte("xxxxxxxx")}

func isExample(b []byte) bool {
	for _, e := range examples {
		if bytes.Contains(b, e) {
			return true
		}
	}
	return false
}

func isWord(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
