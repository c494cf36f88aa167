//go:build cgo && (amd64 || arm64)

package igzip

// #cgo LDFLAGS: -lisal
// #include <stdlib.h>
// #include <isa-l/igzip_lib.h>
//
// static struct inflate_state *igzip_new(void) {
// 	struct inflate_state *s = malloc(sizeof *s);
// 	if (s) {
// 		isal_inflate_init(s);
// 		s->crc_flag = ISAL_GZIP;
// 	}
// 	return s;
// }
//
// static void igzip_reset(struct inflate_state *s) {
// 	isal_inflate_reset(s);
// 	s->crc_flag = ISAL_GZIP;
// }
//
// // igzip_step inflates from in into out and says how much of each it used. The buffers are
// // the caller's for this call only: no pointer to them is kept once it returns.
// static int igzip_step(struct inflate_state *s, unsigned char *in, unsigned in_len,
// 		unsigned char *out, unsigned out_len, unsigned *used, unsigned *made, int *finished) {
// 	s->next_in = in;
// 	s->avail_in = in_len;
// 	s->next_out = out;
// 	s->avail_out = out_len;
// 	int r = isal_inflate(s);
// 	*used = in_len - s->avail_in;
// 	*made = out_len - s->avail_out;
// 	*finished = s->block_state == ISAL_BLOCK_FINISH;
// 	s->next_in = NULL;
// 	s->next_out = NULL;
// 	s->avail_in = 0;
// 	s->avail_out = 0;
// 	return r;
// }
import "C"

import (
	"errors"
	"fmt"
	"io"
	"unsafe"
)

// inBuf is how much compressed input is read from the source at a time.
const inBuf = 64 << 10

// maxStep bounds one call's buffers to what the library's unsigned lengths hold.
const maxStep = 1 << 30

type reader struct {
	src io.Reader
	s   *C.struct_inflate_state
	in  []byte
	off int // in[off:] is read from the source and not yet inflated
	// member is set while a member is being inflated: its end is where a stream may end.
	member bool
	eof    bool // the source is exhausted
	err    error
}

func newReader(r io.Reader) (io.ReadCloser, error) {
	z := &reader{src: r, in: make([]byte, 0, inBuf)}
	if err := z.fill(); err != nil && len(z.in) == 0 {
		return nil, err
	}
	if len(z.in) == 0 {
		return nil, io.ErrUnexpectedEOF
	}
	if !memberStart(z.in) {
		return nil, ErrHeader
	}
	z.s = C.igzip_new()
	if z.s == nil {
		return nil, errors.New("gzip: no memory for the decoder")
	}
	z.member = true
	return z, nil
}

// fill reads more input when all that was read is used; it keeps what is left otherwise.
func (z *reader) fill() error {
	if z.off < len(z.in) || z.eof {
		return nil
	}
	n, err := io.ReadFull(z.src, z.in[:cap(z.in)])
	z.in, z.off = z.in[:n], 0
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		z.eof = true
		return nil
	case err != nil:
		return err
	}
	return nil
}

func (z *reader) Read(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	if z.s == nil {
		return 0, errors.New("gzip: read after close")
	}
	if len(p) == 0 {
		return 0, nil
	}
	p = p[:min(len(p), maxStep)]
	for {
		if err := z.fill(); err != nil {
			z.err = err
			return 0, err
		}
		if !z.member {
			// A member ended: the stream ends with the input, or another member follows.
			if z.off == len(z.in) && z.eof {
				z.err = io.EOF
				return 0, io.EOF
			}
			if len(z.in)-z.off < 4 && !z.eof {
				// Too little to see the next member's header: keep it and read on.
				z.in = append(z.in[:0], z.in[z.off:]...)
				z.off = 0
				n, err := io.ReadAtLeast(z.src, z.in[len(z.in):cap(z.in)], 1)
				z.in = z.in[:len(z.in)+n]
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					z.eof = true
				} else if err != nil {
					z.err = err
					return 0, err
				}
				continue
			}
			if !memberStart(z.in[z.off:]) {
				z.err = ErrHeader
				return 0, z.err
			}
			C.igzip_reset(z.s)
			z.member = true
		}
		var used, made C.unsigned
		var finished C.int
		var inPtr *C.uchar
		if z.off < len(z.in) {
			inPtr = (*C.uchar)(unsafe.Pointer(&z.in[z.off]))
		}
		r := C.igzip_step(z.s, inPtr, C.unsigned(len(z.in)-z.off), (*C.uchar)(unsafe.Pointer(&p[0])), C.unsigned(len(p)), &used, &made, &finished)
		z.off += int(used)
		if r < 0 {
			z.err = inflateError(int(r))
			return int(made), z.err
		}
		if finished != 0 {
			z.member = false
		}
		if made > 0 {
			return int(made), nil
		}
		if !z.member || used > 0 {
			continue
		}
		// Nothing made, nothing used: the decoder wants more input than is at hand.
		if z.eof {
			z.err = io.ErrUnexpectedEOF
			return 0, z.err
		}
		if z.off > 0 {
			z.in = append(z.in[:0], z.in[z.off:]...)
			z.off = 0
		}
		if len(z.in) == cap(z.in) {
			z.err = fmt.Errorf("%w: the decoder took none of %d bytes", ErrData, len(z.in))
			return 0, z.err
		}
		n, err := io.ReadAtLeast(z.src, z.in[len(z.in):cap(z.in)], 1)
		z.in = z.in[:len(z.in)+n]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			z.eof = true
		} else if err != nil {
			z.err = err
			return 0, err
		}
	}
}

// memberStart reports whether b starts as a gzip member must: the magic, deflate, no reserved
// flag set (RFC 1952 asks a reader to refuse those; ISA-L does not look).
func memberStart(b []byte) bool {
	return len(b) >= 4 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8 && b[3]&0xe0 == 0
}

func (z *reader) Close() error {
	if z.s != nil {
		C.free(unsafe.Pointer(z.s))
		z.s = nil
	}
	return nil
}

func inflateError(code int) error {
	switch code {
	case C.ISAL_INVALID_WRAPPER, C.ISAL_UNSUPPORTED_METHOD:
		return ErrHeader
	case C.ISAL_INCORRECT_CHECKSUM:
		return ErrChecksum
	case C.ISAL_INVALID_BLOCK, C.ISAL_INVALID_SYMBOL, C.ISAL_INVALID_LOOKBACK, C.ISAL_NEED_DICT:
		return fmt.Errorf("%w (isa-l code %d)", ErrData, code)
	}
	return fmt.Errorf("gzip: inflate failed (isa-l code %d)", code)
}
