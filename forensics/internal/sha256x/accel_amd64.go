//go:build amd64 && cgo

package sha256x

// #cgo CFLAGS: -O2
// #include <stdint.h>
// #include <stddef.h>
// int sha256x_supported(void);
// void sha256x_blocks(uint32_t *h, const uint8_t *p, size_t n);
// void sha256x_blocks2(uint32_t *a, uint32_t *b, const uint8_t *p, size_t n);
import "C"

import "unsafe"

var accelerated = C.sha256x_supported() != 0

// blocks and blocks2 hash the whole blocks of p; they are only called when accelerated.
func blocks(h *[8]uint32, p []byte) {
	if len(p) < BlockSize {
		return
	}
	C.sha256x_blocks((*C.uint32_t)(unsafe.Pointer(&h[0])), (*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)))
}

func blocks2(a, b *[8]uint32, p []byte) {
	if len(p) < BlockSize {
		return
	}
	C.sha256x_blocks2((*C.uint32_t)(unsafe.Pointer(&a[0])), (*C.uint32_t)(unsafe.Pointer(&b[0])),
		(*C.uint8_t)(unsafe.Pointer(&p[0])), C.size_t(len(p)))
}
