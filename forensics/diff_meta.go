package forensics

import (
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/strata-forensics/strata/forensics/human"
)

// ConfigChange is one runtime config field that differs. Env variables and labels are compared
// one by one (Field "env.NAME", "label.KEY"); lists are compared whole and rendered as JSON.
type ConfigChange struct {
	Field    string `json:"field"`
	Change   string `json:"change"`   // added, removed or changed
	Original string `json:"original"` // "" when absent
	Suspect  string `json:"suspect"`
	Score    int    `json:"score"`
	Why      string `json:"why,omitempty"`
}

// HistoryChange is one history step added, removed or changed. Steps are aligned by their
// created_by text (a longest common subsequence); unmatched steps at the same place pair up as
// changed.
type HistoryChange struct {
	Change        string   `json:"change"` // added, removed or changed
	OriginalIndex int      `json:"original_index"`
	SuspectIndex  int      `json:"suspect_index"`
	Attributes    []string `json:"attributes,omitempty"` // for changed: created_by, created, comment, author, empty_layer
	Original      *History `json:"original,omitempty"`
	Suspect       *History `json:"suspect,omitempty"`
}

// DiffAnomaly is an integrity problem of the suspect that the comparison shows, or that the
// suspect carries on its own.
type DiffAnomaly struct {
	Kind   string `json:"kind"`
	Layer  int    `json:"layer"` // suspect layer, -1 when none
	Path   string `json:"path,omitempty"`
	Detail string `json:"detail"`
}

// Anomaly kinds only a comparison finds. The suspect's own anomalies keep their kinds
// (AnomalyConfigMismatch, AnomalyDiffIDMismatch, AnomalyHistoryMismatch, ...).
const (
	// AnomalyContentNotHistory: a layer's content changed while its history line did not, the
	// way image trojanizers swap a layer.
	AnomalyContentNotHistory = "layer-content-changed-history-kept"
	// AnomalyMTimeKept: a file's content changed but its mtime is the original's, to the second.
	AnomalyMTimeKept = "mtime-kept"
	// AnomalyMTimeAfterCreated: changed files with mtimes later than the image's created time.
	AnomalyMTimeAfterCreated = "mtime-after-image-created"
	// AnomalyLayerOlderThanFiles: a replaced or added layer whose history says it was made
	// before the files it holds were last modified.
	AnomalyLayerOlderThanFiles = "layer-older-than-its-files"
)

// loaderVariables change what the dynamic loader loads into every process.
var loaderVariables = map[string]bool{"LD_PRELOAD": true, "LD_LIBRARY_PATH": true, "LD_AUDIT": true}

func diffConfig(orig, susp *Image) []ConfigChange {
	var out []ConfigChange
	field := func(name, a, b string, score int, why string) {
		if a == b {
			return
		}
		c := ConfigChange{Field: name, Original: a, Suspect: b, Change: "changed", Score: score, Why: why}
		switch {
		case a == "":
			c.Change = "added"
		case b == "":
			c.Change = "removed"
		}
		out = append(out, c)
	}
	list := func(s []string) string {
		if len(s) == 0 {
			return ""
		}
		b, _ := json.Marshal(s)
		return string(b)
	}
	oc, sc := orig.Config, susp.Config
	field("platform", platformOf(orig), platformOf(susp), 30, "built for another platform")
	if oc.User != sc.User {
		score, why := 40, "runs as another user"
		if isRootUser(sc.User) && !isRootUser(oc.User) {
			score, why = 75, "now runs as root"
		}
		field("user", oc.User, sc.User, score, why)
	}
	out = append(out, diffEnv(oc.Env, sc.Env)...)
	field("entrypoint", list(oc.Entrypoint), list(sc.Entrypoint), 80, "entrypoint changed: what the container runs")
	field("cmd", list(oc.Cmd), list(sc.Cmd), 60, "command changed")
	field("working_dir", oc.WorkingDir, sc.WorkingDir, 20, "")
	field("exposed_ports", strings.Join(oc.ExposedPorts, " "), strings.Join(sc.ExposedPorts, " "), 40, "exposed ports changed")
	field("volumes", strings.Join(oc.Volumes, " "), strings.Join(sc.Volumes, " "), 20, "")
	keys := map[string]bool{}
	for k := range oc.Labels {
		keys[k] = true
	}
	for k := range sc.Labels {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		field("label."+k, oc.Labels[k], sc.Labels[k], 10, "")
	}
	field("healthcheck", healthcheckString(oc.Healthcheck), healthcheckString(sc.Healthcheck), 60, "healthcheck changed: it runs a command periodically")
	field("stop_signal", oc.StopSignal, sc.StopSignal, 10, "")
	field("shell", list(oc.Shell), list(sc.Shell), 50, "shell for RUN, CMD and ENTRYPOINT changed")
	field("onbuild", list(oc.OnBuild), list(sc.OnBuild), 70, "ONBUILD triggers changed: they run in images built from this one")
	return out
}

func platformOf(img *Image) string {
	p := img.OS + "/" + img.Architecture
	if img.Variant != "" {
		p += "/" + img.Variant
	}
	return p
}

func isRootUser(u string) bool {
	name, _, _ := strings.Cut(u, ":")
	return name == "" || name == "root" || name == "0"
}

func healthcheckString(h *Healthcheck) string {
	if h == nil {
		return ""
	}
	b, _ := json.Marshal(h)
	return string(b)
}

// diffEnv compares variables by name, in the order the original lists them, then new ones in
// the suspect's order.
func diffEnv(a, b []string) []ConfigChange {
	split := func(env []string) ([]string, map[string]string) {
		var order []string
		m := make(map[string]string, len(env))
		for _, kv := range env {
			k, v, _ := strings.Cut(kv, "=")
			if _, dup := m[k]; !dup {
				order = append(order, k)
			}
			m[k] = v
		}
		return order, m
	}
	ao, am := split(a)
	bo, bm := split(b)
	var out []ConfigChange
	one := func(k string) {
		av, aok := am[k]
		bv, bok := bm[k]
		if aok == bok && av == bv {
			return
		}
		c := ConfigChange{Field: "env." + k, Original: av, Suspect: bv, Change: "changed", Score: 20}
		switch {
		case !aok:
			c.Change = "added"
		case !bok:
			c.Change = "removed"
		}
		switch {
		case loaderVariables[k] && bok:
			c.Score, c.Why = 95, fmt.Sprintf("%s %s: the dynamic loader applies it to every process", k, c.Change)
		case loaderVariables[k]:
			c.Score, c.Why = 40, k+" removed"
		case k == "PATH":
			c.Score, c.Why = 60, "PATH changed: commands may resolve to other files"
		case bok && holdsNetworkAddress(bv):
			c.Score, c.Why = 60, "value is a network address"
		}
		out = append(out, c)
	}
	for _, k := range ao {
		one(k)
	}
	for _, k := range bo {
		if _, ok := am[k]; !ok {
			one(k)
		}
	}
	return out
}

// holdsNetworkAddress reports an IP address, host:port or URL in a value.
func holdsNetworkAddress(v string) bool {
	if strings.Contains(v, "://") {
		return true
	}
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		host := f
		if h, _, err := net.SplitHostPort(f); err == nil {
			host = h
		}
		if net.ParseIP(host) != nil {
			return true
		}
	}
	return false
}

func historyKey(h History) string {
	return fmt.Sprintf("%s\x00%t", h.CreatedBy, h.EmptyLayer)
}

func historyAttributes(a, b History) []string {
	var out []string
	if a.CreatedBy != b.CreatedBy {
		out = append(out, "created_by")
	}
	if !a.Created.Equal(b.Created) {
		out = append(out, "created")
	}
	if a.Comment != b.Comment {
		out = append(out, "comment")
	}
	if a.Author != b.Author {
		out = append(out, "author")
	}
	if a.EmptyLayer != b.EmptyLayer {
		out = append(out, "empty_layer")
	}
	return out
}

func diffHistory(a, b []History) []HistoryChange {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if historyKey(a[i]) == historyKey(b[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []HistoryChange
	var ua, ub []int
	changed := func(i, j int) {
		if attrs := historyAttributes(a[i], b[j]); len(attrs) > 0 {
			out = append(out, HistoryChange{Change: "changed", OriginalIndex: i, SuspectIndex: j, Attributes: attrs, Original: &a[i], Suspect: &b[j]})
		}
	}
	flush := func() {
		k := 0
		for ; k < len(ua) && k < len(ub); k++ {
			changed(ua[k], ub[k])
		}
		for _, i := range ua[k:] {
			out = append(out, HistoryChange{Change: "removed", OriginalIndex: i, SuspectIndex: -1, Original: &a[i]})
		}
		for _, j := range ub[k:] {
			out = append(out, HistoryChange{Change: "added", OriginalIndex: -1, SuspectIndex: j, Suspect: &b[j]})
		}
		ua, ub = ua[:0], ub[:0]
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && historyKey(a[i]) == historyKey(b[j]):
			flush()
			changed(i, j)
			i++
			j++
		case j >= m || (i < n && lcs[i+1][j] >= lcs[i][j+1]):
			ua = append(ua, i)
			i++
		default:
			ub = append(ub, j)
			j++
		}
	}
	flush()
	return out
}

// findAnomalies collects what the comparison shows about the suspect's integrity, most
// telling first, then the suspect's own anomalies.
func (d *ImageDiff) findAnomalies() {
	susp := d.Suspect
	var out []DiffAnomaly
	for _, r := range d.Layers.Replaced {
		if r.SameHistory {
			out = append(out, DiffAnomaly{Kind: AnomalyContentNotHistory, Layer: r.Suspect.Index,
				Detail: fmt.Sprintf("layer %d's content changed (diff_id %s, was %s) but its history line did not (step %d: %s)",
					r.Suspect.Index, r.Suspect.DiffID, r.Original.DiffID, r.Suspect.History, human.OneLine(r.Suspect.CreatedBy, 100))})
		}
	}
	for _, a := range susp.Anomalies {
		out = append(out, DiffAnomaly{Kind: a.Kind, Layer: a.Layer, Path: a.Path, Detail: a.Detail})
	}
	// Timestamps that lie.
	type late struct {
		n      int
		latest time.Time
		path   string
	}
	lateBy := map[int]*late{}
	for i := range d.Files {
		f := &d.Files[i]
		if f.Change == FileModified && hasAttr(f.Attributes, AttrContent) && !hasAttr(f.Attributes, AttrMTime) && !f.Noise {
			out = append(out, DiffAnomaly{Kind: AnomalyMTimeKept, Layer: f.Layer, Path: f.Path,
				Detail: fmt.Sprintf("%s's content changed but its mtime is the original's (%s)", f.Path, scoreTime(f.Suspect.Entry.ModTime()))})
		}
		if f.Suspect == nil || f.Change == FileRemoved || susp.Created.IsZero() {
			continue
		}
		if mt := f.Suspect.Entry.ModTime(); mt.After(susp.Created.Add(time.Second)) {
			l := lateBy[f.Suspect.Layer]
			if l == nil {
				l = &late{}
				lateBy[f.Suspect.Layer] = l
			}
			l.n++
			// Files are in rank order: on a tie the most important one is named.
			if mt.After(l.latest) {
				l.latest, l.path = mt, f.Path
			}
		}
	}
	layers := make([]int, 0, len(lateBy))
	for l := range lateBy {
		layers = append(layers, l)
	}
	sort.Ints(layers)
	for _, layer := range layers {
		l := lateBy[layer]
		out = append(out, DiffAnomaly{Kind: AnomalyMTimeAfterCreated, Layer: layer, Path: l.path,
			Detail: fmt.Sprintf("%d changed file(s) from layer %d have mtimes after the image was created (%s); the latest is %s at %s",
				l.n, layer, scoreTime(susp.Created), l.path, scoreTime(l.latest))})
	}
	var newer []LayerRef
	for _, r := range d.Layers.Replaced {
		newer = append(newer, r.Suspect)
	}
	newer = append(newer, d.Layers.Added...)
	sort.Slice(newer, func(i, j int) bool { return newer[i].Index < newer[j].Index })
	for _, r := range newer {
		if r.Created.IsZero() || r.Index >= len(d.SuspectTree.Layers) || d.SuspectTree.Layers[r.Index] == nil {
			continue
		}
		var latest time.Time
		var at string
		atDir := false
		for _, e := range d.SuspectTree.Layers[r.Index].Entries {
			if e.Whiteout {
				continue
			}
			// On a tie, name a file rather than the directory holding it.
			if e.ModTime().After(latest) || e.ModTime().Equal(latest) && atDir && e.Type != TypeDir {
				latest, at, atDir = e.ModTime(), e.Path, e.Type == TypeDir
			}
		}
		if latest.After(r.Created.Add(time.Second)) {
			out = append(out, DiffAnomaly{Kind: AnomalyLayerOlderThanFiles, Layer: r.Index, Path: at,
				Detail: fmt.Sprintf("layer %d's history says it was made at %s, but %s in it was modified at %s",
					r.Index, scoreTime(r.Created), at, scoreTime(latest))})
		}
	}
	for _, lt := range d.SuspectTree.Layers {
		if lt == nil {
			continue
		}
		for _, a := range lt.Anomalies {
			out = append(out, DiffAnomaly{Kind: a.Kind, Layer: a.Layer, Path: a.Path, Detail: a.Detail})
		}
	}
	if out == nil {
		out = []DiffAnomaly{}
	}
	d.Anomalies = out
}
