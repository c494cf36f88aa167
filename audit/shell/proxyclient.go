package shell

import (
	"bytes"
	"regexp"
	"strings"
)

// RuleProxyClient: a reverse proxy client (frp, chisel, ngrok, bore) told to publish this
// machine's remote-access port, or a proxy into its network, on a server elsewhere: a way in
// for whoever holds that server (T1572, T1090).
const RuleProxyClient = "STRATA-RS-026"

// accessPorts are the local services whose publication is a way in: SSH, telnet, RDP, VNC,
// WinRM.
var accessPorts = map[string]bool{"22": true, "2222": true, "23": true, "3389": true, "5900": true, "5901": true, "5985": true, "5986": true}

var (
	// frp's client settings, INI (local_port = 22) or TOML/YAML/JSON (localPort = 22)
	frpKey = regexp.MustCompile(`^[ \t"]*(server_addr|serverAddr|remote_port|remotePort|local_port|localPort|plugin|type)["]?[ \t]*[=:][ \t]*"?([^"\s#,]*)`)
	// chisel client HOST R:... ; ngrok tcp 22 ; bore local 22 --to HOST
	chiselReverse = regexp.MustCompile(`\bchisel(?:_[\w.]+)?\s+client\b[^\n]*?\sR:([^\s'"]+)`)
	ngrokTCP      = regexp.MustCompile(`\bngrok\s+tcp\s+(?:[\w.-]+:)?(\d+)`)
	boreLocal     = regexp.MustCompile(`\bbore\s+local\s+(\d+)\b[^\n]*--to\b`)
)

// proxyClients finds reverse proxy clients in a script or a configuration file. A file that
// says neither frp's settings nor a client's name is passed over after a few byte searches.
func proxyClients(data []byte) []hit {
	var out []hit
	// addIn reports what a client is told at offset at of text (data, or data with its \n
	// escapes read as line breaks)
	addIn := func(text []byte) func(at int, what string, access bool) {
		return func(at int, what string, access bool) {
			line := 1 + bytes.Count(text[:at], []byte("\n"))
			end := bytes.IndexByte(text[at:], '\n')
			if end < 0 {
				end = len(text) - at
			}
			out = append(out, hit{kind: hitProxyClient, evidence: oneLine(string(text[at:at+end]), 200), line: line, detail: what, critical: access})
		}
	}
	add := addIn(data)
	if (bytes.Contains(data, []byte("remote_port")) || bytes.Contains(data, []byte("remotePort"))) &&
		(bytes.Contains(data, []byte("server_addr")) || bytes.Contains(data, []byte("serverAddr"))) {
		settings := data
		if bytes.Contains(data, []byte(`\n`)) {
			// settings written by echo -e or printf "...\n...": read as the file they make
			settings = bytes.ReplaceAll(data, []byte(`\n`), []byte("\n"))
		}
		frpClient(settings, addIn(settings))
	}
	// chisel, ngrok and bore are read on the lines that name them: a public suffix list or a
	// dictionary names them too, and a regular expression over the whole of it costs more
	// than the file's other readings
	eachLineWith(data, "chisel", func(at int, line []byte) {
		if m := chiselReverse.FindSubmatch(line); m != nil {
			r := string(m[1])
			add(at, "chisel client publishing R:"+r+" on its server", strings.Contains(r, "socks") || accessPorts[lastField(r)])
		}
	})
	eachLineWith(data, "ngrok", func(at int, line []byte) {
		if m := ngrokTCP.FindSubmatch(line); m != nil {
			port := string(m[1])
			add(at, "ngrok publishing local TCP port "+port+" on ngrok's servers", accessPorts[port])
		}
	})
	eachLineWith(data, "bore local", func(at int, line []byte) {
		if m := boreLocal.FindSubmatch(line); m != nil {
			port := string(m[1])
			add(at, "bore publishing local port "+port+" on a remote server", accessPorts[port])
		}
	})
	return out
}

// frpClient reads frp client settings: a server address and, in a proxy section ([ssh],
// [[proxies]], a YAML list item), a remote port with a local port or a plugin. Publishing
// SSH, RDP or VNC, or a socks5/http_proxy plugin (a proxy into this machine's network), is a
// way in; another service is reported lower.
func frpClient(data []byte, add func(at int, what string, access bool)) {
	server := false
	type proxy struct {
		at                    int
		remote, local, plugin string
	}
	var ps []*proxy
	cur := &proxy{at: -1}
	off, inPlugin := 0, false
	for _, line := range bytes.SplitAfter(data, []byte("\n")) {
		t := bytes.TrimLeft(line, " \t\"")
		switch {
		case bytes.HasPrefix(t, []byte("[")) && bytes.Contains(t, []byte(".plugin]")) || bytes.HasPrefix(t, []byte("plugin:")):
			inPlugin = true // frp 0.52's [proxies.plugin] table, YAML's plugin: map
		case bytes.HasPrefix(t, []byte("[")) || bytes.HasPrefix(t, []byte("- ")) || bytes.HasPrefix(t, []byte("echo")):
			ps = append(ps, cur)
			cur, inPlugin = &proxy{at: -1}, false
		}
		if !bytes.Contains(line, []byte("ort")) && !bytes.Contains(line, []byte("ddr")) && !bytes.Contains(line, []byte("plugin")) &&
			!bytes.Contains(line, []byte("type")) {
			off += len(line)
			continue
		}
		if m := frpKey.FindSubmatchIndex(line); m != nil {
			k, v := string(line[m[2]:m[3]]), strings.Trim(string(line[m[4]:m[5]]), `"'`)
			switch k {
			case "server_addr", "serverAddr":
				server = true
			case "remote_port", "remotePort":
				cur.remote = v
				if cur.at < 0 {
					cur.at = off + m[0]
				}
			case "local_port", "localPort":
				cur.local = v
				if cur.at < 0 {
					cur.at = off + m[0]
				}
			case "plugin":
				cur.plugin = v
			case "type":
				if inPlugin {
					cur.plugin = v
				}
			}
		}
		off += len(line)
	}
	ps = append(ps, cur)
	if !server {
		return
	}
	for _, pr := range ps {
		if pr.remote == "" {
			continue
		}
		switch {
		case pr.plugin == "socks5" || pr.plugin == "http_proxy" || pr.plugin == "https2http" || pr.plugin == "unix_domain_socket":
			add(pr.at, "frp client publishing a "+pr.plugin+" proxy on its server's port "+pr.remote, true)
		case pr.local != "":
			add(pr.at, "frp client publishing local port "+pr.local+" on its server's port "+pr.remote, accessPorts[pr.local])
		}
	}
}

// eachLineWith calls fn with the start and text of each line that holds word, at most 16.
func eachLineWith(data []byte, word string, fn func(at int, line []byte)) {
	for off, n := 0, 0; n < 16; n++ {
		i := bytes.Index(data[off:], []byte(word))
		if i < 0 {
			return
		}
		start := bytes.LastIndexByte(data[:off+i], '\n') + 1
		end := bytes.IndexByte(data[off+i:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off + i
		}
		fn(start, data[start:end])
		off = end
		if off >= len(data) {
			return
		}
	}
}

// lastField is what follows the last colon of a chisel remote (R:2222:localhost:22 -> 22).
func lastField(r string) string {
	if i := strings.LastIndexByte(r, ':'); i >= 0 {
		return r[i+1:]
	}
	return r
}
