package packages_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/imagebuild"
	"github.com/strata-forensics/strata/forensics/packages"
)

// sshStanza is a package with three conffiles and no file list: its parse's file slice has
// room to spare, which a caller appending to it would write into.
var sshStanza = fmt.Sprintf("Package: openssh-server\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:9.2p1-2\nConffiles:\n /etc/ssh/a %s\n /etc/ssh/b %s\n /etc/ssh/c %s\n",
	md5hex("a\n"), md5hex("b\n"), md5hex("c\n"))

// cacheFleet is what TestParseCache reads, all on debianImage's two layers and a third that
// installs openssh-server: that image, one with a replaced package file, one whose status
// file and curl md5sums each differ from the base's by one byte, and one with language
// packages and a copy of the status file that parses the same (a new copy of a database
// dates its packages).
func cacheFleet(t *testing.T) map[string]*forensics.Image {
	t.Helper()
	oneByte := []byte(md5hex(curlELF))
	oneByte[31] = "01"[oneByte[31]&1]
	site := "usr/lib/python3/dist-packages/"
	ssh := imagebuild.Layer{CreatedBy: "RUN /bin/sh -c apt-get install -y openssh-server", Files: []imagebuild.File{
		imagebuild.Dir("etc/ssh"), imagebuild.Reg("etc/ssh/a", "a\n"), imagebuild.Reg("etc/ssh/b", "b\n"), imagebuild.Reg("etc/ssh/c", "c\n"),
		imagebuild.Reg("var/lib/dpkg/status", status(coreutilsStanza, baseFiles(), curlStanza("7.88.1-10"), sshStanza)),
	}}
	return map[string]*forensics.Image{
		"base": open(t, debianImage(ssh)),
		"trojan": open(t, debianImage(ssh, imagebuild.Layer{CreatedBy: "RUN /bin/sh -c true", Files: []imagebuild.File{
			imagebuild.Reg("usr/bin/ls", elf("ls trojaned")).WithMode(0o755),
		}})),
		"one byte": open(t, debianImage(ssh, imagebuild.Layer{CreatedBy: "RUN /bin/sh -c true", Files: []imagebuild.File{
			imagebuild.Reg("var/lib/dpkg/status", status(coreutilsStanza, baseFiles(), curlStanza("7.88.1-11"), sshStanza)),
			imagebuild.Reg("var/lib/dpkg/info/curl:amd64.md5sums", string(oneByte)+"  usr/bin/curl\n"),
		}})),
		"language": open(t, debianImage(ssh, imagebuild.Layer{CreatedBy: "RUN /bin/sh -c true", Files: []imagebuild.File{
			imagebuild.Reg(site+"idna-3.3.dist-info/METADATA", "Metadata-Version: 2.1\nName: idna\nVersion: 3.3\n"),
			imagebuild.Reg(site+"idna-3.3.dist-info/RECORD", "idna/__init__.py,"+record("x")+",1\n"),
			imagebuild.Reg(site+"idna/__init__.py", "x"),
			imagebuild.Reg("usr/share/nodejs/semver/package.json", `{"name":"semver","version":"7.3.8"}`),
			imagebuild.Reg("var/lib/dpkg/status", status(coreutilsStanza, baseFiles(), curlStanza("7.88.1-10"), sshStanza)+"\n"),
		}})),
	}
}

// tail runs a Collector over img: layers below restored are restored from states (SaveLayer's
// of the same layers, as a layer cache gives them), the others read. It returns the inventory
// and integrity as JSON, Matched included.
func tail(t *testing.T, img *forensics.Image, c *packages.Collector, states [][]byte, restored int) (string, *packages.Integrity) {
	t.Helper()
	ctx := context.Background()
	visit := func(layer int, e *forensics.Entry, data []byte) {
		if layer >= restored {
			c.Visit(layer, e, data)
		}
	}
	stream := func(layer int, e *forensics.Entry) io.WriteCloser {
		if layer >= restored {
			return c.Stream(layer, e)
		}
		return nil
	}
	layers, err := img.ReadLayers(ctx, forensics.ReadOptions{Visit: visit, Stream: stream, ContentCap: packages.DefaultContentCap})
	if err != nil {
		t.Fatal(err)
	}
	for l := 0; l < restored; l++ {
		if err := c.RestoreLayer(l, states[l]); err != nil {
			t.Fatal(err)
		}
	}
	tree := forensics.Stack(layers)
	inv := c.Inventory(tree, "")
	in, err := c.Check(ctx, img, tree, inv)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(struct {
		Inventory *packages.Inventory
		Integrity *packages.Integrity
		Matched   map[string]string
	}{inv, in, in.Matched})
	if err != nil {
		t.Fatal(err)
	}
	// Whatever a caller does with its results must not reach another image's.
	for i := range inv.Packages {
		for j := range inv.Packages[i].Files {
			inv.Packages[i].Files[j] = packages.File{Path: "/scribbled"}
		}
		inv.Packages[i].Files = append(inv.Packages[i].Files, packages.File{Path: "/appended"})
		inv.Packages[i].Name += "-scribbled"
	}
	return string(b), in
}

// TestParseCache: Collectors sharing a ParseCache, reading the images or restoring their
// shared layers, give what a Collector of their own gives, image by image, in turn and all
// at once; the cache serves the shared base's files and nothing whose bytes differ.
func TestParseCache(t *testing.T) {
	imgs := cacheFleet(t)
	names := []string{"base", "trojan", "one byte", "language"}
	want := map[string]string{}
	for _, name := range names {
		want[name], _ = tail(t, imgs[name], packages.NewCollector(), nil, 0)
	}
	base := packages.NewCollector()
	tail(t, imgs["base"], base, nil, 0)
	var states [][]byte
	for l := 0; l < 3; l++ {
		st, err := base.SaveLayer(l)
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, st)
	}

	cache := packages.NewParseCache(64 << 20)
	for _, restored := range []int{0, 3} {
		for _, name := range names {
			got, in := tail(t, imgs[name], packages.NewCachedCollector(cache), states, restored)
			if got != want[name] {
				t.Errorf("%s, %d layers restored: with the cache\n%s\nwant\n%s", name, restored, got, want[name])
			}
			var ms []string
			for _, m := range in.Mismatches {
				if !m.Conffile {
					ms = append(ms, fmt.Sprintf("%s %s %s", m.Package, m.Version, m.Path))
				}
			}
			wantMs := map[string]string{"trojan": "[coreutils 9.1-1 /usr/bin/ls]", "one byte": "[curl 7.88.1-11+b1 /usr/bin/curl]"}[name]
			if wantMs == "" {
				wantMs = "[]"
			}
			if fmt.Sprint(ms) != wantMs {
				t.Errorf("%s, %d layers restored: mismatches %v, want %s", name, restored, ms, wantMs)
			}
		}
	}
	files, hits := cache.Stats()
	if files == 0 || hits == 0 {
		t.Errorf("the cache holds %d parsed files and served %d; want the base's files served", files, hits)
	}

	// All at once, as an audit's scans run: each scan opens its image (an image is read by one
	// scan at a time).
	var wg sync.WaitGroup
	for k, restored := range []int{0, 3} {
		fleet := imgs
		if k > 0 {
			fleet = cacheFleet(t)
		}
		for _, name := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if got, _ := tail(t, fleet[name], packages.NewCachedCollector(cache), states, restored); got != want[name] {
					t.Errorf("%s, %d layers restored, side by side: with the cache\n%s\nwant\n%s", name, restored, got, want[name])
				}
			}()
		}
	}
	wg.Wait()
}

// TestParseCacheLimit: a cache that is full takes nothing more, and Collectors given it
// still parse what they need.
func TestParseCacheLimit(t *testing.T) {
	img := open(t, debianImage())
	want, _ := tail(t, img, packages.NewCollector(), nil, 0)
	cache := packages.NewParseCache(0)
	if got, _ := tail(t, img, packages.NewCachedCollector(cache), nil, 0); got != want {
		t.Errorf("with a full cache\n%s\nwant\n%s", got, want)
	}
	if files, hits := cache.Stats(); files != 0 || hits != 0 {
		t.Errorf("a cache of 0 bytes holds %d files and served %d", files, hits)
	}
	if strings.Contains(want, "scribbled") {
		t.Error("the results were changed before they were encoded")
	}
}
