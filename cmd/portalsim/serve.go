package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/portalsim/portalsim/internal/embedded"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

const serveUsage = `Run the portal and the game server in one process, joined by the link
over loopback. Players connect with any telnet MUD client, telnet over TLS,
SSH, or a browser (the web page); the start line names every door. An in-game
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
	stopPprof, err := servePprof(lf.pprof, lf.allowRemote, log)
	if err != nil {
		return err
	}
	defer stopPprof()
	world, err := sf.world(pf.name, log)
	if err != nil {
		return err
	}
	defer world.Close()

	pcfg := pf.config()
	pcfg.Logger = log
	if pcfg.Protocols, err = outboundProtocols(log); err != nil {
		return err
	}
	pcfg.AllowRemoteLink = lf.allowRemote // the link secret is new for this run
	scfg := sf.config("", world)          // embedded.Start sets the portal's link address
	scfg.Logger = log
	scfg.RedialMin = 20 * time.Millisecond
	st, err := embedded.Start(ctx, embedded.Config{Portal: pcfg, Sim: scfg})
	if errors.Is(err, portal.ErrInvalidConfig) || errors.Is(err, sim.ErrInvalidConfig) {
		return exitErr{ExitInvalidConfig, err}
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, listenerLine("serve", st.Portal))

	select {
	case <-ctx.Done():
	case <-st.Portal.ShutdownRequested():
		log.Info("serve.shutdown", "by", "game")
	case <-st.ServerEnded():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return st.Shutdown(sctx)
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

// exitErr is an error with its exit code.
type exitErr struct {
	code int
	err  error
}

func (e exitErr) Error() string { return e.err.Error() }
func (e exitErr) Unwrap() error { return e.err }

// ExitCode implements exitCoder.
func (e exitErr) ExitCode() int { return e.code }
