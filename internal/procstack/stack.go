package procstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// Defaults of a [StackConfig].
const (
	DefaultStartTimeout = time.Minute
	DefaultStopGrace    = 10 * time.Second
)

// StackConfig says how to start a [Stack]. The zero value runs this
// executable with every throttle off.
type StackConfig struct {
	// Exe is the portalsim binary; empty: this executable.
	Exe string
	// MaxConnectionRate is the portal's -max-connection-rate, sessions
	// released per second; 0: the connect throttle off. Every other
	// throttle and timeout of the portal is off.
	MaxConnectionRate float64
	// PortalArgs and ServerArgs are added to "portalsim portal" and
	// "portalsim server -load-test" after the stack's own flags (a later
	// flag wins): -pprof ADDR, -login-delay 0.
	PortalArgs, ServerArgs []string
	// Stderr receives both processes' stderr besides their kept tails;
	// nil: only the tails.
	Stderr io.Writer
	// StartTimeout bounds each process's wait for its first line; 0:
	// DefaultStartTimeout.
	StartTimeout time.Duration
	// StopGrace is how long each process gets to end after the interrupt
	// of Stop before it is killed; 0: DefaultStopGrace.
	StopGrace time.Duration
}

// Stack is "portalsim portal" and "portalsim server -load-test" running
// as two processes on random loopback ports (telnet and link only),
// joined by a link secret in a temporary directory of their own.
type Stack struct {
	// Portal and Server are the two processes.
	Portal, Server *Process
	// TelnetAddr is the portal's telnet door, LinkAddr its link.
	TelnetAddr, LinkAddr string
	// WebsocketURL is the portal's websocket door (ws://HOST:PORT/) when
	// PortalArgs opened it ("-websocket", "127.0.0.1:0"); empty otherwise.
	WebsocketURL string

	dir      string
	grace    time.Duration
	stopOnce sync.Once
	stopErr  error
}

// The lines the portal and the game server print once they listen and
// once they started.
var (
	portalLine = regexp.MustCompile(`^portalsim portal: telnet (\S+),.* link (\S+)$`)
	serverLine = regexp.MustCompile(`^portalsim server: pid (\d+)`)
	// portalWebsocket finds the websocket door in portalLine's line.
	portalWebsocket = regexp.MustCompile(` websocket (\S+),`)
)

// StartStack starts the portal, awaits its line saying where it
// listens, then the game server with the portal's link address, and
// awaits its first line. The server dials the link by itself: a caller
// that needs the game awaits a login screen or an answer at TelnetAddr.
// On failure whatever started is stopped and the temporary directory
// removed. Call [Stack.Stop] when done.
func StartStack(ctx context.Context, cfg StackConfig) (_ *Stack, err error) {
	if cfg.Exe == "" {
		if cfg.Exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("find this executable: %w", err)
		}
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = DefaultStartTimeout
	}
	s := &Stack{grace: cfg.StopGrace}
	if s.grace <= 0 {
		s.grace = DefaultStopGrace
	}
	// MkdirTemp makes it mode 0700; the portal creates the secret in it,
	// mode 0600.
	if s.dir, err = os.MkdirTemp("", "portalsim-stack-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.Stop())
		}
	}()
	secret := filepath.Join(s.dir, "link-secret")
	s.Portal, err = StartProcess("portalsim portal", cfg.Exe, append([]string{"portal",
		"-telnet", "127.0.0.1:0", "-link", "127.0.0.1:0", "-web", "", "-websocket", "", "-telnet-tls", "", "-ssh", "",
		"-max-connection-rate", strconv.FormatFloat(cfg.MaxConnectionRate, 'g', -1, 64), "-max-command-rate", "0",
		"-login-timeout", "0", "-link-secret-file", secret, "-log-level", "warn"}, cfg.PortalArgs...), nil, cfg.Stderr)
	if err != nil {
		return nil, err
	}
	m, err := s.Portal.Await(ctx, portalLine, cfg.StartTimeout)
	if err != nil {
		return nil, err
	}
	s.TelnetAddr, s.LinkAddr = m[1], m[2]
	if w := portalWebsocket.FindStringSubmatch(m[0]); w != nil {
		s.WebsocketURL = "ws://" + w[1] + "/"
	}
	s.Server, err = StartProcess("portalsim server", cfg.Exe, append([]string{"server", "-portal", s.LinkAddr, "-load-test",
		"-link-secret-file", secret, "-log-level", "warn"}, cfg.ServerArgs...), nil, cfg.Stderr)
	if err != nil {
		return nil, err
	}
	if _, err := s.Server.Await(ctx, serverLine, cfg.StartTimeout); err != nil {
		return nil, err
	}
	return s, nil
}

// PIDs are the portal's and the game server's process ids.
func (s *Stack) PIDs() (portal, server int) { return s.Portal.PID(), s.Server.PID() }

// Stop stops the game server, then the portal (see [Process.Stop]), and
// removes the temporary directory. It is idempotent: later calls return
// the first call's error, either process's failure with its stderr.
func (s *Stack) Stop() error {
	s.stopOnce.Do(func() {
		var errs []error
		for _, p := range []*Process{s.Server, s.Portal} {
			if p != nil {
				errs = append(errs, p.Stop(s.grace))
			}
		}
		errs = append(errs, os.RemoveAll(s.dir))
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}
