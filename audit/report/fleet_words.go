package report

import "github.com/strata-forensics/strata/audit/fleet"

// The fleet view's words, for a front end that lays the view out itself (the workbench): the
// same phrases as the text, Markdown and HTML reports. They return raw text from the evidence;
// the caller makes it safe to show.

// FleetVerdict is a row's verdict, or its status when it has none (failed, interrupted,
// not-scanned).
func FleetVerdict(r fleet.Row) string { return rowVerdict(r) }

// FleetTop is a row's top finding in a few words, "-" for none.
func FleetTop(r fleet.Row) string { return topText(r) }

// FleetBase says what an image is built on and whether that is trusted.
func FleetBase(b *fleet.Base) string { return baseText(b) }

// FleetFamily is one node of the family forest; names maps image names to how rows name them
// (FleetNames).
func FleetFamily(f *fleet.Family, names map[string]string) string { return familyText(f, names) }

// FleetNames maps each image's name to its name with its tags.
func FleetNames(f *fleet.Fleet) map[string]string { return rowNames(f) }

// FleetIndicator names a shared indicator: "file sha256:…", "finding RULE …", "ip 203.0.113.45".
func FleetIndicator(s fleet.Indicator) string { return indicatorText(s) }

// FleetPlace says where an indicator was introduced: "in layer 1 (sha256:…)" or "in its
// config".
func FleetPlace(layer int, diffID string) string { return layerPlace(layer, diffID) }
