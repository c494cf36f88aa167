package main

import (
	"errors"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/strata-forensics/strata/audit"
	"github.com/strata-forensics/strata/audit/report"
	"github.com/strata-forensics/strata/casework"
	"github.com/strata-forensics/strata/forensics"
)

type diffOptions struct {
	out          outputOptions
	store        storeOptions
	all          bool
	failOnChange bool
	noContent    bool
	verify       bool
	path         string
	maxDiffs     int
	textCap      int64
	diffLines    int
	tui          bool
	noScan       bool
	rules        ruleOptions
	accepted     acceptOptions
	findings     []audit.Finding
}

func newDiffCommand(g *globalOptions) *cobra.Command {
	var o diffOptions
	cmd := &cobra.Command{
		Use:   "diff ORIGINAL SUSPECT",
		Short: "Show what changed from an original image to a suspect one, most important first",
		Long: `Compare a known-good ORIGINAL image with a SUSPECT one and show every change: layers (aligned by
diff_id; shared layers are read once and not compared file by file), files added, removed,
modified (each changed attribute named: content, size, type, mode, setuid/setgid, uid, gid, link,
mtime) or hidden (shipped in a suspect layer but whited-out), with the suspect layer and history
step that brought each change; the runtime config (env, with LD_PRELOAD and friends called out,
entrypoint, cmd, user, ...), the history, and integrity anomalies of the suspect: a layer whose
content changed while its history line did not, digests that do not match, timestamps that lie.

File changes are scored 0-100 by rules on paths, detected file types, modes and the suspect's
config, and listed highest first with a short reason; package-manager churn (apt lists, caches,
logs, *.pyc) is folded unless --all is given. Changed text files are re-read, one pass per layer
that holds any, and the top --max-diffs of them are shown as unified diffs.

ORIGINAL and SUSPECT are references as for inspect: two images of one archive work
(docker-archive:PATH:@0 and docker-archive:PATH:@1), and either may be a root filesystem (dir:).

The suspect's scan sets aside accepted findings (--ignore FILE or ./.strataignore, --vex,
--ignore-unfixed, --severity) as strata scan does.

The comparison, and the suspect's scan, are recorded in the history database; when they could
not be, the output is printed and strata diff exits 2 (--no-record records nothing).

Exit status: 0 when the comparison ran, 1 with --fail-on-change when anything differs, 2 for bad
input or a comparison that could not be recorded.`,
		Args: exactArgs(2, "ORIGINAL and SUSPECT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.accepted.load(); err != nil {
				return err
			}
			if o.tui {
				return runDiffTUI(cmd, g, &o, args[0], args[1])
			}
			return runDiff(cmd, g, &o, args[0], args[1])
		},
	}
	o.out.register(cmd, report.Formats(report.KindDiff)...)
	o.out.registerShowSecrets(cmd)
	o.store.registerRecord(cmd)
	registerNoCache(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.all, "all", false, "also list package-manager changes (text output folds them)")
	f.BoolVar(&o.failOnChange, "fail-on-change", false, "exit 1 when the images differ in any file, config field, history step or layer")
	f.BoolVar(&o.noContent, "no-content", false, "do not re-read changed files: no file types from content, no content diffs")
	f.BoolVar(&o.verify, "verify-shared", false, "no effect: shared layers are always verified by hashing both images' blobs")
	_ = f.MarkDeprecated("verify-shared", "every layer is identified by what its bytes hash to; nothing is left to verify")
	f.StringVar(&o.path, "path", "", "show one file: both versions' metadata and provenance, and its content diff")
	f.IntVar(&o.maxDiffs, "max-diffs", forensics.DefaultMaxContentDiffs, "compute content diffs for at most this many text files, highest ranked first")
	f.Int64Var(&o.textCap, "text-cap", forensics.DefaultTextCap, "largest text file, in bytes, to diff")
	f.IntVar(&o.diffLines, "diff-lines", 40, "in text output, show at most this many lines of each content diff (0: all)")
	f.BoolVar(&o.tui, "tui", false, "open the comparison in the terminal workbench (strata tui)")
	f.BoolVar(&o.noScan, "no-scan", false, "do not scan the suspect for findings in what changed")
	o.rules.register(cmd)
	o.accepted.register(cmd)
	return cmd
}

func runDiff(cmd *cobra.Command, g *globalOptions, o *diffOptions, origRef, suspRef string) error {
	ctx := cmd.Context()
	w, err := g.workspace(&o.store)
	if err != nil {
		return err
	}
	maxDiffs := o.maxDiffs
	if maxDiffs == 0 {
		maxDiffs = -1
	}
	opts := casework.DiffOptions{NoRecord: o.store.noRecord,
		DiffOptions: forensics.DiffOptions{MaxContentDiffs: maxDiffs, TextCap: o.textCap, NoContent: o.noContent}}
	if !o.noScan && o.path == "" {
		noCache, _ := cmd.Flags().GetBool("no-cache")
		sc, err := w.NewScanner(ctx, casework.ScanOptions{RulePaths: o.rules.paths, NoBuiltinRules: o.rules.noBuiltin,
			NoCache: noCache, NoRecord: o.store.noRecord, Options: setFlags(cmd), Accept: o.accepted.policy})
		if err != nil {
			return badInput(err)
		}
		defer sc.Close()
		if err := sc.StoreErr(); err != nil {
			return notRecordable(err)
		}
		opts.Scanner = sc
	}
	sink, endProgress := g.events(cmd)
	defer endProgress()
	res, closeImages, err := w.DiffRefs(ctx, origRef, suspRef, opts, sink)
	if err != nil {
		return badInput(err)
	}
	defer closeImages()
	d := res.Diff
	o.findings = res.Findings
	var one *forensics.FileChange
	if o.path != "" {
		if one, err = d.File(ctx, o.path); err != nil {
			if errors.Is(err, forensics.ErrNotFound) {
				return badInput(err)
			}
			return err
		}
	}
	endProgress()
	color := o.out.output == "" && isTerminal(cmd.OutOrStdout()) && os.Getenv("NO_COLOR") == ""
	if one != nil {
		err = o.out.render(cmd, report.KindDiffFile, report.DiffFileDocument{Diff: d, File: one, Color: color})
	} else {
		err = o.out.render(cmd, report.KindDiff, report.DiffDocument{Diff: d, Findings: o.findings, Scanned: !o.noScan,
			All: o.all, DiffLines: o.diffLines, Color: color})
	}
	if err != nil {
		return err
	}
	if res.RecordErr != nil {
		return notRecorded(res.RecordErr)
	}
	changed := d.Changed()
	if one != nil {
		changed = one.Change != forensics.FileUnchanged
	}
	if o.failOnChange && changed {
		return &exitError{code: exitFindings}
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
