// Package signatures compiles YARA rule sets and scans file contents with them.
//
// A RuleSet is compiled once from the built-in rules (embedded from rules/*.yar)
// and any user rule files or directories. Each worker goroutine then takes its
// own Scanner from the RuleSet and hands it one file at a time, with the file's
// path, owner and bytes; matches come back with the rule's metadata
// (id, category, severity, description) and where in the file it matched.
//
// Every rule set is compiled with the external variables filename, filepath,
// extension, filetype and owner (the ones public rule collections such as
// signature-base expect); the Scanner sets them for every file.
//
// signatures knows nothing about images, layers or findings: it must not import
// any other Strata package. audit/yara adapts its matches into findings.
package signatures
