package tui

import (
	"net"
	"regexp"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/strata-forensics/strata/audit/history"
	"github.com/strata-forensics/strata/casework"
)

// traceKind is what an indicator is taken for.
type traceKind int

const (
	traceAuto traceKind = iota // picked from the indicator's shape
	traceSHA256
	tracePath
	traceRule
	traceIP
	traceDomain
	traceString
	traceKinds
)

var traceKindNames = [...]string{"auto", "sha256", "path", "rule", "ip", "domain", "string"}

func (k traceKind) String() string { return traceKindNames[k] }

var (
	sha256Shape = regexp.MustCompile(`^(?i)(sha256:)?[0-9a-f]{64}$`)
	ruleShape   = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$|^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+$`)
	domainShape = regexp.MustCompile(`^(?i)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$`)
)

// detectKind picks the kind of an indicator from its shape: a 64-digit hex string is a
// sha256, an absolute path or a glob is a path, an address parses as an IP, DOTTED-RULE-IDS
// and snake_case YARA names are rules, dotted names are domains, anything else is text.
func detectKind(q string) traceKind {
	q = strings.TrimSpace(q)
	switch {
	case q == "":
		return traceString
	case sha256Shape.MatchString(q):
		return traceSHA256
	case strings.HasPrefix(q, "/") || strings.ContainsAny(q, "*?["):
		return tracePath
	case net.ParseIP(q) != nil:
		return traceIP
	case ruleShape.MatchString(q):
		return traceRule
	case domainShape.MatchString(q):
		return traceDomain
	}
	return traceString
}

// traceQuery turns an indicator of a kind into the store's query.
func traceQuery(q string, k traceKind) history.TraceQuery {
	q = strings.TrimSpace(q)
	switch k {
	case traceSHA256:
		return history.TraceQuery{SHA256: q}
	case tracePath:
		return history.TraceQuery{Path: q}
	case traceRule:
		return history.TraceQuery{Rule: q}
	case traceIP:
		return history.TraceQuery{IP: q}
	case traceDomain:
		return history.TraceQuery{Domain: q}
	}
	return history.TraceQuery{String: q}
}

// resolvedKind is the kind a query runs as.
func (h *historyModel) resolvedKind() traceKind {
	if h.kind == traceAuto {
		return detectKind(h.input.Value())
	}
	return h.kind
}

// setPrompt shows the kind the indicator will be taken for.
func (h *historyModel) setPrompt() {
	if h.kind == traceAuto {
		h.input.Prompt = "trace (" + detectKind(h.input.Value()).String() + ", auto; tab: kind)> "
		return
	}
	h.input.Prompt = "trace (" + h.kind.String() + "; tab: kind)> "
}

// startTrace opens the indicator input.
func (h *historyModel) startTrace() tea.Cmd {
	h.focus = secTrace
	h.inputting = true
	if h.input.Value() == "" && h.traced != "" {
		h.input.SetValue(h.traced)
	}
	h.input.CursorEnd()
	h.setPrompt()
	return h.input.Focus()
}

// updateInput handles a key while the indicator is typed.
func (h *historyModel) updateInput(msg tea.KeyMsg) tea.Cmd {
	k := h.keys
	switch {
	case keyMatches(msg, k.Apply):
		h.inputting = false
		h.input.Blur()
		return h.runTrace()
	case keyMatches(msg, k.Cancel):
		h.inputting = false
		h.input.Blur()
		return nil
	case keyMatches(msg, k.TraceKind):
		h.kind = (h.kind + 1) % traceKinds
		h.setPrompt()
		return nil
	}
	var cmd tea.Cmd
	h.input, cmd = h.input.Update(msg)
	h.setPrompt()
	return cmd
}

// runTrace searches the store for the typed indicator.
func (h *historyModel) runTrace() tea.Cmd {
	q := strings.TrimSpace(h.input.Value())
	if q == "" {
		return nil
	}
	if h.c.store == nil {
		return setStatus("no history database is open: there is nothing to trace in")
	}
	kind := h.resolvedKind()
	h.tracing, h.traceErr = true, nil
	store, ctx, index := h.c.store, h.c.ctx, h.st.index
	return func() tea.Msg {
		hits, err := casework.Trace(ctx, store, traceQuery(q, kind))
		return traceDoneMsg{index: index, query: q, kind: kind, hits: hits, err: err}
	}
}

// receiveTrace shows a trace's sightings, those in the open image first.
func (h *historyModel) receiveTrace(msg traceDoneMsg) {
	h.tracing = false
	h.traced, h.tracedAs, h.traceErr = msg.query, msg.kind, msg.err
	h.hits = h.hits[:0]
	for _, self := range []bool{true, false} {
		for _, x := range msg.hits {
			if h.isSelf(x.Image) == self {
				h.hits = append(h.hits, x)
			}
		}
	}
	h.buildTrace()
	h.lists[secTrace].cursor = 0
	h.lists[secTrace].setLen(len(h.rows[secTrace]))
	h.lists[secTrace].offset = 0
}
