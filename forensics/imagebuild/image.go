package imagebuild

import (
	"archive/tar"
	"io"
	"iter"
	"path"
	"strings"
	"time"
)

// Epoch is the default creation time of images, layers and files: a fixed date, so that
// builds do not depend on the clock.
var Epoch = time.Date(2024, time.June, 1, 12, 0, 0, 0, time.UTC)

// Compression selects how a layer blob is stored.
type Compression int

// Layer compressions.
const (
	None Compression = iota
	Gzip
	Zstd
)

// String names the compression as media types spell it.
func (c Compression) String() string {
	switch c {
	case None:
		return "none"
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	}
	return "unknown"
}

// File is one member of a layer tar.
type File struct {
	// Path is the file's path, with or without a leading slash; directories get a trailing
	// slash in the tar as Docker writes them.
	Path string
	// Name, when set, is written to the tar header verbatim instead of the cleaned Path, for
	// hostile names like "../x" or "/abs".
	Name  string
	Type  byte  // tar typeflag; 0 means tar.TypeReg
	Mode  int64 // permission plus setuid/setgid/sticky bits; 0 means 0644 files, 0755 dirs, 0777 symlinks
	UID   int
	GID   int
	Uname string
	Gname string
	// ModTime zero means the layer's Created time, else the image's, else Epoch.
	ModTime time.Time
	Content []byte
	// Open, when set, streams Size bytes of content instead of Content, so big generated files
	// are never held in memory.
	Size int64
	Open func() io.Reader
	// Link is the symlink or hardlink target.
	Link     string
	DevMajor int64
	DevMinor int64
	// Xattrs become SCHILY.xattr.* PAX records (file capabilities, SELinux labels).
	Xattrs map[string]string
	// Regions, for a file made by SparseFile, are its data regions; the rest of its Size bytes
	// are holes.
	Regions []Region
}

// Region is one data region of a sparse file: Data at Offset.
type Region struct {
	Offset int64
	Data   []byte
}

// Reg returns a regular file.
func Reg(p, content string) File { return File{Path: p, Type: tar.TypeReg, Content: []byte(content)} }

// RegBytes returns a regular file with binary content.
func RegBytes(p string, content []byte) File {
	return File{Path: p, Type: tar.TypeReg, Content: content}
}

// SparseFile returns a GNU sparse file (PAX format 1.0, as GNU tar --sparse --format=pax
// writes it) of size bytes, holes except for the data regions, which must be in order and
// apart. archive/tar cannot write sparse files; the builder writes its blocks itself.
func SparseFile(p string, size int64, regions ...Region) File {
	return File{Path: p, Type: tar.TypeGNUSparse, Size: size, Regions: regions}
}

// Dir returns a directory.
func Dir(p string) File { return File{Path: p, Type: tar.TypeDir} }

// Symlink returns a symbolic link to target, written as given.
func Symlink(p, target string) File { return File{Path: p, Type: tar.TypeSymlink, Link: target} }

// Hardlink returns a hard link to another member of the same layer; the target is written
// without a leading slash, as in tar member names.
func Hardlink(p, target string) File {
	return File{Path: p, Type: tar.TypeLink, Link: strings.TrimLeft(target, "/")}
}

// Whiteout returns the marker that deletes p from the layers below: dir/.wh.base, an empty file.
func Whiteout(p string) File {
	dir, base := path.Split(strings.Trim(p, "/"))
	return File{Path: dir + WhiteoutPrefix + base, Type: tar.TypeReg}
}

// Opaque returns the marker that hides everything the layers below put in dir:
// dir/.wh..wh..opq. Docker also writes the directory entry itself; add Dir(dir) before it
// for a faithful layer.
func Opaque(dir string) File {
	d := strings.Trim(dir, "/")
	if d != "" {
		d += "/"
	}
	return File{Path: d + WhiteoutOpaque, Type: tar.TypeReg}
}

// Whiteout file names (AUFS style, as the OCI image spec adopts them).
const (
	WhiteoutPrefix = ".wh."
	WhiteoutOpaque = ".wh..wh..opq"
)

// WithMode returns f with its permission bits set.
func (f File) WithMode(mode int64) File { f.Mode = mode; return f }

// WithOwner returns f owned by uid:gid.
func (f File) WithOwner(uid, gid int) File { f.UID, f.GID = uid, gid; return f }

// WithTime returns f with its modification time set.
func (f File) WithTime(t time.Time) File { f.ModTime = t; return f }

// WithName returns f written under a verbatim tar name.
func (f File) WithName(name string) File { f.Name = name; return f }

// Layer is one filesystem change set.
type Layer struct {
	Files []File
	// Generate, when set, yields more files after Files, one at a time, for generated layers
	// too big to list (a million files).
	Generate iter.Seq[File]
	// Raw, when non-nil, is used verbatim as the uncompressed tar stream.
	Raw         []byte
	Compression Compression
	// CreatedBy, Comment and Created fill the layer's history step when Image.History is nil.
	CreatedBy string
	Comment   string
	Created   time.Time
}

// Step is one entry of the config history.
type Step struct {
	Created    time.Time
	Author     string
	CreatedBy  string
	Comment    string
	EmptyLayer bool
}

// Healthcheck is the HEALTHCHECK instruction as stored in the config.
type Healthcheck struct {
	Test          []string
	Interval      time.Duration
	Timeout       time.Duration
	StartPeriod   time.Duration
	StartInterval time.Duration
	Retries       int
}

// Config is the runtime part of the image config.
type Config struct {
	User         string
	Env          []string
	Entrypoint   []string
	Cmd          []string
	WorkingDir   string
	ExposedPorts []string // "8080/tcp"
	Volumes      []string
	Labels       map[string]string
	Healthcheck  *Healthcheck
	StopSignal   string
	OnBuild      []string
	Shell        []string
}

// Image is a recipe.
type Image struct {
	// Tags are references in the familiar form docker save writes: "name:tag", "registry/name:tag".
	Tags    []string
	Created time.Time // zero means Epoch
	OS      string    // "" means linux
	Arch    string    // "" means amd64
	Variant string
	Author  string
	Config  Config
	Layers  []Layer
	// History nil means one step per layer, from Layer.CreatedBy, Comment and Created.
	// Non-nil is used verbatim, so tests can make history disagree with the layers.
	History []Step
	// DockerMediaTypes selects Docker schema2 media types for the manifest, config and
	// layers instead of OCI ones (what registries and containerd-backed docker save hold).
	DockerMediaTypes bool
}

func (img Image) withDefaults() Image {
	if img.Created.IsZero() {
		img.Created = Epoch
	}
	if img.OS == "" {
		img.OS = "linux"
	}
	if img.Arch == "" {
		img.Arch = "amd64"
	}
	return img
}
