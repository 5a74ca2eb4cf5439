package ampportal

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// spawnResult is a Server process's twistd parent that exited (it forks
// the Server and exits once the Server has started), or, with start, the
// request to start one when the bridge starts.
type spawnResult struct {
	start bool
	conn  *ampConn
	tag   []byte
	err   error
}

// startServer starts the Server with the command line the launcher last
// gave, as Evennia's Portal runs it: in the game directory, its output
// appended to the Server's log. c, if set, is answered (tag) once the
// twistd parent has exited.
func (b *Bridge) startServer(c *ampConn, tag []byte) {
	if b.stopping() {
		return
	}
	if len(b.cmd) == 0 {
		b.log.Error("amp.server.start", "err", "no command line to start the Server with: run \"evennia start\"")
		return
	}
	cmd, logf, err := b.serverCommand()
	if err == nil {
		err = b.spawn(cmd)
		if err != nil {
			logf.Close()
		}
	}
	if err != nil {
		b.stats.spawnFailed.Add(1)
		b.log.Error("amp.server.start", "cmd", b.cmd, "err", err)
		if c != nil {
			b.refuse(c, tag, err)
		}
		return
	}
	b.stats.spawned.Add(1)
	b.spawning++
	tag = bytes.Clone(tag) // the box's bytes are its reader's again once the loop is done with it
	b.log.Info("amp.server.starting", "cmd", b.cmd, "pid", cmd.Process.Pid)
	go func() { // not waited for by Close: twistd's parent exits by itself
		err := cmd.Wait()
		logf.Close()
		b.post(event{spawned: &spawnResult{conn: c, tag: tag, err: err}})
	}()
}

// spawnDone takes a twistd parent's exit.
func (b *Bridge) spawnDone(r *spawnResult) {
	if r.start {
		b.startServer(nil, nil)
		return
	}
	b.spawning--
	if r.err != nil {
		b.stats.spawnFailed.Add(1)
		b.log.Error("amp.server.start", "err", r.err, "log", b.serverLog())
	}
	if r.conn != nil {
		r.conn.answer(r.tag)
	}
}

// serverCommand builds the Server's process, its output going to the
// Server's log (which the caller closes).
func (b *Bridge) serverCommand() (*exec.Cmd, *os.File, error) {
	dir := b.cfg.GameDir
	if dir == "" {
		dir = "."
	}
	env := serverEnv(b.cfg.Env, dir)
	path, err := lookPath(b.cmd[0], env)
	if err != nil {
		return nil, nil, err
	}
	logf, err := os.OpenFile(b.serverLog(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("the Server's log: %w", err)
	}
	cmd := exec.Command(path, b.cmd[1:]...)
	cmd.Args[0] = b.cmd[0]
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = dir, env, logf, logf
	return cmd, logf, nil
}

// serverLog is the file the Server's own output goes to.
func (b *Bridge) serverLog() string {
	if b.cfg.ServerLog != "" {
		return b.cfg.ServerLog
	}
	return filepath.Join(b.cfg.GameDir, "server", "logs", "server.log")
}

// serverEnv is the Server's environment: base (this process's if nil)
// with DJANGO_SETTINGS_MODULE set if it is not, and the game directory
// first on PYTHONPATH, as Evennia's launcher and Portal give it.
func serverEnv(base []string, gameDir string) []string {
	if base == nil {
		base = os.Environ()
	}
	abs, err := filepath.Abs(gameDir)
	if err != nil {
		abs = gameDir
	}
	env := make([]string, 0, len(base)+2)
	settings, pypath := false, false
	for _, kv := range base {
		switch {
		case strings.HasPrefix(kv, "DJANGO_SETTINGS_MODULE="):
			settings = true
		case strings.HasPrefix(kv, "PYTHONPATH="):
			pypath = true
			kv = "PYTHONPATH=" + abs + string(os.PathListSeparator) + strings.TrimPrefix(kv, "PYTHONPATH=")
		}
		env = append(env, kv)
	}
	if !settings {
		env = append(env, "DJANGO_SETTINGS_MODULE=server.conf.settings")
	}
	if !pypath {
		env = append(env, "PYTHONPATH="+abs)
	}
	return env
}

// lookPath finds name as exec.LookPath does, but on env's PATH: the
// launcher names twistd bare, to be found on the PATH of the virtualenv.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if !filepath.IsAbs(name) {
			return "", fmt.Errorf("%q: a relative path: %w", name, exec.ErrNotFound)
		}
		return name, nil
	}
	var path string
	for _, kv := range env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = p
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if !filepath.IsAbs(dir) {
			continue // "" and relative entries: the current directory is not searched (exec.ErrDot)
		}
		f := filepath.Join(dir, name)
		if st, err := os.Stat(f); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return f, nil
		}
	}
	return "", fmt.Errorf("%q on the PATH (start portalsim with Evennia's virtualenv active): %w", name, exec.ErrNotFound)
}
