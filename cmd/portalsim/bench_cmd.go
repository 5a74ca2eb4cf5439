package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
)

// benchUsage is the help text of "portalsim bench".
const benchUsage = `Measure the portal against its physical limit and against other servers.

Usage: portalsim bench [flags]           the side-by-side comparison (below)
       portalsim bench <what> [flags]    one measurement`

// benchCommands are the subcommands of "portalsim bench", one file each.
func benchCommands() map[string]command {
	return map[string]command{
		"compare": {"two builds on one scenario, alternately, N runs each, compared run by run: what CI gates on", runBenchBuilds},
		"fanout":  {"say latency per room size, and the all-in-one-room login announcement", runBenchFanout},
		"storm":   {"open connections as fast as possible: accepted/s, the throttle's release rate, -hold N sessions", runBenchStorm},
		"floor":   {"run the floor: a bare relay and echo, the physical limit (bench floor -listen ADDR)", runBenchFloor},
	}
}

// runBench dispatches "portalsim bench <what>".
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := benchCommands()
	if len(args) > 0 && args[0] == floorEchoCommand { // hidden: in no help text
		return runFloorEcho(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		printBenchUsage(stdout, cmds)
		return nil
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") { // no measurement named: the comparison
		return runBenchCompare(ctx, args, stdout, stderr)
	}
	c, ok := cmds[args[0]]
	if !ok {
		printBenchUsage(stderr, cmds)
		return usagef("bench: unknown measurement %q", args[0])
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func printBenchUsage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, benchUsage)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Measurements:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "portalsim bench <what> -h" for its flags.`)
	fmt.Fprintln(w)
	fmt.Fprintln(w, benchCompareUsage)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Flags of the comparison:")
	fs, _ := benchCompareFlags(w)
	fs.PrintDefaults()
}
