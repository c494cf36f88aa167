package secrets

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// urlFragments build texts that come near urlCreds from every side: schemes of every
// length, word bytes and scheme bytes before them, user and password parts with the bytes
// that end them, several URLs in a row.
var urlFragments = []string{"://", "http", "https", "postgres", "mongodb+srv", "jdbc:postgresql", "a", "z", "Q", "0", "_", "-", "+", ".",
	"x.y", ":", "@", "/", " ", "\n", "\t", "'", `"`, "user", "pw", "s3cr3t", "app:Zq8vT2pLx9@", "abcdefghijklmnopq", "ftp://a:b@h",
	"://u:p@", "redis://:pw@", "ldap://cn:x:y@host", "é", "${PW}"}

// TestURLCredMatches holds urlCredMatches to urlCreds.FindAllSubmatch on texts built to come
// near the expression, and on random bytes.
func TestURLCredMatches(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	matched := 0
	for n := 0; n < 40000; n++ {
		var b strings.Builder
		for range 1 + r.IntN(16) {
			b.WriteString(urlFragments[r.IntN(len(urlFragments))])
		}
		data := []byte(b.String())
		if n%10 == 9 {
			data = make([]byte, r.IntN(64))
			for i := range data {
				data[i] = "ab:/@ .+-_'\n"[r.IntN(12)]
			}
		}
		limit := 1 + r.IntN(8)
		want := urlCreds.FindAllSubmatch(data, limit)
		got := urlCredMatches(data, limit)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q (limit %d): literal scan found %q, the expression %q", data, limit, got, want)
		}
		matched += len(want)
	}
	if matched < 2000 {
		t.Fatalf("only %d matches: the texts do not come near the expression", matched)
	}
}

// secretTexts are texts that hold a secret of every kind the analyzer reports, and near
// misses, for TestExhaustiveSameFindings.
func secretTexts() []string {
	return []string{
		"DB_PASSWORD=s3cr3t-Value\nexport API_TOKEN=ab12cd34ef56\n",
		"database:\n  password: hunter2hunter2\n  url: postgres://app:Zq8vT2pLx9@db.internal:5432/app\n",
		`{"apiKey": "AbCdEf0123456789", "db": {"password": "hunter2hunter2"}, "url": "mysql://root:pw0rd123@db/app"}`,
		"token ghp_" + strings.Repeat("a1B2", 9) + " here\nxoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx\n",
		"export AWS_ACCESS_KEY_ID=AKIAQ3EGRTSWV4MZLX7P\nexport AWS_SECRET_ACCESS_KEY=" + strings.Repeat("Ab1+", 10) + "\n",
		`const cfg = {awsSecretAccessKey: "` + strings.Repeat("Ab1/", 10) + `", "aws_secret_access_key" : "` + strings.Repeat("Zz9+", 10) + `"}`,
		`{"Storage": "DefaultEndpointsProtocol=https;AccountName=shop;AccountKey=` + strings.Repeat("Qk9+", 21) + `AB==;EndpointSuffix=core.windows.net"}`,
		"curl -X POST https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/" + strings.Repeat("aB3x", 6) + " -d @msg\n",
		"-----BEGIN RSA PRIVATE KEY-----\n" + strings.Repeat("QUJD", 16) + "\n" + strings.Repeat("QUJD", 16) + "\n-----END RSA PRIVATE KEY-----\n",
		"//registry.npmjs.org/:_authToken=npm_abcdefghijklmnop\n", "machine example.com login me password hunter22\n",
		"https://me:ghs_abcdef123456@github.com\n", "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n",
		"[default]\naws_access_key_id = x\naws_secret_access_key = " + strings.Repeat("a", 40) + "\n",
		"a = b; c: d; key = value; my_key: 'x'; https: //no; x=y\n", "[db]\nhost   = db\nadmin_token      =   s3cr3tValue99\n",
		"token_file = /run/secrets/t\nkey_path = /etc/k\nurl = https://user:password@localhost/\n",
	}
}

// TestExhaustiveSameFindings runs the analyzer with and without its shortcuts on secrets of
// every kind, under the names of config, credential and other files, and on those texts cut
// and spliced at random: the findings must be the same.
func TestExhaustiveSameFindings(t *testing.T) {
	paths := []string{"/app/.env", "/etc/app/config.yaml", "/srv/app/settings.json", "/srv/notes.txt", "/root/.npmrc", "/root/.netrc",
		"/root/.git-credentials", "/root/.pypirc", "/home/me/.aws/credentials", "/app/deploy.sh", "/usr/share/doc/x/README", "/etc/app.conf"}
	texts := secretTexts()
	r := rand.New(rand.NewPCG(5, 6))
	for range 600 {
		a, b := texts[r.IntN(len(texts))], texts[r.IntN(len(texts))]
		i, j := r.IntN(len(a)+1), r.IntN(len(b)+1)
		texts = append(texts, a[:i]+b[j:], a+b, strings.ReplaceAll(a, "\n", ", "), strings.ToUpper(a[:i])+a[i:])
	}
	fast, slow := New(), &Analyzer{Exhaustive: true}
	found := 0
	for _, text := range texts {
		for _, p := range paths {
			f := audit.File{Entry: &forensics.Entry{Path: p}}
			want := slow.Content(f, []byte(text))
			if got := fast.Content(f, []byte(text)); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s %q:\nwith shortcuts %+v\nwithout %+v", p, text, got, want)
			}
			found += len(want)
		}
	}
	if found < 1000 {
		t.Fatalf("only %d findings: the texts do not exercise the analyzer", found)
	}
}

// passFragments build texts that come near every trigger of scanPass from every side:
// whole tokens of every format and every prefix spelling, their prefixes alone and near
// misses, PEM headers after anything (a token's prefix included), AWS secrets and keys after
// names ending in key and https with every blank and quote before ':' and '=', and
// assignment lines.
func passFragments() []string {
	alnum36, alnum40, hex32, hex64 := strings.Repeat("a1B2", 9), strings.Repeat("a1B2", 10), strings.Repeat("0f", 16), strings.Repeat("0f", 32)
	f := []string{"_", "__", "-", "--", "B", "I", "J", "G", "gh", "do", "shp", "gl", "AKI", "=", ":", " = ", ": ", "\"", "'", " ", "\t", "\n",
		"\r\n", "a", "Z", "password", "token", "key", "KEY", "https", alnum40, hex64, "-----BEGIN ", "-----BEGIN RSA PRIVATE KEY-----\n",
		"ghx_", "xk_live_", "dox_v1_", "shpxx_", "glxyz-", "xoxz-", "pypi-AgE", "github_pat_", "sk-proj-", "ghp_"}
	for _, k := range "pousr" {
		f = append(f, "gh"+string(k)+"_"+alnum36)
	}
	f = append(f, "github_pat_"+alnum36[:22]+"_"+strings.Repeat("a1B2c", 12)[:59], "sk_live_"+alnum40, "rk_live_"+alnum40, "npm_"+alnum36,
		"dckr_pat_"+alnum36, "hf_"+strings.Repeat("abcdefghijklmnopq", 2), "glsa_"+alnum36[:32]+"_"+hex32[:8],
		"xapp-1-A1B2C3D4E5-1234567890-"+hex32, "AGE-SECRET-KEY-1"+strings.Repeat("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 2)[:58],
		"PMAK-"+hex32[:24]+"-"+hex64[:34], "pypi-AgE"+alnum40+alnum40, "sk-proj-"+alnum40+alnum40, "AKIA"+"QWERTYUIOPASDFGH", "ASIA"+"ZXCVBNMLKJHGFDSA",
		"AIza"+alnum36[:35], "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0."+alnum40, "SG."+alnum36[:22]+"."+alnum40+"abc",
		"https://hooks.slack.com/services/T0A1B2C3D/B0A1B2C3D/"+alnum36[:24])
	for _, k := range "por" {
		f = append(f, "do"+string(k)+"_v1_"+hex64)
	}
	for _, k := range []string{"at", "ss", "ca", "pa"} {
		f = append(f, "shp"+k+"_"+hex32)
	}
	for _, k := range []string{"pat", "ptt", "dt", "rt", "soat", "cbt", "ft", "imt", "oas", "wt", "agent"} {
		f = append(f, "gl"+k+"-"+alnum36)
	}
	for _, k := range "baprse" {
		f = append(f, "xox"+string(k)+"-1234567890-"+alnum36)
	}
	// A PEM key right after a token's prefix, whose first '-' the prefix's case takes.
	for _, p := range []string{"glxyz", "glpat", "xoxz", "xoxb", "sk", "pypi", "PMAK", "AGE-SECRET-KEY"} {
		f = append(f, p+"-----BEGIN RSA PRIVATE KEY-----\n")
	}
	for _, name := range []string{"aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "AccountKey", "x_key", "https", "db_password"} {
		value := alnum40
		switch name {
		case "AccountKey":
			value = strings.Repeat("Ab1+", 21) + "AB=="
		case "aws_secret_access_key", "AWS_SECRET_ACCESS_KEY":
			value = strings.Repeat("Ab1/", 10) + " "
		}
		for _, sep := range []string{"", " ", "\t", "\n", "\r", "\f", "\v", "\"", "'", " \"", "\t'", "\v "} {
			for _, op := range []string{"=", ":"} {
				f = append(f, name+sep+op+" "+value)
				if name == "x_key" {
					// The AWS expression is read over a window past the ':' or '=':
					// it finds the secret after this name too.
					f = append(f, name+sep+op+" aws_secret_access_key="+strings.Repeat("Ab1/", 10)+" ")
				}
			}
		}
	}
	return f
}

// TestPassPairs holds scanPass with its triggers looked up by pairs of bytes to the pass
// that takes every trigger byte (Exhaustive): on texts built to come near every trigger,
// as text and as a config file, the tokens, AWS secrets, PEM offset and assignment lines
// must be the same.
func TestPassPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	texts := secretTexts()
	fragments := passFragments()
	for range 60000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(fragments[r.IntN(len(fragments))])
		}
		texts = append(texts, b.String())
	}
	found := 0
	for _, text := range texts {
		for _, config := range []bool{false, true} {
			var gotLines, wantLines []string
			lines := func(to *[]string) func([]byte) bool {
				return func(line []byte) bool {
					*to = append(*to, string(line))
					return len(*to) < 3 // the pass goes on past the assignments too
				}
			}
			want := scanPass([]byte(text), config, true, lines(&wantLines))
			got := scanPass([]byte(text), config, false, lines(&gotLines))
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotLines, wantLines) {
				t.Fatalf("%q (config %v):\nby pairs %+v %+v lines %q\nevery trigger %+v %+v lines %q", text, config, got, got.found, gotLines,
					want, want.found, wantLines)
			}
			if want.found != nil || want.pem >= 0 || len(want.secrets) > 0 {
				found++
			}
		}
	}
	if found < 20000 {
		t.Fatalf("only %d texts hold a token, key or secret: they do not come near the triggers", found)
	}
}
