package forensics

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// imageOf is an image as Open makes it from a config and a layer count, without an archive.
func imageOf(config []byte, layers int) (*Image, error) {
	img := &Image{ConfigBytes: config, Input: Input{Format: "oci"}}
	if err := img.parseConfig(); err != nil {
		return nil, err
	}
	img.Layers = make([]Layer, layers)
	for i := range img.Layers {
		img.Layers[i] = Layer{Index: i, History: -1, UncompressedSize: int64(i * 1024), Files: i % 3}
	}
	img.checkIdentity()
	img.alignHistory()
	return img, nil
}

var configSeeds = []string{
	`{"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z","config":{"User":"app","Env":["A=1"],"Entrypoint":"/bin/sh","Cmd":["-c","x"],"ExposedPorts":{"80/tcp":{}},"Volumes":{"/data":{}},"Labels":{"a":"b"},"Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"Retries":3},"OnBuild":["RUN x"],"Shell":["/bin/bash","-c"]},"rootfs":{"type":"layers","diff_ids":["sha256:00"]},"history":[{"created_by":"/bin/sh -c #(nop) ADD file:ab in / "},{"created_by":"/bin/sh -c #(nop)  CMD [\"bash\"]","empty_layer":true},{"created_by":"RUN /bin/sh -c make # buildkit","comment":"buildkit.dockerfile.v0"},{"created_by":"COPY . /app # buildkit"},{"created_by":"USER app","empty_layer":true}]}`,
	`{"config":{"Entrypoint":null,"Cmd":"one string"},"history":[{"created_by":""},{"empty_layer":true,"created_by":"|2 A=1 B=2 /bin/sh -c echo $A"}]}`,
	`{"history":[{"created_by":"EXPOSE map[80/tcp:{}]","empty_layer":true},{"created_by":"ENV X=1"},{"created_by":"\u001b[31mRUN evil"}]}`,
	`{}`,
	`[]`,
}

// FuzzParseConfig feeds an image config (and a layer count): it parses or is an error, and
// the history it aligns to the layers is consistent both ways, with an anomaly whenever the
// steps that make layers are not as many as the layers.
func FuzzParseConfig(f *testing.F) {
	for i, s := range configSeeds {
		f.Add([]byte(s), uint8(i))
	}
	f.Fuzz(func(t *testing.T, config []byte, nlayers uint8) {
		img, err := imageOf(config, int(nlayers%16))
		if err != nil {
			if json.Valid(config) && strings.HasPrefix(strings.TrimSpace(string(config)), "{") && !strings.Contains(string(config), `"`) {
				t.Fatalf("a JSON object without strings does not parse: %v", err)
			}
			return
		}
		steps := 0
		for i, h := range img.History {
			if !h.EmptyLayer {
				steps++
			}
			if h.Layer >= 0 && (h.Layer >= len(img.Layers) || img.Layers[h.Layer].History != i || h.EmptyLayer) {
				t.Fatalf("step %d says layer %d, which says step %d", i, h.Layer, img.Layers[h.Layer].History)
			}
		}
		for _, l := range img.Layers {
			if l.History >= 0 && img.History[l.History].Layer != l.Index {
				t.Fatalf("layer %d says step %d, which says layer %d", l.Index, l.History, img.History[l.History].Layer)
			}
		}
		mismatch := false
		for _, a := range img.Anomalies {
			mismatch = mismatch || a.Kind == AnomalyHistoryMismatch
		}
		if mismatch != (steps != len(img.Layers)) {
			t.Fatalf("%d steps make layers, %d layers, history-mismatch anomaly %v", steps, len(img.Layers), mismatch)
		}
	})
}

// FuzzReconstructDockerfile rebuilds the Dockerfile of an image from a config and a layer
// count: it starts FROM scratch, shows every history step exactly once and every layer at
// least once, and every line names a step and a layer that exist.
func FuzzReconstructDockerfile(f *testing.F) {
	for i, s := range configSeeds {
		f.Add([]byte(s), uint8(i+1))
	}
	f.Fuzz(func(t *testing.T, config []byte, nlayers uint8) {
		img, err := imageOf(config, int(nlayers%16))
		if err != nil {
			return
		}
		d := ReconstructDockerfile(img, func(layer int) []string { return []string{"/layer" + strconv.Itoa(layer)} })
		// Each layer adds one file where the history says it did something.
		trees := make([]*LayerTree, len(img.Layers))
		for k := range trees {
			trees[k] = &LayerTree{Index: k, Entries: []Entry{{Path: "/layer" + strconv.Itoa(k), Type: TypeFile, Mode: 0o644}}}
			trees[k].Entries[0].SetSHA256(strconv.Itoa(k))
		}
		d.CheckLayers(Stack(trees))
		if len(d.Instructions) == 0 || d.Instructions[0].Keyword != "FROM" {
			t.Fatalf("does not start FROM: %+v", d.Instructions)
		}
		steps := map[int]int{}
		layers := map[int]bool{}
		for _, in := range d.Instructions {
			if in.History < -1 || in.History >= len(img.History) || in.Layer < -1 || in.Layer >= len(img.Layers) {
				t.Fatalf("instruction names step %d and layer %d of %d and %d", in.History, in.Layer, len(img.History), len(img.Layers))
			}
			if in.History >= 0 {
				steps[in.History]++
			}
			if in.Layer >= 0 {
				layers[in.Layer] = true
			}
		}
		for i := range img.History {
			if steps[i] != 1 {
				t.Fatalf("step %d shown %d times:\n%s", i, steps[i], d)
			}
		}
		for k := range img.Layers {
			if !layers[k] {
				t.Fatalf("layer %d not shown:\n%s", k, d)
			}
		}
		_ = d.String()
	})
}

// applyUnified applies a unified diff to a, for checking UnifiedDiff.
func applyUnified(a, diff string) (string, error) {
	lines := strings.SplitAfter(diff, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		return "", fmt.Errorf("no header")
	}
	src := strings.SplitAfter(a, "\n")
	if len(src) > 0 && src[len(src)-1] == "" {
		src = src[:len(src)-1]
	}
	var out []string
	pos := 0 // lines of a consumed
	for i := 2; i < len(lines); {
		l := lines[i]
		if l == "" {
			i++
			continue
		}
		var as, ac, bs, bc int
		if _, err := fmt.Sscanf(l, "@@ -%d,%d +%d,%d @@\n", &as, &ac, &bs, &bc); err != nil {
			return "", fmt.Errorf("bad hunk header %q", l)
		}
		start := as - 1
		if ac == 0 {
			start = as
		}
		if start < pos || start > len(src) {
			return "", fmt.Errorf("hunk at %d, already at %d", start, pos)
		}
		out = append(out, src[pos:start]...)
		pos = start
		i++
		for i < len(lines) && !strings.HasPrefix(lines[i], "@@") && lines[i] != "" {
			l := lines[i]
			text := l[1:]
			noEOL := i+1 < len(lines) && lines[i+1] == "\\ No newline at end of file\n"
			if noEOL {
				text = strings.TrimSuffix(text, "\n")
			}
			switch l[0] {
			case ' ':
				if pos >= len(src) || src[pos] != text {
					return "", fmt.Errorf("context %q does not match %q", text, src[min(pos, len(src)-1)])
				}
				out = append(out, text)
				pos++
			case '-':
				if pos >= len(src) || src[pos] != text {
					return "", fmt.Errorf("removed %q does not match", text)
				}
				pos++
			case '+':
				out = append(out, text)
			default:
				return "", fmt.Errorf("bad line %q", l)
			}
			i++
			if noEOL {
				i++
			}
		}
	}
	out = append(out, src[pos:]...)
	return strings.Join(out, ""), nil
}

// FuzzUnifiedDiff diffs two texts: the diff is empty exactly when they are equal, and applying
// it to the first gives the second.
func FuzzUnifiedDiff(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nB\nc\n")
	f.Add("one\ntwo", "one\ntwo\nthree\n")
	f.Add("", "new file\n")
	f.Add("x\n", "")
	f.Add(strings.Repeat("same\n", 20)+"old\n"+strings.Repeat("same\n", 20), strings.Repeat("same\n", 20)+"new\n"+strings.Repeat("same\n", 19))
	f.Fuzz(func(t *testing.T, a, b string) {
		d := UnifiedDiff("a", "b", a, b)
		if (d == "") != (a == b) {
			t.Fatalf("diff %q for equal=%v", d, a == b)
		}
		if d == "" {
			return
		}
		got, err := applyUnified(a, d)
		if err != nil || got != b {
			t.Fatalf("applying the diff: %q, %v; want %q\n%s", got, err, b, d)
		}
	})
}
