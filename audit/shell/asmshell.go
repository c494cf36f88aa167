package shell

import (
	"bytes"
	"path"
	"strconv"
	"strings"

	"github.com/strata-forensics/strata/audit"
)

// RuleAsm is assembly source (NASM, GAS, either syntax; x86-64, i386, ARM) whose raw system
// calls open a socket, connect it (or bind, listen and accept), duplicate it onto the standard
// descriptors and exec a program: a reverse or bind shell written without libc.
const RuleAsm = "STRATA-RS-027"

// What the system call numbers mean, per calling convention: the instruction that enters the
// kernel and the register the number is in say which table holds it.
var (
	sysX64 = map[int64]string{41: "socket", 42: "connect", 43: "accept", 49: "bind", 50: "listen", 288: "accept", 32: "dup", 33: "dup2",
		292: "dup2", 59: "execve", 322: "execve"}
	sysI386 = map[int64]string{102: "socketcall", 359: "socket", 361: "bind", 362: "connect", 363: "listen", 364: "accept", 41: "dup",
		63: "dup2", 330: "dup2", 11: "execve", 358: "execve"}
	sysARM64 = map[int64]string{198: "socket", 200: "bind", 201: "listen", 202: "accept", 203: "connect", 242: "accept", 23: "dup",
		24: "dup2", 221: "execve", 281: "execve"}
	sysARM = map[int64]string{281: "socket", 282: "bind", 283: "connect", 284: "listen", 285: "accept", 366: "accept", 41: "dup",
		63: "dup2", 358: "dup2", 11: "execve", 387: "execve"}
	// socketcall's first argument (ebx): which socket call it makes
	socketcallOps = map[int64]string{1: "socket", 2: "bind", 3: "connect", 4: "listen", 5: "accept", 18: "accept"}
	// what a symbolic number names (SYS_socket, __NR_connect, sys_dup2 ...)
	sysNames = map[string]string{"socket": "socket", "connect": "connect", "accept": "accept", "accept4": "accept", "bind": "bind",
		"listen": "listen", "dup": "dup", "dup2": "dup2", "dup3": "dup2", "execve": "execve", "execveat": "execve", "socketcall": "socketcall"}
)

// asmReg is the role a register plays in a system call: the number (rax, eax, x8, r7) or
// socketcall's operation (ebx).
func asmReg(r string) string {
	r = strings.TrimPrefix(strings.ToLower(r), "%")
	switch r {
	case "rax", "eax", "ax", "al":
		return "nr"
	case "x8", "w8":
		return "nr64"
	case "r7":
		return "nr32"
	case "rbx", "ebx", "bx", "bl":
		return "op"
	}
	return ""
}

// asmShellFinding reports assembly source whose raw system calls make a socket, connect it or
// accept on it, duplicate it onto the standard descriptors and exec a program (STRATA-RS-027,
// reverse-shell, high): the numbers are followed through mov, push and pop, xor, inc and add
// into the number register, as literals or named constants (equ, %define, .equ, .set,
// #define, SYS_ and __NR_ names), and read by the instruction that enters the kernel
// (syscall, int 0x80, sysenter, svc).
func asmShellFinding(p string, data []byte) (audit.Finding, bool) {
	switch path.Ext(p) {
	case ".asm", ".s", ".S", ".nasm", ".yasm":
	default:
		return audit.Finding{}, false
	}
	if len(data) > 1<<20 || !bytes.Contains(data, []byte("syscall")) && !bytes.Contains(data, []byte("0x80")) &&
		!bytes.Contains(data, []byte("80h")) && !bytes.Contains(data, []byte("svc")) && !bytes.Contains(data, []byte("sysenter")) {
		return audit.Finding{}, false
	}
	calls := asmSyscalls(data)
	has := func(ns ...string) string {
		for _, n := range ns {
			if calls[n] {
				return n
			}
		}
		return ""
	}
	if !calls["socket"] || !calls["dup2"] && !calls["dup"] || !calls["execve"] {
		return audit.Finding{}, false
	}
	var how string
	switch {
	case calls["connect"]:
		how = "socket, connect"
	case calls["accept"]:
		how = "socket, " + strings.TrimPrefix(strings.Join([]string{has("bind"), has("listen")}, ", "), ", ") + ", accept"
		how = strings.ReplaceAll(how, ", ,", ",")
	default:
		return audit.Finding{}, false
	}
	how += ", " + has("dup2", "dup") + ", execve"
	kind := "reverse shell"
	if !calls["connect"] {
		kind = "bind shell"
	}
	ev := "raw system calls " + how
	if sh := asmShellString(data); sh != "" {
		ev += "; names " + sh
	}
	f := audit.Finding{Rule: RuleAsm, Category: audit.CategoryReverseShell, Severity: audit.High,
		Labels:      []audit.Category{audit.CategoryMalware},
		Title:       "Assembly source of a " + kind + ": its raw system calls join a socket to the standard descriptors of a program it execs",
		Evidence:    ev,
		Remediation: remediation(audit.CategoryReverseShell)}
	f.AddTechniques("T1059.004", "T1095")
	return f, true
}

// asmSyscalls returns the system calls the code makes, by name.
func asmSyscalls(data []byte) map[string]bool {
	consts := map[string]int64{}
	type val struct {
		known bool
		v     int64
		name  string
	}
	regs := map[string]val{}
	var pushed []val
	out := map[string]bool{}
	lines := bytes.Split(data, []byte("\n"))
	for _, raw := range lines {
		line := asmStripComment(string(raw))
		if line == "" {
			continue
		}
		// a label before the instruction
		if i := strings.Index(line, ":"); i > 0 && !strings.ContainsAny(line[:i], " \t,[(\"'") {
			line = strings.TrimSpace(line[i+1:])
			if line == "" {
				continue
			}
		}
		// constants: NAME equ 41, %define NAME 41, .equ NAME, 41, .set NAME, 41, #define NAME 41
		if f := strings.Fields(line); len(f) == 3 && strings.EqualFold(f[1], "equ") {
			if n, ok := asmNumber(f[2]); ok {
				consts[strings.TrimSuffix(f[0], ":")] = n
			}
			continue
		}
		op, rest, _ := strings.Cut(strings.Join(strings.Fields(line), " "), " ")
		op = strings.ToLower(op)
		args := splitAsmArgs(rest)
		switch {
		case op == "%define" || op == "#define" || op == "%assign":
			f := strings.Fields(rest)
			if len(f) == 2 {
				if n, ok := asmNumber(f[1]); ok {
					consts[f[0]] = n
				}
			}
			continue
		case op == ".equ" || op == ".set" || op == ".equiv":
			if len(args) == 2 {
				if n, ok := asmNumber(args[1]); ok {
					consts[args[0]] = n
				}
			}
			continue
		}
		value := func(s string) val {
			s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "$"), "#"))
			if w, r, ok := strings.Cut(s, " "); ok {
				switch strings.ToLower(w) {
				case "byte", "word", "dword", "qword":
					s = strings.TrimSpace(r)
				}
			}
			if n, ok := asmNumber(s); ok {
				return val{known: true, v: n}
			}
			if n, ok := consts[s]; ok {
				return val{known: true, v: n, name: s}
			}
			low := strings.ToLower(s)
			for _, pre := range []string{"__nr_", "sys_", "__nr32_", "nr_"} {
				if strings.HasPrefix(low, pre) {
					if sc, ok := sysNames[low[len(pre):]]; ok {
						return val{name: sc}
					}
				}
			}
			return val{}
		}
		// operands in source, destination order (AT&T) or destination, source (Intel)
		dst, src := "", ""
		if len(args) == 2 {
			dst, src = args[0], args[1]
			if strings.HasPrefix(args[1], "%") || strings.HasPrefix(args[0], "$") {
				dst, src = args[1], args[0]
			}
		}
		base := asmBase(op)
		switch {
		case (base == "mov" || op == "movabs" || op == "movw" || op == "movt") && asmReg(dst) != "":
			regs[asmReg(dst)] = value(src)
		case base == "xor" || base == "sub" && dst == src || op == "eor":
			if asmReg(dst) != "" {
				if strings.EqualFold(strings.TrimPrefix(dst, "%"), strings.TrimPrefix(src, "%")) || asmReg(src) == asmReg(dst) {
					regs[asmReg(dst)] = val{known: true}
				} else {
					regs[asmReg(dst)] = val{}
				}
			}
		case (base == "add" || base == "or") && asmReg(dst) != "":
			v, w := regs[asmReg(dst)], value(src)
			if v.known && w.known {
				regs[asmReg(dst)] = val{known: true, v: v.v + w.v}
			} else {
				regs[asmReg(dst)] = val{}
			}
		case (base == "inc" || base == "dec") && len(args) == 1 && asmReg(args[0]) != "":
			if v := regs[asmReg(args[0])]; v.known {
				d := int64(1)
				if base == "dec" {
					d = -1
				}
				regs[asmReg(args[0])] = val{known: true, v: v.v + d}
			}
		case base == "push" && len(args) == 1:
			pushed = append(pushed, value(args[0]))
		case base == "pop" && len(args) == 1:
			v := val{}
			if len(pushed) > 0 {
				v, pushed = pushed[len(pushed)-1], pushed[:len(pushed)-1]
			}
			if asmReg(args[0]) != "" {
				regs[asmReg(args[0])] = v
			}
		case op == "syscall" || op == "int" || op == "sysenter" || op == "svc" || op == "swi":
			var table map[int64]string
			nr := regs["nr"]
			switch {
			case op == "syscall":
				table = sysX64
			case op == "int":
				if len(args) != 1 || !strings.Contains(strings.ToLower(args[0]), "80") {
					continue
				}
				table = sysI386
			case op == "sysenter":
				table = sysI386
			default:
				if v := regs["nr64"]; v.known || v.name != "" {
					table, nr = sysARM64, v
				} else {
					table, nr = sysARM, regs["nr32"]
				}
			}
			name := nr.name
			if nr.known {
				name = table[nr.v]
				if nr.name != "" {
					if sc, ok := asmConstName(nr.name); ok {
						name = sc
					}
				}
			}
			if name == "socketcall" {
				if o := regs["op"]; o.known {
					name = socketcallOps[o.v]
				}
			}
			if name != "" {
				out[name] = true
			}
		}
	}
	return out
}

// asmBase is an instruction without GAS's operand size suffix (movl, pushq, xorb).
func asmBase(op string) string {
	if n := len(op); n > 3 && strings.ContainsRune("lqwb", rune(op[n-1])) {
		switch op[:n-1] {
		case "mov", "xor", "sub", "add", "or", "inc", "dec", "push", "pop":
			return op[:n-1]
		}
	}
	return op
}

// asmConstName maps a constant's name to the system call it names (SYS_SOCKET, SYS_DUP2).
func asmConstName(s string) (string, bool) {
	low := strings.ToLower(s)
	for _, pre := range []string{"__nr_", "sys_", "nr_"} {
		if strings.HasPrefix(low, pre) {
			sc, ok := sysNames[low[len(pre):]]
			return sc, ok
		}
	}
	return "", false
}

// asmStripComment drops a line's comment (; NASM, # GAS, // and @ ARM, /* */ on one line).
func asmStripComment(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "#define") || strings.HasPrefix(s, "#include") {
		return s
	}
	inStr := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr != 0:
			if c == inStr {
				inStr = 0
			}
		case c == '"' || c == '\'' || c == '`':
			inStr = c
		case c == ';' || c == '@' && i > 0 && (s[i-1] == ' ' || s[i-1] == '\t'):
			return strings.TrimSpace(s[:i])
		case c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') && !(i+1 < len(s) && (s[i+1] >= '0' && s[i+1] <= '9' || s[i+1] == '-' || s[i+1] == '_')):
			return strings.TrimSpace(s[:i])
		case c == '/' && i+1 < len(s) && (s[i+1] == '/' || s[i+1] == '*'):
			if s[i+1] == '*' {
				if end := strings.Index(s[i+2:], "*/"); end >= 0 {
					return asmStripComment(s[:i] + " " + s[i+2+end+2:])
				}
			}
			return strings.TrimSpace(s[:i])
		}
	}
	return s
}

// splitAsmArgs splits operands at the commas outside brackets and parentheses.
func splitAsmArgs(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" || len(out) > 0 {
		out = append(out, t)
	}
	return out
}

// asmNumber reads an immediate: decimal, 0x hex, NASM's 29h, 0b, 0o/0q.
func asmNumber(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	low := strings.ToLower(s)
	if strings.HasSuffix(low, "h") && len(low) > 1 && low[0] >= '0' && low[0] <= '9' {
		n, err := strconv.ParseInt(low[:len(low)-1], 16, 64)
		return n, err == nil
	}
	if strings.HasPrefix(low, "0q") || strings.HasPrefix(low, "0o") {
		n, err := strconv.ParseInt(low[2:], 8, 64)
		return n, err == nil
	}
	n, err := strconv.ParseInt(low, 0, 64)
	return n, err == nil
}

// asmShellString returns the shell the code names: a string, or its bytes pushed as a
// little-endian immediate ("/bin//sh" as 0x68732f2f6e69622f).
func asmShellString(data []byte) string {
	for _, s := range []string{"/bin/sh", "/bin//sh", "//bin/sh", "/bin/bash", "/bin/dash", "/bin/zsh", "/system/bin/sh"} {
		if bytes.Contains(data, []byte(s)) {
			return s
		}
	}
	for _, h := range []string{"68732f2f6e69622f", "68732f6e69622f2f", "68732f6e69622f", "68732f2f", "6e69622f", "0068732f"} {
		if bytes.Contains(data, []byte(h)) || bytes.Contains(data, []byte(strings.ToUpper(h))) {
			return "/bin/sh (its bytes as an immediate)"
		}
	}
	return ""
}
