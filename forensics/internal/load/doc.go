// Package load opens saved container images (docker-archive, oci-archive, OCI layout, plain
// root filesystem directories) and yields their manifest, config and verified, decompressed
// layer streams. It is the only package of Strata that imports containers/image; it never
// opens a network connection, never writes into the input, and keeps temporary files only
// under the directory its caller names.
package load
