package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/forensics/human"
)

// storedImage is an image of the history store as the Images view lists it.
type storedImage struct {
	img   *history.Image
	last  *history.ScanRecord // the latest scan, nil when never scanned
	scans int
}

// Messages about the images in the history store.
type (
	storedImagesMsg struct {
		images []storedImage
		err    error
	}
	// openStoredMsg asks the root to open a stored image from its recorded input.
	openStoredMsg struct{ img *history.Image }
	// storedLocatedMsg says where a stored image's evidence is now, or why it cannot be found.
	storedLocatedMsg struct {
		img *history.Image
		ref string
		err error
	}
	// rereadMsg asks the root to read an image's layers from the evidence again.
	rereadMsg struct{ index int }
)

// readStored lists the store's images with their latest scan.
func readStored(ctx context.Context, store *history.Store, trusted []trust.Image) tea.Cmd {
	return func() tea.Msg {
		imgs, err := store.Images(ctx)
		if err != nil {
			return storedImagesMsg{err: err}
		}
		history.MarkTrusted(imgs, trusted)
		scans, err := store.Scans(ctx, history.ScanFilter{})
		if err != nil {
			return storedImagesMsg{err: err}
		}
		out := make([]storedImage, len(imgs))
		at := map[string]int{}
		for i, img := range imgs {
			out[i].img = img
			at[img.ConfigDigest] = i
		}
		// Scans come newest first: the first one met is the latest.
		for i := range scans {
			sc := &scans[i]
			if sc.Image == nil {
				continue
			}
			j, ok := at[sc.Image.ConfigDigest]
			if !ok {
				continue
			}
			if out[j].last == nil {
				out[j].last = sc
			}
			out[j].scans++
		}
		return storedImagesMsg{images: out}
	}
}

// locateInput finds the evidence a stored image was read from, newest reading first, and
// returns the reference that opens it again.
func locateInput(ctx context.Context, store *history.Store, img *history.Image) (string, error) {
	ins, err := store.Inputs(ctx, img)
	if err != nil {
		return "", fmt.Errorf("reading where %s was read from: %w", human.ShortDigest(img.ConfigDigest), err)
	}
	if len(ins) == 0 {
		return "", fmt.Errorf("the history does not say where %s was read from", human.ShortDigest(img.ConfigDigest))
	}
	var missing []string
	for i := len(ins) - 1; i >= 0; i-- {
		in := ins[i]
		if _, err := os.Stat(in.Path); err != nil {
			if !contains(missing, in.Path) {
				missing = append(missing, in.Path)
			}
			continue
		}
		switch {
		case in.Format == "dir":
			return "dir:" + in.Path, nil
		case in.Selector != "" && !strings.HasPrefix(in.Selector, ":"):
			return in.Path + ":" + in.Selector, nil
		}
		return in.Path + in.Selector, nil
	}
	return "", errors.New("the evidence is no longer there: " + strings.Join(missing, ", ") +
		" (last read " + stamp(ins[len(ins)-1].ReadAt) + " UTC); family, tags and trace still answer from the history")
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
