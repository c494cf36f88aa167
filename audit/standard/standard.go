// Package standard assembles the analyzers a default scan runs, in the order they must run:
// trust first (others ask which layers are the base), filesystem last (it reviews every other
// analyzer's findings for hidden files).
package standard

import (
	"errors"
	"io"
	"time"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/binary"
	"github.com/strata-forensics/strata/audit/config"
	"github.com/strata-forensics/strata/audit/filesystem"
	"github.com/strata-forensics/strata/audit/packages"
	"github.com/strata-forensics/strata/audit/secrets"
	"github.com/strata-forensics/strata/audit/shell"
	"github.com/strata-forensics/strata/audit/tamper"
	"github.com/strata-forensics/strata/audit/trust"
	"github.com/strata-forensics/strata/audit/vulns"
	"github.com/strata-forensics/strata/audit/webshell"
	"github.com/strata-forensics/strata/audit/yara"
	pkgs "github.com/strata-forensics/strata/forensics/packages"
	"github.com/strata-forensics/strata/signatures"
)

// Options choose the analyzers' inputs.
type Options struct {
	// Rules is the compiled YARA rule set; nil leaves YARA out. The caller closes it after
	// closing the Set.
	Rules *signatures.RuleSet
	// Trust is the store of trusted images; nil leaves the trust analyzer out.
	Trust trust.Store
	// Packages checks files against the image's own package databases (integrity and
	// non-packaged executables); its temporary files go below TempDir.
	Packages bool
	TempDir  string
	// PackageParses, when set, shares the parsed package databases with the other scans
	// given the same cache (an audit's images built on the same bases).
	PackageParses *pkgs.ParseCache
	// Vulns, when set (with Packages), matches the package inventory against the imported
	// advisories; findings say so when the database is older than VulnMaxAge.
	Vulns      *vulns.DB
	VulnMaxAge time.Duration
}

// Set is the analyzers of a scan.
type Set struct {
	Analyzers []audit.Analyzer
}

// New builds the default analyzers.
func New(opts Options) (*Set, error) {
	s := &Set{}
	if opts.Trust != nil {
		t, err := trust.New(opts.Trust)
		if err != nil {
			return nil, err
		}
		s.Analyzers = append(s.Analyzers, t)
	}
	if opts.Rules != nil {
		s.Analyzers = append(s.Analyzers, yara.New(opts.Rules))
	}
	sh := shell.New()
	s.Analyzers = append(s.Analyzers, webshell.New(), secrets.New(), sh, binary.New(), config.New(), tamper.New())
	if opts.Packages {
		// The inventory must exist before the advisories are matched against it.
		pk := packages.New(opts.TempDir)
		pk.Parses = opts.PackageParses
		sh.Inventory = pk.Inventory
		s.Analyzers = append(s.Analyzers, pk)
		if opts.Vulns != nil {
			s.Analyzers = append(s.Analyzers, &vulns.Analyzer{DB: opts.Vulns, Inventory: pk, MaxAge: opts.VulnMaxAge})
		}
	}
	s.Analyzers = append(s.Analyzers, filesystem.New())
	return s, nil
}

// Close frees the analyzers' resources (YARA scanners).
func (s *Set) Close() error {
	var errs []error
	for _, a := range s.Analyzers {
		if c, ok := a.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}
