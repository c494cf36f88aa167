//go:build linux && amd64 && cgo

package md5x

// #cgo CFLAGS: -O2
// #cgo noescape md5x_blocks
// #cgo nocallback md5x_blocks
// #cgo noescape md5x_scalar
// #cgo nocallback md5x_scalar
// #include <stdint.h>
// #include <stddef.h>
// int md5x_supported(void);
// void md5x_blocks(uint32_t *s, const uint8_t *const *p, size_t n);
// void md5x_scalar(uint32_t *s, size_t l, const uint8_t *p, size_t n);
import "C"

import (
	"syscall"
	"unsafe"
)

var accelerated = C.md5x_supported() != 0

// The lanes read copies held outside the Go heap (see newChunk): their addresses can sit in
// a Go array that C reads, which cgo forbids for addresses of Go memory.

// blocks runs n blocks of every lane whose p is not nil on the states in s.
func blocks(s *[4 * Lanes]uint32, p *[Lanes]unsafe.Pointer, n int) {
	C.md5x_blocks((*C.uint32_t)(unsafe.Pointer(&s[0])), (**C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(n))
}

// scalar runs n blocks at p on lane l alone.
func scalar(s *[4 * Lanes]uint32, l int, p unsafe.Pointer, n int) {
	C.md5x_scalar((*C.uint32_t)(unsafe.Pointer(&s[0])), C.size_t(l), (*C.uint8_t)(p), C.size_t(n))
}

// newChunk returns n bytes of memory outside the Go heap, mapped for the purpose: C may
// keep addresses into it, the garbage collector does not count it, and freeChunk gives it
// back to the system at once (C's malloc would keep it in an arena per thread).
func newChunk(n int) []byte {
	b, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		panic("md5x: mapping memory: " + err.Error())
	}
	if n >= hugePage {
		// Faulting the pages in costs about as much as copying into them: in huge pages, half.
		// Where the system does not have them this is a no-op.
		syscall.Madvise(b, madvHugePage)
	}
	return b
}

const (
	hugePage     = 2 << 20
	madvHugePage = 14 // MADV_HUGEPAGE
)

func freeChunk(b []byte) { syscall.Munmap(b) }
