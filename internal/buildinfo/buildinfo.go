// Package buildinfo says which Strata this is: its version, the commit it was built from and
// when. The Makefile stamps them with -ldflags -X; a binary built with go install or go build
// alone takes them from the build information Go embeds. It imports nothing of Strata's and
// everything may import it.
package buildinfo

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Set by the Makefile: -ldflags "-X github.com/strata-forensics/strata/internal/buildinfo.version=..."
var (
	version string
	commit  string
	date    string
)

// Info identifies a build.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Date    string `json:"date,omitempty"`
}

// Get returns the build's identity: what the Makefile stamped, else what Go's build
// information holds (the module version under go install, the VCS revision and time under
// go build in a checkout), else version "dev".
func Get() Info {
	return resolve(version, commit, date, readBuildInfo)
}

func readBuildInfo() (*debug.BuildInfo, bool) { return debug.ReadBuildInfo() }

func resolve(v, c, d string, read func() (*debug.BuildInfo, bool)) Info {
	info := Info{Version: v, Commit: c, Date: d}
	if bi, ok := read(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		modified := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if info.Version == "" && info.Commit != "" {
			info.Version = "dev-" + info.Commit[:min(12, len(info.Commit))]
			if modified {
				info.Version += "-dirty"
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	return info
}

// String is the one line `strata version` prints: "strata 1.2.0 (commit 0a1b2c3d4e5f, built
// 2025-01-02T03:04:05Z)".
func (i Info) String() string {
	var extra []string
	if i.Commit != "" {
		extra = append(extra, "commit "+i.Commit[:min(12, len(i.Commit))])
	}
	if i.Date != "" {
		extra = append(extra, "built "+i.Date)
	}
	s := "strata " + i.Version
	if len(extra) > 0 {
		s += fmt.Sprintf(" (%s)", strings.Join(extra, ", "))
	}
	return s
}
