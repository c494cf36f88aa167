//go:build !(amd64 && cgo)

package sha256x

// Without the SHA extensions (or cgo to reach them) every Digest delegates to crypto/sha256.
var accelerated = false

func blocks(h *[8]uint32, p []byte)     { panic("sha256x: no accelerated block function") }
func blocks2(a, b *[8]uint32, p []byte) { panic("sha256x: no accelerated block function") }
