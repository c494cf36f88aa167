package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/human"
)

// inspectDoc is the JSON shape of `strata inspect`, documented in docs/json.md.
type inspectDoc struct {
	Input        forensics.Input     `json:"input"`
	Digest       string              `json:"digest"`
	ConfigDigest string              `json:"config_digest"`
	ArchiveID    string              `json:"archive_id,omitempty"`
	Tags         []string            `json:"tags"`
	OS           string              `json:"os"`
	Architecture string              `json:"architecture"`
	Variant      string              `json:"variant,omitempty"`
	Created      *time.Time          `json:"created"`
	Author       string              `json:"author,omitempty"`
	Config       forensics.Config    `json:"config"`
	Layers       []layerDoc          `json:"layers"`
	History      []forensics.History `json:"history"`
	Anomalies    []forensics.Anomaly `json:"anomalies"`
}

type layerDoc struct {
	Index            int    `json:"index"`
	Digest           string `json:"digest"`
	DiffID           string `json:"diff_id"`
	Size             int64  `json:"size"`
	UncompressedSize int64  `json:"uncompressed_size"`
	MediaType        string `json:"media_type"`
	History          *int   `json:"history"`
	CreatedBy        string `json:"created_by"`
	Files            int    `json:"files"`
}

func newInspectDoc(img *forensics.Image, trees []*forensics.LayerTree) inspectDoc {
	doc := inspectDoc{
		Input:        img.Input,
		Digest:       img.Digest,
		ConfigDigest: img.ConfigDigest,
		ArchiveID:    img.ArchiveID,
		Tags:         nonNil(img.Tags),
		OS:           img.OS,
		Architecture: img.Architecture,
		Variant:      img.Variant,
		Author:       img.Author,
		Config:       img.Config,
		History:      img.History,
		Anomalies:    allAnomalies(img, trees),
	}
	if doc.History == nil {
		doc.History = []forensics.History{}
	}
	if !img.Created.IsZero() {
		c := img.Created
		doc.Created = &c
	}
	c := &doc.Config
	c.Env, c.Entrypoint, c.Cmd, c.ExposedPorts, c.Volumes = nonNil(c.Env), nonNil(c.Entrypoint), nonNil(c.Cmd), nonNil(c.ExposedPorts), nonNil(c.Volumes)
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	for _, l := range img.Layers {
		ld := layerDoc{Index: l.Index, Digest: l.Digest, DiffID: l.DiffID, Size: l.Size,
			UncompressedSize: l.UncompressedSize, MediaType: l.MediaType, Files: l.Files}
		if l.History >= 0 {
			h := l.History
			ld.History = &h
			ld.CreatedBy = img.History[h].CreatedBy
		}
		doc.Layers = append(doc.Layers, ld)
	}
	if doc.Layers == nil {
		doc.Layers = []layerDoc{}
	}
	return doc
}

func allAnomalies(img *forensics.Image, trees []*forensics.LayerTree) []forensics.Anomaly {
	out := append([]forensics.Anomaly{}, img.Anomalies...)
	for _, t := range trees {
		if t != nil {
			out = append(out, t.Anomalies...)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// JSON writes v as indented JSON with every string redacted (secrets.JSONWriter): the one
// way Strata writes JSON that holds text from the evidence.
func JSON(w io.Writer, v any) error {
	jw := secrets.NewJSONWriter(w)
	err := encodeJSON(jw, v)
	if ferr := jw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// encodeJSON writes v as indented JSON as it is; Render redacts what it writes.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func writeInspectText(w io.Writer, d inspectDoc, ev Filter) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, ev.Line(v))
		}
	}
	in := d.Input.Path + " (" + d.Input.Format
	if d.Input.Selector != "" {
		in += ", " + d.Input.Selector
	}
	row("Input", in+")")
	row("Input SHA256", d.Input.SHA256)
	row("Digest", d.Digest)
	row("Config", d.ConfigDigest)
	if d.ArchiveID != "" && d.ArchiveID != d.ConfigDigest {
		row("Archive ID", d.ArchiveID+"  (does not match the config)")
	}
	row("Tags", strings.Join(d.Tags, ", "))
	platform := d.OS + "/" + d.Architecture
	if d.Variant != "" {
		platform += "/" + d.Variant
	}
	row("Platform", platform)
	if d.Created != nil {
		row("Created", d.Created.UTC().Format(time.RFC3339))
	}
	row("Author", d.Author)
	c := d.Config
	user := c.User
	if user == "" {
		user = "(not set: root)"
	}
	row("User", user)
	row("Entrypoint", jsonList(c.Entrypoint))
	row("Cmd", jsonList(c.Cmd))
	row("Working dir", c.WorkingDir)
	row("Exposed ports", strings.Join(c.ExposedPorts, " "))
	row("Volumes", strings.Join(c.Volumes, " "))
	row("Stop signal", c.StopSignal)
	if c.Healthcheck != nil {
		row("Healthcheck", jsonList(c.Healthcheck.Test))
	}
	for i, e := range c.Env {
		k := ""
		if i == 0 {
			k = "Env"
		}
		fmt.Fprintf(tw, "%s\t%s\n", k, ev.Line(e))
	}
	for i, k := range sortedLabelKeys(c.Labels) {
		h := ""
		if i == 0 {
			h = "Labels"
		}
		fmt.Fprintf(tw, "%s\t%s\n", h, ev.Line(k+"="+c.Labels[k]))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nLayers (%d)\n", len(d.Layers))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\tSIZE\tFILES\tDIFF ID\tCREATED BY")
	for _, l := range d.Layers {
		by := l.CreatedBy
		if l.History == nil {
			by = "(no history line)"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%d\t%s\t%s\n", l.Index, human.Size(l.UncompressedSize), l.Files, human.ShortDigest(l.DiffID), ev.OneLine(by, 80))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nHistory (%d steps)\n", len(d.History))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, h := range d.History {
		layer := "-"
		if h.Layer >= 0 {
			layer = fmt.Sprintf("layer %d", h.Layer)
		} else if !h.EmptyLayer {
			layer = "NO LAYER"
		}
		created := ""
		if !h.Created.IsZero() {
			created = h.Created.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", i, created, layer, ev.OneLine(h.CreatedBy, 90))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(d.Anomalies) == 0 {
		_, err := fmt.Fprintln(w, "\nAnomalies: none")
		return err
	}
	fmt.Fprintf(w, "\nAnomalies (%d)\n", len(d.Anomalies))
	for _, a := range d.Anomalies {
		where := ""
		if a.Layer >= 0 {
			where = fmt.Sprintf(" [layer %d]", a.Layer)
		}
		fmt.Fprintf(w, "  %s%s: %s\n", a.Kind, where, ev.Line(a.Detail))
	}
	return nil
}

func jsonList(s []string) string {
	if s == nil {
		return ""
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func sortedLabelKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
