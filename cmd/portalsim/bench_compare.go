package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/portalsim/portalsim/internal/bench"
)

const benchCompareUsage = `The comparison ("portalsim bench [flags]") runs each target in turn with
the same players, per-player rate, duration and seed and the same client
(the dummyrunner, in this process: every player logs in, then sends one
echo probe per 1/rate, waiting for its answer), and prints for each the
echo round trip's p50/p90/p99/p99.9, answered/s, lost players and failed
probes, and the CPU the target's processes spent per round trip, all over
the steady window (every player logged in, until the end), then each
target's ratios against the floor. Targets: floor (bench floor), portal
(portalsim portal + server -load-test, throttles off, players spread
over start rooms of 10 so that a login is not announced to everyone:
bench fanout measures that), evennia and
evennia-nodelay (stock Evennia 5 with --no-throttle --dummyrunner-mixin,
and --amp-nodelay), evennia-portalsim (the same stock Evennia Server
behind our portal: portalsim portal -server-protocol evennia-amp, started
by Evennia's launcher), or HOST:PORT (any MUD; -target-pids for its CPU).
-transports measures every target once per transport, in order:
telnet (the default), websocket (the floor's and the portal's websocket
doors, Evennia's webclient port; a HOST:PORT target's only with
-target-websocket, else it is skipped and said so), mixed (half the
players on each door in one run: the row, then one per door). Each
target's ratios are against the floor over the same transport.
A target that loses players or probes is reported loudly and the bench
exits 1; a row whose generator was saturated is marked invalid. Never
read absolute times from a busy machine: compare the ratios.`

// benchCompareFlags are the comparison's flags, in a flag set whose
// errors and usage go to w.
type benchCompareOpts struct {
	cfg        bench.Config
	targets    string
	transports string
	jsonOut    string
	quiet      bool
}

func benchCompareFlags(w io.Writer) (*flag.FlagSet, *benchCompareOpts) {
	fs := newFlagSet("bench", benchCompareUsage, w)
	o := &benchCompareOpts{}
	fs.IntVar(&o.cfg.Players, "players", 200, "players, all logged in before the measured window")
	fs.Float64Var(&o.cfg.Rate, "rate", 1, "echo probes per second per player")
	fs.DurationVar(&o.cfg.Duration, "duration", 30*time.Second, "each target's run, logins included")
	fs.Int64Var(&o.cfg.Seed, "seed", 1, "random seed of the players")
	fs.DurationVar(&o.cfg.Ramp, "ramp", 0, "spread the players' connects over this long (0: all at once)")
	fs.StringVar(&o.targets, "targets", "floor,portal", "targets in order, comma-separated: "+strings.Join(bench.TargetNames(), ", ")+", or HOST:PORT")
	fs.StringVar(&o.transports, "transports", bench.TransportTelnet, "transports in order, comma-separated, each a pass over every target: "+strings.Join(bench.TransportNames(), ", "))
	fs.StringVar(&o.cfg.TargetWebsocket, "target-websocket", "", "websocket door of a HOST:PORT target (ws://HOST:PORT/), for -transports websocket and mixed")
	fs.Var((*pidList)(&o.cfg.TargetPIDs), "target-pids", "pids of a HOST:PORT target's processes, comma-separated, for its CPU figure")
	fs.StringVar(&o.cfg.TargetLogin, "target-login", "portalsim", "login of a HOST:PORT target: "+strings.Join(bench.LoginNames(), ", "))
	fs.StringVar(&o.jsonOut, "json", "", "write the result as JSON to this file")
	fs.StringVar(&o.cfg.ReportsDir, "reports", "", "write each target's full run report (TARGET.json) to this directory")
	fs.StringVar(&o.cfg.ProfileDir, "profile", "", "write CPU profiles of the portal and its game server over the steady window to this directory")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress lines")
	return fs, o
}

func runBenchCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, o := benchCompareFlags(stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg := o.cfg
	var err error
	if cfg.Targets, err = bench.ParseTargets(o.targets); err != nil {
		return exitErr{ExitInvalidConfig, err}
	}
	if cfg.Transports, err = bench.ParseTransports(o.transports); err != nil {
		return exitErr{ExitInvalidConfig, err}
	}
	if cfg.Exe, err = os.Executable(); err != nil {
		return err
	}
	if !o.quiet {
		cfg.Progress = stdout
	}
	cfg.Stderr = stderr
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	res, err := bench.Run(ctx, cfg)
	if errors.Is(err, bench.ErrInvalidConfig) {
		return exitErr{ExitInvalidConfig, err}
	}
	if res != nil && len(res.Rows) > 0 {
		fmt.Fprintln(stdout)
		if werr := res.WriteTable(stdout); werr != nil {
			return werr
		}
		if o.jsonOut != "" {
			if werr := writeBenchJSON(o.jsonOut, res); werr != nil {
				return errors.Join(err, werr)
			}
		}
	}
	return err
}

func writeBenchJSON(path string, res *bench.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := res.WriteJSON(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
