// Package audit finds what is wrong with an image without needing a known-good original: it
// owns Finding, Severity and Category, the Analyzer interfaces, and the scan pipeline.
//
// Scan reads every layer once (forensics.Image.ReadLayers). Each regular file of each layer is
// handed, with its bytes, to every ContentAnalyzer during that pass (YARA, secrets); files
// larger than Options.MaxFileSize are hashed and reported as not content-scanned, never
// skipped in silence. The layers are then stacked and every TreeAnalyzer runs on the final
// tree and the image (config, filesystem, tamper, trust); last, every Reviewer may revise the
// findings as a whole (raising what whited-out files hide). Findings carry the layer and the
// history step that made them.
//
// The analyzers live in sub-packages (audit/yara, audit/secrets, ...); audit/standard
// assembles the default set. audit imports forensics and, through audit/yara, signatures; it
// never imports cmd or tui.
package audit
