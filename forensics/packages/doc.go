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
// packages imports forensics only: never audit, SQLite or YARA. rpm databases, SQLite ones
// included, are read by internal/rpmdb, a reader of their file formats of its own: in memory,
// behind bounds checks, so that a crafted database is a problem in the inventory and never a
// crash, a temporary file or a write. Every parser of a database or metadata file runs behind a
// recover boundary that turns a panic into a problem naming the file.
package packages
