package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

const serveUsage = `Run the portal and the game server in one process, joined by the link
over loopback. Players connect with any telnet MUD client. An in-game
"reload" restarts the game server in place; players stay connected.`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", serveUsage, stderr)
	var pf portalFlags
	var sf simFlags
	var lf logFlags
	pf.register(fs, "127.0.0.1:4000", "127.0.0.1:0")
	sf.register(fs)
	lf.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	log, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	world, err := sf.world(pf.name, log)
	if err != nil {
		return err
	}
	defer world.Close()

	pcfg := pf.config()
	pcfg.Logger = log
	p, err := startPortal(pcfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "portalsim serve: telnet %s, link %s\n", p.TelnetAddr(), p.LinkAddr())

	scfg := sf.config(p.LinkAddr().String(), world)
	scfg.Logger = log
	scfg.RedialMin = 20 * time.Millisecond
	simCtx, stopSim := context.WithCancel(ctx)
	simDone := make(chan error, 1)
	go func() { simDone <- superviseServer(simCtx, scfg, log) }()

	select {
	case <-ctx.Done():
	case <-p.ShutdownRequested():
		log.Info("serve.shutdown", "by", "game")
	case err = <-simDone:
		simDone <- err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	perr := p.Shutdown(sctx)
	stopSim()
	if serr := <-simDone; serr != nil && !errors.Is(serr, context.Canceled) {
		err = errors.Join(err, serr)
	}
	return errors.Join(err, perr)
}

// startPortal creates and starts a portal.
func startPortal(cfg portal.Config) (*portal.Portal, error) {
	p, err := portal.New(cfg)
	if err != nil {
		return nil, exitErr{ExitInvalidConfig, err}
	}
	if err := p.Start(); err != nil {
		return nil, err
	}
	return p, nil
}

// superviseServer runs game servers one after the other: each reload
// starts a new one on the same world, as Evennia's portal restarts its
// server process.
func superviseServer(ctx context.Context, cfg sim.Config, log *slog.Logger) error {
	for {
		srv, err := sim.New(cfg)
		if err != nil {
			return exitErr{ExitInvalidConfig, err}
		}
		err = srv.Run(ctx)
		if !errors.Is(err, sim.ErrReload) {
			return err
		}
		log.Info("serve.server.restarting")
	}
}

// exitErr is an error with its exit code.
type exitErr struct {
	code int
	err  error
}

func (e exitErr) Error() string { return e.err.Error() }
func (e exitErr) Unwrap() error { return e.err }

// ExitCode implements exitCoder.
func (e exitErr) ExitCode() int { return e.code }
