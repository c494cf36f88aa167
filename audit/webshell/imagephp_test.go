package webshell

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// imageWith builds a small image of kind (gif, png, jpg) whose comment or text metadata
// holds note.
func imageWith(kind, note string) []byte {
	switch kind {
	case "gif":
		b := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff")
		// the comment extension, in sub-blocks of at most 255 bytes
		b = append(b, 0x21, 0xfe)
		for s := note; len(s) > 0; {
			n := min(len(s), 255)
			b = append(b, byte(n))
			b = append(b, s[:n]...)
			s = s[n:]
		}
		b = append(b, 0, ',', 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 'D', 1, 0, ';')
		return b
	case "png":
		b := []byte("\x89PNG\r\n\x1a\n")
		chunk := func(typ string, data []byte) {
			var l [4]byte
			binary.BigEndian.PutUint32(l[:], uint32(len(data)))
			b = append(b, l[:]...)
			b = append(b, typ...)
			b = append(b, data...)
			b = append(b, 0, 0, 0, 0) // the CRC is not checked by what reads the page
		}
		chunk("IHDR", []byte{0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0})
		chunk("tEXt", append([]byte("Comment\x00"), note...))
		chunk("IEND", nil)
		return b
	}
	// JPEG: SOI, APP0, a COM segment, EOI
	b := []byte{0xff, 0xd8, 0xff, 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	b = append(b, 0xff, 0xfe, byte((len(note)+2)>>8), byte(len(note)+2))
	b = append(b, note...)
	return append(b, 0xff, 0xd9)
}

var imageNotes = []string{"<?php phpinfo(); ?>", "<?phpinfo();", "<?php echo php_uname(); ?>", "<?php\npassthru('id');\n?>",
	"<?PHP print(shell_exec('uname -a'));", "<?php include '/tmp/.x'; ?>", "<?php $x = 1; ?>"}

// imagePages: an image with a short PHP page in its metadata, dropped in an upload
// directory: found at high by the content alone.
func imagePages(r *rand.Rand) []techVariant {
	dirs := []string{"/var/www/html/wp-content/uploads/2024/05/", "/srv/www/site/upload/", "/var/www/html/UploadFiles/", "/var/www/app/public/user_uploads/avatars/"}
	var out []techVariant
	for n := 0; n < 24; n++ {
		kind := []string{"gif", "png", "jpg"}[n%3]
		note := imageNotes[r.Intn(len(imageNotes))]
		p := dirs[r.Intn(len(dirs))] + word(r) + "." + kind
		if kind == "jpg" && r.Intn(2) == 0 {
			p = strings.TrimSuffix(p, "jpg") + "jpeg"
		}
		out = append(out, techVariant{"image-polyglot", p, string(imageWith(kind, note))})
	}
	return out
}

// TestImagePHPMapped scans trees where an .htaccess in the image's directory or a parent maps
// its extension to PHP (high), and trees where nothing runs it as PHP (low at most), or where
// images carry no PHP code (silent).
func TestImagePHPMapped(t *testing.T) {
	r := rand.New(rand.NewSource(12))
	maps := []func(ext string) string{
		func(ext string) string { return "AddType application/x-httpd-php ." + ext + "\n" },
		func(ext string) string {
			return "Options -Indexes\nAddHandler application/x-httpd-php7 .php ." + ext + "\n"
		},
		func(ext string) string {
			return "<FilesMatch \"\\.(?i:" + ext + ")$\">\n  SetHandler application/x-httpd-php\n</FilesMatch>\n"
		},
		func(ext string) string { return "# theme assets\nAddHandler php5-script ." + ext + " .html\n" },
		func(ext string) string {
			return "<Files \"logo." + ext + "\">\nForceType application/x-httpd-php\n</Files>\n"
		},
	}
	unmapped := []string{"", "php_flag engine off\nRemoveHandler .php .phtml\n", "AddType image/webp .webp\nAddType application/x-httpd-php .phtml\n",
		"<FilesMatch \"\\.(php|phtml)$\">\nSetHandler application/x-httpd-php\n</FilesMatch>\n"}
	type tc struct {
		name string
		want audit.Severity // the image finding's severity; -1: none
	}
	root := t.TempDir()
	cases := map[string]tc{}
	write := func(p string, data []byte) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for n := 0; n < 20; n++ {
		kind := []string{"gif", "png", "jpg"}[n%3]
		site := "/var/www/site" + fmt.Sprint(n)
		img := site + "/assets/img/logo." + kind
		conf := site + "/.htaccess"
		if r.Intn(2) == 0 {
			conf = site + "/assets/img/.htaccess"
		}
		write(img, imageWith(kind, imageNotes[r.Intn(len(imageNotes))]))
		write(conf, []byte(maps[n%len(maps)](kind)))
		cases[img] = tc{"mapped", audit.High}
	}
	for n := 0; n < 8; n++ {
		kind := []string{"gif", "png", "jpg"}[n%3]
		site := "/var/www/plain" + fmt.Sprint(n)
		img := site + "/static/logo." + kind
		write(img, imageWith(kind, imageNotes[r.Intn(len(imageNotes))]))
		if u := unmapped[n%len(unmapped)]; u != "" {
			write(site+"/.htaccess", []byte(u))
		}
		cases[img] = tc{"unmapped", audit.Low}
		// the same site's images without code: silent whatever the .htaccess says
		clean := site + "/gallery/photo." + kind
		write(clean, imageWith(kind, []string{"Created with GIMP", "<?xpacket begin='' id='W5M0MpCehiHzreSzNTczkc9d'?>", "<?xml version=\"1.0\"?><x:xmpmeta/>", "php is fun; <? not code"}[n%4]))
		write(site+"/gallery/.htaccess", []byte(maps[n%len(maps)](kind)))
		cases[clean] = tc{"no code", -1}
	}
	img, err := forensics.Open(context.Background(), "dir:"+root, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	res, err := audit.Scan(context.Background(), img, audit.Options{Analyzers: []audit.Analyzer{New()}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]audit.Finding{}
	for _, f := range res.Findings {
		if f.Rule == RuleImagePHP {
			got[f.Path] = f
		}
	}
	tally := map[string][2]int{}
	for p, c := range cases {
		f, ok := got[p]
		sev := audit.Severity(-1)
		if ok {
			sev = f.Severity
		}
		x := tally[c.name]
		x[1]++
		if sev == c.want {
			x[0]++
		} else {
			t.Errorf("%s (%s): got %v %q, want %v", p, c.name, sev, f.Title, c.want)
		}
		tally[c.name] = x
		if c.name == "mapped" && ok && !strings.Contains(f.Title, ".htaccess has the server run it as PHP") {
			t.Errorf("%s: the title does not say what maps it: %s", p, f.Title)
		}
	}
	for k, v := range tally {
		fmt.Printf("harness: webshell/technique-image-htaccess-%s %d/%d\n", k, v[0], v[1])
	}
}
