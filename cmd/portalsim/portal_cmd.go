package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

const portalUsage = `Run the portal alone. It accepts players on the telnet port and one game
server ("portalsim server") on the link port, and keeps the players
connected while the game server restarts. The server must know the link
secret: the portal creates one (mode 0600) at the first start, where
"portalsim server" finds it.`

func runPortal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("portal", portalUsage, stderr)
	var pf portalFlags
	var lf logFlags
	var sec secretFlags
	pf.register(fs, "127.0.0.1:4000", "127.0.0.1:4006")
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
	cfg := pf.config()
	cfg.Logger = log
	if cfg.Protocols, err = outboundProtocols(log); err != nil {
		return err
	}
	cfg.AllowRemoteLink = lf.allowRemote
	if cfg.LinkSecret, err = sec.portalSecret(stdout); err != nil {
		return err
	}
	p, err := startPortal(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, listenerLine("portal", p))
	select {
	case <-ctx.Done():
	case <-p.ShutdownRequested():
		log.Info("portal.shutdown", "by", "game")
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return p.Shutdown(sctx)
}
