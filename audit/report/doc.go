// Package report renders scan results as text for people, JSON for tools (the shape
// docs/json.md documents under `strata scan`), and SARIF 2.1.0 for code-scanning dashboards.
// It reads audit results only; it never scans.
package report
