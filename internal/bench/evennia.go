package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// EvenniaConfig says where stock Evennia is (the shared targets'
// install.sh puts it there). The zero value takes the defaults.
type EvenniaConfig struct {
	// Scripts is the directory of start.sh and stop.sh (default
	// $PORTALSIM_TARGETS/evennia, else shared/targets/evennia beside the
	// repository the working directory is in).
	Scripts string
	// Venv is the installation's virtualenv (default $EVENNIA_VENV or
	// /opt/evennia-venv).
	Venv string
	// Game is the installed game (default $EVENNIA_GAMEDIR or
	// /opt/evennia-game/mygame). It is never started: the bench runs a
	// copy.
	Game string
}

// defaultTargets is the shared targets' directory: ../shared/targets
// beside the repository (the nearest directory holding go.mod, from the
// working directory up), as .ci/run and the specs find it; else
// ../shared/targets from the working directory.
func defaultTargets() string {
	dir, err := os.Getwd()
	for err == nil {
		if _, serr := os.Stat(filepath.Join(dir, "go.mod")); serr == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "targets")
		}
		up := filepath.Dir(dir)
		if up == dir {
			break
		}
		dir = up
	}
	return filepath.Join("..", "shared", "targets")
}

// withDefaults fills the unset paths.
func (c EvenniaConfig) withDefaults() EvenniaConfig {
	env := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	if c.Scripts == "" {
		c.Scripts = filepath.Join(env("PORTALSIM_TARGETS", defaultTargets()), "evennia")
	}
	if c.Venv == "" {
		c.Venv = env("EVENNIA_VENV", "/opt/evennia-venv")
	}
	if c.Game == "" {
		c.Game = env("EVENNIA_GAMEDIR", "/opt/evennia-game/mygame")
	}
	return c
}

// Check says what is missing of the installation, with the hint to fix it.
func (c EvenniaConfig) Check() error {
	c = c.withDefaults()
	for _, f := range []string{filepath.Join(c.Scripts, "start.sh"), filepath.Join(c.Scripts, "stop.sh"),
		filepath.Join(c.Venv, "bin", "evennia"), filepath.Join(c.Game, "server", "evennia.db3")} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("stock Evennia is not installed (%w); run sudo %s --force", err, filepath.Join(c.Scripts, "install.sh"))
		}
	}
	return nil
}

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

// evenniaPorts are the ports start.sh P opens: telnet P, web P+1,
// websocket P+2, internal web P+5, AMP P+6.
var evenniaPorts = []int{0, 1, 2, 5, 6}

var evenniaPIDs = regexp.MustCompile(`(?m)^portal_pid=(\d+) server_pid=(\d+)$`)

func (t evenniaTarget) start(ctx context.Context, e *env, dir string) (*running, error) {
	cfg := e.evennia.withDefaults()
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	game := filepath.Join(dir, "mygame")
	if err := copyGame(ctx, cfg.Venv, cfg.Game, game); err != nil {
		return nil, fmt.Errorf("copy the Evennia game: %w", err)
	}
	scriptEnv := []string{"EVENNIA_VENV=" + cfg.Venv, "EVENNIA_GAMEDIR=" + game, "START_TIMEOUT=90", "STOP_TIMEOUT=30"}
	stop := func() error {
		_, err := script(context.Background(), scriptEnv, filepath.Join(cfg.Scripts, "stop.sh"))
		return err
	}
	args := []string{"--no-throttle", "--dummyrunner-mixin"}
	if t.nodelay {
		args = append(args, "--amp-nodelay")
	}
	var last error
	for range 3 { // another process may take a port between the check and the start
		port, err := freePortBlock(evenniaPorts)
		if err != nil {
			return nil, err
		}
		out, err := script(ctx, scriptEnv, filepath.Join(cfg.Scripts, "start.sh"), append([]string{strconv.Itoa(port)}, args...)...)
		if err != nil {
			last = err
			_ = stop()
			if strings.Contains(out, "already in use") {
				continue
			}
			break
		}
		m := evenniaPIDs.FindStringSubmatch(out)
		if m == nil {
			return nil, errors.Join(fmt.Errorf("start.sh printed no pids: %q", out), stop())
		}
		portal, _ := strconv.Atoi(m[1])
		server, _ := strconv.Atoi(m[2])
		return &running{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			procs: []namedPID{{"portal", portal}, {"server", server}}, stop: stop}, nil
	}
	return nil, fmt.Errorf("start Evennia: %w", last)
}

// script runs a shared script, returning its output (stdout and stderr).
func script(ctx context.Context, env []string, path string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w: %s", filepath.Base(path), err, tail(out, 600))
	}
	return string(out), nil
}

// freePortBlock returns a port P of 20000-29999 with P+offset free on
// loopback for every offset.
func freePortBlock(offsets []int) (int, error) {
	for range 200 {
		p := 20000 + rand.IntN(10000)
		free := true
		for _, off := range offsets {
			ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+off)))
			if err != nil {
				free = false
				break
			}
			_ = ln.Close()
		}
		if free {
			return p, nil
		}
	}
	return 0, errors.New("no free block of ports on 127.0.0.1")
}

// copyGame copies the game directory src to dst without its logs, pid
// files and database, then the database with SQLite's backup (consistent
// even while another copy runs), as the targets specs do
// (internal/testutil.StartEvennia): the installed game is never started
// nor changed.
func copyGame(ctx context.Context, venv, src, dst string) error {
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		dir, base := filepath.Split(rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case filepath.Clean(dir) == filepath.Join("server", "logs") && base != "README.md",
			filepath.Clean(dir) == "server" && (strings.HasSuffix(base, ".pid") || strings.HasPrefix(base, "evennia.db3")):
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			l, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(l, to)
		case d.Type().IsRegular():
			return copyFile(path, to)
		}
		return nil
	})
	if err != nil {
		return err
	}
	const backup = `import pathlib, sqlite3, sys
src = sqlite3.connect(pathlib.Path(sys.argv[1]).absolute().as_uri() + "?mode=ro", uri=True)
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)
`
	db := filepath.Join("server", "evennia.db3")
	_, err = script(ctx, nil, filepath.Join(venv, "bin", "python"), "-c", backup, filepath.Join(src, db), filepath.Join(dst, db))
	return err
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
