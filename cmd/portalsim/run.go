package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// command is one subcommand: its one-line summary and its entry point.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the fixed set of subcommands.
func commands() map[string]command {
	return map[string]command{
		"bench":    {"measure the portal against its physical limit and other servers (bench <what>)", runBench},
		"capacity": {"find the highest load a game holds under an SLO: ramp, bisect, confirm", runCapacity},
		"report":   {"show, merge, compare or write as HTML run reports (report show|merge|compare|html)", runReport},
		"run":      {"run a load scenario: dummy players against a portal (embedded by default)", runRun},
		"serve":    {"run the portal and the game server in one process", runServe},
		"portal":   {"run the portal alone; a game server connects to its link port", runPortal},
		"server":   {"run the game server alone, connecting to a portal's link port", runServer},
		"version":  {"print the version", runVersion},
	}
}

// run is the whole program: it parses args and runs one subcommand.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stderr)
		return usagef("no command given")
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands()[args[1]]; ok {
				return c.run(ctx, []string{"-h"}, stdout, stdout)
			}
		}
		printUsage(stdout)
		return nil
	case "--version", "-version":
		name = "version"
	case childCommand: // hidden: not in commands(), so in no help text
		return runChild(ctx, args[1:], stdout, stderr)
	}
	c, ok := commands()[name]
	if !ok {
		return usagef("unknown command %q", name)
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: portalsim <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	names := make([]string, 0)
	for n := range commands() {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands()[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "portalsim <command> -h" for the command's flags.`)
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		if text := strings.TrimSpace(usage); strings.Contains(text, "Usage: ") {
			fmt.Fprintf(stderr, "%s\n\nFlags:\n", text) // the text has its own usage line
		} else {
			fmt.Fprintf(stderr, "Usage: portalsim %s [flags]\n\n%s\n\nFlags:\n", name, text)
		}
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}
