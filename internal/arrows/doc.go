// Package arrows holds the test that keeps Strata's dependency arrows pointing down:
// cmd -> tui -> casework -> audit -> forensics, signatures. It has no code of its own.
package arrows
