package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/casework"
)

// contentScanOptions are the flags scan and audit share: the rules, what a scan reads and
// checks, what it sets aside, and the severity that fails the command.
type contentScanOptions struct {
	rules      ruleOptions
	accepted   acceptOptions
	maxSize    string
	failOn     string
	noPackages bool
	withVulns  bool
	vulnMaxAge time.Duration
}

// register adds the flags; failOnUsage and packagesUsage word them for one image or a fleet.
func (o *contentScanOptions) register(cmd *cobra.Command, failOnUsage, packagesUsage string) {
	o.rules.register(cmd)
	f := cmd.Flags()
	f.StringVar(&o.maxSize, "max-file-size", "32MiB", "largest file to content-scan (bytes, or with KB, MB, GB, KiB, MiB, GiB)")
	f.StringVar(&o.failOn, "fail-on", "", failOnUsage)
	f.BoolVar(&o.noPackages, "no-packages", false, packagesUsage)
	f.BoolVar(&o.withVulns, "vulns", false, "match packages against the imported vulnerability database (strata vulndb import)")
	f.DurationVar(&o.vulnMaxAge, "vulndb-max-age", 7*24*time.Hour, "say so when the newest imported advisory is older than this")
	o.accepted.register(cmd)
}

// threshold reads --fail-on: -1 when it is not given.
func (o *contentScanOptions) threshold() (audit.Severity, error) {
	if o.failOn == "" {
		return -1, nil
	}
	s, err := audit.ParseSeverity(o.failOn)
	if err != nil {
		return -1, badInput(fmt.Errorf("--fail-on: %w", err))
	}
	return s, nil
}

// scanner opens the scanner the flags describe, with what opts adds (the layer cache and
// recording choices of the command), and checks that its history can record: every error is
// the command's to return.
func (o *contentScanOptions) scanner(cmd *cobra.Command, g *globalOptions, so *storeOptions, opts casework.ScanOptions) (*casework.Scanner, error) {
	if err := o.accepted.load(); err != nil {
		return nil, err
	}
	w, err := g.workspace(so)
	if err != nil {
		return nil, err
	}
	opts.RulePaths, opts.NoBuiltinRules = o.rules.paths, o.rules.noBuiltin
	opts.NoPackages, opts.Vulns, opts.VulnMaxAge = o.noPackages, o.withVulns, o.vulnMaxAge
	opts.Options, opts.Accept = setFlags(cmd), o.accepted.policy
	sc, err := w.NewScanner(cmd.Context(), opts)
	if err != nil {
		return nil, badInput(err)
	}
	if err := sc.StoreErr(); err != nil {
		sc.Close()
		return nil, notRecordable(err)
	}
	return sc, nil
}

// maxFileSize reads --max-file-size.
func (o *contentScanOptions) maxFileSize() (int64, error) {
	size, err := parseSize(o.maxSize)
	if err != nil {
		return 0, badInput(fmt.Errorf("--max-file-size: %w", err))
	}
	return size, nil
}
