package binary

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"strings"

	"golang.org/x/arch/x86/x86asm"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/signatures"
)

// RulePAMBackdoor is a PAM module whose authentication code compares the password it is
// given with a constant (a master password) or writes it out (a credential logger).
const RulePAMBackdoor = "STRATA-PA-001"

// What a PAM module's authentication code is read for, by the functions it calls through
// its PLT: how it gets the password typed, how it compares strings, how it writes.
var (
	pamTokenGetters = []string{"pam_get_authtok", "pam_get_item"}
	pamComparers    = []string{"strcmp", "strncmp", "memcmp", "bcmp", "strcasecmp", "strncasecmp", "timingsafe_bcmp", "CRYPTO_memcmp"}
	pamOpeners      = []string{"fopen", "fopen64", "open", "open64", "creat", "openat"}
	pamWriters      = []string{"fprintf", "fputs", "fwrite", "write", "dprintf", "vfprintf", "fputc", "send", "sendto"}
	// pamReaders are the calls that fill a buffer from an open file, and the argument
	// register the buffer comes in (fscanf's first destination is its third argument);
	// pamLineReaders store a pointer to the line they allocate through their first argument.
	pamReaders = map[string]x86asm.Reg{"fgets": x86asm.RDI, "fgets_unlocked": x86asm.RDI, "__fgets_chk": x86asm.RDI, "fread": x86asm.RDI,
		"fread_unlocked": x86asm.RDI, "__fread_chk": x86asm.RDI, "read": x86asm.RSI, "__read_chk": x86asm.RSI, "pread": x86asm.RSI,
		"pread64": x86asm.RSI, "fscanf": x86asm.RDX, "__isoc99_fscanf": x86asm.RDX, "__isoc23_fscanf": x86asm.RDX}
	pamLineReaders = []string{"getline", "getdelim", "__getdelim"}
	pamAllocators  = []string{"malloc", "calloc", "realloc", "valloc", "aligned_alloc"}
	// pamSyslog are libc's system log writers, and the registers their message's arguments
	// come in: the password among them is written to the log. Linux-PAM's own pam_syslog is
	// left out: its test module, pam_stress, logs the password that way under its debug option.
	pamSyslog = map[string][]x86asm.Reg{"syslog": {x86asm.RDX, x86asm.RCX, x86asm.R8, x86asm.R9},
		"__syslog_chk": {x86asm.RCX, x86asm.R8, x86asm.R9}}
)

// maxPAMInsns bounds the instructions read from a module's authentication code (the entry
// point and the functions it calls, two levels down).
const maxPAMInsns = 20000

// pamBackdoor reads a shared library that is a PAM module (it defines pam_sm_authenticate)
// for what its authentication code does with the password: a comparison with a string of its
// own data or a buffer it fills with constants on the stack (a master password, maybe XOR
// decoded in place), or a file it opens by a literal path and writes to after reading the
// password (a credential logger). The modules PAM ships compare passwords with hashes they
// read (crypt, a database), never with a literal.
func pamBackdoor(facts signatures.ELFFacts, data []byte) (audit.Finding, bool) {
	if !slices.Contains(facts.Funcs, "pam_sm_authenticate") || !hasAny(facts.Imports, pamTokenGetters) && !slices.Contains(facts.Imports, "pam_get_user") {
		return audit.Finding{}, false
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil || ef.Machine != elf.EM_X86_64 {
		return audit.Finding{}, false
	}
	defer ef.Close()
	syms, err := ef.DynamicSymbols()
	if err != nil {
		return audit.Finding{}, false
	}
	var entry, size uint64
	for _, s := range syms {
		if s.Name == "pam_sm_authenticate" && s.Section != elf.SHN_UNDEF {
			entry, size = s.Value, s.Size
		}
	}
	if entry == 0 {
		return audit.Finding{}, false
	}
	plt, rel := pltNames(ef, syms)
	r := &pamReader{c: loadCode(ef, data), plt: plt, rel: rel, ro: roData(ef), budget: maxPAMInsns, seen: map[uint64]bool{},
		retToken: map[uint64]bool{}}
	r.fn(entry, size, 0, nil)
	var what []string
	switch {
	case r.magic != "":
		what = append(what, "compares the password with a constant: "+r.magic)
	}
	if r.logged != "" {
		what = append(what, "writes what it reads to "+r.logged)
	}
	if r.keyFile != "" && r.magic == "" {
		what = append(what, "compares the password with what it reads from "+r.keyFile)
	}
	namedUser := false
	if len(what) == 0 && r.userMagic != "" && r.getter == "" && !hasAny(facts.Imports, pamPasswordChecks) && !hasAny(facts.Imports, pamHandOff) {
		// it lets a user in by name alone: no password read, asked for or checked
		namedUser = true
		what = append(what, "compares the user's name with a constant ("+r.userMagic+") and reads no password")
	}
	acceptsAny := false
	if len(what) == 0 && r.getter != "" && !hasAny(facts.Imports, pamHandOff) && alwaysReturns(r.c, plt, entry, size, 0) {
		// it reads the password and lets every one in: pam_permit that wants the password
		acceptsAny = true
		what = append(what, "returns PAM_SUCCESS on every path after reading the password, whatever it is")
	}
	if len(what) == 0 {
		return audit.Finding{}, false
	}
	f := audit.Finding{Rule: RulePAMBackdoor, Category: audit.CategoryPersistence, Severity: audit.Critical,
		Labels:      []audit.Category{audit.CategoryMalware},
		Title:       "PAM module whose authentication " + strings.Join(what, " and "),
		Evidence:    fmt.Sprintf("defines pam_sm_authenticate; gets the password with %s; %s", r.getter, strings.Join(what, "; ")),
		Remediation: "Remove the module and every PAM line that loads it; treat every password typed on the system as stolen and the image as compromised."}
	if namedUser {
		f.Evidence = fmt.Sprintf("defines pam_sm_authenticate; gets the user with %s; %s", r.userGetter, strings.Join(what, "; "))
	}
	switch {
	case namedUser:
		f.Title = "PAM backdoor module: its authentication " + what[0] + " (a user let in by name)"
	case acceptsAny:
		f.Severity = audit.High
		f.Title = "PAM module that accepts any password: its authentication " + what[0]
	case r.magic != "":
		f.Title = "PAM backdoor module: its authentication " + strings.Join(what, " and ") + " (a master password)"
	case r.keyFile != "":
		f.Title = "PAM backdoor module: its authentication " + strings.Join(what, " and ") + " (a master password kept in a file: whoever can read or write it logs in as anyone)"
	default:
		f.Title = "PAM module that logs passwords: its authentication " + strings.Join(what, " and ")
	}
	f.AddTechniques("T1556.003")
	if r.logged != "" {
		f.AddTechniques("T1056")
	}
	return f, true
}

// pamPasswordChecks are the calls through which a module asks for or checks a secret some
// other way than the token getters: the conversation, crypt, a database or directory. A
// module that compares the user's name and calls one of them is a policy, not a way in.
var pamPasswordChecks = []string{"pam_prompt", "pam_vprompt", "crypt", "crypt_r", "crypt_rn", "crypt_ra", "xcrypt", "getspnam", "getspnam_r"}

// pamHandOff are the calls through which a module that lets every password in hands the
// password to a later stage (the session's keyring, a mount helper, a process it starts):
// such modules are stacked as optional, and their success says nothing.
var pamHandOff = []string{"pam_set_data", "pam_set_item", "fork", "vfork", "execv", "execve", "execvp", "execl", "execlp",
	"posix_spawn", "pipe", "pipe2", "add_key", "keyctl", "socket", "connect"}

// alwaysReturns reports whether every path through the function at entry (size bytes) returns
// want in eax: the paths are followed through its branches with what eax holds (a constant
// moved or xored into it, anything else unknown); a call, a jump out of the function (a tail
// call) or an indirect jump leaves eax unknown, and calls that never return end their path.
func alwaysReturns(c *code, plt map[uint64]string, entry, size uint64, want int64) bool {
	if size == 0 || size > 64<<10 {
		return false
	}
	type state struct {
		known bool
		val   int64
	}
	end := entry + size
	seen := map[uint64]state{}
	type item struct {
		pc uint64
		st state
	}
	work := []item{{entry, state{}}}
	rets, steps := 0, 0
	for len(work) > 0 {
		it := work[len(work)-1]
		work = work[:len(work)-1]
		pc, st := it.pc, it.st
		for steps < 20000 {
			steps++
			if pc < entry || pc >= end {
				return false // fell out of the function
			}
			if old, ok := seen[pc]; ok {
				if old == st || !old.known {
					break
				}
				st = state{}
			}
			seen[pc] = st
			b := c.at(pc)
			if b == nil {
				return false
			}
			in, err := x86asm.Decode(b, 64)
			if err != nil || in.Len == 0 {
				return false
			}
			next := pc + uint64(in.Len)
			writesRAX := func() bool {
				if len(in.Args) == 0 || in.Args[0] == nil {
					return false
				}
				r, ok := in.Args[0].(x86asm.Reg)
				return ok && canon(r) == x86asm.RAX
			}
			switch in.Op {
			case x86asm.RET:
				if !st.known || st.val != want {
					return false
				}
				rets++
			case x86asm.UD2, x86asm.HLT:
			case x86asm.JMP:
				rel, ok := in.Args[0].(x86asm.Rel)
				if !ok {
					return false // a jump table or a tail call through a pointer
				}
				t := uint64(int64(next) + int64(rel))
				if t < entry || t >= end {
					return false // a tail call: its callee's answer
				}
				work = append(work, item{t, st})
			case x86asm.CALL:
				if rel, ok := in.Args[0].(x86asm.Rel); ok {
					switch plt[uint64(int64(next)+int64(rel))] {
					case "__stack_chk_fail", "abort", "exit", "_exit", "__assert_fail":
						goto done
					}
				}
				st = state{}
				pc = next
				continue
			case x86asm.MOV:
				if writesRAX() {
					if imm, ok := in.Args[1].(x86asm.Imm); ok {
						st = state{true, int64(imm)}
					} else {
						st = state{}
					}
				}
				pc = next
				continue
			case x86asm.XOR:
				if writesRAX() {
					if r, ok := in.Args[1].(x86asm.Reg); ok && canon(r) == x86asm.RAX {
						st = state{true, 0}
					} else {
						st = state{}
					}
				}
				pc = next
				continue
			case x86asm.MUL, x86asm.DIV, x86asm.IDIV, x86asm.CPUID, x86asm.RDTSC, x86asm.SYSCALL, x86asm.CMPXCHG, x86asm.XCHG,
				x86asm.LODSB, x86asm.LODSD, x86asm.LODSQ, x86asm.CWDE, x86asm.CDQE, x86asm.LAHF:
				st = state{}
				pc = next
				continue
			default:
				if in.Op >= x86asm.JA && in.Op <= x86asm.JS && in.Op != x86asm.JMP {
					if rel, ok := in.Args[0].(x86asm.Rel); ok {
						work = append(work, item{uint64(int64(next) + int64(rel)), st})
					} else {
						return false
					}
				} else if writesRAX() || in.Op == x86asm.IMUL && len(in.Args) > 0 && in.Args[1] == nil {
					st = state{}
				}
				pc = next
				continue
			}
			break
		}
	done:
		if steps >= 20000 {
			return false
		}
	}
	return rets > 0
}

// pamReader follows a PAM module's authentication code.
type pamReader struct {
	c      *code
	plt    map[uint64]string
	rel    map[uint64]uint64 // data words the loader fills with an address in the file (R_X86_64_RELATIVE)
	ro     []roSection
	budget int
	seen   map[uint64]bool
	// retToken are the functions read that return the password (a helper fetching it)
	retToken map[uint64]bool
	getter   string // the token getter called (first one)
	// userGetter is how the user's name was read (pam_get_user, pam_get_item(PAM_USER));
	// userMagic what it was compared with, userBytes the bytes of it compared inline
	userGetter string
	userMagic  string
	userBytes  int
	magic      string // what the password was compared with
	opened     string // the literal path opened for writing
	logged     string // where it wrote after reading the token
	// readFrom is the file opened for reading (its literal path, or "a file" when the path is
	// not a literal), keyFile what the password was compared with when that is what was read
	// from it; keptLit and keptHeap are the data and allocated buffers filled from it
	readFrom string
	keyFile  string
	keptLit  map[uint64]bool
	keptHeap map[int]bool
	heaps    int
}

type roSection struct {
	addr uint64
	data []byte
}

// roData returns the sections a literal string lives in.
func roData(ef *elf.File) []roSection {
	var out []roSection
	for _, s := range ef.Sections {
		if s.Type != elf.SHT_PROGBITS || s.Flags&elf.SHF_ALLOC == 0 || s.Flags&elf.SHF_EXECINSTR != 0 || s.Size > maxLib {
			continue
		}
		if !strings.HasPrefix(s.Name, ".rodata") && s.Name != ".data" && s.Name != ".data.rel.ro" {
			continue
		}
		if b, err := s.Data(); err == nil {
			out = append(out, roSection{s.Addr, b})
		}
	}
	return out
}

// literal returns the NUL-terminated printable string at addr, "" when there is none.
func (r *pamReader) literal(addr uint64) string {
	for _, s := range r.ro {
		if addr < s.addr || addr >= s.addr+uint64(len(s.data)) {
			continue
		}
		b := s.data[addr-s.addr:]
		end := bytes.IndexByte(b, 0)
		if end <= 0 || end > 256 {
			return ""
		}
		for _, c := range b[:end] {
			if c < 0x20 || c > 0x7e {
				return ""
			}
		}
		return string(b[:end])
	}
	return ""
}

// pltNames maps the addresses calls go to (PLT entries, and GOT slots called through) to the
// imported functions they reach.
func pltNames(ef *elf.File, syms []elf.Symbol) (map[uint64]string, map[uint64]uint64) {
	got := map[uint64]string{}
	rel := map[uint64]uint64{}
	for _, name := range []string{".rela.plt", ".rela.dyn"} {
		s := ef.Section(name)
		if s == nil || s.Size > maxLib {
			continue
		}
		b, err := s.Data()
		if err != nil {
			continue
		}
		for ; len(b) >= 24; b = b[24:] {
			off, info := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
			typ, idx := elf.R_X86_64(info&0xffffffff), info>>32
			if typ == elf.R_X86_64_RELATIVE && len(rel) < 1<<16 {
				rel[off] = binary.LittleEndian.Uint64(b[16:])
				continue
			}
			if (typ != elf.R_X86_64_JMP_SLOT && typ != elf.R_X86_64_GLOB_DAT) || idx == 0 || idx > uint64(len(syms)) {
				continue
			}
			got[off] = syms[idx-1].Name
		}
	}
	out := map[uint64]string{}
	for a, n := range got {
		out[a] = n
	}
	for _, s := range ef.Sections {
		if s.Name != ".plt" && s.Name != ".plt.sec" && s.Name != ".plt.got" || s.Size > maxLib {
			continue
		}
		b, err := s.Data()
		if err != nil {
			continue
		}
		pc := s.Addr
		for len(b) > 0 {
			in, err := x86asm.Decode(b, 64)
			if err != nil || in.Len == 0 {
				b, pc = b[1:], pc+1
				continue
			}
			next := pc + uint64(in.Len)
			if in.Op == x86asm.JMP {
				if m, ok := in.Args[0].(x86asm.Mem); ok && m.Base == x86asm.RIP {
					if n, ok := got[uint64(int64(next)+m.Disp)]; ok {
						// The entry starts at a 16-byte boundary (an endbr64 or the jump).
						out[pc&^15] = n
						out[pc] = n
					}
				}
			}
			b, pc = b[in.Len:], next
		}
	}
	return out, rel
}

// regVal is what the reader knows a register holds.
type regVal struct {
	lit   uint64 // the address of data in the file (lea reg, [rip+x])
	stack bool   // a stack address
	off   int64  // its offset from the frame register
	base  x86asm.Reg
	imm   bool // an immediate value (a constant being stored)
	val   int64
	token bool // the password read (or a pointer to it)
	user  bool // the user's name read (or a pointer to it)
	// ubyte and lbyte are a byte read through a pointer to the user's name and one read
	// from a literal: compared, they are a name compared with a constant in a loop
	ubyte, lbyte bool
	// owner is the caller's frame a stack address belongs to when it was passed in as an
	// argument (fetch(h, &tok)): what the callee stores through it lands there.
	owner *frame
	// kept is a pointer to bytes read from a file; heap the allocation a pointer returned by
	// malloc is (1 and up)
	kept bool
	heap int
}

// slot is a stack location: a frame register and an offset.
type slot struct {
	base x86asm.Reg
	off  int64
}

// canon names a register by its 64-bit form.
func canon(r x86asm.Reg) x86asm.Reg {
	switch {
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return r - x86asm.EAX + x86asm.RAX
	case r >= x86asm.AX && r <= x86asm.R15W:
		return r - x86asm.AX + x86asm.RAX
	case r >= x86asm.AL && r <= x86asm.BL:
		return r - x86asm.AL + x86asm.RAX
	case r >= x86asm.AH && r <= x86asm.BH:
		return r - x86asm.AH + x86asm.RAX
	case r >= x86asm.SPB && r <= x86asm.R15B:
		return r - x86asm.SPB + x86asm.RSP
	}
	return r
}

// frame is what the reader knows of one function's registers and stack.
type frame struct {
	regs   map[x86asm.Reg]regVal
	slots  map[slot]regVal // values spilled to the stack
	kept   map[slot]bool   // stack buffers filled from a file
	consts map[x86asm.Reg]map[int64]int
}

// argRegs are the registers of the first six integer arguments.
var argRegs = []x86asm.Reg{x86asm.RDI, x86asm.RSI, x86asm.RDX, x86asm.RCX, x86asm.R8, x86asm.R9}

// stackRef returns the stack slot a memory operand addresses.
func stackRef(m x86asm.Mem) (slot, bool) {
	if (m.Base == x86asm.RBP || m.Base == x86asm.RSP) && m.Index == 0 {
		return slot{m.Base, m.Disp}, true
	}
	return slot{}, false
}

// fn reads one function: its calls in order, with what the argument registers hold for each.
// size bounds it when known (an exported function's symbol says); otherwise the function ends
// at a return followed by padding or another function's start. args are what the caller
// passed in the argument registers.
func (r *pamReader) fn(addr, size uint64, depth int, args map[x86asm.Reg]regVal) (retToken bool) {
	if r.seen[addr] || depth > 2 {
		return r.retToken[addr]
	}
	r.seen[addr] = true
	defer func() {
		if retToken {
			r.retToken[addr] = true
		}
	}()
	b := r.c.at(addr)
	if b == nil {
		return false
	}
	if size > 0 && size < uint64(len(b)) {
		b = b[:size]
	}
	fr := &frame{regs: map[x86asm.Reg]regVal{}, slots: map[slot]regVal{}, consts: map[x86asm.Reg]map[int64]int{}, kept: map[slot]bool{}}
	for k, v := range args {
		fr.regs[k] = v
	}
	regs := fr.regs
	pc := addr
	// The code is read in address order. At a branch forward inside the function the
	// registers are kept for its target, and code reached only by a branch (after a return
	// or a jump) starts from them rather than from the path before it (an epilogue's pops).
	ahead := map[uint64]map[x86asm.Reg]regVal{}
	dead := false
	for len(b) > 0 && r.budget > 0 {
		r.budget--
		in, err := x86asm.Decode(b, 64)
		if err != nil || in.Len == 0 {
			b, pc = b[1:], pc+1
			continue
		}
		next := pc + uint64(in.Len)
		if saved, ok := ahead[pc]; ok && dead {
			clear(regs)
			for k, v := range saved {
				regs[k] = v
			}
		}
		if in.Op != x86asm.NOP && in.Op != x86asm.INT {
			dead = in.Op == x86asm.RET || in.Op == x86asm.JMP // padding after them is not reached either
		}
		if in.Op >= x86asm.JA && in.Op <= x86asm.JS {
			if rel, ok := in.Args[0].(x86asm.Rel); ok && rel > 0 && len(ahead) < 256 {
				if t := uint64(int64(next) + int64(rel)); ahead[t] == nil && (size == 0 || t < addr+size) {
					ahead[t] = maps.Clone(regs)
				}
			}
		}
		switch in.Op {
		case x86asm.LEA:
			if dst, ok := in.Args[0].(x86asm.Reg); ok {
				delete(regs, canon(dst))
				if m, ok := in.Args[1].(x86asm.Mem); ok {
					if m.Base == x86asm.RIP {
						regs[canon(dst)] = regVal{lit: uint64(int64(next) + m.Disp)}
					} else if sl, ok := stackRef(m); ok {
						regs[canon(dst)] = regVal{stack: true, base: sl.base, off: sl.off}
					}
				}
			}
		case x86asm.MOV, x86asm.MOVQ, x86asm.MOVDQA, x86asm.MOVDQU, x86asm.MOVAPS, x86asm.MOVUPS, x86asm.MOVZX, x86asm.MOVSXD:
			switch dst := in.Args[0].(type) {
			case x86asm.Reg:
				d := canon(dst)
				delete(regs, d)
				switch src := in.Args[1].(type) {
				case x86asm.Reg:
					if v, ok := regs[canon(src)]; ok {
						regs[d] = v
					} else if src == x86asm.RSP {
						regs[d] = regVal{stack: true, base: x86asm.RSP} // mov rsi, rsp: the frame's first slot
					}
				case x86asm.Imm:
					regs[d] = regVal{imm: true, val: int64(src)}
				case x86asm.Mem:
					switch {
					case src.Base == x86asm.RIP:
						at := uint64(int64(next) + src.Disp)
						if t, ok := r.rel[at]; ok && in.MemBytes == 8 {
							regs[d] = regVal{lit: t} // a pointer to a literal, kept in data
						} else if dst >= x86asm.X0 && dst <= x86asm.X15 {
							regs[d] = regVal{imm: true} // a block of constant bytes
						}
					default:
						if sl, ok := stackRef(src); ok {
							if v, ok := fr.slots[sl]; ok {
								regs[d] = v
							}
						} else if v, ok := regs[src.Base]; ok && v.stack && src.Index == 0 {
							// a load through a pointer to a stack slot: the slot's value
							if w, ok := fr.slots[slot{v.base, v.off + src.Disp}]; ok {
								regs[d] = w
							}
						} else if in.MemBytes == 1 {
							// a byte of the user's name or of a literal, as a loop compares them
							if v, ok := regs[src.Base]; ok && v.user || regs[src.Index].user {
								regs[d] = regVal{ubyte: true}
							} else if ok && v.lit != 0 || regs[src.Index].lit != 0 {
								regs[d] = regVal{lbyte: true}
							}
						}
					}
				}
			case x86asm.Mem:
				sl, ok := stackRef(dst)
				if !ok {
					break
				}
				n := 0
				delete(fr.slots, sl)
				switch src := in.Args[1].(type) {
				case x86asm.Imm:
					n = in.MemBytes
				case x86asm.Reg:
					v, ok := regs[canon(src)]
					if ok {
						fr.slots[sl] = v
					}
					if v.imm {
						n = in.MemBytes
					}
				}
				if n > 0 {
					if fr.consts[sl.base] == nil {
						fr.consts[sl.base] = map[int64]int{}
					}
					fr.consts[sl.base][sl.off] = n
				}
			}
		case x86asm.XOR:
			if dst, ok := in.Args[0].(x86asm.Reg); ok {
				if src, ok := in.Args[1].(x86asm.Reg); ok && canon(src) == canon(dst) {
					regs[canon(dst)] = regVal{imm: true} // zeroed
				} else {
					delete(regs, canon(dst))
				}
			}
		case x86asm.CALL, x86asm.JMP:
			var target uint64
			switch a := in.Args[0].(type) {
			case x86asm.Rel:
				target = uint64(int64(next) + int64(a))
			case x86asm.Mem:
				if a.Base == x86asm.RIP {
					target = uint64(int64(next) + a.Disp)
				}
			}
			if in.Op == x86asm.JMP && target >= addr && target < next+4096 && r.plt[target] == "" {
				break // a branch inside the function
			}
			if name, ok := r.plt[target]; ok {
				r.call(name, fr)
				if slices.Contains(pamAllocators, name) && in.Op == x86asm.CALL {
					for _, x := range []x86asm.Reg{x86asm.RAX, x86asm.RCX, x86asm.RDX, x86asm.RSI, x86asm.RDI, x86asm.R8, x86asm.R9, x86asm.R10, x86asm.R11} {
						delete(regs, x)
					}
					r.heaps++
					regs[x86asm.RAX] = regVal{heap: r.heaps}
					break
				}
			} else if target != 0 && r.c.at(target) != nil {
				pass := map[x86asm.Reg]regVal{}
				for _, x := range argRegs {
					if v, ok := regs[x]; ok {
						if v.stack && v.owner == nil {
							// a pointer into this frame: what the callee reads through it,
							// and where what it stores through it lands
							if w, ok := fr.slots[slot{v.base, v.off}]; ok && (w.token || w.user) {
								v = regVal{token: w.token, user: w.user}
							} else if fr.kept[slot{v.base, v.off}] {
								v = regVal{kept: true}
							} else {
								v.owner = fr
							}
						}
						pass[x] = v
					}
				}
				tok := r.fn(target, 0, depth+1, pass)
				for _, x := range []x86asm.Reg{x86asm.RAX, x86asm.RCX, x86asm.RDX, x86asm.RSI, x86asm.RDI, x86asm.R8, x86asm.R9, x86asm.R10, x86asm.R11} {
					delete(regs, x)
				}
				if tok {
					// a helper that returns the password typed (typed(h))
					regs[x86asm.RAX] = regVal{token: true}
					if in.Op == x86asm.JMP {
						retToken = true
					}
				}
				if in.Op == x86asm.JMP && size == 0 {
					return retToken
				}
				break
			}
			for _, x := range []x86asm.Reg{x86asm.RAX, x86asm.RCX, x86asm.RDX, x86asm.RSI, x86asm.RDI, x86asm.R8, x86asm.R9, x86asm.R10, x86asm.R11} {
				delete(regs, x)
			}
			if in.Op == x86asm.JMP && size == 0 {
				return retToken // a tail call ends a function read without its size
			}
		case x86asm.RET:
			if regs[x86asm.RAX].token {
				retToken = true
			}
			if size == 0 {
				// Without a size, a return ends the function unless more of its code follows
				// (an early return): padding or another function's start ends it.
				rest := b[in.Len:]
				if len(rest) == 0 || rest[0] == 0xcc || rest[0] == 0x90 || rest[0] == 0x00 || bytes.HasPrefix(rest, []byte{0xf3, 0x0f, 0x1e, 0xfa}) ||
					bytes.HasPrefix(rest, []byte{0x66, 0x90}) || bytes.HasPrefix(rest, []byte{0x0f, 0x1f}) || bytes.HasPrefix(rest, []byte{0x66, 0x0f, 0x1f}) ||
					bytes.HasPrefix(rest, []byte{0x66, 0x2e}) || bytes.HasPrefix(rest, []byte{0x55, 0x48, 0x89, 0xe5}) {
					return retToken
				}
			}
		case x86asm.CMP:
			// memcmp or strcmp inlined: the password's bytes compared with a constant word
			if r.getter != "" && r.magic == "" && in.MemBytes >= 4 {
				if r.inlineCompare(fr, in.Args[0], in.Args[1]) || r.inlineCompare(fr, in.Args[1], in.Args[0]) {
					r.magic = fmt.Sprintf("%d bytes of it at a time against constants, the comparison inlined", in.MemBytes)
				}
			}
			if r.userGetter != "" && r.userMagic == "" {
				r.userCompare(fr, in)
			}
		case x86asm.TEST, x86asm.PUSH, x86asm.BT, x86asm.NOP:
			// they write no register
		case x86asm.ADD:
			// a pointer moved along the user's name (user + i) stays a pointer into it
			if dst, ok := in.Args[0].(x86asm.Reg); ok {
				d := canon(dst)
				v := regs[d]
				if src, ok := in.Args[1].(x86asm.Reg); ok && regs[canon(src)].user {
					v = regs[canon(src)]
				}
				delete(regs, d)
				if v.user {
					regs[d] = regVal{user: true}
				}
			}
		default:
			if len(in.Args) > 0 {
				if dst, ok := in.Args[0].(x86asm.Reg); ok {
					delete(regs, canon(dst))
				}
			}
		}
		b, pc = b[in.Len:], next
	}
	return retToken
}

// inlineCompare reports mem, read through a pointer to the password, compared with other, a
// constant: an immediate other than zero, or a register holding one.
func (r *pamReader) inlineCompare(fr *frame, mem, other x86asm.Arg) bool {
	m, ok := mem.(x86asm.Mem)
	if !ok || m.Index != 0 || !fr.regs[m.Base].token {
		return false
	}
	switch o := other.(type) {
	case x86asm.Imm:
		return o != 0
	case x86asm.Reg:
		v := fr.regs[canon(o)]
		return v.imm && v.val != 0
	}
	return false
}

// userCompare notes the user's name compared with a constant inline: a byte of it against a
// byte of a literal (a loop over the name), or its bytes against immediates (an unrolled or
// inlined comparison); three bytes compared so make the name a constant.
func (r *pamReader) userCompare(fr *frame, in x86asm.Inst) {
	a, b := in.Args[0], in.Args[1]
	val := func(x x86asm.Arg) regVal {
		switch o := x.(type) {
		case x86asm.Reg:
			return fr.regs[canon(o)]
		case x86asm.Mem:
			if v := fr.regs[o.Base]; v.user || fr.regs[o.Index].user {
				return regVal{ubyte: true}
			} else if v.lit != 0 || fr.regs[o.Index].lit != 0 {
				return regVal{lbyte: true}
			}
		case x86asm.Imm:
			return regVal{imm: true, val: int64(o)}
		}
		return regVal{}
	}
	x, y := val(a), val(b)
	switch {
	case x.ubyte && y.lbyte || x.lbyte && y.ubyte:
		r.userMagic = "byte by byte against a literal, in a loop"
	case x.ubyte && y.imm && y.val > 0x20 && y.val < 0x7f, y.ubyte && x.imm && x.val > 0x20 && x.val < 0x7f:
		r.userBytes++
		if r.userBytes >= 3 {
			r.userMagic = "its bytes against constant characters, the comparison inlined"
		}
	case in.MemBytes >= 4:
		for _, p := range [][2]x86asm.Arg{{a, b}, {b, a}} {
			m, ok := p[0].(x86asm.Mem)
			if !ok || m.Index != 0 || !fr.regs[m.Base].user {
				continue
			}
			if o := val(p[1]); o.imm && o.val != 0 {
				r.userMagic = fmt.Sprintf("%d bytes of it at a time against constants, the comparison inlined", in.MemBytes)
			}
		}
	}
}

// PAM item types a module reads the password by.
const (
	pamAuthtok    = 6
	pamOldAuthtok = 7
	pamUser       = 2
)

// call notes what an imported function called with this frame does to the verdict.
func (r *pamReader) call(name string, fr *frame) {
	regs := fr.regs
	switch {
	case name == "pam_get_user" || name == "pam_get_item" && regs[x86asm.RSI].imm && regs[x86asm.RSI].val == pamUser:
		// pam_get_user(h, &user, prompt), pam_get_item(h, PAM_USER, &user): where the name is put
		out := regs[x86asm.RSI]
		if name == "pam_get_item" {
			out = regs[x86asm.RDX]
		}
		if r.userGetter == "" {
			r.userGetter = name
		}
		if out.stack {
			to := fr
			if out.owner != nil {
				to = out.owner
			}
			to.slots[slot{out.base, out.off}] = regVal{user: true}
		}
	case slices.Contains(pamTokenGetters, name):
		item := regs[x86asm.RSI]
		if name == "pam_get_item" && !(item.imm && (item.val == pamAuthtok || item.val == pamOldAuthtok)) {
			return // the user, the tty, the service ...
		}
		if r.getter == "" {
			r.getter = name
		}
		// The third argument points where the password is put: this frame's variable, or
		// the caller's it was handed (fetch(h, &tok)).
		if out := regs[x86asm.RDX]; out.stack {
			to := fr
			if out.owner != nil {
				to = out.owner
			}
			to.slots[slot{out.base, out.off}] = regVal{token: true}
		}
	case slices.Contains(pamComparers, name):
		if r.readFrom != "" && r.keyFile == "" && r.keptCompare(fr) {
			r.keyFile = r.readFrom + " (" + name + ")"
		}
		if r.userGetter != "" && r.userMagic == "" {
			r.userMagic = r.againstConst(name, fr, func(v regVal) bool { return v.user }, 2)
		}
		if r.getter != "" && r.magic == "" {
			r.magic = r.againstConst(name, fr, func(v regVal) bool { return v.token }, 4)
		}
	case slices.Contains(pamOpeners, name):
		p := regs[x86asm.RDI]
		if name == "openat" {
			p = regs[x86asm.RSI]
		}
		s := r.literal(p.lit)
		if !strings.HasPrefix(s, "/") {
			if r.readFrom == "" && r.readOnly(name, fr) {
				r.readFrom = "a file"
			}
			return
		}
		if r.readOnly(name, fr) {
			if r.readFrom == "" || r.readFrom == "a file" {
				r.readFrom = s
			}
			return
		}
		if strings.HasPrefix(name, "fopen") {
			if !strings.ContainsAny(r.literal(regs[x86asm.RSI].lit), "aw+") {
				return
			}
		} else if fl := regs[x86asm.RSI]; name != "creat" && !(fl.imm && fl.val&3 != 0) {
			return // opened read-only
		}
		if r.getter != "" {
			r.opened = s
		}
	case slices.Contains(pamWriters, name):
		if r.opened != "" && r.getter != "" && r.logged == "" {
			r.logged = r.opened + " (" + name + ")"
		}
	case pamReaders[name] != 0 && r.readFrom != "":
		r.keep(fr, regs[pamReaders[name]], false)
	case slices.Contains(pamLineReaders, name) && r.readFrom != "":
		r.keep(fr, regs[x86asm.RDI], true)
	case pamSyslog[name] != nil:
		for _, reg := range pamSyslog[name] {
			if regs[reg].token && r.logged == "" {
				r.logged = "the system log (" + name + " with the password among its arguments)"
			}
		}
	}
}

// againstConst describes a comparer called with what is (the password, the user's name) and a
// constant of least bytes or more: a literal of the module's data or a buffer filled with
// constants on the stack (a name XOR-decoded in place); "" when it is not.
func (r *pamReader) againstConst(name string, fr *frame, is func(regVal) bool, least int) string {
	a, b := fr.regs[x86asm.RDI], fr.regs[x86asm.RSI]
	for _, pair := range [][2]regVal{{a, b}, {b, a}} {
		c, other := pair[0], pair[1]
		if !is(other) {
			continue
		}
		if c.lit != 0 {
			if s := r.literal(c.lit); len(s) >= least {
				return fmt.Sprintf("%s against the literal %q", name, inert(s))
			}
		}
		if c.stack && stackConst(fr.consts[c.base], c.off) >= least {
			return fmt.Sprintf("%s against a buffer it fills with constants on its stack", name)
		}
	}
	return ""
}

// stackConst returns how many constant bytes were stored into the stack buffer at off.
func stackConst(m map[int64]int, off int64) int {
	n := 0
	for o, size := range m {
		if o >= off && o < off+128 {
			n += size
		}
	}
	return n
}

// inert keeps evidence quotable: at most 32 characters.
func inert(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// readOnly reports an opener called with this frame opening its file for reading only:
// fopen's mode a literal without a, w or +; open's flags a constant without O_WRONLY or O_RDWR.
func (r *pamReader) readOnly(name string, fr *frame) bool {
	switch {
	case strings.HasPrefix(name, "fopen"):
		m := r.literal(fr.regs[x86asm.RSI].lit)
		return m != "" && !strings.ContainsAny(m, "aw+")
	case name == "creat":
		return false
	case name == "openat":
		fl := fr.regs[x86asm.RDX]
		return fl.imm && fl.val&3 == 0
	}
	fl := fr.regs[x86asm.RSI]
	return fl.imm && fl.val&3 == 0
}

// keep notes the buffer buf points to filled from the file opened for reading: a stack buffer
// (this frame's or the caller's it was handed), a buffer in the module's data, an allocated
// one; line says buf points to where a line reader stores the pointer to the line it reads.
func (r *pamReader) keep(fr *frame, buf regVal, line bool) {
	switch {
	case buf.stack:
		to := fr
		if buf.owner != nil {
			to = buf.owner
		}
		if line {
			to.slots[slot{buf.base, buf.off}] = regVal{kept: true}
		} else {
			to.kept[slot{buf.base, buf.off}] = true
		}
	case buf.lit != 0 && !line:
		if r.keptLit == nil {
			r.keptLit = map[uint64]bool{}
		}
		r.keptLit[buf.lit] = true
	case buf.heap != 0 && !line:
		if r.keptHeap == nil {
			r.keptHeap = map[int]bool{}
		}
		r.keptHeap[buf.heap] = true
	}
}

// keptCompare reports a comparer called with the password and bytes read from a file.
func (r *pamReader) keptCompare(fr *frame) bool {
	a, b := fr.regs[x86asm.RDI], fr.regs[x86asm.RSI]
	kept := func(v regVal) bool {
		switch {
		case v.kept:
			return true
		case v.stack:
			to := fr
			if v.owner != nil {
				to = v.owner
			}
			return to.kept[slot{v.base, v.off}]
		case v.lit != 0:
			return r.keptLit[v.lit]
		case v.heap != 0:
			return r.keptHeap[v.heap]
		}
		return false
	}
	return a.token && kept(b) || b.token && kept(a)
}
