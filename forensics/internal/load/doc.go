// Package load opens saved container images (docker-archive, oci-archive, OCI layout, plain
// root filesystem directories) and yields their manifest, config and verified, decompressed
// layer streams. It is the only package of Strata that imports containers/image; it never
// opens a network connection, never writes into the input, and keeps temporary files only
// under the directory its caller names.
//
// It imports only the docker/archive and oci/layout transports of containers/image, with an
// in-memory blob info cache and every path setting pointed at the caller's temporary
// directory. OCI archives are not read through oci/archive: only the layout members
// (oci-layout, index.json, blobs/<alg>/<hex>) are copied, as plain files, into the temporary
// directory and opened as a layout, so a hostile archive cannot plant devices, setuid files or
// symlinks there, and images can be chosen by index.
//
// What each format yields for a layer's Blob:
//
//   - docker-archive: containers/image synthesizes a schema2 manifest addressed by diff_id and
//     decompresses layers itself, so Digest == DiffID and the one check is a "diff_id" check.
//     Size is the stored size of the layer member. ManifestDigest is that of the synthesized
//     manifest, unless the archive is a Docker 25+ one whose index.json names a stored manifest
//     for the same config: then Manifest and ManifestDigest are that real one.
//   - oci-archive, OCI layout: Digest is the stored blob digest from the manifest, DiffID the
//     config's entry; they are equal for uncompressed layers (then hashed once).
//   - dir: one synthetic layer with empty Digest and DiffID and nothing to check.
//
// Layer URLs (foreign layers) are never followed: the OCI layout source would fetch them over
// HTTP, so blobs are always requested by digest alone.
//
// It must not import anything of Strata outside forensics/internal.
package load
