package shell_test

import (
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/shell"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

// A PAM stack trusting first a module whose name a package ships but that no package of the
// image holds: a stranger under a familiar name. Where the package database knows no files,
// or a package holds the module, the line stays silent.
func TestPAMStackHeadFamiliarName(t *testing.T) {
	dpkg := []imagebuild.File{
		imagebuild.Reg("/var/lib/dpkg/status", "Package: libpam-modules\nStatus: install ok installed\nPriority: required\nVersion: 1.5.2-6\nArchitecture: amd64\nDescription: pam\n\n"+
			"Package: libpam-sss\nStatus: install ok installed\nPriority: optional\nVersion: 2.8.2-4\nArchitecture: amd64\nDescription: sss\n\n"),
		imagebuild.Reg("/var/lib/dpkg/info/libpam-modules.list", "/.\n/lib\n/lib/x86_64-linux-gnu/security/pam_unix.so\n/lib/x86_64-linux-gnu/security/pam_rootok.so\n"),
		imagebuild.Reg("/var/lib/dpkg/info/libpam-sss.list", "/.\n/lib\n/lib/x86_64-linux-gnu/security/pam_sss.so\n"),
		{Path: "/lib/x86_64-linux-gnu/security/pam_unix.so", Mode: 0o644, Content: []byte("\x7fELF packaged")},
		{Path: "/lib/x86_64-linux-gnu/security/pam_rootok.so", Mode: 0o644, Content: []byte("\x7fELF packaged")},
		{Path: "/lib/x86_64-linux-gnu/security/pam_sss.so", Mode: 0o644, Content: []byte("\x7fELF packaged")},
	}
	hostile := map[string]string{
		// familiar names, no package holding the file
		"/etc/pam.d/common-auth": "auth\tsufficient\tpam_unix2.so\nauth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\tpam_deny.so\nauth\trequired\tpam_permit.so\n",
		"/etc/pam.d/sshd":        "# sshd\nauth [success=done new_authtok_reqd=done default=ignore] pam_krb5.so minimum_uid=1000\n@include common-auth\n",
		"/etc/pam.d/sudo":        "#%PAM-1.0\nauth  sufficient  /lib/x86_64-linux-gnu/security/pam_ldap.so\n@include common-auth\n",
	}
	files := []imagebuild.File{
		{Path: "/lib/x86_64-linux-gnu/security/pam_unix2.so", Mode: 0o644, Content: []byte("\x7fELF dropped")},
		{Path: "/lib/x86_64-linux-gnu/security/pam_krb5.so", Mode: 0o644, Content: []byte("\x7fELF dropped")},
		{Path: "/lib/x86_64-linux-gnu/security/pam_ldap.so", Mode: 0o644, Content: []byte("\x7fELF dropped")},
		// clean shapes: a packaged module first, a known module the image does not carry
		imagebuild.Reg("/etc/pam.d/su", "auth sufficient pam_rootok.so\n@include common-auth\n"),
		imagebuild.Reg("/etc/pam.d/login", "auth [success=done default=ignore] pam_sss.so\nauth required pam_unix.so\n"),
		imagebuild.Reg("/etc/pam.d/other", "auth sufficient pam_google_authenticator.so\nauth required pam_unix.so\n"),
	}
	for p, body := range hostile {
		files = append(files, imagebuild.Reg(p, body))
	}
	res := scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: dpkg}, {Files: files}}})
	got := map[string][]audit.Finding{}
	for _, f := range res.Findings {
		got[f.Path] = append(got[f.Path], f)
	}
	for p := range hostile {
		ok := false
		for _, f := range got[p] {
			ok = ok || f.Rule == shell.RulePAMStackHead && f.Severity >= audit.High && strings.Contains(f.Title, "no package of the image ships")
		}
		if !ok {
			t.Errorf("%s: want %s at high, got:\n%s", p, shell.RulePAMStackHead, dumpFindings(got[p]))
		}
	}
	for _, p := range []string{"/etc/pam.d/su", "/etc/pam.d/login", "/etc/pam.d/other"} {
		for _, f := range got[p] {
			if f.Rule == shell.RulePAMStackHead {
				t.Errorf("%s: clean shape flagged:\n%s", p, dumpFindings(got[p]))
			}
		}
	}

	// No file lists: the package database cannot tell, the familiar name stays silent.
	res = scanImage(t, imagebuild.Image{Layers: []imagebuild.Layer{{Files: dpkg[:1]}, {Files: files}}})
	for _, f := range res.Findings {
		if f.Rule == shell.RulePAMStackHead {
			t.Errorf("without file lists: %s %s", f.Path, f.Title)
		}
	}
}
