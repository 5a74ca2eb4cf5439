package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// stormStack is a portal and a game server in processes of their own,
// started by "bench storm": "portalsim portal" and "portalsim server"
// from this executable, on random loopback ports, joined by a link
// secret in a temporary file (mode 0600, in a directory of mode 0700).
type stormStack struct {
	dir            string
	portal, server *exec.Cmd
	portalLog      *tailBuffer
	serverLog      *tailBuffer
	telnet         string
}

// portalLine matches the line "portalsim portal" prints once its doors are open.
var portalLine = regexp.MustCompile(`^portalsim portal: telnet (\S+),.* link (\S+)$`)

// startStormStack starts the portal with the connect throttle at rate
// (0: off) and the other limits off, then the game server, and returns
// once the portal's line says where it listens. pprof, if set, is the
// portal's -pprof address.
func startStormStack(ctx context.Context, rate float64, pprof string) (_ *stormStack, err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find this executable: %w", err)
	}
	dir, err := os.MkdirTemp("", "portalsim-storm-")
	if err != nil {
		return nil, err
	}
	s := &stormStack{dir: dir, portalLog: &tailBuffer{max: 8 << 10}, serverLog: &tailBuffer{max: 8 << 10}}
	defer func() {
		if err != nil {
			s.stop()
		}
	}()
	secret := filepath.Join(dir, "link-secret")
	pargs := []string{"portal", "-telnet", "127.0.0.1:0", "-link", "127.0.0.1:0",
		"-web", "", "-websocket", "", "-telnet-tls", "", "-ssh", "",
		"-max-connection-rate", strconv.FormatFloat(rate, 'g', -1, 64), "-max-command-rate", "0",
		"-login-timeout", "0", "-link-secret-file", secret, "-log-level", "warn"}
	if pprof != "" {
		pargs = append(pargs, "-pprof", pprof)
	}
	s.portal = exec.Command(exe, pargs...)
	s.portal.Stderr = s.portalLog
	out, err := s.portal.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.portal.Start(); err != nil {
		return nil, fmt.Errorf("start portalsim portal: %w", err)
	}
	link, err := s.awaitPortal(ctx, out)
	if err != nil {
		return nil, err
	}
	s.server = exec.Command(exe, "server", "-portal", link, "-link-secret-file", secret, "-load-test", "-login-delay", "0", "-log-level", "warn")
	s.server.Stdout, s.server.Stderr = io.Discard, s.serverLog
	if err := s.server.Start(); err != nil {
		return nil, fmt.Errorf("start portalsim server: %w", err)
	}
	return s, nil
}

// awaitPortal reads the portal's stdout until its listener line, and
// returns the link's address; the rest of its stdout is discarded.
func (s *stormStack) awaitPortal(ctx context.Context, out io.Reader) (link string, err error) {
	found := make(chan [2]string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := portalLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- [2]string{m[1], m[2]}
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case m := <-found:
		s.telnet = m[0]
		return m[1], nil
	case <-time.After(10 * time.Second):
		return "", fmt.Errorf("portalsim portal did not say where it listens in 10 s: %s", s.portalLog.String())
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// pids are the portal's and the game server's process ids.
func (s *stormStack) pids() (portal, server int) { return s.portal.Process.Pid, s.server.Process.Pid }

// stop ends both processes (SIGTERM, then SIGKILL after 5 s) and removes
// the secret. Either process having died early is an error, with its log.
func (s *stormStack) stop() error {
	var errs []error
	for _, p := range []struct {
		name string
		cmd  *exec.Cmd
		log  *tailBuffer
	}{{"server", s.server, s.serverLog}, {"portal", s.portal, s.portalLog}} {
		if p.cmd == nil || p.cmd.Process == nil {
			continue
		}
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Signal(os.Interrupt)
		}
		done := make(chan error, 1)
		go func() { done <- p.cmd.Wait() }()
		select {
		case err := <-done:
			var ee *exec.ExitError
			if err != nil && !(errors.As(err, &ee) && !ee.Exited()) {
				errs = append(errs, fmt.Errorf("portalsim %s: %w: %s", p.name, err, p.log.String()))
			}
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-done
		}
	}
	_ = os.RemoveAll(s.dir)
	return errors.Join(errs...)
}

// tailBuffer keeps the last max bytes written to it, for a child's log
// shown when it fails.
type tailBuffer struct {
	max int
	// mu guards b.
	mu sync.Mutex
	b  []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(bytes.ToValidUTF8(t.b, nil)))
}

// procStat is what /proc says of a process: CPU time (user + system),
// resident memory and open descriptors.
type procStat struct {
	CPU time.Duration `json:"cpu_ns"`
	RSS int64         `json:"rss_bytes"`
	FDs int           `json:"fds"`
}

// readProcStat reads pid's procStat; fields it cannot read stay 0.
func readProcStat(pid int) procStat {
	var ps procStat
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// Fields after the command (which may hold spaces), from field 3.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			f := strings.Fields(string(b[i+1:]))
			if len(f) > 13 {
				ut, _ := strconv.ParseInt(f[11], 10, 64)
				st, _ := strconv.ParseInt(f[12], 10, 64)
				ps.CPU = time.Duration(ut+st) * time.Second / 100 // USER_HZ
			}
			if len(f) > 21 {
				pages, _ := strconv.ParseInt(f[21], 10, 64)
				ps.RSS = pages * int64(os.Getpagesize())
			}
		}
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		ps.FDs = len(ents)
	}
	return ps
}
