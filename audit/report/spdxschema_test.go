package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/CycloneDX/sbom-utility/resources"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The official SPDX 2.3 JSON schemas (spdx-spec's schemas/spdx-schema.json of the 2.3 and 2.3.1
// releases), as the CycloneDX sbom-utility module ships them unmodified: the Go module proxy
// brings them with the rest of the module graph (make deps), so the repository holds no copy.
var spdxSchemaFiles = []string{"schema/spdx/2.3/spdx-schema.json", "schema/spdx/2.3.1/spdx-schema.json"}

var (
	spdxSchemasOnce sync.Once
	spdxSchemas     []*jsonschema.Schema
	spdxSchemasErr  error
)

// officialSPDXSchemas compiles the official schemas once; none of them is fetched (their
// $schema drafts are the validator's built-in metaschemas).
func officialSPDXSchemas(t *testing.T) []*jsonschema.Schema {
	t.Helper()
	spdxSchemasOnce.Do(func() {
		for _, name := range spdxSchemaFiles {
			b, err := resources.BOMSchemaFiles.ReadFile(name)
			if err != nil {
				spdxSchemasErr = fmt.Errorf("reading the SPDX schema %s: %w", name, err)
				return
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				spdxSchemasErr = fmt.Errorf("parsing the SPDX schema %s: %w", name, err)
				return
			}
			c := jsonschema.NewCompiler()
			url := "file:///" + name
			if err := c.AddResource(url, doc); err != nil {
				spdxSchemasErr = fmt.Errorf("adding the SPDX schema %s: %w", name, err)
				return
			}
			s, err := c.Compile(url)
			if err != nil {
				spdxSchemasErr = fmt.Errorf("compiling the SPDX schema %s: %w", name, err)
				return
			}
			spdxSchemas = append(spdxSchemas, s)
		}
	})
	if spdxSchemasErr != nil {
		t.Fatal(spdxSchemasErr)
	}
	return spdxSchemas
}

// validateSPDXSchema validates an SPDX JSON document against every official 2.3 schema.
func validateSPDXSchema(t *testing.T, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("the SPDX document is not JSON: %v", err)
	}
	for i, s := range officialSPDXSchemas(t) {
		if err := s.Validate(inst); err != nil {
			msg := err.Error()
			if len(msg) > 4000 {
				msg = msg[:4000] + "..."
			}
			t.Errorf("the official SPDX schema %s refuses the document:\n%s", spdxSchemaFiles[i], msg)
		}
	}
}

// TestSPDXSchemaRefuses keeps the schema check able to fail: the official schemas refuse what
// the SPDX 2.3 specification forbids.
func TestSPDXSchemaRefuses(t *testing.T) {
	valid := `{"SPDXID":"SPDXRef-DOCUMENT","spdxVersion":"SPDX-2.3","name":"x","dataLicense":"CC0-1.0",` +
		`"documentNamespace":"https://example.test/x","creationInfo":{"created":"2026-01-02T03:04:05Z","creators":["Tool: strata-test"]}%s}`
	for _, tc := range []struct {
		name, extra string
		ok          bool
	}{
		{"minimal document", ``, true},
		{"packages null", `,"packages":null`, false},
		{"package without a download location", `,"packages":[{"SPDXID":"SPDXRef-p","name":"p"}]`, false},
		{"unknown relationship", `,"relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"HOLDS","relatedSpdxElement":"SPDXRef-p"}]`, false},
		{"unknown checksum algorithm", `,"packages":[{"SPDXID":"SPDXRef-p","name":"p","downloadLocation":"NOASSERTION","checksums":[{"algorithm":"CRC32","checksumValue":"00"}]}]`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(fmt.Sprintf(valid, tc.extra)))
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range officialSPDXSchemas(t) {
				if err := s.Validate(inst); (err == nil) != tc.ok {
					t.Errorf("%s: valid %v, want %v (%v)", spdxSchemaFiles[i], err == nil, tc.ok, err)
				}
			}
		})
	}
}
