package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/portalsim/portalsim/internal/ampportal"
	"github.com/portalsim/portalsim/portal"
)

const portalUsage = `Run the portal alone. It accepts players on the telnet port and one game
server ("portalsim server") on the link port, and keeps the players
connected while the game server restarts. The server must know the link
secret: the portal creates one (mode 0600) at the first start, where
"portalsim server" finds it.

With -server-protocol evennia-amp, a stock Evennia 5 Server stands behind
the portal instead: the portal answers on Evennia's AMP port (-amp) as
Evennia's own Portal does, so "evennia start", "reload", "stop" and
"status", run in the game directory (-evennia-game), drive it and the
Server; run portalsim with the game's virtualenv active (its twistd
starts the Server).`

func runPortal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("portal", portalUsage, stderr)
	var pf portalFlags
	var lf logFlags
	var sec secretFlags
	var af ampFlags
	pf.register(fs, "127.0.0.1:4000", "127.0.0.1:4006")
	lf.register(fs)
	sec.register(fs)
	af.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := af.check(); err != nil {
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
	cfg := pf.config()
	cfg.Logger = log
	if cfg.Protocols, err = outboundProtocols(log); err != nil {
		return err
	}
	cfg.AllowRemoteLink = lf.allowRemote
	if af.evennia() {
		// The bridge is the only game server: the link is internal, on a
		// random loopback port, with a secret of this run.
		cfg.LinkAddr, cfg.AllowRemoteLink = "127.0.0.1:0", false
		// Evennia's Server keeps its sessions when its Portal restarts
		// (bug 5.2): no sessid of an earlier run may come again.
		cfg.FirstSessid = portal.TimeSessidBase(time.Now())
	} else if cfg.LinkSecret, err = sec.portalSecret(stdout); err != nil {
		return err
	}
	p, err := startPortal(cfg)
	if err != nil {
		return err
	}
	var bridge *ampportal.Bridge
	bridgeShut := make(<-chan struct{})
	if af.evennia() {
		if bridge, err = startBridge(&af, p, pf.name, log); err != nil {
			_ = p.Close()
			return err
		}
		defer bridge.Close()
		bridgeShut = bridge.ShutdownRequested()
	}
	fmt.Fprintln(stdout, listenerLine("portal", p))
	if bridge != nil {
		fmt.Fprintf(stdout, "portalsim portal: Evennia's AMP port %s, game directory %s\n", bridge.Addr(), af.game)
	}
	select {
	case <-ctx.Done():
	case <-p.ShutdownRequested():
		log.Info("portal.shutdown", "by", "game")
	case <-bridgeShut:
		log.Info("portal.shutdown", "by", "evennia launcher")
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.Shutdown(sctx)
}
