package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/signatures"
)

// ruleOptions are the flags that choose YARA rules, shared by scan and rules list.
type ruleOptions struct {
	paths     []string
	noBuiltin bool
}

func (o *ruleOptions) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&o.paths, "rules", nil, "YARA rule file or directory to add (repeatable)")
	cmd.Flags().BoolVar(&o.noBuiltin, "no-builtin-rules", false, "leave out Strata's built-in YARA rules")
}

// compile compiles the rules; a rule that does not compile is bad input.
func (o *ruleOptions) compile(maxFileSize int64) (*signatures.RuleSet, error) {
	if o.noBuiltin && len(o.paths) == 0 {
		return nil, nil
	}
	rs, err := signatures.Compile(signatures.Options{Paths: o.paths, NoBuiltin: o.noBuiltin, MaxFileSize: maxFileSize})
	if err != nil {
		return nil, badInput(err)
	}
	return rs, nil
}

func newScanCommand(g *globalOptions) *cobra.Command {
	var (
		out outputOptions
		so  storeOptions
		co  contentScanOptions
	)
	cmd := &cobra.Command{
		Use:   "scan IMAGE...",
		Short: "Find implants, backdoors, secrets and misconfigurations in images, no original needed",
		Long: `Read each image once and report what is wrong with it: reverse shells, LD_PRELOAD implants,
persistence, SSH keys, miners, web shells and other malware (YARA, built-in and --rules), secrets
in files, Env and history, setuid files, root users, remote-admin ports, files hidden by later
layers, files dated after the build, tampered layers, and a base that is not in the trust store
(strata trust add). Each finding names the layer and the build step that brought it.

Every scan is recorded in the history database (strata store), complete, failed or
interrupted. A database that cannot record (corrupt, written by a newer strata, locked by
another process beyond the 30 s busy timeout) stops the scan before it starts, and a scan
whose record could not be written prints its output and exits 2, saying so: the chain of
custody never has a silent gap. --no-record scans without reading the layer cache or
recording anything; the exit status is then the scan's alone.

Files larger than --max-file-size are hashed and listed as not content-scanned.
--fail-on SEVERITY exits 1 when a finding at or above it exists (info, low, medium, high,
critical). Accepted findings (--ignore FILE or ./.strataignore, --vex, --ignore-unfixed,
--severity) are reported apart and count neither in the verdict nor for --fail-on. SARIF locations are paths in the image (the layer is a property); see docs/json.md.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return badInput(errors.New("scan takes IMAGE... (got no image)"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			size, err := co.maxFileSize()
			if err != nil {
				return err
			}
			threshold, err := co.threshold()
			if err != nil {
				return err
			}
			noCache, _ := cmd.Flags().GetBool("no-cache")
			sc, err := co.scanner(cmd, g, &so, casework.ScanOptions{MaxFileSize: size, NoCache: noCache, NoRecord: so.noRecord})
			if err != nil {
				return err
			}
			defer sc.Close()
			ctx := cmd.Context()
			sink, endProgress := g.events(cmd)
			defer endProgress()
			var results []*audit.Result
			var unrecorded []error
			for _, ref := range args {
				r, err := sc.ScanRef(ctx, ref, sink)
				if err != nil {
					return err
				}
				results = append(results, r.Result)
				if r.RecordErr != nil {
					unrecorded = append(unrecorded, r.RecordErr)
				}
			}
			endProgress()
			if err := out.render(cmd, report.KindScan, report.ScanDocument{Results: results, Version: version, Catalog: sc.RuleCatalog()}); err != nil {
				return err
			}
			if len(unrecorded) > 0 {
				return notRecorded(unrecorded...)
			}
			if threshold >= 0 {
				for _, r := range results {
					if r.AtLeast(threshold) {
						return &exitError{code: exitFindings}
					}
				}
			}
			return nil
		},
	}
	out.register(cmd, report.Formats(report.KindScan)...)
	out.registerShowSecrets(cmd)
	co.register(cmd, "exit 1 when a finding at or above this severity exists", "skip checking files against the image's package databases")
	so.registerRecord(cmd)
	registerNoCache(cmd)
	return cmd
}

// parseSize reads "33554432", "32MiB", "32MB", "1G".
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(strings.ToUpper(t), strings.ToUpper(u.suffix)) {
			t, mult = strings.TrimSpace(t[:len(t)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive size", s)
	}
	return n * mult, nil
}
