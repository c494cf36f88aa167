// Package casework holds the work a responder asks of Strata, once, for both front ends:
// open an image, scan it (the layer cache, the record, an interruption), compare two images
// (and scan what changed, re-rank by package knowledge, record), gather an image's history
// (family, related images, tags, scan log), build a tracing report (recording first what it
// needs), trace an indicator, and audit a fleet (every image under some paths, each distinct
// layer read once for the run, resumed where an earlier audit stopped, summed up as the
// audit/fleet view). Each call returns its result and reports what it is doing
// as typed events (phase, layers started and finished with their bytes, findings as they
// appear, warnings) to a Sink, which the command line turns into a progress line and the
// workbench into its views. Progress folds the events into totals, rate and ETA.
//
// cmd/strata and tui call it; it calls audit, audit/history and forensics. It never imports
// cmd or tui, never writes to a terminal, and runs no SQL of its own: the store's queries
// live in audit/history.
package casework
