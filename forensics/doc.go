// Package forensics is Strata's own model of a container image: its identity, config and
// history, and one file tree per layer, stacked into a final filesystem in which every path
// knows the layer that created, modified and removed it. It reads each layer once, as a
// stream, hashing every regular file on the way.
//
// forensics never imports audit, tui, SQLite or YARA; containers/image is reached only
// through forensics/internal/load.
package forensics
