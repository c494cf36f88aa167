package report

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	spdxcommon "github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/strata-forensics/strata/forensics"
	"github.com/strata-forensics/strata/forensics/packages"
)

func writeSBOMTable(w io.Writer, inv *packages.Inventory) error {
	if inv.OS.PrettyName != "" {
		fmt.Fprintf(w, "OS: %s\n", inv.OS.PrettyName)
	}
	for _, p := range inv.Problems {
		fmt.Fprintf(w, "problem: %s\n", p)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tNAME\tVERSION\tSOURCE\tARCH\tLAYER\tFILES\tFROM")
	for _, p := range inv.Packages {
		src := p.Source
		if p.SourceVersion != "" {
			src += " " + p.SourceVersion
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", p.Ecosystem, p.Name, p.FullVersion(), dash(strings.TrimSpace(src)), dash(p.Arch), p.Layer, len(p.Files), p.Location)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	counts := inv.Count()
	var parts []string
	for _, e := range []packages.Ecosystem{packages.Deb, packages.APK, packages.RPM, packages.PyPI, packages.NPM, packages.Golang, packages.Maven} {
		if counts[e] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[e], e))
		}
	}
	_, err := fmt.Fprintf(w, "%d packages: %s\n", len(inv.Packages), strings.Join(parts, ", "))
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeUnpackaged(w io.Writer, in *packages.Integrity) error {
	fmt.Fprintf(w, "%d package files checked, %d missing, %d without a recorded checksum\n\n", in.Checked, in.Missing, in.Unverified)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODIFIED\tPACKAGE\tLAYER\tCONFFILE\tPATH")
	for _, m := range in.Mismatches {
		fmt.Fprintf(tw, "%s\t%s %s\t%d\t%v\t%s\n", m.Algorithm, m.Package, m.Version, m.Layer, m.Conffile, m.Path)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NON-PACKAGED\tMODE\tSIZE\tLAYER\tEXEC\tPATH")
	for _, u := range in.Unpackaged {
		fmt.Fprintf(tw, "\t%s\t%d\t%d\t%v\t%s\n", u.Mode, u.Size, u.Layer, u.Executable, u.Path)
	}
	return tw.Flush()
}

func sbomName(img *forensics.Image) string {
	if len(img.Tags) > 0 {
		return img.Tags[0]
	}
	return filepath.Base(img.Input.Path)
}

// sbomTime is the image's creation time, so that the same image gives the same document.
func sbomTime(img *forensics.Image) time.Time {
	if !img.Created.IsZero() {
		return img.Created.UTC()
	}
	return time.Unix(0, 0).UTC()
}

func writeCycloneDX(w io.Writer, img *forensics.Image, inv *packages.Inventory, version string) error {
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + uuidFrom(img.ConfigDigest)
	bom.Metadata = &cdx.Metadata{
		Timestamp: sbomTime(img).Format(time.RFC3339),
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "strata", Version: version}}},
		Component: &cdx.Component{BOMRef: img.ConfigDigest, Type: cdx.ComponentTypeContainer, Name: sbomName(img), Version: img.ConfigDigest},
	}
	var comps []cdx.Component
	seen := map[string]bool{}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		purl := p.PURL(inv.OS)
		ref := purl
		if seen[ref] {
			ref = fmt.Sprintf("%s#%s", purl, p.Location)
		}
		seen[ref] = true
		props := []cdx.Property{{Name: "strata:layer", Value: fmt.Sprint(p.Layer)}, {Name: "strata:location", Value: p.Location}}
		if p.Source != "" {
			props = append(props, cdx.Property{Name: "strata:source", Value: p.Source})
		}
		comps = append(comps, cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeLibrary, Name: p.Name, Version: p.FullVersion(), PackageURL: purl, Properties: &props})
	}
	bom.Components = &comps
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	return enc.Encode(bom)
}

func writeSPDX(w io.Writer, img *forensics.Image, inv *packages.Inventory, version string) error {
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      sbomName(img),
		DocumentNamespace: "https://strata.invalid/spdx/" + strings.TrimPrefix(img.ConfigDigest, "sha256:"),
		CreationInfo: &spdx.CreationInfo{
			Creators: []spdxcommon.Creator{{CreatorType: "Tool", Creator: "strata-" + version}},
			Created:  sbomTime(img).Format(time.RFC3339),
		},
	}
	ids := map[string]int{}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		id := spdxID(string(p.Ecosystem) + "-" + p.Name + "-" + p.FullVersion())
		if n := ids[id]; n > 0 {
			id = fmt.Sprintf("%s-%d", id, n)
		}
		ids[id]++
		sp := &spdx.Package{
			PackageName:             p.Name,
			PackageSPDXIdentifier:   spdxcommon.ElementID(id),
			PackageVersion:          p.FullVersion(),
			PackageDownloadLocation: "NOASSERTION",
			FilesAnalyzed:           false,
			PackageSourceInfo:       fmt.Sprintf("layer %d, %s", p.Layer, p.Location),
			PackageExternalReferences: []*spdx.PackageExternalReference{
				{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: p.PURL(inv.OS)},
			},
		}
		doc.Packages = append(doc.Packages, sp)
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: spdxcommon.MakeDocElementID("", "DOCUMENT"), RefB: spdxcommon.MakeDocElementID("", id), Relationship: "DESCRIBES"})
	}
	return spdxjson.Write(doc, w, spdxjson.Indent("  "))
}

func spdxID(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// uuidFrom derives a stable UUID-shaped serial from a digest.
func uuidFrom(digest string) string {
	h := strings.TrimPrefix(digest, "sha256:")
	for len(h) < 32 {
		h += "0"
	}
	return h[0:8] + "-" + h[8:12] + "-5" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}
