package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/portalsim/portalsim/reports"
	"github.com/portalsim/portalsim/reports/compare"
	"github.com/portalsim/portalsim/reports/render"
)

const reportUsage = `Work with run reports (the JSON files "portalsim run" writes).

  portalsim report show [-format text|markdown|benchfmt|json|junit|csv] FILE
                                           print a report: terminal tables, Markdown for CI
                                           summaries and pull requests, Go benchmark lines
                                           for benchstat, the JSON itself, JUnit XML of the
                                           thresholds for CI, or CSV of the per-second figures
  portalsim report html FILE -o OUT.html   one self-contained HTML page with plots
  portalsim report merge -o OUT A B ...    merge the reports of shards or processes of one run, exactly
  portalsim report compare [flags] BASE HEAD
                                           compare two runs with statistics a CI job can gate on

Exit codes of compare: 0 no significant change, 3 improvement only,
4 regression, 5 not enough data, 6 invalid input (an invalid run, or runs
of different scenarios), 7 inconclusive (one run shared the machine
with more other work); 1 and 2 are errors and bad usage.`

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, reportUsage)
		return usagef("report: a subcommand is needed")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, reportUsage)
		return nil
	case "show":
		return reportShow(args[1:], stdout, stderr)
	case "merge":
		return reportMerge(args[1:], stdout, stderr)
	case "html":
		return reportHTML(args[1:], stdout, stderr)
	case "compare":
		return reportCompare(args[1:], stdout, stderr)
	}
	return usagef("report: unknown subcommand %q", args[0])
}

func reportShow(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report show", "Print a report.\n\nUsage: portalsim report show [-format text|markdown|benchfmt|json|junit|csv] FILE", stderr)
	format := fs.String("format", "text", "text (terminal tables), markdown (CI summaries, PR comments), benchfmt (for benchstat), json, junit (JUnit XML of the run's validity and thresholds, for CI) or csv (per-second figures per action)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("report show: one report file, got %d", len(pos))
	}
	r, err := reports.ReadFile(pos[0])
	if err != nil {
		return exitErr{ExitInvalidConfig, err}
	}
	switch *format {
	case "text":
		return render.Text(stdout, r)
	case "markdown", "md":
		return render.Markdown(stdout, r)
	case "benchfmt", "bench":
		return render.Benchfmt(stdout, r)
	case "json":
		return r.Write(stdout)
	case "junit":
		return render.JUnit(stdout, r)
	case "csv":
		return render.CSV(stdout, r)
	}
	return usagef("report show: -format %q: want text, markdown, benchfmt, json, junit or csv", *format)
}

func reportHTML(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report html", "Write a report as one self-contained HTML page with plots (no network needed to view it).\n\nUsage: portalsim report html FILE -o OUT.html", stderr)
	out := fs.String("o", "report.html", "the HTML file to write")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("report html: one report file, got %d", len(pos))
	}
	r, err := reports.ReadFile(pos[0])
	if err != nil {
		return exitErr{ExitInvalidConfig, err}
	}
	var b bytes.Buffer
	if err := render.HTML(&b, r); err != nil {
		return err
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}

func reportMerge(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report merge", "Merge the reports of the shards (or processes) of one run into one, exactly:\ncounters add up and histograms merge without loss. A shard given twice, or two\nwhole runs, are refused (exit 104); reports too old to say which shard they\nare merge with a warning.\n\nUsage: portalsim report merge -o OUT A.json B.json ...", stderr)
	out := fs.String("o", "", "the merged report file (required)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *out == "" || len(pos) == 0 {
		return usagef("report merge: need -o OUT and at least one report")
	}
	var rs []*reports.Report
	for _, p := range pos {
		r, err := reports.ReadFile(p)
		if err != nil {
			return exitErr{ExitInvalidConfig, err}
		}
		if !r.Meta.HasIdentity() && len(pos) > 1 {
			fmt.Fprintf(stderr, "portalsim: warning: %s has no shard identity (written before portalsim recorded one): it is merged without checking that no shard is merged twice\n", p)
		}
		rs = append(rs, r)
	}
	m, err := reports.MergeAll(rs...)
	if err != nil {
		return exitErr{ExitInvalidConfig, fmt.Errorf("report merge: %w", err)}
	}
	if err := m.WriteFile(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merged %d reports into %s\n", len(rs), *out)
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ", ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

const compareUsage = `Compare runs of the same scenario, one or several per side: per metric
(p50, p90, p99 of all commands and per action, throughput, error rate)
the change, its confidence interval and a p-value, Holm-corrected over
the metrics that decide the verdict (per-action rows are informational
unless a threshold names them). A change fails the comparison only if
it is significant AND at least the minimum effect (or beyond its
threshold). Thresholds: "p99 +10%" (may rise 10%), "p99(looks) +20%",
"throughput -5%" (may fall 5%), "errors > 0", "error_rate > 1%".

Usage: portalsim report compare [flags] BASE.json HEAD.json
       portalsim report compare [flags] BASE1.json,BASE2.json,BASE3.json HEAD1.json,HEAD2.json,HEAD3.json

Several runs per side (comma-separated, best interleaved: base, head,
base, head) are each trimmed of their warm-up and cool-down, cut into
time windows, and each run's level of a metric is the median of its
windows; the levels of the two sides are compared with Student's t-test,
the run being the unit: whole runs of one build differ from each other
(on a small shared VM by 15% at p50, run to run), and only runs
can show it. With one run on a side the windows are the unit (a
Mann-Whitney U test and a bootstrap interval of the change of their
medians): a shift of a whole run then looks like a change of the
build, so gate on several runs a side (portalsim bench compare).

The machine's load: each run records, per second, the CPU other
processes used (on Linux; older reports have none). A second whose
background load is more than -busy-margin (10% of all cores) above the
pair's quiet level (the lower of the runs' median seconds) is busy; the
busy seconds are dropped from both runs by position (the same second of
each run, which interleaved runs pair up), and the count said, unless
-keep-busy, or fewer than half of the seconds (or than 8 windows) would
remain. A comparison whose runs' mean background loads, over the
seconds compared, were more than -load-diff (5% of all cores) apart is
inconclusive, whatever it would have said: exit 7, "the machine was
busier during HEAD" (or BASE: a neighbour can speed a lightly loaded
run up, too, and a slowed base hides a slower head). An absolute
threshold ("errors > 0") fails whatever the load. -ignore-load judges
without the machine. The load is judged only when every process of the
run was told apart (an embedded run, or -target-pids, or a target on
another machine).

Exit codes: 0 no significant change, 3 improvement only, 4 regression,
5 not enough data, 6 invalid input (an invalid run, different scenarios,
an interrupted run against a complete one without -allow-interrupted),
7 inconclusive (one run shared the machine with more other work).`

func reportCompare(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report compare", compareUsage, stderr)
	var cf compareFlags
	cf.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("report compare: want BASE and HEAD, got %d files", len(pos))
	}
	base, err := readPooled(strings.Split(pos[0], ","))
	if err != nil {
		return exitErr{compare.VerdictInvalid.ExitCode(), err}
	}
	head, err := readPooled(strings.Split(pos[1], ","))
	if err != nil {
		return exitErr{compare.VerdictInvalid.ExitCode(), err}
	}
	return cf.compare(base, head, stdout)
}

// compareFlags are the flags of a comparison of two (pooled) runs,
// shared by "report compare" and "bench compare".
type compareFlags struct {
	thresholds       stringList
	alpha, minEffect float64
	format           string
	allowInterrupted bool
	byWindows        bool
	load             loadOpts
}

func (cf *compareFlags) register(fs *flag.FlagSet) {
	fs.Var(&cf.thresholds, "threshold", "a comparison threshold, e.g. \"p99 +10%\" (repeatable)")
	fs.Float64Var(&cf.alpha, "alpha", compare.DefaultAlpha, "significance level")
	fs.Float64Var(&cf.minEffect, "min-effect", compare.DefaultMinEffect, "smallest relative change that counts (0.1 = 10%)")
	fs.StringVar(&cf.format, "format", "text", "text, markdown or json")
	fs.BoolVar(&cf.allowInterrupted, "allow-interrupted", false, "compare an interrupted run (stopped before its planned end) with a complete one")
	fs.BoolVar(&cf.byWindows, "by-windows", false, "test the time windows even with several runs a side, as before runs were the unit")
	cf.load.register(fs)
}

// check checks what can be checked before there are runs to compare:
// the format, the thresholds' syntax and the options' ranges.
func (cf *compareFlags) check() ([]compare.Threshold, error) {
	switch cf.format {
	case "text", "markdown", "md", "json":
	default:
		return nil, usagef("-format %q: want text, markdown or json", cf.format)
	}
	parsed, err := compare.ParseThresholds(cf.thresholds)
	if err != nil {
		return nil, usageError{err}
	}
	if err := cf.options(parsed).Check(); err != nil {
		return nil, usageError{err}
	}
	return parsed, nil
}

// options are the comparison's options, with the parsed thresholds.
func (cf *compareFlags) options(parsed []compare.Threshold) compare.Options {
	opts := compare.Options{Alpha: cf.alpha, MinEffect: cf.minEffect, Thresholds: parsed, Trim: -1,
		TrimmedBefore: "10% of each run's seconds", AllowInterrupted: cf.allowInterrupted, ByWindows: cf.byWindows} // readPooled pools: reports.Pool(rs, -1)
	cf.load.apply(&opts)
	return opts
}

// compare compares the pooled runs (see readPooled), writes the
// comparison in the chosen format and returns the verdict's exit code
// as an exitErr (nil for no change).
func (cf *compareFlags) compare(base, head *reports.Report, stdout io.Writer) error {
	parsed, err := cf.check()
	if err != nil {
		return err
	}
	// A misspelled action is a mistake in the command line, said before
	// comparing, not a metric that cannot be evaluated after.
	known := slices.Concat(slices.Collect(maps.Keys(base.Actions)), slices.Collect(maps.Keys(head.Actions)))
	var errs []error
	for _, th := range parsed {
		if err := th.CheckAction(known); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return usageError{err}
	}
	c, err := compare.Compare(base, head, cf.options(parsed))
	if err != nil {
		return usageError{err}
	}
	switch cf.format {
	case "text":
		err = render.ComparisonText(stdout, c)
	case "markdown", "md":
		err = render.ComparisonMarkdown(stdout, c)
	case "json":
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(c)
	}
	if err != nil {
		return err
	}
	if code := c.Verdict.ExitCode(); code != 0 {
		return exitErr{code, fmt.Errorf("comparison: %s", c.Verdict)}
	}
	return nil
}

// loadOpts are the flags of how a comparison judges the machine's load.
type loadOpts struct {
	ignore, keepBusy     bool
	busyMargin, loadDiff float64
}

func (o *loadOpts) register(fs *flag.FlagSet) {
	fs.BoolVar(&o.ignore, "ignore-load", false, "judge the runs without regard to the machine's load: drop no second, never inconclusive")
	fs.BoolVar(&o.keepBusy, "keep-busy", false, "compare the busy seconds too instead of dropping them from both runs")
	fs.Float64Var(&o.busyMargin, "busy-margin", compare.DefaultBusyMargin, "a second is busy when other processes used this share of all cores above the pair's quiet level (0 to 1; 0: the default)")
	fs.Float64Var(&o.loadDiff, "load-diff", compare.DefaultLoadDiff, "the comparison is inconclusive when the runs' mean background loads were this share of all cores apart (0 to 1; 0: the default)")
}

func (o loadOpts) apply(opts *compare.Options) {
	opts.IgnoreLoad, opts.KeepBusy, opts.BusyMargin, opts.LoadDiff = o.ignore, o.keepBusy, o.busyMargin, o.loadDiff
}

// readPooled reads reports and pools them, each trimmed of its warm-up
// and cool-down.
func readPooled(paths []string) (*reports.Report, error) {
	var rs []*reports.Report
	for _, p := range paths {
		r, err := reports.ReadFile(p)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return reports.Pool(rs, -1)
}
