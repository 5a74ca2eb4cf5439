package main

import (
	"context"
	"fmt"
	"io"

	"github.com/portalsim/portalsim/reports"
)

const reportUsage = `Work with run reports (the JSON files "portalsim run" writes).

  portalsim report show FILE               print the summary of a report
  portalsim report merge -o OUT A B ...    merge the reports of shards or processes of one run, exactly`

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
	}
	return usagef("report: unknown subcommand %q", args[0])
}

func reportShow(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report show", "Print the summary of a report.\n\nUsage: portalsim report show FILE", stderr)
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
	fmt.Fprintf(stdout, "scenario %q (%s model, seed %d) against %s, started %s\n", r.Meta.Scenario, r.Meta.Model, r.Meta.Seed, r.Meta.Target, r.Meta.Start.Format("2006-01-02 15:04:05 MST"))
	writeSummary(stdout, r)
	return nil
}

func reportMerge(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report merge", "Merge the reports of the shards (or processes) of one run into one, exactly:\ncounters add up and histograms merge without loss.\n\nUsage: portalsim report merge -o OUT A.json B.json ...", stderr)
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
		rs = append(rs, r)
	}
	m, err := reports.MergeAll(rs...)
	if err != nil {
		return exitErr{ExitInvalidConfig, err}
	}
	if err := m.WriteFile(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "merged %d reports into %s\n", len(rs), *out)
	return nil
}
