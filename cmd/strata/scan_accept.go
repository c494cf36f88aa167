package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit/accept"
)

// acceptOptions are scan's flags for accepted findings; audit/accept reads them into a policy
// that casework applies to each scan.
type acceptOptions struct {
	opts   accept.Options
	policy *accept.Policy
}

func (o *acceptOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.opts.IgnoreFile, "ignore", "", "accepted-findings file (default: "+accept.DefaultFile+" in the current directory, when there is one)")
	f.StringArrayVar(&o.opts.VEXFiles, "vex", nil, "OpenVEX document whose not_affected and fixed statements accept vulnerabilities (repeatable)")
	f.BoolVar(&o.opts.IgnoreUnfixed, "ignore-unfixed", false, "set aside vulnerabilities with no known fix")
	f.StringVar(&o.opts.Severities, "severity", "", "report only vulnerabilities of these severities (comma-separated: low,medium,high,critical)")
}

// load reads the files the flags name; a bad file is bad input.
func (o *acceptOptions) load() error {
	if o.opts.IgnoreFile == "" {
		o.opts.Dir, _ = os.Getwd()
	}
	p, err := accept.Load(o.opts)
	if err != nil {
		return badInput(err)
	}
	o.policy = p
	return nil
}
