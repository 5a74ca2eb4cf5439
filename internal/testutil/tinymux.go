package testutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/portalsim/portalsim/internal/targets"
	"github.com/portalsim/portalsim/internal/testenv"
)

// TinyMUXNetmux is the server binary of Debian's tinymux package.
const TinyMUXNetmux = "/usr/lib/tinymux/game/bin/netmux"

// tinyMUXInstall builds a game directory; start.sh runs it.
const tinyMUXInstall = "/usr/games/tinymux-install"

// tinyMUXHint says how to get what the TinyMUX specs need.
const tinyMUXHint = "apt-get install tinymux (.ci/run does)"

// NeedTinyMUX returns the directory of the TinyMUX scripts (start.sh,
// stop.sh) of the shared targets. When they or TinyMUX itself are
// missing it skips t, or fails it when CI is set (see [testenv.Missing]).
func NeedTinyMUX(t testenv.TB) string {
	t.Helper()
	dir, err := targets.Dir()
	if err != nil {
		testenv.Missing(t, "the TinyMUX scripts: %v", err)
		return ""
	}
	scripts := filepath.Join(dir, "tinymux")
	if testenv.Find(filepath.Join(scripts, "start.sh")) == "" || testenv.Find(filepath.Join(scripts, "stop.sh")) == "" {
		testenv.Missing(t, "no TinyMUX scripts (start.sh, stop.sh) in %s", scripts)
		return ""
	}
	testenv.Need(t, tinyMUXHint, TinyMUXNetmux)
	testenv.Need(t, tinyMUXHint, tinyMUXInstall)
	return scripts
}

// TinyMUX is a stock TinyMUX 2.12 started by the shared targets'
// start.sh: a fresh game in its own directory, on a random loopback port.
type TinyMUX struct {
	// Addr is the server's telnet address, 127.0.0.1:port.
	Addr string
	// Dir is the directory start.sh built the game in (the game itself
	// and its logs are in Dir/tinymux/game).
	Dir string
	// PID is netmux's process id.
	PID int

	scripts  string
	stopOnce sync.Once
	stopErr  error
}

// StartTinyMUX builds a fresh TinyMUX game in dir (a test's temporary
// directory; no whitespace) with scripts' start.sh and starts it on a
// free loopback port, retrying with another port if that one is taken
// meanwhile. It returns once the server accepts connections and its
// wizard has opened Limbo for building. Call [TinyMUX.Stop] when done.
func StartTinyMUX(ctx context.Context, scripts, dir string) (*TinyMUX, error) {
	var last error
	for range targets.StartAttempts {
		port, err := targets.FreePortBlock(0)
		if err != nil {
			return nil, err
		}
		out, err := targets.RunScript(ctx, nil, filepath.Join(scripts, "start.sh"), strconv.Itoa(port), dir)
		if err == nil {
			pid, perr := strconv.Atoi(strings.TrimSpace(out))
			m := &TinyMUX{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Dir: dir, PID: pid, scripts: scripts}
			if perr != nil {
				return nil, errors.Join(fmt.Errorf("start.sh printed %q, not a pid", out), m.Stop(ctx))
			}
			return m, nil
		}
		last = err
		// start.sh cleans up after itself when netmux does not come up;
		// stop.sh makes sure of it (it only signals DIR's own netmux).
		_, _ = targets.RunScript(ctx, nil, filepath.Join(scripts, "stop.sh"), dir)
		var se *targets.ScriptError
		if !errors.As(err, &se) || !strings.Contains(se.Out, "already accepts connections") {
			break
		}
	}
	return nil, fmt.Errorf("start TinyMUX: %w", last)
}

// Stop stops the server with stop.sh (a dump, then SIGTERM, SIGKILL after
// 20 s). It is idempotent: later calls return the first call's error.
func (m *TinyMUX) Stop(ctx context.Context) error {
	m.stopOnce.Do(func() {
		if _, err := targets.RunScript(ctx, nil, filepath.Join(m.scripts, "stop.sh"), m.Dir); err != nil {
			m.stopErr = fmt.Errorf("stop TinyMUX: %w", err)
		}
	})
	return m.stopErr
}

// LogDir is where the server writes its logs.
func (m *TinyMUX) LogDir() string { return filepath.Join(m.Dir, "tinymux", "game") }
