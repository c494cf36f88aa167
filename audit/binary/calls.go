package binary

import (
	"debug/elf"
	"debug/gosym"
	"slices"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// What a program's own code calls, read from its x86-64 machine code: for executables that
// keep no symbols (stripped static C) the system calls their main function reaches through
// the libc wrappers it calls, and for Go programs the functions their main package calls,
// named by the function table every Go binary keeps.

// code is the executable memory of an ELF file: its loadable, executable segments.
type code struct {
	segs []codeSeg
}

type codeSeg struct {
	addr uint64
	data []byte
}

func loadCode(ef *elf.File, data []byte) *code {
	c := &code{}
	for _, p := range ef.Progs {
		if p.Type != elf.PT_LOAD || p.Flags&elf.PF_X == 0 || p.Filesz == 0 {
			continue
		}
		end := p.Off + p.Filesz
		if p.Off >= uint64(len(data)) || end > uint64(len(data)) || end < p.Off {
			continue
		}
		c.segs = append(c.segs, codeSeg{addr: p.Vaddr, data: data[p.Off:end]})
	}
	return c
}

// at returns the code from addr on, nil when addr is not in an executable segment.
func (c *code) at(addr uint64) []byte {
	for _, s := range c.segs {
		if addr >= s.addr && addr < s.addr+uint64(len(s.data)) {
			return s.data[addr-s.addr:]
		}
	}
	return nil
}

// fnScan is what the first instructions of a function do: the functions it calls (or jumps
// to as a tail call) and the system calls it makes, by number.
type fnScan struct {
	calls    []uint64
	syscalls []int64
}

// scanFunction decodes a function linearly from addr, up to maxInsns instructions or its
// first return, following no branches but noting direct calls and system call numbers.
func (c *code) scanFunction(addr uint64, maxInsns int) fnScan {
	var out fnScan
	b := c.at(addr)
	pc := addr
	eax := int64(-1)
	for n := 0; n < maxInsns && len(b) > 0; n++ {
		in, err := x86asm.Decode(b, 64)
		if err != nil || in.Len == 0 {
			break
		}
		next := pc + uint64(in.Len)
		switch in.Op {
		case x86asm.MOV:
			if r, ok := in.Args[0].(x86asm.Reg); ok && (r == x86asm.EAX || r == x86asm.RAX) {
				eax = -1
				if imm, ok := in.Args[1].(x86asm.Imm); ok {
					eax = int64(imm)
				}
			}
		case x86asm.XOR:
			if r, ok := in.Args[0].(x86asm.Reg); ok && (r == x86asm.EAX || r == x86asm.RAX) {
				eax = -1
			}
		case x86asm.SYSCALL:
			if eax >= 0 {
				out.syscalls = append(out.syscalls, eax)
			}
		case x86asm.CALL:
			if rel, ok := in.Args[0].(x86asm.Rel); ok {
				out.calls = append(out.calls, uint64(int64(next)+int64(rel)))
			}
			eax = -1
		case x86asm.JMP:
			if rel, ok := in.Args[0].(x86asm.Rel); ok {
				// A jump out of the function is a tail call; one inside it is a branch.
				t := uint64(int64(next) + int64(rel))
				if t < addr || t > next+4096 {
					out.calls = append(out.calls, t)
					return out
				}
			}
		case x86asm.RET, x86asm.HLT, x86asm.INT, x86asm.UD2:
			return out
		}
		b = b[in.Len:]
		pc = next
	}
	return out
}

// callsIn returns the direct call targets of the code between start and end, decoded
// whole (a Go function returns early and calls on).
func (c *code) callsIn(start, end uint64) []uint64 {
	var out []uint64
	b := c.at(start)
	if end <= start || end-start > 1<<20 || uint64(len(b)) < end-start {
		return nil
	}
	b = b[:end-start]
	pc := start
	for len(b) > 0 {
		in, err := x86asm.Decode(b, 64)
		if err != nil || in.Len == 0 {
			// Data or padding: step a byte, as a disassembler resynchronises.
			b, pc = b[1:], pc+1
			continue
		}
		next := pc + uint64(in.Len)
		if in.Op == x86asm.CALL {
			if rel, ok := in.Args[0].(x86asm.Rel); ok {
				out = append(out, uint64(int64(next)+int64(rel)))
			}
		}
		b, pc = b[in.Len:], next
	}
	return out
}

// mainOf finds main in a glibc-style statically linked x86-64 executable: _start puts its
// address in rdi before calling __libc_start_main (mov rdi, imm or lea rdi, [rip+x]).
func (c *code) mainOf(entry uint64) (uint64, bool) {
	for hop := 0; hop < 2; hop++ {
		b := c.at(entry)
		pc := entry
		rdi := uint64(0)
		for n := 0; n < 40 && len(b) > 0; n++ {
			in, err := x86asm.Decode(b, 64)
			if err != nil || in.Len == 0 {
				return 0, false
			}
			next := pc + uint64(in.Len)
			switch in.Op {
			case x86asm.MOV, x86asm.LEA:
				if r, ok := in.Args[0].(x86asm.Reg); ok && (r == x86asm.RDI || r == x86asm.EDI) {
					rdi = 0
					switch a := in.Args[1].(type) {
					case x86asm.Imm:
						rdi = uint64(a)
					case x86asm.Mem:
						if a.Base == x86asm.RIP && in.Op == x86asm.LEA {
							rdi = uint64(int64(next) + a.Disp)
						}
					}
				}
			case x86asm.CALL, x86asm.JMP:
				if rdi != 0 && c.at(rdi) != nil {
					return rdi, true
				}
				// musl-style _start calls _start_c, which passes main on: follow once.
				if rel, ok := in.Args[0].(x86asm.Rel); ok {
					entry = uint64(int64(next) + int64(rel))
					goto nextHop
				}
				return 0, false
			case x86asm.RET, x86asm.HLT:
				return 0, false
			}
			b = b[in.Len:]
			pc = next
		}
		return 0, false
	nextHop:
	}
	return 0, false
}

// reachedSyscalls returns the system calls main makes itself or through the functions it
// calls, up to depth calls deep and at most maxFuncs functions: a small program's own code
// reaching connect, dup2 and execve through libc's thin wrappers.
func (c *code) reachedSyscalls(main uint64, depth, maxFuncs int) map[int64]bool {
	seen := map[uint64]bool{main: true}
	out := map[int64]bool{}
	level := []uint64{main}
	for d := 0; d <= depth && len(level) > 0; d++ {
		var next []uint64
		for _, fn := range level {
			s := c.scanFunction(fn, 200)
			for _, n := range s.syscalls {
				out[n] = true
			}
			for _, t := range s.calls {
				if !seen[t] && len(seen) < maxFuncs {
					seen[t] = true
					next = append(next, t)
				}
			}
		}
		level = next
	}
	return out
}

// Linux x86-64 system call numbers of a shell joined to a socket.
const (
	sysDup2     = 33
	sysConnect  = 42
	sysAccept   = 43
	sysExecve   = 59
	sysAccept4  = 288
	sysDup3     = 292
	sysExecveat = 322
)

// strippedShell reports a statically linked x86-64 executable without a symbol table whose
// main function reaches connect (or accept), dup2 and execve: the machine code of a
// compiled reverse or bind shell, whatever its strings say.
func strippedShell(ef *elf.File, data []byte) (string, bool) {
	if ef.Machine != elf.EM_X86_64 {
		return "", false
	}
	c := loadCode(ef, data)
	main, ok := c.mainOf(ef.Entry)
	if !ok {
		return "", false
	}
	sys := c.reachedSyscalls(main, 3, 160)
	conn := sys[sysConnect] || sys[sysAccept] || sys[sysAccept4]
	dup := sys[sysDup2] || sys[sysDup3]
	exe := sys[sysExecve] || sys[sysExecveat]
	if !conn || !dup || !exe {
		return "", false
	}
	var names []string
	for _, n := range []struct {
		nr   int64
		name string
	}{{sysConnect, "connect"}, {sysAccept, "accept"}, {sysAccept4, "accept4"}, {sysDup2, "dup2"}, {sysDup3, "dup3"}, {sysExecve, "execve"}, {sysExecveat, "execveat"}} {
		if sys[n.nr] {
			names = append(names, n.name)
		}
	}
	return strings.Join(names, ", "), true
}

// Go functions a reverse shell's own code calls.
var (
	goDialers = []string{"net.Dial", "net.DialTimeout", "net.DialTCP", "net.DialUDP", "net.(*Dialer).Dial", "net.(*Dialer).DialContext",
		"net.Listen", "net.ListenTCP", "net.(*ListenConfig).Listen", "net.(*TCPListener).Accept", "crypto/tls.Dial",
		"crypto/tls.DialWithDialer", "crypto/tls.(*Dialer).DialContext", "crypto/tls.Listen"}
	goStarters = []string{"os/exec.(*Cmd).Start", "os/exec.(*Cmd).Run", "os/exec.(*Cmd).Output", "os/exec.(*Cmd).CombinedOutput",
		"os.StartProcess", "syscall.Exec", "syscall.ForkExec", "syscall.StartProcess", "github.com/creack/pty.Start",
		"github.com/creack/pty.StartWithSize"}
	// goCapture are the starters that hand the program the command's output.
	goCapture = []string{"os/exec.(*Cmd).Output", "os/exec.(*Cmd).CombinedOutput"}
	// goReaders read a message or a line from a stream, as a command loop reads its next order.
	goReaders = []string{"bufio.(*Reader).ReadString", "bufio.(*Reader).ReadLine", "bufio.(*Reader).ReadBytes", "bufio.(*Reader).ReadSlice",
		"bufio.(*Scanner).Scan", "io.ReadFull", "io.ReadAtLeast", "encoding/binary.Read", "encoding/json.(*Decoder).Decode",
		"encoding/gob.(*Decoder).Decode", "net.(*conn).Read", "crypto/tls.(*Conn).Read", "net/textproto.(*Reader).ReadLine",
		"net/textproto.(*Reader).ReadLineBytes", "net/textproto.(*Reader).ReadContinuedLine", "net/textproto.(*Reader).ReadDotLines",
		// what the readers above call where the compiler inlined them into the caller
		"net/textproto.(*Reader).readLineSlice", "net/textproto.(*Reader).readContinuedLineSlice", "bufio.(*Reader).collectFragments"}
)

// goCalls are what a Go program's main package calls of the functions a shell is built from:
// the first dialer or listener, the first starter, the first capturing starter and the first
// stream reader it reaches ("" for none).
type goCalls struct{ dial, start, capture, read string }

// goMainCalls reports whether a Go program's main package itself (its functions, following
// calls among them) calls a dialer or listener and starts a process, by the function table
// the binary keeps (stripped or not), and what else of goCalls it calls.
func goMainCalls(ef *elf.File, data []byte) (calls goCalls, ok bool) {
	if ef.Machine != elf.EM_X86_64 {
		return calls, false
	}
	pcln := ef.Section(".gopclntab")
	text := ef.Section(".text")
	if pcln == nil || text == nil {
		return calls, false
	}
	pd, err := pcln.Data()
	if err != nil {
		return calls, false
	}
	tab, err := gosym.NewTable(nil, gosym.NewLineTable(pd, text.Addr))
	if err != nil {
		return calls, false
	}
	c := loadCode(ef, data)
	seen := map[uint64]bool{}
	var queue []*gosym.Func
	for i := range tab.Funcs {
		f := &tab.Funcs[i]
		if strings.HasPrefix(f.Name, "main.") {
			queue = append(queue, f)
			seen[f.Entry] = true
		}
	}
	if len(queue) > 2000 {
		return calls, false
	}
	for len(queue) > 0 && len(seen) < 4000 {
		f := queue[0]
		queue = queue[1:]
		for _, t := range c.callsIn(f.Entry, f.End) {
			g := tab.PCToFunc(t)
			if g == nil || g.Entry != t {
				continue
			}
			if slices.Contains(goCapture, g.Name) && calls.capture == "" {
				calls.capture = g.Name
			}
			switch {
			case slices.Contains(goDialers, g.Name) && calls.dial == "":
				calls.dial = g.Name
			case slices.Contains(goStarters, g.Name) && calls.start == "":
				calls.start = g.Name
			case slices.Contains(goReaders, g.Name) && calls.read == "":
				calls.read = g.Name
			case strings.HasPrefix(g.Name, "main.") && !seen[g.Entry]:
				seen[g.Entry] = true
				queue = append(queue, g)
			}
		}
		if calls.dial != "" && calls.start != "" && calls.capture != "" && calls.read != "" {
			break
		}
	}
	return calls, calls.dial != "" && calls.start != ""
}
