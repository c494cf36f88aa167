// Package tui is Strata's terminal workbench: a bubbletea program that opens images in the
// background and lets a responder walk their layers, file trees, file contents and
// reconstructed Dockerfile, scan them, compare two, and trace indicators in the history.
//
// Every view is a component (common.go): a model with its own key map (keys.go), its help and
// SetSize. The root (app.go) routes keys and sizes to the view on screen and draws the header,
// status and help around it: the Images view (images.go), an image's view (imageview.go) with
// its tabs Files (files.go), Dockerfile, Findings and History, and a comparison (diffview.go).
// The tabs share the image's state (state.go) and ask for each other through messages
// (switchTabMsg, showFileMsg, ...), which the root hands to the image's view.
//
// The work itself (opening, reading layer trees, scans, comparisons, history, trace) is
// casework's: the views run it as tea.Cmds and goroutines that report through channels, so
// nothing is read on the UI goroutine. It must not import cmd/ or write anywhere but the
// logger it is given and the data directory's reports.
package tui
