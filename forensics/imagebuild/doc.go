// Package imagebuild builds container images deterministically, in memory or through temporary
// files, and writes them in the formats Strata reads: docker-archive (the classic `docker save`
// layout of Docker 24 and earlier, and the Docker 25+ layout that is also an OCI image layout),
// oci-archive and OCI layout directories. Building the same Image twice gives the same bytes.
//
// It exists for tests, benchmarks and `make demo`: every other package builds its fixtures
// here, so imagebuild must not import any other Strata package.
//
// # Recipes
//
// An Image lists its layers as Files (helpers Reg, Dir, Symlink, Hardlink, Whiteout, Opaque)
// or as a Raw tar stream for hostile input. Files are written in the order given, so a test
// controls exactly what a layer tar holds. DemoOriginal and DemoSuspect are the bundled sample
// pair; Synthetic makes big, realistic-looking images for benchmarks.
//
// # Tampering
//
// Build returns a Built whose exported fields are what the writers emit, verbatim:
//
//   - corrupt a blob: change Built.Layers[i].Blob (or the file at Path) after Build; the
//     manifests still name the old digest.
//   - drop a blob: set Built.Layers[i].Omit; the manifests still name it.
//   - change the config without touching layers: Built.ReplaceConfig(newJSON) (or
//     Built.EditConfig), which re-renders the manifest so only the config differs.
//   - swap a layer: Built.ReplaceLayer(i, layer) rebuilds the blob and the manifest but leaves
//     the config's diff_ids alone, so the diff_id no longer matches; build a whole new Image
//     for a consistent replacement.
//   - lie in the history: set Image.History explicitly.
//
// The writers never recompute digests from the bytes they write.
package imagebuild
