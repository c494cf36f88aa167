package forensics

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/strata-forensics/strata/forensics/filetype"
)

// contentSink is where one file version's head and text go.
type contentSink struct {
	head *[]byte
	text **string
}

type layerKey struct {
	img   *Image
	layer int
}

// contentRequests collects, per image layer, the paths whose heads (and text) are wanted.
type contentRequests map[layerKey]map[string][]contentSink

func (r contentRequests) add(img *Image, v *FileVersion, p string, head *[]byte, text **string) {
	if v == nil || !isContent(v.Entry) || v.Layer < 0 {
		return
	}
	// A hardlink's bytes are its target's, earlier in the same layer.
	if v.Entry.Type == TypeHardlink {
		p = v.Entry.Link()
	}
	k := layerKey{img, v.Layer}
	if r[k] == nil {
		r[k] = make(map[string][]contentSink)
	}
	r[k][p] = append(r[k][p], contentSink{head: head, text: text})
}

// readContent re-reads every changed file version for its type and, for text within the cap,
// its content: one pass per layer that holds any, however many files it holds, and only those
// layers. Text held is bounded by contentBudget.
func (d *ImageDiff) readContent(ctx context.Context) error {
	reqs := contentRequests{}
	for i := range d.Files {
		f := &d.Files[i]
		reqs.add(d.Original, f.Original, f.Path, &f.origHead, &f.origText)
		reqs.add(d.Suspect, f.Suspect, f.Path, &f.suspHead, &f.suspText)
	}
	var budget atomic.Int64
	budget.Store(contentBudget)
	return reqs.read(ctx, d.opts, &budget)
}

func (r contentRequests) read(ctx context.Context, opts DiffOptions, budget *atomic.Int64) error {
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	keys := make(chan layerKey)
	errs := make(chan error, len(r))
	var wg sync.WaitGroup
	for range min(workers, len(r)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				if err := k.img.readFiles(ctx, k.layer, r[k], opts.textCap(), budget); err != nil {
					errs <- err
				}
			}
		}()
	}
	for k := range r {
		keys <- k
	}
	close(keys)
	wg.Wait()
	close(errs)
	return <-errs
}

// readFiles scans one layer for the wanted paths, stopping once all are found. A layer that
// breaks off mid-way was already reported when it was first read; what was found is kept.
func (img *Image) readFiles(ctx context.Context, layer int, want map[string][]contentSink, textCap int64, budget *atomic.Int64) error {
	if img.src == nil {
		return fmt.Errorf("reading files of layer %d: image is closed", layer)
	}
	rc, err := img.src.OpenLayer(ctx, layer, true)
	if err != nil {
		return fmt.Errorf("reading layer %d (%s): %w", layer, img.Layers[layer].Digest, err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var scratch LayerTree
	left := len(want)
	for left > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err != nil {
			return nil
		}
		e, ok := entryFromHeader(hdr, layer, &scratch)
		if !ok || e.Whiteout || e.Opaque || e.Type != TypeFile {
			continue
		}
		sinks, ok := want[e.Path]
		if !ok {
			continue
		}
		left--
		head := make([]byte, min(max(hdr.Size, 0), filetype.HeadSize))
		if _, err := io.ReadFull(tr, head); err != nil {
			return nil
		}
		var text *string
		if filetype.Detect(e.Path, head).Textual() && hdr.Size <= textCap && budget.Add(-hdr.Size) >= 0 {
			var b strings.Builder
			b.Grow(int(hdr.Size))
			b.Write(head)
			if _, err := io.Copy(&b, tr); err == nil {
				s := b.String()
				text = &s
			}
		}
		for _, s := range sinks {
			*s.head = head
			if text != nil {
				*s.text = text
			}
		}
	}
	return nil
}

// File returns the change at path p with both versions' metadata and provenance and, for text,
// a content diff computed whatever the limits on how many are computed. A path that did not
// change is returned as FileUnchanged. It re-reads the layers that hold p.
func (d *ImageDiff) File(ctx context.Context, p string) (*FileChange, error) {
	p = path.Clean("/" + p)
	var f *FileChange
	for i := range d.Files {
		if d.Files[i].Path == p {
			c := d.Files[i]
			f = &c
			break
		}
	}
	if f == nil {
		on, sn := d.OriginalTree.Node(p), d.SuspectTree.Node(p)
		if on == nil && sn == nil {
			return nil, fmt.Errorf("%s is in neither image: %w", p, ErrNotFound)
		}
		f = &FileChange{Path: p, Change: FileUnchanged, Layer: -1, History: -1,
			Original: newFileVersion(d.Original, on), Suspect: newFileVersion(d.Suspect, sn)}
		if sn != nil {
			f.Layer = sn.Layer()
			f.History, f.CreatedBy = f.Suspect.History, f.Suspect.CreatedBy
		}
		if on != nil && sn != nil {
			f.Attributes = changedAttributes(on.Entry, sn.Entry)
		}
	}
	if f.Original != nil {
		v := *f.Original
		f.Original = &v
	}
	if f.Suspect != nil {
		v := *f.Suspect
		f.Suspect = &v
	}
	f.origHead, f.suspHead, f.origText, f.suspText, f.Diff, f.DiffNote = nil, nil, nil, nil, "", ""
	if !d.opts.NoContent {
		reqs := contentRequests{}
		reqs.add(d.Original, f.Original, f.Path, &f.origHead, &f.origText)
		reqs.add(d.Suspect, f.Suspect, f.Path, &f.suspHead, &f.suspText)
		var budget atomic.Int64
		budget.Store(contentBudget)
		if err := reqs.read(ctx, d.opts, &budget); err != nil {
			return nil, err
		}
		if f.Original != nil && (f.origHead != nil || isEmptyFile(f.Original.Entry)) {
			f.Original.Type = filetype.Detect(p, f.origHead)
		}
		if f.Suspect != nil && (f.suspHead != nil || isEmptyFile(f.Suspect.Entry)) {
			f.Suspect.Type = filetype.Detect(p, f.suspHead)
		}
	}
	if f.Change != FileUnchanged {
		f.Score, f.Why, f.Noise = d.score.score(f)
	}
	if wantsContentDiff(f) {
		if d.opts.NoContent {
			f.DiffNote = "content not read"
		} else {
			d.renderDiff(f)
		}
	}
	return f, nil
}

// UnifiedDiff renders the line differences from a to b as a unified diff with three lines of
// context, headed by "--- aName" and "+++ bName"; "" when a and b are equal. The texts are
// evidence: if computing the diff fails, the headers are followed by a line saying so.
func UnifiedDiff(aName, bName, a, b string) (diff string) {
	if a == b {
		return ""
	}
	defer func() {
		if v := recover(); v != nil {
			diff = fmt.Sprintf("--- %s\n+++ %s\n@@ the differences could not be computed: %v @@\n", aName, bName, v)
		}
	}()
	dmp := diffmatchpatch.New()
	ca, cb, lines := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	type line struct {
		op   byte
		text string
	}
	var ls []line
	for _, df := range diffs {
		op := byte(' ')
		switch df.Type {
		case diffmatchpatch.DiffDelete:
			op = '-'
		case diffmatchpatch.DiffInsert:
			op = '+'
		}
		for _, l := range strings.SplitAfter(df.Text, "\n") {
			if l != "" {
				ls = append(ls, line{op, l})
			}
		}
	}
	// aLine[i] and bLine[i] count the lines of a and b before ls[i].
	aLine, bLine := make([]int, len(ls)+1), make([]int, len(ls)+1)
	for i, l := range ls {
		aLine[i+1], bLine[i+1] = aLine[i], bLine[i]
		if l.op != '+' {
			aLine[i+1]++
		}
		if l.op != '-' {
			bLine[i+1]++
		}
	}
	const context = 3
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", aName, bName)
	for i := 0; i < len(ls); {
		if ls[i].op == ' ' {
			i++
			continue
		}
		start := max(0, i-context)
		end := i
		for j := i; j < len(ls); j++ {
			if ls[j].op != ' ' {
				end = j + 1
			} else if j-end >= 2*context {
				break
			}
		}
		end = min(len(ls), end+context)
		aStart, aCount := aLine[start]+1, aLine[end]-aLine[start]
		bStart, bCount := bLine[start]+1, bLine[end]-bLine[start]
		if aCount == 0 {
			aStart--
		}
		if bCount == 0 {
			bStart--
		}
		fmt.Fprintf(&out, "@@ -%d,%d +%d,%d @@\n", aStart, aCount, bStart, bCount)
		for _, l := range ls[start:end] {
			out.WriteByte(l.op)
			out.WriteString(l.text)
			if !strings.HasSuffix(l.text, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return out.String()
}
