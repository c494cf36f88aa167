//go:build !(linux && amd64 && cgo)

package md5x

import "unsafe"

// Without AVX-512 (or cgo to reach it, or Linux) every message is hashed by crypto/md5 as it is added.
var accelerated = false

func blocks(s *[4 * Lanes]uint32, p *[Lanes]unsafe.Pointer, n int) {
	panic("md5x: no accelerated block function")
}
func scalar(s *[4 * Lanes]uint32, l int, p unsafe.Pointer, n int) {
	panic("md5x: no accelerated block function")
}
func newChunk(n int) []byte { panic("md5x: no accelerated block function") }
func freeChunk(b []byte)    { panic("md5x: no accelerated block function") }
