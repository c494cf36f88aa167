package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"sort"
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

func writeSBOMTable(w io.Writer, inv *packages.Inventory, ev Filter) error {
	if inv.OS.PrettyName != "" {
		fmt.Fprintf(w, "OS: %s\n", ev.Line(inv.OS.PrettyName))
	}
	for _, p := range inv.Problems {
		fmt.Fprintf(w, "problem: %s\n", ev.Line(p))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tNAME\tVERSION\tSOURCE\tARCH\tLAYER\tFILES\tFROM")
	for _, p := range inv.Packages {
		src := p.Source
		if p.SourceVersion != "" {
			src += " " + p.SourceVersion
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", p.Ecosystem, ev.Line(p.Name), ev.Line(p.FullVersion()), ev.Line(dash(strings.TrimSpace(src))), ev.Line(dash(p.Arch)), p.Layer, len(p.Files), ev.Line(p.Location))
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
	licensed := 0
	for i := range inv.Packages {
		if len(inv.Packages[i].Licenses) > 0 {
			licensed++
		}
	}
	_, err := fmt.Fprintf(w, "%d packages: %s; %d with licenses\n", len(inv.Packages), strings.Join(parts, ", "), licensed)
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeUnpackaged(w io.Writer, in *packages.Integrity, ev Filter) error {
	fmt.Fprintf(w, "%d package files checked, %d missing, %d without a recorded checksum\n\n", in.Checked, in.Missing, in.Unverified)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODIFIED\tPACKAGE\tLAYER\tCONFFILE\tPATH")
	for _, m := range in.Mismatches {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%v\t%s\n", m.Algorithm, ev.Line(m.Package+" "+m.Version), m.Layer, m.Conffile, ev.Line(m.Path))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NON-PACKAGED\tMODE\tSIZE\tLAYER\tEXEC\tPATH")
	for _, u := range in.Unpackaged {
		fmt.Fprintf(tw, "\t%s\t%d\t%d\t%v\t%s\n", u.Mode, u.Size, u.Layer, u.Executable, ev.Line(u.Path))
	}
	return tw.Flush()
}

func sbomName(img *forensics.Image) string {
	if len(img.Tags) > 0 {
		return img.Tags[0]
	}
	return filepath.Base(img.Input.Path)
}

// CycloneDX versions --cyclonedx-version takes, the default (the newest cyclonedx-go writes) first.
var cyclonedxVersions = []struct {
	name    string
	version cdx.SpecVersion
}{{"1.7", cdx.SpecVersion1_7}, {"1.6", cdx.SpecVersion1_6}}

// CycloneDXVersions lists the CycloneDX specification versions the cyclonedx format writes,
// the default first.
func CycloneDXVersions() []string {
	out := make([]string, len(cyclonedxVersions))
	for i, v := range cyclonedxVersions {
		out[i] = v.name
	}
	return out
}

func cyclonedxVersion(name string) (cdx.SpecVersion, error) {
	if name == "" {
		return cyclonedxVersions[0].version, nil
	}
	for _, v := range cyclonedxVersions {
		if v.name == name {
			return v.version, nil
		}
	}
	return 0, fmt.Errorf("--cyclonedx-version %q: want %s", name, strings.Join(CycloneDXVersions(), " or "))
}

// sbomTime is when the document is made: doc.Time when set (reproducible output), else now.
func sbomTime(doc SBOMDocument) time.Time {
	if !doc.Time.IsZero() {
		return doc.Time.UTC().Truncate(time.Second)
	}
	return time.Now().UTC().Truncate(time.Second)
}

// sbomSerial is the document's UUID: new for every document made at another time, the same
// for the same image, tool version and time, so that a fixed time reproduces the document.
func sbomSerial(img *forensics.Image, version string, t time.Time) string {
	h := sha256.Sum256([]byte(img.ConfigDigest + "\x00" + img.Input.SHA256 + "\x00" + version + "\x00" + t.Format(time.RFC3339)))
	return uuidFrom(hex.EncodeToString(h[:]))
}

// sbomLayer returns the diff_id of the layer with index layer as its content was read (the
// claimed one before the read), "" when there is none.
func sbomLayer(img *forensics.Image, layer int) string {
	if layer >= 0 && layer < len(img.Layers) {
		return img.Layers[layer].ContentID()
	}
	return ""
}

// imageRef is the image's own reference in a document.
func imageRef(img *forensics.Image) string {
	if img.ConfigDigest != "" {
		return img.ConfigDigest
	}
	return "image"
}

// osRef is the operating system's reference in a document, "" when os-release names none.
func osRef(os packages.OS) string {
	if os.ID == "" {
		return ""
	}
	return "os:" + os.ID + "@" + os.VersionID
}

// sbomGraph is what hangs from what: the image holds the operating system and the language
// packages no OS package installed; the operating system holds its packages; a distribution
// package depends on the packages its database names and holds the language packages it
// installed.
type sbomGraph struct {
	inv *packages.Inventory
	// byRef finds the package a Dependencies name points to.
	byRef map[packages.Ecosystem]map[string]*packages.Package
	// installed lists, by OS package ("deb:python3-pip"), the language packages it installed.
	installed map[string][]*packages.Package
}

func newSBOMGraph(inv *packages.Inventory) *sbomGraph {
	g := &sbomGraph{inv: inv, byRef: inv.Refs(), installed: map[string][]*packages.Package{}}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		if p.OSPackage != "" {
			g.installed[p.OSPackage] = append(g.installed[p.OSPackage], p)
		}
	}
	return g
}

// osPackage returns the OS package that installed p, nil when none did (or it is not in the
// inventory).
func (g *sbomGraph) osPackage(p *packages.Package) *packages.Package {
	eco, name, ok := strings.Cut(p.OSPackage, ":")
	if !ok {
		return nil
	}
	if q := g.byRef[packages.Ecosystem(eco)][name]; q != nil {
		return q
	}
	for i := range g.inv.Packages { // a multi-arch name: the first of that name
		q := &g.inv.Packages[i]
		if string(q.Ecosystem) == eco && q.Name == name {
			return q
		}
	}
	return nil
}

// dependencies returns the packages p depends on, then the language packages it installed.
func (g *sbomGraph) dependencies(p *packages.Package) []*packages.Package {
	var out []*packages.Package
	for _, d := range p.Dependencies {
		if q := g.byRef[p.Ecosystem][d]; q != nil {
			out = append(out, q)
		}
	}
	if p.Ecosystem.Distribution() {
		for _, q := range g.installed[string(p.Ecosystem)+":"+p.Name] {
			if g.osPackage(q) == p {
				out = append(out, q)
			}
		}
	}
	return out
}

// topLevel reports whether p hangs from the image itself rather than from the operating
// system or an OS package.
func (g *sbomGraph) topLevel(p *packages.Package, hasOS bool) bool {
	if p.Ecosystem.Distribution() {
		return !hasOS
	}
	return g.osPackage(p) == nil
}

// supplier splits "Name <email>" as dpkg, apk and rpm write a maintainer or vendor.
func supplier(s string) (name, email string) {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 && strings.HasSuffix(s, ">") {
		return strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1 : len(s)-1])
	}
	return s, ""
}

// organisationWords mark a supplier that is a team, a project or a company, not a person.
var organisationWords = []string{"team", "maintainers", "developers", "project", "group", "inc", "ltd", "llc", "gmbh",
	"foundation", "debian", "ubuntu", "alpine", "fedora", "red hat", "suse", "centos", "rocky", "alma", "oracle", "amazon",
	"community", "corporation", "company", "packagers"}

func supplierIsOrganisation(name, email string) bool {
	low := strings.ToLower(name)
	for _, w := range organisationWords {
		for _, f := range strings.FieldsFunc(low, func(r rune) bool { return r == ' ' || r == ',' || r == '.' || r == '-' }) {
			if f == w {
				return true
			}
		}
		if strings.Contains(w, " ") && strings.Contains(low, w) {
			return true
		}
	}
	return strings.Contains(email, "@lists.")
}

func writeCycloneDX(w io.Writer, doc SBOMDocument) error {
	spec, err := cyclonedxVersion(doc.CycloneDXVersion)
	if err != nil {
		return err
	}
	img, inv := doc.Image, doc.Inventory
	t := sbomTime(doc)
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + sbomSerial(img, doc.Version, t)
	imgProps := []cdx.Property{}
	if img.Input.SHA256 != "" {
		imgProps = append(imgProps, cdx.Property{Name: "strata:image:input_sha256", Value: img.Input.SHA256})
	}
	if img.Digest != "" {
		imgProps = append(imgProps, cdx.Property{Name: "strata:image:manifest_digest", Value: img.Digest})
	}
	for _, l := range img.Layers {
		if id := l.ContentID(); id != "" {
			imgProps = append(imgProps, cdx.Property{Name: "strata:image:layer", Value: fmt.Sprintf("%d %s", l.Index, id)})
		}
	}
	imgRef := imageRef(img)
	bom.Metadata = &cdx.Metadata{
		Timestamp: t.Format(time.RFC3339),
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "strata", Version: doc.Version}}},
		Component: &cdx.Component{BOMRef: imgRef, Type: cdx.ComponentTypeContainer, Name: sbomName(img), Version: img.ConfigDigest, Properties: &imgProps},
	}
	comps := []cdx.Component{}
	deps := map[string][]string{imgRef: {}}
	order := []string{imgRef}
	osID := osRef(inv.OS)
	if osID != "" {
		comps = append(comps, cdx.Component{BOMRef: osID, Type: cdx.ComponentTypeOS, Name: inv.OS.ID, Version: inv.OS.VersionID,
			Description: inv.OS.PrettyName})
		deps[imgRef] = append(deps[imgRef], osID)
		deps[osID] = []string{}
		order = append(order, osID)
	}
	g := newSBOMGraph(inv)
	refs := make(map[*packages.Package]string, len(inv.Packages))
	seen := map[string]bool{imgRef: true, osID: true}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		purl := p.PURL(inv.OS)
		ref := purl
		for n := 2; seen[ref]; n++ {
			ref = fmt.Sprintf("%s#%s", purl, p.Location)
			if n > 2 {
				ref = fmt.Sprintf("%s#%s#%d", purl, p.Location, n)
			}
		}
		seen[ref] = true
		refs[p] = ref
		props := []cdx.Property{{Name: "strata:layer:index", Value: fmt.Sprint(p.Layer)}}
		if id := sbomLayer(img, p.Layer); id != "" {
			props = append(props, cdx.Property{Name: "strata:layer:diff_id", Value: id})
		}
		props = append(props, cdx.Property{Name: "strata:location", Value: p.Location})
		if p.Source != "" {
			props = append(props, cdx.Property{Name: "strata:source", Value: p.Source})
		}
		if p.SourceVersion != "" {
			props = append(props, cdx.Property{Name: "strata:source_version", Value: p.SourceVersion})
		}
		c := cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeLibrary, Name: p.Name, Version: p.FullVersion(), PackageURL: purl,
			Licenses: cdxLicenses(p.Licenses), Properties: &props}
		if p.Supplier != "" {
			name, email := supplier(p.Supplier)
			c.Supplier = &cdx.OrganizationalEntity{Name: name}
			if email != "" {
				c.Supplier.Contact = &[]cdx.OrganizationalContact{{Name: name, Email: email}}
			}
		}
		comps = append(comps, c)
	}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		ref := refs[p]
		switch {
		case g.topLevel(p, osID != ""):
			deps[imgRef] = append(deps[imgRef], ref)
		case p.Ecosystem.Distribution():
			deps[osID] = append(deps[osID], ref)
		}
		ds := g.dependencies(p)
		if !p.Ecosystem.Distribution() && len(ds) == 0 {
			continue // what a language package needs is not known: no entry says "nothing"
		}
		on := []string{}
		for _, q := range ds {
			on = append(on, refs[q])
		}
		deps[ref] = on
		order = append(order, ref)
	}
	graph := make([]cdx.Dependency, 0, len(order))
	for _, ref := range order {
		on := uniqueStrings(deps[ref])
		graph = append(graph, cdx.Dependency{Ref: ref, Dependencies: &on})
	}
	bom.Components = &comps
	bom.Dependencies = &graph
	// Encode as the version asked for without EncodeVersion's conversion: it copies the BOM
	// through a round trip that turns the empty lists the schema wants (components, dependsOn)
	// into absent ones, and nothing written here differs between 1.6 and 1.7.
	bom.SpecVersion = spec
	bom.JSONSchema = "http://cyclonedx.org/schema/bom-" + spec.String() + ".schema.json"
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	return enc.Encode(bom)
}

func uniqueStrings(s []string) []string {
	out := make([]string, 0, len(s))
	seen := make(map[string]bool, len(s))
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// cdxLicenses writes a package's licenses the way CycloneDX wants them: a list of licenses,
// each an SPDX id or a name, when every one is a single license; else one SPDX expression
// joining them all (the schema allows no mix of the two).
func cdxLicenses(exprs []string) *cdx.Licenses {
	if len(exprs) == 0 {
		return nil
	}
	simple := true
	for _, e := range exprs {
		if strings.Contains(e, " ") {
			simple = false
			break
		}
	}
	var out cdx.Licenses
	if simple {
		for _, e := range exprs {
			l := &cdx.License{Acknowledgement: cdx.LicenseAcknowledgementDeclared}
			if id, ok := packages.SPDXLicenseID(e); ok {
				l.ID = id
			} else {
				l.Name = strings.TrimPrefix(e, packages.LicenseRefPrefix)
			}
			out = append(out, cdx.LicenseChoice{License: l})
		}
		return &out
	}
	declared := cdx.LicenseAcknowledgementDeclared
	out = append(out, cdx.LicenseChoice{Expression: spdxConjunction(exprs), Acknowledgement: &declared})
	return &out
}

// spdxConjunction joins license expressions with AND: a package's licenses all apply.
func spdxConjunction(exprs []string) string {
	if len(exprs) == 1 {
		return exprs[0]
	}
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		if strings.Contains(e, " AND ") || strings.Contains(e, " OR ") {
			e = "(" + e + ")"
		}
		parts[i] = e
	}
	return strings.Join(parts, " AND ")
}

func writeSPDX(w io.Writer, doc SBOMDocument) error {
	img, inv := doc.Image, doc.Inventory
	t := sbomTime(doc)
	name := sbomName(img)
	sdoc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: "https://strata.invalid/spdx/" + spdxID(name) + "-" + sbomSerial(img, doc.Version, t),
		CreationInfo: &spdx.CreationInfo{
			Creators: []spdxcommon.Creator{{CreatorType: "Tool", Creator: "strata-" + doc.Version}},
			Created:  t.Format(time.RFC3339),
		},
	}
	ids := map[string]int{}
	newID := func(s string) spdxcommon.ElementID {
		id := spdxID(s)
		if n := ids[id]; n > 0 {
			ids[id]++
			id = fmt.Sprintf("%s-%d", id, n)
		}
		ids[id]++
		return spdxcommon.ElementID(id)
	}
	rel := func(a spdxcommon.ElementID, kind string, b spdxcommon.ElementID) {
		sdoc.Relationships = append(sdoc.Relationships, &spdx.Relationship{
			RefA: spdxcommon.MakeDocElementID("", string(a)), RefB: spdxcommon.MakeDocElementID("", string(b)), Relationship: kind})
	}
	imgID := newID("Image-" + name)
	imgPkg := &spdx.Package{
		PackageName:             name,
		PackageSPDXIdentifier:   imgID,
		PackageVersion:          img.ConfigDigest,
		PackageDownloadLocation: "NOASSERTION",
		FilesAnalyzed:           false,
		PrimaryPackagePurpose:   "CONTAINER",
	}
	if img.Input.SHA256 != "" {
		imgPkg.PackageComment = "input sha256 " + img.Input.SHA256
	}
	if h, ok := strings.CutPrefix(img.ConfigDigest, "sha256:"); ok && h != "" {
		imgPkg.PackageChecksums = []spdxcommon.Checksum{{Algorithm: spdxcommon.SHA256, Value: h}}
	}
	sdoc.Packages = append(sdoc.Packages, imgPkg)
	rel("DOCUMENT", "DESCRIBES", imgID)

	var osID spdxcommon.ElementID
	if inv.OS.ID != "" {
		osID = newID("OperatingSystem-" + inv.OS.ID + "-" + inv.OS.VersionID)
		sdoc.Packages = append(sdoc.Packages, &spdx.Package{
			PackageName:             inv.OS.ID,
			PackageSPDXIdentifier:   osID,
			PackageVersion:          inv.OS.VersionID,
			PackageDownloadLocation: "NOASSERTION",
			FilesAnalyzed:           false,
			// The JSON schema spells the purpose with an underscore (tag-value: OPERATING-SYSTEM).
			PrimaryPackagePurpose: "OPERATING_SYSTEM",
			PackageDescription:    inv.OS.PrettyName,
		})
		rel(imgID, "CONTAINS", osID)
	}
	g := newSBOMGraph(inv)
	pkgIDs := make(map[*packages.Package]spdxcommon.ElementID, len(inv.Packages))
	refs := map[string]bool{}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		id := newID(string(p.Ecosystem) + "-" + p.Name + "-" + p.FullVersion())
		pkgIDs[p] = id
		src := fmt.Sprintf("layer %d", p.Layer)
		if diffID := sbomLayer(img, p.Layer); diffID != "" {
			src += " (" + diffID + ")"
		}
		sp := &spdx.Package{
			PackageName:             p.Name,
			PackageSPDXIdentifier:   id,
			PackageVersion:          p.FullVersion(),
			PackageDownloadLocation: "NOASSERTION",
			FilesAnalyzed:           false,
			PackageSourceInfo:       src + ", " + p.Location,
			PackageLicenseConcluded: "NOASSERTION",
			PackageLicenseDeclared:  "NOASSERTION",
			PackageExternalReferences: []*spdx.PackageExternalReference{
				{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: p.PURL(inv.OS)},
			},
		}
		if len(p.Licenses) > 0 {
			sp.PackageLicenseDeclared = spdxConjunction(p.Licenses)
			for _, e := range p.Licenses {
				for _, f := range strings.FieldsFunc(e, func(r rune) bool { return r == ' ' || r == '(' || r == ')' }) {
					if strings.HasPrefix(f, packages.LicenseRefPrefix) {
						refs[f] = true
					}
				}
			}
		}
		if p.Supplier != "" {
			name, email := supplier(p.Supplier)
			kind := "Person"
			if supplierIsOrganisation(name, email) {
				kind = "Organization"
			}
			if email != "" {
				name += " (" + email + ")"
			}
			sp.PackageSupplier = &spdxcommon.Supplier{SupplierType: kind, Supplier: name}
		}
		sdoc.Packages = append(sdoc.Packages, sp)
	}
	for i := range inv.Packages {
		p := &inv.Packages[i]
		id := pkgIDs[p]
		switch {
		case g.topLevel(p, osID != ""):
			rel(imgID, "CONTAINS", id)
		case p.Ecosystem.Distribution():
			rel(osID, "CONTAINS", id)
		}
		for _, q := range g.dependencies(p) {
			if q.Ecosystem == p.Ecosystem {
				rel(id, "DEPENDS_ON", pkgIDs[q])
			} else {
				rel(id, "CONTAINS", pkgIDs[q]) // a language package an OS package installed
			}
		}
	}
	names := make([]string, 0, len(refs))
	for r := range refs {
		names = append(names, r)
	}
	sort.Strings(names)
	for _, r := range names {
		n := strings.TrimPrefix(r, packages.LicenseRefPrefix)
		sdoc.OtherLicenses = append(sdoc.OtherLicenses, &spdx.OtherLicense{
			LicenseIdentifier: r,
			LicenseName:       n,
			ExtractedText:     fmt.Sprintf("The package metadata names the license %q; the SPDX license list has no id for it. Strata keeps no license texts.", n),
		})
	}
	return spdxjson.Write(sdoc, w, spdxjson.Indent("  "))
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

// uuidFrom shapes 32 hex digits as a version 5 UUID.
func uuidFrom(h string) string {
	for len(h) < 32 {
		h += "0"
	}
	return h[0:8] + "-" + h[8:12] + "-5" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}
