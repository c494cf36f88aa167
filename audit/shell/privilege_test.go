package shell

import "testing"

// TestPAMStack runs auth stacks as libpam would for a wrong password: substacks on their own,
// jumps, requisite and sufficient controls.
func TestPAMStack(t *testing.T) {
	files := map[string]string{
		"sub-permit": "auth sufficient pam_permit.so\n",
		"sub-check":  "auth [success=1 default=ignore] pam_unix.so\nauth requisite pam_deny.so\nauth required pam_permit.so\n",
	}
	load := func(name string) []pamLine { return parsePAM([]byte(files[name]), "/etc/pam.d/"+name, 0) }
	for _, tc := range []struct {
		name, service string
		want          bool
	}{
		{"permit substack decides", "auth substack sub-permit\n", true},
		{"later check refuses", "auth substack sub-permit\nauth required pam_unix.so\n", false},
		{"checking substack", "auth substack sub-check\n", false},
		{"included check", "@include sub-check\n", false},
		{"permit after checking substack", "auth substack sub-check\nauth sufficient pam_permit.so\n", false},
		{"jump over the deny", "auth [success=1 default=ignore] pam_unix.so\nauth [default=1] pam_permit.so\nauth requisite pam_deny.so\nauth required pam_permit.so\n", true},
		{"neutral modules only", "auth required pam_env.so\nauth optional pam_faildelay.so\n", false},
		{"reset after permit", "auth optional pam_permit.so\nauth [default=reset] pam_permit.so\nauth required pam_unix.so\n", false},
		{"die on failure", "auth requisite pam_unix.so\nauth sufficient pam_permit.so\n", false},
		{"optional check then permit", "auth optional pam_unix.so\nauth required pam_permit.so\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stack := pamStack(parsePAM([]byte(tc.service), "/etc/pam.d/svc", 0), load, 0)
			if got := pamOpensWithoutPassword(stack) != nil; got != tc.want {
				t.Errorf("succeeds without a password: %v, want %v (stack %+v)", got, tc.want, stack)
			}
		})
	}
}
