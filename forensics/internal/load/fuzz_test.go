package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseRef feeds arbitrary references, with the fixture directory standing in for "D".
// ParseRef must not panic, and what it accepts must name an existing path.
func FuzzParseRef(f *testing.F) {
	dir := f.TempDir()
	for _, n := range []string{"img.tar", "a:b.tar"} {
		if err := os.WriteFile(filepath.Join(dir, n), tarOf(map[string]string{"manifest.json": "[]"}), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "layout"), 0o755); err != nil {
		f.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "layout", "oci-layout"), []byte("{}"), 0o644)
	for _, s := range []string{"D/img.tar", "docker-archive:D/img.tar:a:1", "D/a:b.tar:@2", "oci:D/layout:x", "dir:D", "oci-archive:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = strings.ReplaceAll(s, "D", dir)
		ref, err := ParseRef(s)
		if err != nil {
			return
		}
		if _, err := os.Stat(ref.Path); err != nil {
			t.Fatalf("ParseRef(%q) = %+v, a path that does not exist", s, ref)
		}
		if ref.Format == "" {
			t.Fatalf("ParseRef(%q) = %+v, no format", s, ref)
		}
	})
}

// FuzzSniff writes arbitrary bytes to a file and sniffs it: no panic, and any error names the file.
func FuzzSniff(f *testing.F) {
	f.Add([]byte{})
	f.Add(tarOf(map[string]string{"manifest.json": "[]"}))
	f.Add(tarOf(map[string]string{"oci-layout": "{}", "index.json": "{}"}))
	f.Add(gz(tarOf(map[string]string{"manifest.json": "[]"})))
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0})
	f.Add([]byte("BZh91AY&SY"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "input")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		format, err := sniff(p)
		if err != nil {
			if !strings.HasPrefix(err.Error(), p+":") {
				t.Fatalf("error %q does not name the input", err)
			}
			return
		}
		if format != DockerArchive && format != OCIArchive {
			t.Fatalf("sniff = %q for a file", format)
		}
	})
}
