package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/portalsim/portalsim/sim"
)

const serverUsage = `Run the game server alone. It dials the portal's link port (and redials
while the portal is away). An in-game "reload" or SIGHUP restarts the
process in place (the binary is executed again with the same arguments);
players stay connected through the portal. Use -data so that accounts
and the world survive restarts. The link secret comes from
-link-secret-file, $PORTALSIM_LINK_SECRET, or the file "portalsim portal"
created.`

// takeoverEnv carries the takeover token to the process a reload execs,
// so the portal takes it at once (see sim.Config.Takeover).
const takeoverEnv = "PORTALSIM_TAKEOVER"

func runServer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("server", serverUsage, stderr)
	var sf simFlags
	var lf logFlags
	var sec secretFlags
	portalAddr := fs.String("portal", "127.0.0.1:4006", "the portal's link address")
	name := fs.String("name", "portalsim", "server name shown on the login screen")
	sf.register(fs)
	lf.register(fs)
	sec.register(fs)
	if err := parse(fs, args); err != nil {
		return err
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
	world, err := sf.world(*name, log)
	if err != nil {
		return err
	}
	defer world.Close()
	cfg := sf.config(*portalAddr, world)
	cfg.Logger = log
	if cfg.LinkSecret, err = sec.serverSecret(); err != nil {
		return err
	}
	// A reloaded server was handed its predecessor's takeover token.
	cfg.Takeover = os.Getenv(takeoverEnv)
	_ = os.Unsetenv(takeoverEnv)
	srv, err := sim.New(cfg)
	if err != nil {
		return exitErr{ExitInvalidConfig, err}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			srv.Reload("reload", "(SIGHUP)")
		}
	}()
	fmt.Fprintf(stdout, "portalsim server: pid %d, portal %s\n", os.Getpid(), *portalAddr)
	err = srv.Run(ctx)
	if !errors.Is(err, sim.ErrReload) {
		if errors.Is(err, context.Canceled) {
			return nil
		}
		return err
	}
	// Restart: replace this process with a fresh one, like Evennia's portal
	// starting a new server process.
	_ = world.Close()
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("reload: %w", err)
	}
	log.Info("server.exec", "exe", exe)
	env := os.Environ()
	if t := srv.TakeoverToken(); t != "" {
		env = append(env, takeoverEnv+"="+t)
	}
	return syscall.Exec(exe, os.Args, env)
}
