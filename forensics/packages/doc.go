// Package packages reads what an image's own package databases say is installed: dpkg, apk and
// rpm, and the language packages that carry their own metadata (Python dist-info and egg-info,
// npm package.json, Go build info in binaries, Java archives). It names the layer that brought
// each package at its version and the files it owns, and checks every owned file against the
// checksum its database records, so that a trojaned /bin/ps or a stray library stands out from
// package noise without an original image to compare with.
//
// The database files are captured during the image's single read pass: a Collector's Visit is
// a forensics.FileVisitor (or is called from one). Inventory and Check then work on the stacked
// tree.
//
// packages imports forensics only: never audit, SQLite or YARA. The rpm sqlite database is
// opened through database/sql under the driver name "sqlite"; whoever links a driver registers
// it (audit/packages does).
package packages
