//go:build !(cgo && (amd64 || arm64))

package igzip

import (
	"errors"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

func newReader(r io.Reader) (io.ReadCloser, error) {
	z, err := gzip.NewReader(r)
	if err == io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, convert(err)
	}
	return &pure{z}, nil
}

type pure struct{ z *gzip.Reader }

func (p *pure) Read(b []byte) (int, error) {
	n, err := p.z.Read(b)
	return n, convert(err)
}

func (p *pure) Close() error { return p.z.Close() }

// convert gives the errors the ISA-L reader gives.
func convert(err error) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.Is(err, gzip.ErrHeader):
		return ErrHeader
	case errors.Is(err, gzip.ErrChecksum):
		return ErrChecksum
	case errors.As(err, &corrupt):
		return errors.Join(ErrData, err)
	}
	return err
}
