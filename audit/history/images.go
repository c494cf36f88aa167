package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/strata-forensics/strata/audit/trust"
)

// ErrNotFound is returned when a reference names nothing in the store.
var ErrNotFound = errors.New("not in the history database")

// Image is an image as the store knows it.
type Image struct {
	ID             int64     `json:"-"`
	ConfigDigest   string    `json:"config_digest"`
	ManifestDigest string    `json:"manifest_digest"`
	Tags           []string  `json:"tags"`
	Created        time.Time `json:"created,omitzero"`
	OS             string    `json:"os"`
	Architecture   string    `json:"architecture"`
	Chain          []string  `json:"diff_ids"`
	FirstSeen      time.Time `json:"first_seen"`
	LastSeen       time.Time `json:"last_seen"`
	Inputs         []string  `json:"inputs"`
	Trusted        bool      `json:"trusted"`
}

// Platform renders os/architecture.
func (i *Image) Platform() string { return i.OS + "/" + i.Architecture }

// Images returns every image in the store, oldest first seen first, with the tags it was seen
// under and when it was first and last read.
func (s *Store) Images(ctx context.Context) ([]*Image, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT i.id, i.config_digest, i.manifest_digest, i.created, i.os, i.architecture,
		i.chain, min(n.read_at), max(n.read_at)
		FROM images i LEFT JOIN inputs n ON n.image_id = i.id GROUP BY i.id ORDER BY min(n.read_at), i.id`)
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	defer rows.Close()
	var out []*Image
	byID := map[int64]*Image{}
	for rows.Next() {
		img := &Image{}
		var created, chain string
		var first, last sql.NullString
		if err := rows.Scan(&img.ID, &img.ConfigDigest, &img.ManifestDigest, &created, &img.OS, &img.Architecture, &chain, &first, &last); err != nil {
			return nil, err
		}
		img.Created, img.FirstSeen, img.LastSeen = parseTime(created), parseTime(first.String), parseTime(last.String)
		img.Chain = strings.Fields(chain)
		img.Tags, img.Inputs = []string{}, []string{}
		out = append(out, img)
		byID[img.ID] = img
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	tr, err := s.db.QueryContext(ctx, `SELECT image_id, tag FROM tag_sightings GROUP BY image_id, tag ORDER BY min(seen_at), tag`)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	for tr.Next() {
		var id int64
		var tag string
		if err := tr.Scan(&id, &tag); err != nil {
			return nil, err
		}
		if img := byID[id]; img != nil {
			img.Tags = append(img.Tags, tag)
		}
	}
	if err := tr.Err(); err != nil {
		return nil, err
	}
	tr.Close()
	ir, err := s.db.QueryContext(ctx, `SELECT image_id, path FROM inputs GROUP BY image_id, path ORDER BY min(read_at)`)
	if err != nil {
		return nil, err
	}
	defer ir.Close()
	for ir.Next() {
		var id int64
		var p string
		if err := ir.Scan(&id, &p); err != nil {
			return nil, err
		}
		if img := byID[id]; img != nil {
			img.Inputs = append(img.Inputs, p)
		}
	}
	return out, ir.Err()
}

// FindImage resolves a reference to one stored image: a config or manifest digest (or a
// unique prefix of one, with or without "sha256:"), a tag (the image it was last seen on), or
// the path or sha256 of an input (the image last read from it).
func (s *Store) FindImage(ctx context.Context, ref string) (*Image, error) {
	imgs, err := s.Images(ctx)
	if err != nil {
		return nil, err
	}
	return findImage(ctx, s, imgs, ref)
}

func findImage(ctx context.Context, s *Store, imgs []*Image, ref string) (*Image, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, fmt.Errorf("no image named: %w", ErrNotFound)
	}
	byID := map[int64]*Image{}
	for _, img := range imgs {
		byID[img.ID] = img
	}
	// The last image a tag, input path or input hash was seen on.
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT image_id FROM tag_sightings WHERE tag = ? ORDER BY seen_at DESC, id DESC LIMIT 1`, ref).Scan(&id)
	if err == nil {
		return byID[id], nil
	}
	err = s.db.QueryRowContext(ctx, `SELECT image_id FROM inputs WHERE path = ? OR sha256 = ? ORDER BY read_at DESC, id DESC LIMIT 1`,
		ref, strings.TrimPrefix(ref, "sha256:")).Scan(&id)
	if err == nil {
		return byID[id], nil
	}
	hexRef := strings.TrimPrefix(strings.ToLower(ref), "sha256:")
	if len(hexRef) >= 4 {
		var match []*Image
		for _, img := range imgs {
			if strings.HasPrefix(strings.TrimPrefix(img.ConfigDigest, "sha256:"), hexRef) ||
				strings.HasPrefix(strings.TrimPrefix(img.ManifestDigest, "sha256:"), hexRef) {
				match = append(match, img)
			}
		}
		if len(match) == 1 {
			return match[0], nil
		}
		if len(match) > 1 {
			return nil, fmt.Errorf("%q names %d images; give more of the digest", ref, len(match))
		}
	}
	return nil, fmt.Errorf("image %q: %w", ref, ErrNotFound)
}

// MarkTrusted sets Trusted on the images the trust store holds (by config digest, or by the
// same layer chain).
func MarkTrusted(imgs []*Image, trusted []trust.Image) {
	for _, img := range imgs {
		for _, t := range trusted {
			if t.ConfigDigest == img.ConfigDigest || len(t.DiffIDs) > 0 && slicesEqual(t.DiffIDs, img.Chain) {
				img.Trusted = true
			}
		}
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// isPrefix reports whether a is a proper prefix of b.
func isPrefix(a, b []string) bool {
	return len(a) > 0 && len(a) < len(b) && slicesEqual(a, b[:len(a)])
}

// Family is an image with its known ancestors and descendants.
type Family struct {
	Image *Image `json:"image"`
	// Ancestors are the known images whose layer chain is a proper prefix of the image's own,
	// nearest (longest chain) first.
	Ancestors []*Image `json:"ancestors"`
	// Descendants are the known images whose chain the image's is a proper prefix of, nearest
	// first.
	Descendants []*Image `json:"descendants"`
	// Siblings have exactly the same layers and a different config.
	Siblings []*Image `json:"same_layers"`
}

// FamilyOf computes img's family over imgs.
func FamilyOf(img *Image, imgs []*Image) *Family {
	f := &Family{Image: img, Ancestors: []*Image{}, Descendants: []*Image{}, Siblings: []*Image{}}
	for _, o := range imgs {
		switch {
		case o.ID == img.ID:
		case isPrefix(o.Chain, img.Chain):
			f.Ancestors = append(f.Ancestors, o)
		case isPrefix(img.Chain, o.Chain):
			f.Descendants = append(f.Descendants, o)
		case len(o.Chain) > 0 && slicesEqual(o.Chain, img.Chain):
			f.Siblings = append(f.Siblings, o)
		}
	}
	sort.SliceStable(f.Ancestors, func(i, j int) bool { return len(f.Ancestors[i].Chain) > len(f.Ancestors[j].Chain) })
	sort.SliceStable(f.Descendants, func(i, j int) bool { return len(f.Descendants[i].Chain) < len(f.Descendants[j].Chain) })
	return f
}

// Node is one image of the family forest with the images built directly on it.
type Node struct {
	Image    *Image  `json:"image"`
	Children []*Node `json:"children"`
}

// Forest arranges imgs into trees: each image hangs under its nearest ancestor (the known
// image with the longest chain that is a proper prefix of its own). Roots and children are
// in first-seen order.
func Forest(imgs []*Image) []*Node {
	nodes := make(map[int64]*Node, len(imgs))
	for _, img := range imgs {
		nodes[img.ID] = &Node{Image: img, Children: []*Node{}}
	}
	var roots []*Node
	for _, img := range imgs {
		var parent *Image
		for _, o := range imgs {
			if isPrefix(o.Chain, img.Chain) && (parent == nil || len(o.Chain) > len(parent.Chain)) {
				parent = o
			}
		}
		if parent == nil {
			roots = append(roots, nodes[img.ID])
			continue
		}
		p := nodes[parent.ID]
		p.Children = append(p.Children, nodes[img.ID])
	}
	if roots == nil {
		roots = []*Node{}
	}
	return roots
}

// introducer returns the image of img's family that introduced layer position p: the
// ancestor with the shortest chain that still holds p, else img itself.
func introducer(img *Image, imgs []*Image, p int) *Image {
	best := img
	for _, o := range imgs {
		if o.ID != img.ID && isPrefix(o.Chain, img.Chain) && len(o.Chain) > p && len(o.Chain) < len(best.Chain) {
			best = o
		}
	}
	return best
}
