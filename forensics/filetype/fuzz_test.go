package filetype

import (
	"bytes"
	"testing"
)

// FuzzDetect types arbitrary bytes under arbitrary names: only the first HeadSize bytes count,
// no bytes is Empty and nothing else is, the answer does not change from call to call, and
// whatever a name says, an ELF or PE header wins.
func FuzzDetect(f *testing.F) {
	f.Add("/usr/bin/ls", elfHeader(3, true))
	f.Add("/var/www/x.php", []byte("<?php system($_GET['c']); ?>"))
	f.Add("/app/run.sh", []byte("#!/bin/sh\nexec x\n"))
	f.Add("/x.txt", append([]byte("MZ"), make([]byte, 200)...))
	f.Add("/lib/libc.so.6", []byte{0xfe, 0xed, 0xfa, 0xcf})
	f.Add("", []byte{})
	f.Fuzz(func(t *testing.T, p string, data []byte) {
		got := Detect(p, data)
		if (got.Kind == Empty) != (len(data) == 0) {
			t.Fatalf("Detect(%q, %d bytes) = %v", p, len(data), got)
		}
		if again := Detect(p, bytes.Clone(data)); again != got {
			t.Fatalf("Detect is not stable: %v then %v", got, again)
		}
		if len(data) > HeadSize {
			if head := Detect(p, data[:HeadSize]); head != got {
				t.Fatalf("bytes past HeadSize changed the type: %v vs %v", head, got)
			}
		}
		if bytes.HasPrefix(data, []byte("\x7fELF")) && got.Kind == Text {
			t.Fatalf("an ELF header typed as text: %v", got)
		}
		_ = got.String()
	})
}
