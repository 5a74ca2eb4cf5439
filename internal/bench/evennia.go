package bench

import (
	"context"

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
