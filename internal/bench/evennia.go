package bench

import (
	"context"
	"errors"
	"regexp"

	"github.com/portalsim/portalsim/internal/procstack"
	"github.com/portalsim/portalsim/internal/targets"
)

// evenniaTarget is stock Evennia 5 started with start.sh --no-throttle
// --dummyrunner-mixin (and --amp-nodelay): a copy of the installed game,
// its accounts created by the players themselves.
type evenniaTarget struct{ nodelay bool }

func (t evenniaTarget) name() string {
	if t.nodelay {
		return TargetEvenniaNodelay
	}
	return TargetEvennia
}

func (evenniaTarget) login() Login { return Logins["evennia"] }

func (t evenniaTarget) start(ctx context.Context, e *env, dir string) (*running, error) {
	cfg := e.evennia.WithDefaults()
	cfg.Dir, cfg.Accounts = dir, 0 // the players create their accounts
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	cfg.Args = []string{"--no-throttle", "--dummyrunner-mixin"}
	if t.nodelay {
		cfg.Args = append(cfg.Args, "--amp-nodelay")
	}
	ev, err := targets.StartEvennia(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &running{addr: ev.Addr,
		procs: []namedPID{{"portal", ev.PortalPID}, {"server", ev.ServerPID}},
		stop:  func() error { return ev.Stop(context.Background()) }}, nil
}

// evenniaPortalsimTarget is stock Evennia 5's Server, with the settings
// of evenniaTarget, behind our portal ("portalsim portal
// -server-protocol evennia-amp", every throttle off), started by
// Evennia's own launcher: the same game as evenniaTarget with our portal
// in place of Evennia's.
type evenniaPortalsimTarget struct{}

func (evenniaPortalsimTarget) name() string { return TargetEvenniaPortalsim }
func (evenniaPortalsimTarget) login() Login { return Logins["evennia"] }

// portalLine is what "portalsim portal" prints once its AMP port is open.
var portalLine = regexp.MustCompile(`^portalsim portal: Evennia's AMP port`)

func (evenniaPortalsimTarget) start(ctx context.Context, e *env, dir string) (*running, error) {
	cfg := e.evennia.WithDefaults()
	cfg.Dir, cfg.Accounts = dir, 0 // the players create their accounts
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	cfg.Args = []string{"--no-throttle", "--dummyrunner-mixin"}
	g, err := targets.PrepareEvennia(ctx, cfg)
	if err != nil {
		return nil, err
	}
	args := []string{"portal", "-server-protocol", "evennia-amp", "-amp", g.Addr(targets.GameAMP), "-evennia-game", g.Dir,
		"-telnet", g.Addr(targets.GameTelnet), "-websocket", g.Addr(targets.GameWebsocket),
		"-web", "", "-telnet-tls", "", "-ssh", "", "-max-connection-rate", "0", "-max-command-rate", "0"}
	var pprof map[string]string
	if e.profile {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		pprof = map[string]string{"portal": addr}
		args = append(args, "-pprof", addr)
	}
	p, err := procstack.StartProcess("portal", e.exe, args, g.Env(), e.stderr)
	if err != nil {
		return nil, err
	}
	stop := func() error {
		sctx, cancel := context.WithTimeout(context.Background(), startTimeout)
		defer cancel()
		_, serr := g.Launcher(sctx, "stop")
		g.KillServer()
		return errors.Join(serr, p.Stop(stopGrace))
	}
	if _, err := p.Await(ctx, portalLine, startTimeout); err != nil {
		return nil, errors.Join(err, p.Stop(stopGrace))
	}
	if _, err := g.Launcher(ctx, "start"); err != nil {
		return nil, errors.Join(err, stop())
	}
	return &running{addr: g.Addr(targets.GameTelnet), websocket: "ws://" + g.Addr(targets.GameWebsocket) + "/",
		procs: []namedPID{{"portal", p.PID()}, {"server", g.ServerPID()}}, pprof: pprof, stop: stop}, nil
}
