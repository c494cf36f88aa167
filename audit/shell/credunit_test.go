package shell

import "testing"

func TestCredPath(t *testing.T) {
	tests := []struct{ path, want string }{
		{"/root/.ssh/id_rsa", credSSHKey},
		{"~/.ssh/id_ed25519", credSSHKey},
		{"?/.ssh/*", credSSHKey},
		{"/home/u/.ssh", credSSHKey},
		{"/home/u/.ssh/deploy.pem", credSSHKey},
		{"/srv/keys/id_ecdsa", credSSHKey},
		{"/etc/ssh/ssh_host_ed25519_key", credHostKey},
		{"/etc/shadow", credShadow},
		{"/etc/gshadow", credShadow},
		{"~/.aws/credentials", credAWS},
		{"~/.aws", credAWS},
		{"~/.azure/msal_token_cache.json", credAzure},
		{"~/.config/gcloud/credentials.db", credGCloud},
		{"~/.config/gcloud/legacy_credentials/a@b/adc.json", credGCloud},
		{"~/.docker/config.json", credDocker},
		{"~/.kube/config", credKube},
		{"/root/.git-credentials", credGit},
		{"/root/.netrc", credNetrc},
		{"/var/lib/postgresql/.pgpass", credPgpass},
		{"/root/.bash_history", credHistory},
		{"/proc/1/environ", credEnv},
		// not secrets, or not credentials
		{"/root/.ssh/id_rsa.pub", ""},
		{"/root/.ssh/known_hosts", ""},
		{"/root/.ssh/authorized_keys", ""},
		{"/root/.ssh/config", ""},
		{"/etc/ssh/ssh_host_rsa_key.pub", ""},
		{"/etc/ssh/sshd_config", ""},
		{"/etc/passwd", ""},
		{"~/.aws/cli/alias", ""},
		{"/usr/share/doc/history", ""},
		{"/var/log/apt/history.log", ""},
	}
	for _, tt := range tests {
		if got := credPath(tt.path); got != tt.want {
			t.Errorf("credPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}

func TestCredURL(t *testing.T) {
	tests := []struct {
		url  string
		cred bool
	}{
		{"http://169.254.169.254/latest/meta-data/iam/security-credentials/web", true},
		{"http://169.254.170.2/v2/credentials/abc", true},
		{"http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token", true},
		{"http://169.254.169.254/metadata/identity/oauth2/token?resource=x", true},
		{"http://169.254.169.254/latest/meta-data/instance-id", false},
		{"http://metadata.google.internal/computeMetadata/v1/instance/hostname", false},
		{"https://example.com/iam/users", false},
	}
	for _, tt := range tests {
		if got := credURL(tt.url) != ""; got != tt.cred {
			t.Errorf("credURL(%q) = %v, want %v", tt.url, got, tt.cred)
		}
	}
}

func TestHostOfAndLocal(t *testing.T) {
	tests := []struct {
		to, host string
		local    bool
	}{
		{"https://u:p@drop.example.net:8443/x?y", "drop.example.net", false},
		{"ftp://203.0.113.5/in/", "203.0.113.5", false},
		{"loot@203.0.113.8:/srv/in/", "203.0.113.8", false},
		{"drop@example.org", "example.org", false},
		{"203.0.113.9:9001", "203.0.113.9", false},
		{"http://localhost/containers/create", "localhost", true},
		{"http://127.0.0.1:8080/", "127.0.0.1", true},
		{"http://[::1]/x", "::1", true},
		{"http://169.254.169.254/latest/api/token", "169.254.169.254", true},
		{"https://kubernetes.default.svc/api", "kubernetes.default.svc", true},
		{"2001:db8::7", "2001:db8::7", false},
		{"[2001:db8::7]:2222", "2001:db8::7", false},
		{"root@2001:DB8::7", "2001:db8::7", false},
		{"::1", "::1", true},
		{"http://\x00/d", "?", false},
		{"/var/log/x", "", true},
		{"unix:///var/run/docker.sock", "", true},
	}
	for _, tt := range tests {
		if got := hostOf(tt.to); got != tt.host {
			t.Errorf("hostOf(%q) = %q, want %q", tt.to, got, tt.host)
		}
		if got := localHost(tt.to); got != tt.local {
			t.Errorf("localHost(%q) = %v, want %v", tt.to, got, tt.local)
		}
	}
}

// A here-document with a quoted delimiter is literal: its backslashes reach the file the
// script writes (the shell expands nothing in it); an unquoted one is expanded.
func TestQuotedHeredocIsLiteral(t *testing.T) {
	tests := []struct{ script, want string }{
		{"cat > /tmp/x <<'EOF'\na\\nb $HOME\nEOF\n", "a\\nb $HOME\n"},
		{"cat > /tmp/x <<\"EOF\"\n\\t\nEOF\n", "\\t\n"},
		{"cat > /tmp/x <<\\EOF\n\\t\nEOF\n", "\\t\n"},
		{"H=h\ncat > /tmp/x <<EOF\n$H\nEOF\n", "h\n"},
	}
	for _, tt := range tests {
		an := newAnalysis(&hitList{})
		an.shellText([]byte(tt.script), fdset{})
		if got := an.files["/tmp/x"].s; got != tt.want {
			t.Errorf("%q wrote %q, want %q", tt.script, got, tt.want)
		}
	}
}

// A tunnel's far end is a literal address in any of the ways ssh takes one; a name or a value
// the script reads at run time is not.
func TestLiteralIPHost(t *testing.T) {
	for from, want := range map[string]bool{
		"203.0.113.5": true, "203.0.113.5:22": true, "[2001:db8::7]:2222": true, "2001:db8::7": true, "ops@198.51.100.4": true,
		"relay.example.org": false, "relay.example.org:443": false, "?": false, "": false, "ops@relay": false,
	} {
		if got := literalIPHost(from); got != want {
			t.Errorf("literalIPHost(%q) = %v, want %v", from, got, want)
		}
	}
}
