package tui

import (
	"github.com/charmbracelet/lipgloss"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/forensics"
)

// Styles is every style the workbench draws with. Colour is never the only signal: every mark
// that has a colour also has a letter or a word, so the views read the same under NO_COLOR.
type Styles struct {
	App        lipgloss.Style
	Title      lipgloss.Style // the program name in the header
	Header     lipgloss.Style // the header line after the title
	TabActive  lipgloss.Style
	TabPassive lipgloss.Style

	Border        lipgloss.Style // pane borders of unfocused panes
	BorderFocused lipgloss.Style
	PaneTitle     lipgloss.Style

	Cursor   lipgloss.Style // the selected row
	Dim      lipgloss.Style // secondary text: columns, notes
	Error    lipgloss.Style
	Warning  lipgloss.Style // unverified Dockerfile lines, anomalies
	Status   lipgloss.Style // the status line
	Filter   lipgloss.Style // the filter prompt
	Special  lipgloss.Style // setuid and setgid files
	Hidden   lipgloss.Style // whited-out files still present in a layer
	Dir      lipgloss.Style
	Link     lipgloss.Style
	Added    lipgloss.Style
	Modified lipgloss.Style
	Removed  lipgloss.Style
	Opaque   lipgloss.Style

	DiffAdd    lipgloss.Style
	DiffDel    lipgloss.Style
	DiffHunk   lipgloss.Style
	HexOffset  lipgloss.Style
	HelpKey    lipgloss.Style
	HelpDesc   lipgloss.Style
	HelpSep    lipgloss.Style
	Selected   lipgloss.Style // the row under the cursor in a pane without focus
	Progress   lipgloss.Style
	Unverified lipgloss.Style

	// Severities of findings; the table also spells each one out.
	SevCritical lipgloss.Style
	SevHigh     lipgloss.Style
	SevMedium   lipgloss.Style
	SevLow      lipgloss.Style
	SevInfo     lipgloss.Style
	Marked      lipgloss.Style // images marked for a comparison
}

// DefaultStyles returns the styles the workbench uses unless told otherwise.
func DefaultStyles() *Styles {
	accent := lipgloss.AdaptiveColor{Light: "#5A56E0", Dark: "#7571F9"}
	dim := lipgloss.AdaptiveColor{Light: "#8A8A8A", Dark: "#777777"}
	green := lipgloss.AdaptiveColor{Light: "#007A3D", Dark: "#3FD07F"}
	yellow := lipgloss.AdaptiveColor{Light: "#9A6700", Dark: "#E5C07B"}
	red := lipgloss.AdaptiveColor{Light: "#C0262D", Dark: "#FF5F6D"}
	magenta := lipgloss.AdaptiveColor{Light: "#A626A4", Dark: "#D787D7"}
	blue := lipgloss.AdaptiveColor{Light: "#0550AE", Dark: "#61AFEF"}
	cyan := lipgloss.AdaptiveColor{Light: "#0E7490", Dark: "#56B6C2"}
	return &Styles{
		App:           lipgloss.NewStyle(),
		Title:         lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#FFFDF5")).Background(accent).Padding(0, 1),
		Header:        lipgloss.NewStyle().Foreground(dim),
		TabActive:     lipgloss.NewStyle().Bold(true).Foreground(accent).Underline(true),
		TabPassive:    lipgloss.NewStyle().Foreground(dim),
		Border:        lipgloss.NewStyle().Foreground(dim),
		BorderFocused: lipgloss.NewStyle().Foreground(accent),
		PaneTitle:     lipgloss.NewStyle().Bold(true),
		Cursor:        lipgloss.NewStyle().Bold(true).Background(lipgloss.AdaptiveColor{Light: "#E4E2FF", Dark: "#3B3A6B"}),
		Selected:      lipgloss.NewStyle().Background(lipgloss.AdaptiveColor{Light: "#EEEEEE", Dark: "#303030"}),
		Dim:           lipgloss.NewStyle().Foreground(dim),
		Error:         lipgloss.NewStyle().Foreground(red).Bold(true),
		Warning:       lipgloss.NewStyle().Foreground(yellow),
		Status:        lipgloss.NewStyle().Foreground(dim),
		Filter:        lipgloss.NewStyle().Foreground(accent).Bold(true),
		Special:       lipgloss.NewStyle().Foreground(red).Bold(true),
		Hidden:        lipgloss.NewStyle().Foreground(dim).Strikethrough(true),
		Dir:           lipgloss.NewStyle().Foreground(blue).Bold(true),
		Link:          lipgloss.NewStyle().Foreground(cyan),
		Added:         lipgloss.NewStyle().Foreground(green),
		Modified:      lipgloss.NewStyle().Foreground(yellow),
		Removed:       lipgloss.NewStyle().Foreground(red),
		Opaque:        lipgloss.NewStyle().Foreground(magenta),
		DiffAdd:       lipgloss.NewStyle().Foreground(green),
		DiffDel:       lipgloss.NewStyle().Foreground(red),
		DiffHunk:      lipgloss.NewStyle().Foreground(cyan),
		HexOffset:     lipgloss.NewStyle().Foreground(dim),
		HelpKey:       lipgloss.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#909090", Dark: "#9A9A9A"}).Bold(true),
		HelpDesc:      lipgloss.NewStyle().Foreground(dim),
		HelpSep:       lipgloss.NewStyle().Foreground(dim),
		Progress:      lipgloss.NewStyle().Foreground(accent),
		Unverified:    lipgloss.NewStyle().Foreground(yellow).Bold(true),
		SevCritical:   lipgloss.NewStyle().Foreground(red).Bold(true),
		SevHigh:       lipgloss.NewStyle().Foreground(red),
		SevMedium:     lipgloss.NewStyle().Foreground(yellow),
		SevLow:        lipgloss.NewStyle().Foreground(blue),
		SevInfo:       lipgloss.NewStyle().Foreground(dim),
		Marked:        lipgloss.NewStyle().Foreground(magenta).Bold(true),
	}
}

// change returns the style of a change letter.
func (s *Styles) change(c forensics.Change) lipgloss.Style {
	switch c {
	case forensics.ChangeAdded:
		return s.Added
	case forensics.ChangeModified:
		return s.Modified
	case forensics.ChangeRemoved:
		return s.Removed
	case forensics.ChangeOpaque:
		return s.Opaque
	}
	return s.Dim
}

// severity returns the style of a finding's severity.
func (s *Styles) severity(v audit.Severity) lipgloss.Style {
	switch v {
	case audit.Critical:
		return s.SevCritical
	case audit.High:
		return s.SevHigh
	case audit.Medium:
		return s.SevMedium
	case audit.Low:
		return s.SevLow
	}
	return s.SevInfo
}
