// Package tui is Strata's terminal workbench: a bubbletea program that opens images in the
// background and lets a responder walk their layers, file trees, file contents and
// reconstructed Dockerfile.
//
// It owns the views and their key bindings and styles (keys.go, styles.go). It reads the image
// model from forensics and must not import cmd/ or write anywhere but the logger it is given.
// Nothing is read on the UI goroutine: opening, layer reading and file previews run as tea.Cmds.
package tui
