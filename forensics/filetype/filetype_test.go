package filetype

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func elfHeader(etype uint16, interp bool) []byte {
	h := make([]byte, 64+56)
	copy(h, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(h[16:], etype)
	binary.LittleEndian.PutUint16(h[18:], 0x3e)
	if interp {
		binary.LittleEndian.PutUint64(h[32:], 64)
		binary.LittleEndian.PutUint16(h[54:], 56)
		binary.LittleEndian.PutUint16(h[56:], 1)
		binary.LittleEndian.PutUint32(h[64:], 3)
	}
	return h
}

func TestDetect(t *testing.T) {
	pe := make([]byte, 0x90)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x80)
	copy(pe[0x80:], "PE\x00\x00")
	tarHead := make([]byte, 512)
	copy(tarHead, "etc/passwd")
	copy(tarHead[257:], "ustar\x0000")
	tests := []struct {
		path string
		head []byte
		want string
	}{
		{"/x", nil, "empty"},
		{"/app/Main.class", []byte("\xca\xfe\xba\xbe\x00\x00\x00\x34"), "java-class"},
		{"/logo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00"), "image:png"},
		{"/photo", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), "image:jpeg"},
		{"/a.7z", []byte("7z\xbc\xaf\x27\x1c\x00\x04"), "archive:7z"},
		{"/usr/lib/libx.a", []byte("!<arch>\nfoo.o/"), "archive:ar"},
		{"/var/www/shell.phar", []byte("anything"), "php"},
		{"/app/tag.jspf", []byte("<p>x</p>"), "jsp"},
		{"/srv/lib.pm", []byte("package X;\n"), "script:perl"},
		{"/usr/bin/ls", elfHeader(2, false), "elf-executable"},
		{"/usr/lib/libc.so.6", elfHeader(3, true), "elf-shared-object"},
		{"/usr/share/lib/reverse_shell.so", elfHeader(3, false), "elf-shared-object"},
		{"/opt/tool", elfHeader(3, true), "elf-executable"},
		{"/usr/bin/bash", elfHeader(3, false), "elf-executable"},
		{"/opt/blob", elfHeader(3, false), "elf-shared-object"},
		{"/x.o", elfHeader(1, false), "elf-relocatable"},
		{"/x.exe", pe, "pe"},
		{"/x.txt", []byte("MZ is a text file that happens to start like a DOS binary\n"), "text"},
		{"/x", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, "mach-o"},
		{"/entry", []byte("#!/bin/sh\nexec \"$@\"\n"), "script:sh"},
		{"/app/server.py", []byte("#!/usr/bin/env python3\nimport os\n"), "script:python3"},
		{"/a", []byte("#!/usr/bin/env -S perl -w\n"), "script:perl"},
		{"/run.sh", []byte("echo hi\n"), "script:sh"},
		{"/var/www/html/x.php", []byte("<?php system($_GET['c']); ?>"), "php"},
		{"/var/www/html/index.html", []byte("<html><?php eval($x); ?>"), "php"},
		{"/webapps/ROOT/cmd.jsp", []byte("<%@ page import=\"java.io.*\" %>"), "jsp"},
		{"/inetpub/shell.aspx", []byte("<%@ Page Language=\"C#\" %>"), "aspx"},
		{"/x.gz", []byte{0x1f, 0x8b, 8, 0}, "archive:gzip"},
		{"/lib/app.jar", []byte("PK\x03\x04rest"), "archive:jar"},
		{"/x.zip", []byte("PK\x03\x04rest"), "archive:zip"},
		{"/x.tar", tarHead, "archive:tar"},
		{"/etc/passwd", []byte("root:x:0:0:root:/root:/bin/bash\n"), "text"},
		{"/etc/ld.so.cache", []byte("glibc-ld.so.cache1.1\x00\x00"), "binary"},
		{"/utf8", []byte("caf\xc3\xa9 ok\n"), "text"},
		{"/cut", append([]byte(strings.Repeat("a", 10)), 0xc3), "text"},
		{"/latin1", []byte("caf\xe9 ok\n"), "binary"},
	}
	for _, tt := range tests {
		if got := Detect(tt.path, tt.head).String(); got != tt.want {
			t.Errorf("Detect(%s, %q) = %s, want %s", tt.path, tt.head, got, tt.want)
		}
	}
}

func TestPredicates(t *testing.T) {
	if !(Type{Kind: ELFSharedObject}).Native() || (Type{Kind: Script}).Native() {
		t.Error("Native")
	}
	if !(Type{Kind: Script}).Textual() || (Type{Kind: Binary}).Textual() {
		t.Error("Textual")
	}
	if !(Type{Kind: JSP}).ServerPage() || (Type{Kind: Text}).ServerPage() {
		t.Error("ServerPage")
	}
}

// looksTextByRune is looksText without its shortcut: every rune decoded.
func looksTextByRune(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	control := 0
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size == 1 {
			if len(head)-i < utf8.UTFMax && !utf8.FullRune(head[i:]) {
				break
			}
			return false
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' && r != 0x1b {
			control++
		}
		i += size
	}
	return control*20 <= len(head)
}

// TestLooksTextByRune holds looksText, which passes over printable ASCII eight bytes at a
// time, to a reading rune by rune: on heads built of printable runs, every byte near the
// edges of the printable range (0x1f, 0x20, 0x7f, 0x80), control characters, multi-byte
// runes whole and cut, and invalid bytes, at every alignment.
func TestLooksTextByRune(t *testing.T) {
	pieces := []string{"abcdefgh", "Hello, world", " ", "~", "\x7f", "\x1f", "\x20", "\x80", "\xff", "\n", "\r\n", "\t", "\f", "\x1b",
		"\x01", "\x02", "\x0b", "é", "日本", "\xe6\x97", "\xf0\x9f\x98\x80", "\xf0\x9f", "\xc3", "\x00", "0123456789012345"}
	r := rand.New(rand.NewPCG(3, 4))
	texts, binaries := 0, 0
	for n := 0; n < 200000; n++ {
		var b []byte
		for k := r.IntN(40); k > 0; k-- {
			p := pieces[r.IntN(len(pieces))]
			if p == "\x00" && r.IntN(8) != 0 {
				continue
			}
			b = append(b, p...)
		}
		if len(b) > HeadSize {
			b = b[:HeadSize]
		}
		want := looksTextByRune(b)
		if got := looksText(b); got != want {
			t.Fatalf("looksText(%q) = %v, rune by rune %v", b, got, want)
		}
		if want {
			texts++
		} else {
			binaries++
		}
	}
	if texts < 10000 || binaries < 10000 {
		t.Fatalf("%d texts and %d binaries: the inputs do not come near both answers", texts, binaries)
	}
}
