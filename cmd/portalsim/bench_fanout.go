package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/portalsim/portalsim/internal/embedded"
	"github.com/portalsim/portalsim/internal/fanout"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

const benchFanoutUsage = `Measure broadcast fan-out over telnet: the latency from one player's say
to its arrival at every other player in the room, per room size (the
sayer rotates; one say at a time), and the all-in-Limbo login
announcement: -players players logging into one room, each login
announced to everyone already there, with the messages delivered per
second and the time until the last login completes.

Against an embedded portal and game server by default (this process,
real sockets on loopback), or -target HOST:PORT: a telnet door whose
game starts new characters in one room and lets them dig/tel and
teleport (portalsim server -load-test, without -start-rooms).

Usage: portalsim bench fanout [flags]`

func runBenchFanout(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench fanout", benchFanoutUsage, stderr)
	var lf logFlags
	lf.register(fs)
	target := fs.String("target", "", "telnet address (host:port) of the game to measure; empty: an embedded portal and game server")
	rooms := fs.String("rooms", "10,100,1000", "room sizes whose say latency is measured, comma-separated")
	players := fs.Int("players", 0, "players logging into one room (and the pool rooms are filled from); 0: the largest room size")
	says := fs.Int("says", fanout.DefaultSays, "says measured per room size")
	conc := fs.Int("login-concurrency", 0, "players logging in at once; 0: all")
	timeout := fs.Duration("timeout", fanout.DefaultStepTimeout, fmt.Sprintf("longest wait for one step (a command, a say reaching everyone, the login announcements; those end sooner once none has come for %v: a game that spreads its players over rooms never sends the rest)", fanout.DefaultAnnounceQuiet))
	jsonOut := fs.String("json", "", "also write the result as JSON to this file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (with the embedded game: portal, game server and players) to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	sizes, err := parseSizes(*rooms)
	if err != nil {
		return err
	}
	cfg := fanout.Config{Target: *target, RoomSizes: sizes, Players: *players, Says: *says, LoginConcurrency: *conc, StepTimeout: *timeout,
		Progress: func(format string, args ...any) { fmt.Fprintf(stderr, "bench fanout: "+format+"\n", args...) }}
	if cfg.Target == "" {
		cfg.Target = "embedded" // checked, then replaced once the game is up
	}
	if err := cfg.Validate(); err != nil {
		return exitErr{ExitInvalidConfig, err}
	}
	n := *players
	for _, s := range sizes {
		n = max(n, s)
	}
	if err := (fdPlan{limit: nofileLimit(), players: n, embedded: *target == ""}).check(); err != nil {
		return exitErr{ExitInvalidConfig, err}
	}
	log, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	stopPprof, err := servePprof(lf.pprof, lf.allowRemote, log)
	if err != nil {
		return err
	}
	defer stopPprof()
	if *target == "" {
		st, err := startFanoutGame(ctx)
		if err != nil {
			return err
		}
		defer stopEmbedded(st)
		cfg.Target = st.TelnetAddr()
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	started := time.Now()
	res, err := fanout.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if *target == "" {
		res.Target = "embedded portal and game server"
	}
	fmt.Fprintf(stdout, "(%s, %s)\n", started.Format(time.DateOnly), time.Since(started).Round(time.Second))
	if err := res.WriteText(stdout); err != nil {
		return err
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if !res.OK() {
		return exitErr{ExitInvalidRun, errors.New("bench fanout: messages were lost, duplicated or misdelivered (see the table)")}
	}
	return nil
}

// parseSizes parses -rooms.
func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, usagef("-rooms %q: %q is not a number", s, f)
		}
		out = append(out, n)
	}
	return out, nil
}

// startFanoutGame starts an embedded portal (telnet only, no throttles
// or rate limits, no login or idle timeouts) and game server (new
// characters in Limbo, as Evennia's; Builders, cheap password hashing,
// the login screen at once).
func startFanoutGame(ctx context.Context) (*embedded.Stack, error) {
	w, err := sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), InsecurePasswordCost: true, NewAccountPerm: sim.PermBuilder})
	if err != nil {
		return nil, err
	}
	pcfg := portal.Config{TelnetAddr: "127.0.0.1:0", MaxConnectionRate: -1, MaxCommandRate: -1, LoginTimeout: -1, Keepalive: -1}
	if pcfg.Protocols, err = outboundProtocols(nil); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := embedded.Start(ctx, embedded.Config{
		Portal: pcfg,
		Sim:    sim.Config{World: w, LoginScreenDelay: -1},
	})
	if err != nil {
		return nil, fmt.Errorf("embedded game: %w", err)
	}
	return st, nil
}
