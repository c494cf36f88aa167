package secrets

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// Planted secrets, made up for tests.
const (
	testKeyID     = "AKIAQ3EGRTSWV4MZLX7P"
	testAWSSecret = "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"
	testNpmToken  = "npm_Zk3Pq8Lw2Xv5Rt7Yb1Nc4Md6Fg9Hj0Ks2Ue5"
)

// testKey is a PEM private key of random bytes, as a file holds it (64 characters a line).
func testKey(seed uint64) (pem, body string) {
	r := rand.New(rand.NewPCG(seed, 1))
	raw := make([]byte, 600)
	for i := range raw {
		raw[i] = byte(r.Uint32())
	}
	body = base64.StdEncoding.EncodeToString(raw)
	var b strings.Builder
	b.WriteString("-----BEGIN RSA PRIVATE KEY-----\n")
	for i := 0; i < len(body); i += 64 {
		b.WriteString(body[i:min(i+64, len(body))] + "\n")
	}
	b.WriteString("-----END RSA PRIVATE KEY-----\n")
	return b.String(), body
}

func TestMask(t *testing.T) {
	sum := sha256.Sum256([]byte(testAWSSecret))
	want := "[aws-secret-access-key j09Y… 40 chars sha256:" + hex.EncodeToString(sum[:4]) + "]"
	if got := Mask("aws-secret-access-key", testAWSSecret); got != want {
		t.Errorf("Mask = %q, want %q", got, want)
	}
	if got := Mask("password", "hunter22"); strings.Contains(got, "hunt") || !strings.Contains(got, " 8 chars ") {
		t.Errorf("a short secret shows a prefix: %q", got)
	}
}

func TestRedact(t *testing.T) {
	key, body := testKey(1)
	keyMask := Mask("rsa-private-key", body)
	var diff strings.Builder
	diff.WriteString("--- /root/.ssh/id_rsa\n+++ /root/.ssh/id_rsa\n@@ -0,0 +1,12 @@\n")
	for _, l := range strings.Split(strings.TrimSuffix(key, "\n"), "\n") {
		diff.WriteString("+" + l + "\n")
	}
	tests := []struct {
		name, in string
		want     []string // substrings of the output
		gone     []string // substrings that must not be in it
	}{
		{"env secret", "AWS_SECRET_ACCESS_KEY=" + testAWSSecret,
			[]string{"AWS_SECRET_ACCESS_KEY=" + Mask("aws-secret-access-key", testAWSSecret)}, []string{testAWSSecret}},
		{"env key id", "AWS_ACCESS_KEY_ID=" + testKeyID, []string{"AWS_ACCESS_KEY_ID=" + Mask("aws-access-key-id", testKeyID)}, []string{testKeyID}},
		{"npmrc", "//registry.npmjs.org/:_authToken=" + testNpmToken + "\n", []string{"_authToken=" + Mask("npm-token", testNpmToken)}, []string{testNpmToken}},
		{"key file", key, []string{"-----BEGIN RSA PRIVATE KEY-----\n" + keyMask + "\n-----END RSA PRIVATE KEY-----\n"}, []string{body[:64], body[len(body)-20:]}},
		{"key added in a diff", diff.String(), []string{"+-----BEGIN RSA PRIVATE KEY-----\n+" + keyMask + "\n+-----END RSA PRIVATE KEY-----\n"}, []string{body[:64], body[64:128]}},
		{"key squeezed onto a line", strings.Join(strings.Fields(key), " "), []string{keyMask}, []string{body[:64], body[64:128]}},
		{"key in an Env value", "SSH_KEY=" + key, []string{keyMask}, []string{body[:64]}},
		{"build argument", "|1 DEPLOY_TOKEN=tok3nValue99 /bin/sh -c make", []string{"DEPLOY_TOKEN=" + Mask("token", "tok3nValue99") + " /bin/sh"}, []string{"tok3nValue99"}},
		{"URL password", "git clone https://me:hunter22hunter@example.com/x.git", []string{"me:" + Mask("url-password", "hunter22hunter") + "@"}, []string{"hunter22hunter"}},
		{"password flag", "mysql --password=Sup3rS3cret -h db", []string{Mask("password", "Sup3rS3cret")}, []string{"Sup3rS3cret"}},
		{"config setting", "database:\n  password: hunter2hunter2\n", []string{Mask("password", "hunter2hunter2")}, []string{"hunter2hunter2"}},
		{"netrc", "machine example.com login me password hunter22\n", []string{Mask("password", "hunter22")}, []string{"hunter22"}},
		{"github token", "token ghp_" + strings.Repeat("a1B2", 9) + " here", []string{Mask("github-token", "ghp_"+strings.Repeat("a1B2", 9))}, []string{strings.Repeat("a1B2", 9)}},
	}
	for _, tc := range tests {
		got := Redact(tc.in)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.name, w, got)
			}
		}
		for _, g := range tc.gone {
			if strings.Contains(got, g) {
				t.Errorf("%s: output still holds %q:\n%s", tc.name, g, got)
			}
		}
		if again := Redact(got); again != got {
			t.Errorf("%s: redacting twice changes the text:\n%s\n%s", tc.name, got, again)
		}
	}
}

// TestRedactLeavesOrdinaryText: paths, digests, ordinary Env and commands pass unchanged.
func TestRedactLeavesOrdinaryText(t *testing.T) {
	for _, s := range []string{
		"/usr/share/lib/reverse_shell.so",
		"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/root",
		"PASSWORD_FILE=/run/secrets/db",
		"DB_PASSWORD=${DB_PASSWORD}",
		"/bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl ca-certificates",
		"COPY file:6b1c3f0d9a in /usr/share/nginx/html",
		"ENV NGINX_VERSION=1.25.3",
		"password_min_length = 12",
		"--- a/etc/passwd\n+++ b/etc/passwd\n@@ -1,2 +1,3 @@\n root:x:0:0:root:/root:/bin/bash\n+toor:x:0:0::/root:/bin/sh\n",
		"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUJ\n-----END CERTIFICATE-----\n",
	} {
		if got := Redact(s); got != s {
			t.Errorf("Redact changed ordinary text:\n%q\n%q", s, got)
		}
	}
}

// TestRedactKeyChangedInDiff: a key replaced by another shows both sides, each masked as the
// file holding it would be.
func TestRedactKeyChangedInDiff(t *testing.T) {
	oldKey, oldBody := testKey(1)
	newKey, newBody := testKey(2)
	var d strings.Builder
	d.WriteString("@@ -1,12 +1,12 @@\n -----BEGIN RSA PRIVATE KEY-----\n")
	ol, nl := strings.Split(oldKey, "\n"), strings.Split(newKey, "\n")
	for _, l := range ol[1 : len(ol)-2] {
		d.WriteString("-" + l + "\n")
	}
	for _, l := range nl[1 : len(nl)-2] {
		d.WriteString("+" + l + "\n")
	}
	d.WriteString(" -----END RSA PRIVATE KEY-----\n")
	got := Redact(d.String())
	want := " -----BEGIN RSA PRIVATE KEY-----\n-" + Mask("rsa-private-key", oldBody) + "\n+" + Mask("rsa-private-key", newBody) + "\n -----END RSA PRIVATE KEY-----\n"
	if !strings.Contains(got, want) {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if Redact(oldKey) != strings.Replace(oldKey, strings.Join(ol[1:len(ol)-2], "\n"), Mask("rsa-private-key", oldBody), 1) {
		t.Errorf("the key file's mask differs from the diff's:\n%s", Redact(oldKey))
	}
}

func TestFindPrefersTokenFormats(t *testing.T) {
	s := "export AWS_SECRET_ACCESS_KEY=" + testAWSSecret
	spans := Find(s)
	if len(spans) != 1 || spans[0].Kind != "aws-secret-access-key" || s[spans[0].Start:spans[0].End] != testAWSSecret {
		t.Errorf("Find = %+v", spans)
	}
}

func FuzzRedact(f *testing.F) {
	key, _ := testKey(3)
	for _, s := range []string{key, "AWS_SECRET_ACCESS_KEY=" + testAWSSecret, "a=b", "-----BEGIN PRIVATE KEY----- QUJD QUJD", "+-----BEGIN RSA PRIVATE KEY-----\n+QUJD\n@@ x\n+QUJD"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Redact(s)
		if again := Redact(r); again != r {
			t.Errorf("not idempotent:\n%q\n%q\n%q", s, r, again)
		}
	})
}

func TestJSONWriter(t *testing.T) {
	key, body := testKey(4)
	doc := map[string]any{"env": []string{"PATH=/bin", "AWS_SECRET_ACCESS_KEY=" + testAWSSecret}, "diff": key, "n": 3, "plain": `a "quoted" \ text`}
	raw, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	// Written in every chunk size, the result is the same and is the document redacted.
	var want []byte
	for _, chunk := range []int{1, 2, 3, 7, 64, len(raw)} {
		var b bytes.Buffer
		w := NewJSONWriter(&b)
		for i := 0; i < len(raw); i += chunk {
			if _, err := w.Write(raw[i:min(i+chunk, len(raw))]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = b.Bytes()
		} else if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("chunk %d: output differs", chunk)
		}
	}
	var got map[string]any
	if err := json.Unmarshal(want, &got); err != nil {
		t.Fatalf("redacted JSON does not parse: %v\n%s", err, want)
	}
	if s := string(want); strings.Contains(s, testAWSSecret) || strings.Contains(s, body[:64]) {
		t.Errorf("secrets left:\n%s", s)
	}
	if got["env"].([]any)[1] != "AWS_SECRET_ACCESS_KEY="+Mask("aws-secret-access-key", testAWSSecret) {
		t.Errorf("env: %v", got["env"])
	}
	if got["plain"] != doc["plain"] || got["n"] != 3.0 {
		t.Errorf("ordinary values changed: %v", got)
	}
	clean, _ := json.Marshal(map[string]string{"path": "/etc/passwd"})
	if !bytes.Equal(RedactJSON(clean), clean) {
		t.Errorf("RedactJSON changed %s", clean)
	}
}

// TestEvidenceMatchesRendering: what the analyzer reports as a secret's evidence is what
// every renderer shows for the same text, so that a responder can correlate them.
func TestEvidenceMatchesRendering(t *testing.T) {
	env := []string{"AWS_ACCESS_KEY_ID=" + testKeyID, "AWS_SECRET_ACCESS_KEY=" + testAWSSecret, "DB_PASSWORD=hunter2hunter2"}
	img := &forensics.Image{Config: forensics.Config{Env: env}}
	got, err := New().Tree(t.Context(), &audit.Subject{Image: img})
	if err != nil {
		t.Fatal(err)
	}
	rendered := Redact(strings.Join(env, "\n"))
	if len(got) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range got {
		if strings.Contains(f.Evidence, testAWSSecret) || strings.Contains(f.Evidence, testKeyID) || strings.Contains(f.Evidence, "hunter2") {
			t.Errorf("evidence holds the secret: %s", f.Evidence)
		}
		m := maskPattern.FindString(f.Evidence)
		if m == "" || !strings.Contains(rendered, m) {
			t.Errorf("evidence %q: its mask is not what the Env renders as:\n%s", f.Evidence, rendered)
		}
	}
	key, body := testKey(5)
	fs := New().Content(audit.File{Entry: &forensics.Entry{Path: "/root/.npmrc"}}, []byte("//registry.npmjs.org/:_authToken="+testNpmToken+"\n"))
	if len(fs) == 0 || !strings.Contains(Redact("_authToken="+testNpmToken), fs[0].Evidence) {
		t.Errorf(".npmrc evidence %+v does not match its rendering", fs)
	}
	if fs := New().Content(audit.File{Entry: &forensics.Entry{Path: "/root/.ssh/id_rsa"}}, []byte(key)); len(fs) == 0 || strings.Contains(fs[0].Evidence, body[:16]) {
		t.Errorf("key evidence %+v", fs)
	}
}

// TestRedactKeyInJSONString: a key inside a JSON string (a cloud service account's key file),
// its line breaks escaped, is masked as the key file would be.
func TestRedactKeyInJSONString(t *testing.T) {
	key, body := testKey(6)
	raw, _ := json.Marshal(map[string]string{"type": "service_account", "private_key": key})
	got := Redact(string(raw))
	if strings.Contains(got, body[:40]) || !strings.Contains(got, Mask("rsa-private-key", body)) {
		t.Errorf("got %s", got)
	}
}

// TestRedactCoversTheAnalyzer: whatever token the analyzer reports in a text, Redact masks.
func TestRedactCoversTheAnalyzer(t *testing.T) {
	for _, s := range []string{
		"token npm_" + strings.Repeat("a1B2", 9) + " x",
		"login dckr_pat_" + strings.Repeat("Ab3-", 8) + " x",
		"key AIza" + strings.Repeat("Bc4_", 8) + "xyz",
		"DefaultEndpointsProtocol=https;AccountKey=" + strings.Repeat("Ab1+", 21) + "AB==;",
		"do dop_v1_" + strings.Repeat("a1", 32),
	} {
		fs := New().Content(audit.File{Entry: &forensics.Entry{Path: "/srv/notes.txt"}}, []byte(s))
		if len(fs) == 0 {
			t.Errorf("the analyzer finds nothing in %q: the case tests nothing", s)
			continue
		}
		if r := Redact(s); r == s || !maskPattern.MatchString(r) {
			t.Errorf("the analyzer reports %s in %q, Redact leaves it: %q", fs[0].Rule, s, r)
		}
	}
}

// TestJSONWriterEscapesInvisible: what encoding/json leaves raw but a terminal acts on is
// written as \u escapes, and decodes to the same string.
func TestJSONWriterEscapesInvisible(t *testing.T) {
	in := "del\x7f c1\u009b31m rlo\u202eabc tag\U000E0041 ls\u2028x plain é"
	raw, _ := json.Marshal(map[string]string{"name": in})
	var b bytes.Buffer
	w := NewJSONWriter(&b)
	w.Write(raw)
	w.Close()
	for _, bad := range []string{"\x7f", "\u009b", "\u202e", "\U000E0041", "\u2028"} {
		if strings.Contains(b.String(), bad) {
			t.Errorf("%q left raw in %s", bad, b.String())
		}
	}
	var got map[string]string
	if err := json.Unmarshal(b.Bytes(), &got); err != nil || got["name"] != in {
		t.Errorf("decodes to %q (%v), want %q", got["name"], err, in)
	}
}

func TestRedactLeavesKeyEvidence(t *testing.T) {
	for _, s := range []string{"-----BEGIN RSA PRIVATE KEY----- at offset 0", "-----BEGIN PRIVATE KEY----- in a compiled file"} {
		if got := Redact(s); got != s {
			t.Errorf("Redact(%q) = %q", s, got)
		}
	}
}
