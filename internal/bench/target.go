package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portalsim/portalsim/internal/procstack"
	"github.com/portalsim/portalsim/internal/targets"
)

// Target names of the bench; anything else with a port is an external
// MUD at HOST:PORT.
const (
	TargetFloor          = "floor"
	TargetPortal         = "portal"
	TargetEvennia        = "evennia"
	TargetEvenniaNodelay = "evennia-nodelay"
	// TargetEvenniaPortalsim is stock Evennia's Server behind our portal.
	TargetEvenniaPortalsim = "evennia-portalsim"
)

// TargetNames lists the targets the bench starts itself.
func TargetNames() []string {
	return []string{TargetFloor, TargetPortal, TargetEvennia, TargetEvenniaNodelay, TargetEvenniaPortalsim}
}

// target is a system under test the bench can start and stop.
type target interface {
	name() string
	login() Login
	// start starts the target's processes in dir (a directory of its own)
	// and returns once they listen; the caller awaits the login screen.
	start(ctx context.Context, env *env, dir string) (*running, error)
}

// env is what the targets need of the bench's configuration.
type env struct {
	exe     string    // the portalsim binary
	stderr  io.Writer // the targets' stderr
	profile bool      // serve -pprof on the processes that can
	players int       // the load's players (the portal's game spreads them over rooms)
	evennia targets.EvenniaConfig
	// externalPIDs are the processes of an external target, for its CPU.
	externalPIDs  []int
	externalLogin string
	// externalWebsocket is an external target's websocket door (ws://).
	externalWebsocket string
}

// running is a started target.
type running struct {
	addr  string            // the telnet address players dial
	procs []namedPID        // its processes, for CPU; none: no CPU figure
	pprof map[string]string // process name -> its -pprof host:port
	stop  func() error

	// websocket is the websocket door's ws:// URL, when the target's
	// process printed one.
	websocket string
}

// namedPID is one of a target's processes.
type namedPID struct {
	Name string `json:"name"`
	PID  int    `json:"pid"`
}

// ParseTargets reads -targets: a comma-separated list of target names
// and HOST:PORT addresses.
func ParseTargets(list string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if !slices.Contains(TargetNames(), t) {
			if _, port, err := net.SplitHostPort(t); err != nil || port == "" {
				return nil, fmt.Errorf("%w: -targets: %q is neither a target (%s) nor HOST:PORT", ErrInvalidConfig, t, strings.Join(TargetNames(), ", "))
			}
		}
		if slices.Contains(out, t) {
			return nil, fmt.Errorf("%w: -targets: %q given twice", ErrInvalidConfig, t)
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: -targets: none given", ErrInvalidConfig)
	}
	return out, nil
}

// newTarget returns the target named name.
func newTarget(name string, e *env) (target, error) {
	switch name {
	case TargetFloor:
		return floorTarget{}, nil
	case TargetPortal:
		return portalTarget{}, nil
	case TargetEvennia:
		return evenniaTarget{nodelay: false}, nil
	case TargetEvenniaNodelay:
		return evenniaTarget{nodelay: true}, nil
	case TargetEvenniaPortalsim:
		return evenniaPortalsimTarget{}, nil
	}
	l, ok := Logins[e.externalLogin]
	if !ok {
		return nil, fmt.Errorf("%w: -target-login %q: want one of %s", ErrInvalidConfig, e.externalLogin, strings.Join(LoginNames(), ", "))
	}
	return externalTarget{addr: name, lg: l}, nil
}

// stopGrace is how long a target's process gets to end after an interrupt.
const stopGrace = 10 * time.Second

// startTimeout bounds a process's start (its "listening" line).
const startTimeout = time.Minute

// floorTarget is the floor: "portalsim bench floor", relay and echo.
type floorTarget struct{}

func (floorTarget) name() string { return TargetFloor }
func (floorTarget) login() Login { return Logins["floor"] }

var floorLine = regexp.MustCompile(`^portalsim bench floor: relay (\S+) pid (\d+), echo (\S+) pid (\d+)(?:, websocket (\S+))?$`)

func (floorTarget) start(ctx context.Context, e *env, _ string) (*running, error) {
	p, err := procstack.StartProcess("floor", e.exe, []string{"bench", "floor", "-listen", "127.0.0.1:0", "-websocket", "127.0.0.1:0"}, nil, e.stderr)
	if err != nil {
		return nil, err
	}
	m, err := p.Await(ctx, floorLine, startTimeout)
	if err != nil {
		return nil, errors.Join(err, p.Stop(stopGrace))
	}
	echo, _ := strconv.Atoi(m[4])
	return &running{addr: m[1], websocket: m[5], procs: []namedPID{{"relay", p.PID()}, {"echo", echo}},
		stop: func() error { return p.Stop(stopGrace) }}, nil
}

// portalTarget is "portalsim portal" and "portalsim server -load-test"
// as two processes, every throttle off.
type portalTarget struct{}

func (portalTarget) name() string { return TargetPortal }
func (portalTarget) login() Login { return Logins["portalsim"] }

// playersPerRoom is how many players share a start room in the portal
// target's game. The floor announces nothing; a game that announced each
// login to everyone in one room (Evennia's Limbo) would make the bench's
// login phase n(n-1)/2 messages, which "bench fanout" measures apart,
// and flood each probe's answer with announcements.
const playersPerRoom = 10

// startRooms is the game server's -start-rooms for players.
func startRooms(players int) int { return max(1, (players+playersPerRoom-1)/playersPerRoom) }

func (portalTarget) start(ctx context.Context, e *env, _ string) (*running, error) {
	r := &running{pprof: map[string]string{}}
	cfg := procstack.StackConfig{Exe: e.exe, Stderr: e.stderr, StartTimeout: startTimeout, StopGrace: stopGrace,
		PortalArgs: []string{"-websocket", "127.0.0.1:0"},
		ServerArgs: []string{"-start-rooms", strconv.Itoa(startRooms(e.players))}}
	if e.profile {
		for _, p := range []struct {
			name string
			args *[]string
		}{{"portal", &cfg.PortalArgs}, {"server", &cfg.ServerArgs}} {
			addr, err := freeAddr()
			if err != nil {
				return nil, err
			}
			r.pprof[p.name] = addr
			*p.args = append(*p.args, "-pprof", addr)
		}
	}
	st, err := procstack.StartStack(ctx, cfg)
	if err != nil {
		return nil, err
	}
	portal, server := st.PIDs()
	r.addr, r.websocket = st.TelnetAddr, st.WebsocketURL
	r.procs = []namedPID{{"portal", portal}, {"server", server}}
	r.stop = st.Stop
	return r, nil
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// externalTarget is a MUD the bench did not start, at HOST:PORT.
type externalTarget struct {
	addr string
	lg   Login
}

func (t externalTarget) name() string { return t.addr }
func (t externalTarget) login() Login { return t.lg }

func (t externalTarget) start(_ context.Context, e *env, _ string) (*running, error) {
	r := &running{addr: t.addr, stop: func() error { return nil }}
	for i, pid := range e.externalPIDs {
		r.procs = append(r.procs, namedPID{fmt.Sprintf("pid%d", i+1), pid})
	}
	return r, nil
}

// ansi matches the colour codes a login screen may carry.
var ansi = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

// awaitScreen connects to addr and reads until the login screen (screen,
// a regexp, matched without colour codes) arrives: the target is up,
// its game server too. It gives up after timeout.
func awaitScreen(ctx context.Context, addr, screen string, timeout time.Duration) error {
	re, err := regexp.Compile(screen)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	var last error
	for ctx.Err() == nil {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			last = err
			t := time.NewTimer(100 * time.Millisecond) // the listener is not up yet: no event to await
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
			continue
		}
		stop := context.AfterFunc(ctx, func() { _ = c.Close() })
		var seen []byte
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if refusal := refuseOptions(buf[:n]); len(refusal) > 0 {
				_, _ = c.Write(refusal) // a server may wait for its offers' answers
			}
			seen = append(seen, buf[:n]...)
			if re.Match(ansi.ReplaceAll(seen, nil)) {
				stop()
				_ = c.Close()
				return nil
			}
			if err != nil || len(seen) > 1<<16 {
				last = fmt.Errorf("read: %v, %d bytes, no /%s/: %q", err, len(seen), screen, tail(seen, 200))
				break
			}
		}
		stop()
		_ = c.Close()
	}
	return fmt.Errorf("no login screen at %s in %v: %w", addr, timeout, last)
}

// Telnet's option negotiation bytes.
const (
	iac  = 255
	will = 251
	wont = 252
	do   = 253
	dont = 254
)

// refuseOptions answers every option offer in b with a refusal (DO with
// WONT, WILL with DONT): the readiness probe wants the login screen, not
// features. An offer split across reads goes unanswered; servers do not
// wait forever for an answer.
func refuseOptions(b []byte) []byte {
	var out []byte
	for i := 0; i+2 < len(b); i++ {
		if b[i] != iac {
			continue
		}
		switch b[i+1] {
		case do:
			out = append(out, iac, wont, b[i+2])
			i += 2
		case will:
			out = append(out, iac, dont, b[i+2])
			i += 2
		case iac:
			i++ // an escaped 255
		}
	}
	return out
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
