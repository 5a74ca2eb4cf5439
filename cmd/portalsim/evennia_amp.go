package main

import (
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/portalsim/portalsim/internal/ampportal"
	"github.com/portalsim/portalsim/portal"
)

// The game-server protocols "portalsim portal" speaks.
const (
	serverProtocolLink    = "portalsim"
	serverProtocolEvennia = "evennia-amp"
)

// ampFlags say which game server stands behind the portal and, for a
// stock Evennia one, where it finds us.
type ampFlags struct {
	protocol string
	addr     string
	game     string
}

func (a *ampFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.protocol, "server-protocol", serverProtocolLink,
		"how the game server talks to the portal: "+serverProtocolLink+" (our link: \"portalsim server\") or "+
			serverProtocolEvennia+" (a stock Evennia 5 Server and its launcher, over Evennia's AMP)")
	fs.StringVar(&a.addr, "amp", "127.0.0.1:4006", "with -server-protocol "+serverProtocolEvennia+": where Evennia's Server and launcher find the Portal (its AMP_PORT; loopback only)")
	fs.StringVar(&a.game, "evennia-game", ".", "with -server-protocol "+serverProtocolEvennia+": the Evennia game directory (the Server runs there; portal.pid is written in its server/)")
}

// check says what is wrong with the flags.
func (a *ampFlags) check() error {
	switch a.protocol {
	case serverProtocolLink, serverProtocolEvennia:
		return nil
	}
	return exitErr{ExitInvalidConfig, fmt.Errorf("-server-protocol %q: want %s or %s", a.protocol, serverProtocolLink, serverProtocolEvennia)}
}

// evennia reports whether a stock Evennia Server stands behind the portal.
func (a *ampFlags) evennia() bool { return a.protocol == serverProtocolEvennia }

// bridgeConfig is the bridge's configuration for the started portal p.
func (a *ampFlags) bridgeConfig(p *portal.Portal, name string) ampportal.Config {
	info := ampportal.Info{ServerName: name, Version: "portalsim " + versionString(), AMP: "amp: " + a.addr}
	for _, l := range p.Listeners() {
		line := l.Name + ": " + l.Addr.String()
		switch l.Name {
		case portal.DoorTelnet:
			info.Telnet = append(info.Telnet, line)
		case portal.DoorTelnetTLS:
			info.TelnetTLS = append(info.TelnetTLS, line)
		case portal.DoorSSH:
			info.SSH = append(info.SSH, line)
		case portal.DoorWebsocket:
			info.Websocket = append(info.Websocket, line)
		case portal.DoorWeb:
			info.Web = append(info.Web, line)
		}
	}
	return ampportal.Config{Addr: a.addr, PortalLink: p.LinkAddr().String(), LinkSecret: p.LinkSecret(),
		PortalInfo: ampportal.PortalInfo(info), GameDir: a.game,
		PIDFile: filepath.Join(a.game, "server", "portal.pid")}
}

// startBridge starts the AMP bridge in front of the started portal p.
func startBridge(a *ampFlags, p *portal.Portal, name string, log *slog.Logger) (*ampportal.Bridge, error) {
	cfg := a.bridgeConfig(p, name)
	cfg.Logger = log
	b, err := ampportal.New(cfg)
	if err != nil {
		return nil, exitErr{ExitInvalidConfig, err}
	}
	if err := b.Start(); err != nil {
		return nil, err
	}
	return b, nil
}
