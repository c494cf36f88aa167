package secrets

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

func TestContent(t *testing.T) {
	tests := []struct {
		path, content string
		rule          string // "" for no finding
		severity      audit.Severity
	}{
		{"/app/.env", "DB_PASSWORD=s3cr3t-Value\n", RuleConfigPassword, audit.Medium},
		{"/app/.env", "DB_PASSWORD=${DB_PASSWORD}\nDB_PASSWORD_FILE=/run/secrets/db\n", "", 0},
		{"/etc/app/config.yaml", "database:\n  password: hunter2hunter2\n", RuleConfigPassword, audit.Medium},
		{"/etc/login.defs", "PASS_MAX_DAYS 99999\n", "", 0},
		{"/etc/security/pwquality.conf", "# minlen = 8\npassword_min_length = 12\n", "", 0},
		{"/srv/app/settings.json", `{"apiKey": "AbCdEf0123456789"}`, RuleConfigPassword, audit.Medium},
		{"/srv/notes.txt", "token ghp_" + strings.Repeat("a1B2", 9) + " here\n", "STRATA-SE-013", audit.High},
		{"/srv/notes.txt", "xghp_" + strings.Repeat("a1B2", 9) + "\n", "", 0},
		{"/srv/slack.txt", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx\n", "STRATA-SE-015", audit.High},
		{"/srv/pay.py", `stripe.api_key = "sk_live_` + strings.Repeat("x1Y2", 7) + `"`, "STRATA-SE-016", audit.High},
		{"/srv/gl.sh", "export GL=glpat-ABCDEFGHIJ0123456789\n", "STRATA-SE-014", audit.High},
		{"/srv/aws.txt", "AKIAIOSFODNN7EXAMPLE\n", "", 0},
		{"/usr/share/doc/pkg/README", "AKIAQ3EGRTSWV4MZLX7P\n", "STRATA-SE-011", audit.Low},
		{"/usr/lib/python3/dist-packages/jwt/tests/test_api.py", "t = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'", "STRATA-SE-017", audit.Info},
		{"/root/.docker/config.json", `{"auths": {"registry.example.com": {"auth": "dXNlcjpwYXNzd29yZA=="}}}`, RuleDockerConfig, audit.High},
		{"/root/.npmrc", "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnop\n", RuleNpmrc, audit.High},
		{"/root/.netrc", "machine example.com login me password hunter22\n", RuleNetrc, audit.High},
		{"/root/.git-credentials", "https://me:ghs_abcdef123456@github.com\n", RuleGitCredentials, audit.High},
		{"/root/.pypirc", "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n", RulePypirc, audit.High},
		{"/home/me/.aws/credentials", "[default]\naws_access_key_id = x\naws_secret_access_key = " + strings.Repeat("a", 40) + "\n", RuleAWSCredentials, audit.High},
		{"/home/me/.ssh/id_ed25519", "not PEM but still a key file", RuleSSHIdentity, audit.High},
		{"/root/.kube/config", "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n  name: c\nusers:\n- name: sa\n  user:\n    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDpjaSJ9.c2lnbmF0dXJlX3BhcnRfaGVyZV9sb25n\n", RuleKubeconfig, audit.High},
		{"/etc/kubernetes/admin.conf", "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n  name: c\nusers:\n- name: sa\n  user:\n    client-certificate-data: LS0tLS1CRUdJTg==\n    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=\n", RuleKubeconfig, audit.High},
		{"/srv/deploy/ci.yaml", "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n  name: c\nusers:\n- name: sa\n  user:\n    token: \"a8f3e2c9d1b7465f9e0c2a4b6d8f1e3c\"\n", RuleKubeconfig, audit.High},
		{"/root/.kube/config", "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n  name: c\nusers:\n- name: sa\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n      args: [eks, get-token, --cluster-name, c]\n", "", 0},
		{"/usr/share/doc/kubectl/examples/kubeconfig", "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n  name: c\nusers:\n- name: sa\n  user:\n    token: a8f3e2c9d1b7465f9e0c2a4b6d8f1e3c\n", RuleKubeconfig, audit.Low},
		{"/usr/lib/libcrypto.so.3", "-----BEGIN PRIVATE KEY-----\n", "", 0},
		{"/srv/logo.png", "\x89PNG\r\n\x1a\nAKIAQ3EGRTSWV4MZLX7P", "", 0},
		// Token formats only in text and credential files; PEM keys anywhere.
		{"/srv/blob.bin", "\x00\x01\x02AKIAQ3EGRTSWV4MZLX7P\x00", "", 0},
		{"/srv/blob.bin", "\x00\x01\x02-----BEGIN RSA PRIVATE KEY-----\n" + strings.Repeat("QUJD", 16) + "\n" + strings.Repeat("QUJD", 16) + "\n", RulePrivateKey, audit.High},
		// Found by the one pass wherever they sit.
		{"/srv/notes.txt", "ghp_" + strings.Repeat("a1B2", 9), "STRATA-SE-013", audit.High},
		{"/srv/notes.txt", "--- x -- -----BEGIN RSA PRIVATE KEY-----\n" + strings.Repeat("QUJD", 16) + "\n" + strings.Repeat("QUJD", 16) + "\n", RulePrivateKey, audit.High},
		{"/srv/app.js", `const cfg = {awsSecretAccessKey: "` + strings.Repeat("Ab1/", 10) + `"}`, RuleAWSSecret, audit.High},
		{"/srv/deploy.sh", "export AWS_ACCESS_KEY_ID=AKIAQ3EGRTSWV4MZLX7P\nexport AWS_SECRET_ACCESS_KEY=" + strings.Repeat("Ab1+", 10) + "\n", RuleAWSSecret, audit.Critical},
		{"/srv/app/settings.json", `{"user": "me", "db": {"password": "hunter2hunter2"}}`, RuleConfigPassword, audit.Medium},
		// Token formats of package registries, clouds and AI platforms.
		{"/app/ci.sh", "NPM_TOKEN=npm_" + strings.Repeat("aB3", 12) + " npm publish\n", "STRATA-SE-030", audit.High},
		{"/app/upload.sh", "twine upload -p pypi-AgEIcHlwaS5vcmcCJDk" + strings.Repeat("Ab_-9", 12) + " dist/*\n", "STRATA-SE-031", audit.High},
		{"/app/login.sh", "echo dckr_pat_" + strings.Repeat("x9_", 9) + " | docker login -u me --password-stdin\n", "STRATA-SE-032", audit.High},
		{"/srv/www/maps.js", `const key = "AIzaSyA` + strings.Repeat("x0_-9", 6) + `qq";`, "STRATA-SE-033", audit.Medium},
		{"/app/bot.py", `client = OpenAI(api_key="sk-proj-` + strings.Repeat("Ab9_", 12) + `")`, "STRATA-SE-034", audit.High},
		{"/app/bot.py", `key = "sk-ant-api03-` + strings.Repeat("Zz8-", 24) + `AA"`, "STRATA-SE-034", audit.High},
		{"/app/alert.sh", "curl -X POST https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/" + strings.Repeat("aB3x", 6) + " -d @msg\n", "STRATA-SE-015", audit.High},
		{"/app/do.sh", "doctl auth init -t dop_v1_" + strings.Repeat("0f", 32) + "\n", "STRATA-SE-035", audit.High},
		{"/app/mail.ini", "[mail]\nkey = SG." + strings.Repeat("aB3-", 5) + "x_." + strings.Repeat("Zy9_", 10) + "abc\n", "STRATA-SE-038", audit.High},
		{"/root/.cache/huggingface/token", "hf_" + strings.Repeat("AbCdEfGhIjKlMnOpQ", 2) + "\n", "STRATA-SE-039", audit.High},
		{"/root/.config/sops/age/keys.txt", "# public key: age1x\nAGE-SECRET-KEY-1" + strings.Repeat("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 2)[:58] + "\n", "STRATA-SE-040", audit.High},
		{"/app/ci.env", "POSTMAN=PMAK-" + strings.Repeat("0a1b", 6) + "-" + strings.Repeat("c2d3", 8) + "e4\n", "STRATA-SE-041", audit.High},
		{"/app/graf.sh", "TOKEN=glsa_" + strings.Repeat("Ab3D", 8) + "_0a1b2c3d\n", "STRATA-SE-042", audit.High},
		{"/builds/register.sh", "gitlab-runner register --token glrt-" + strings.Repeat("aB3_", 5) + "\n", "STRATA-SE-014", audit.High},
		{"/app/socket.sh", "SLACK_APP_TOKEN=xapp-1-A0123456789-1234567890123-" + strings.Repeat("0f", 32) + "\n", "STRATA-SE-015", audit.High},
		{"/root/.vault-token", "hvs.CAESI" + strings.Repeat("Ab3_Zz9-", 12) + "\n", RuleVaultToken, audit.High},
		// A key whose body is one line (Ed25519 in PKCS#8).
		{"/app/certs/ed.key", "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----\n", RulePrivateKey, audit.High},
		// Connection URLs with a password in configuration files.
		{"/app/config/database.yml", "production:\n  url: postgres://app:Zq8vT2pLx9@db.internal:5432/app\n", RuleURLPassword, audit.Medium},
		{"/app/config/database.yml", "production:\n  url: postgres://user:password@localhost:5432/app\n  dev: mysql://root:${MYSQL_ROOT_PASSWORD}@db/app\n", "", 0},
		{"/app/shop.rb", `token = "shpat_` + strings.Repeat("a1", 16) + `"`, "STRATA-SE-036", audit.High},
		{"/app/appsettings.json", `{"Storage": "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=` + strings.Repeat("Qk9+", 21) + `AB==;EndpointSuffix=core.windows.net"}`, "STRATA-SE-037", audit.High},
		{"/app/sa.json", `{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\n` + strings.Repeat("QUJD", 16) + `\n` + strings.Repeat("QUJD", 16) + `\n-----END PRIVATE KEY-----\n"}`, RulePrivateKey, audit.High},
		// Lookalikes: too short, inside a word, placeholders.
		{"/app/ci.sh", "npm_config_cache=/tmp/npm\n", "", 0},
		{"/app/notes.txt", "task-sk-list and risk-free\n", "", 0},
		{"/app/notes.txt", "xAIzaSyA" + strings.Repeat("x0_-9", 6) + "q\n", "", 0},
		{"/etc/app.conf", "[db]\nhost   = db\nadmin_token      =   s3cr3tValue99\n", RuleConfigPassword, audit.Medium},
		{"/etc/app.conf", "token_file = /run/secrets/t\nkey_path = /etc/k\n", "", 0},
		{"/usr/share/mediawiki/extensions/X/i18n/de.json", `{"x-edit-token-not-match": "Bearbeitungstoken stimmt nicht", "x-api-key-help": "Schluessel fuer die API"}`, "", 0},
		{"/app/config.json", `{"api_token": "a8Fq2mZ9xW3pL7tK"}`, RuleConfigPassword, audit.Medium},
		{"/usr/share/mediawiki/languages/i18n/de.json", `{"yourpassword": "Passwort:", "oathauth-token": "Token"}`, "", 0},
		{"/srv/app/locales/fr.yml", "fr:\n  password_label: Motdepasse\n", "", 0},
		{"/usr/share/nodejs/x/package.json", `{"dependencies": {"js-tokens": "^4.0.0", "tokenizer": "~1.2", "keyv": ">=4.5.2-rc.1"}}`, "", 0},
		{"/app/package-lock.json", `{"packages": {"node_modules/js-tokens": {"version": "4.0.0"}}, "requires": {"js-tokens": "4.0.0"}}`, "", 0},
		// Dependencies whose names sound like secrets, with version ranges (npm's js-tokens).
		{"/app/node_modules/@babel/code-frame/package.json", `{"dependencies": {"js-tokens": "^4.0.0", "picocolors": "^1.1.1"}}`, "", 0},
		{"/app/package-lock.json", `{"node_modules/x": {"requires": {"js-tokens": "^3.0.0 || ^4.0.0", "secret-key": "~1.2.x"}}}`, "", 0},
	}
	a := New()
	for _, tc := range tests {
		got := a.Content(audit.File{Entry: &forensics.Entry{Path: tc.path}}, []byte(tc.content))
		if tc.rule == "" {
			if len(got) != 0 {
				t.Errorf("%s %q: unexpected %+v", tc.path, tc.content, got)
			}
			continue
		}
		var f *audit.Finding
		for i := range got {
			if got[i].Rule == tc.rule {
				f = &got[i]
			}
		}
		if f == nil {
			t.Errorf("%s %q: no %s in %+v", tc.path, tc.content, tc.rule, got)
			continue
		}
		if f.Severity != tc.severity || f.Category != audit.CategorySecret {
			t.Errorf("%s: %s %s, want %s", tc.path, f.Category, f.Severity, tc.severity)
		}
		if strings.Contains(f.Evidence, "hunter2") || strings.Contains(f.Evidence, "dXNlcjpwYXNz") {
			t.Errorf("%s: evidence not redacted: %s", tc.path, f.Evidence)
		}
	}
}

func TestConfigAndHistory(t *testing.T) {
	img := &forensics.Image{
		Config: forensics.Config{Env: []string{
			"PATH=/usr/bin", "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D", "DB_PASSWORD=hunter2hunter2",
			"API_TOKEN_FILE=/run/secrets/token", "NODE_AUTH_TOKEN=", "PYTHON_SHA256=abc",
		}},
		History: []forensics.History{
			{CreatedBy: "ENV DB_PASSWORD=hunter2hunter2", EmptyLayer: true, Layer: -1},
			{CreatedBy: "RUN |1 NPM_TOKEN=npm_abcdef123456 /bin/sh -c npm ci # buildkit", Layer: 0},
			{CreatedBy: "RUN /bin/sh -c git clone https://bot:s3cretpass@git.example.com/x.git # buildkit", Layer: 1},
			{CreatedBy: "RUN /bin/sh -c echo 'root:toor123' | chpasswd # buildkit", Layer: 2},
			{CreatedBy: "RUN /bin/sh -c mysql --password=Sup3rSecret -e 'select 1' # buildkit", Layer: 3},
			{CreatedBy: "RUN /bin/sh -c echo $TOKEN | docker login --password-stdin # buildkit", Layer: 4},
			{CreatedBy: "RUN /bin/sh -c apt-get install -y ca-certificates # buildkit", Layer: 5},
		},
	}
	got, err := New().Tree(t.Context(), &audit.Subject{Image: img})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"env:-1": 1, "hist:0": 1, "hist:1": 1, "hist:2": 1, "hist:3": 1}
	seen := map[string]int{}
	for _, f := range got {
		k := "hist:"
		if f.Rule == RuleEnv {
			k = "env:"
		}
		seen[k+strings.TrimPrefix(itoa(f.Layer), "")]++
		if strings.Contains(f.Evidence, "hunter2") || strings.Contains(f.Evidence, "s3cretpass") || strings.Contains(f.Evidence, "toor123") || strings.Contains(f.Evidence, "Sup3rSecret") {
			t.Errorf("evidence not redacted: %s", f.Evidence)
		}
	}
	for k, n := range want {
		if seen[k] != n {
			t.Errorf("%s: %d findings, want %d (all: %+v)", k, seen[k], n, got)
		}
	}
	if len(got) != 5 {
		t.Errorf("%d findings, want 5: %+v", len(got), got)
	}
}

func itoa(i int) string {
	if i < 0 {
		return "-" + string(rune('0'-i))
	}
	return string(rune('0' + i))
}

// anchorSearch is the plain way to find token formats, one bytes.Index pass per literal
// prefix: the reference scanPass must agree with.
func anchorSearch(data []byte) map[string]bool {
	prefixes := [numTokens][]string{
		tokAWSKeyID: {"AKIA", "ASIA"}, tokGitHub: {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"},
		tokGitHubPAT: {"github_pat_"}, tokGitLab: {"glpat-"}, tokSlack: {"xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-"},
		tokStripe: {"sk_live_", "rk_live_"}, tokJWT: {"eyJ"}, tokNpm: {"npm_"}, tokPyPI: {"pypi-"},
		tokDockerPAT: {"dckr_pat_"}, tokGoogleKey: {"AIza"}, tokAIKey: {"sk-"}, tokSlackHook: {"https://hooks.slack.com/"},
		tokDigitalOcean: {"dop_v1_", "doo_v1_", "dor_v1_"}, tokShopify: {"shpat_", "shpss_", "shpca_", "shppa_"},
		tokAzureKey: {"AccountKey", "accountkey", "ACCOUNTKEY"},
	}
	out := map[string]bool{}
	for ti, ps := range prefixes {
		t := &tokens[ti]
		for _, p := range ps {
			for off := 0; ; {
				i := bytes.Index(data[off:], []byte(p))
				if i < 0 {
					break
				}
				at := off + i
				off = at + 1
				if t.boundary && at > 0 && isWord(data[at-1]) {
					continue
				}
				if m := t.re.FindSubmatch(data[at:min(len(data), at+t.window+1)]); m != nil && !isExample(m[1]) {
					out[t.rule+" "+Mask(tokenKinds[ti], string(m[1]))] = true
				}
			}
		}
	}
	return out
}

func TestPassFindsWhatAnchorsFind(t *testing.T) {
	if len(tokens) != numTokens {
		t.Fatalf("%d tokens, %d tok constants", len(tokens), numTokens)
	}
	frags := []string{"AKIA", "ASIA", "AKIAQ3EGRTSWV4MZLX7P", "ASIAQ3EGRTSWV4MZLX7Q", "ghp_", "gho_", "gh_", "github_pat_",
		"github_pat_" + strings.Repeat("a", 22) + "_" + strings.Repeat("B", 59), "ghp_" + strings.Repeat("a1B2", 9),
		"glpat-", "glpat-ABCDEFGHIJ0123456789", "xoxb-", "xoxp-123456789012-abcdefgh", "sk_live_", "rk_live_" + strings.Repeat("x1Y2", 7),
		"k_live_", "eyJ", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
		" ", "\n", "_", "-", "x", "I", "J", "A", "=", ":", "ey", "gh", "xox", "glpat",
		"npm_", "npm_" + strings.Repeat("aB3", 12), "pypi-", "pypi-AgEIcHlwaS5vcmc" + strings.Repeat("Ab_-9", 12), "dckr_pat_",
		"dckr_pat_" + strings.Repeat("x9_", 9), "AIza", "AIza" + strings.Repeat("Sy0_-", 7), "sk-", "sk-proj-" + strings.Repeat("Ab9_", 12),
		"sk-ant-api03-" + strings.Repeat("Zz8-", 24), strings.Repeat("a", 20) + "T3BlbkFJ", "https", "://", "https://hooks.slack.com/",
		"https://hooks.slack.com/services/T12345678/B12345678/abcdefghijklmnopqrstuvwx", "dop_v1_", "dop_v1_" + strings.Repeat("0f", 32),
		"shpat_", "shpat_" + strings.Repeat("a1", 16), "AccountKey=", "AccountKey = ", "AccountKey=" + strings.Repeat("Qk9+", 21) + "AB==", "z", "a"}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 3000; n++ {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(frags[r.IntN(len(frags))])
		}
		data := []byte(b.String())
		got := map[string]bool{}
		scanTokens(data, func(rule string, _ audit.Severity, _, evidence string) {
			if rule != RuleAWSSecret {
				got[rule+" "+evidence] = true
			}
		})
		want := anchorSearch(data)
		if !maps.Equal(got, want) {
			t.Fatalf("%q: pass found %v, anchors %v", data, got, want)
		}
	}
}
