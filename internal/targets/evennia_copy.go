package targets

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// EvenniaCopy is a copy of the installed Evennia game, its accounts made,
// with its settings pointed at a free block of loopback ports, for a
// portal other than Evennia's own ("portalsim portal -server-protocol
// evennia-amp"): the caller starts that portal on the ports and drives
// Evennia's launcher ([EvenniaCopy.Launcher]), which finds the portal on
// the AMP port and starts only the Server.
type EvenniaCopy struct {
	// Dir is the game directory.
	Dir string
	// Port is P, the first port of the block ([EvenniaCopyPorts]).
	Port int
	// Accounts are the accounts made in the copy, and AccountsFile their
	// CSV file (see [Evennia]).
	Accounts     []EvenniaAccount
	AccountsFile string

	venv      string
	scriptEnv []string
}

// EvenniaSuperuser is the superuser (account #1) install.sh's smoke
// test made in the installed game, and so in every copy: start.sh's
// default, unless $EVENNIA_SUPERUSER_USERNAME and _PASSWORD said
// otherwise at install.
var EvenniaSuperuser = EvenniaAccount{Name: "admin", Password: "AdminPass123!"}

// The ports of an [EvenniaCopy]'s block, as offsets from P: Evennia's
// layout (telnet, web, websocket, its Server's internal web server, AMP)
// and the two doors Evennia ships shut (telnet over TLS, SSH).
const (
	GameTelnet      = 0
	GameWeb         = 1
	GameWebsocket   = 2
	GameTelnetTLS   = 3
	GameSSH         = 4
	GameWebInternal = 5
	GameAMP         = 6
)

// EvenniaCopyPorts are the offsets of an [EvenniaCopy]'s ports.
var EvenniaCopyPorts = []int{GameTelnet, GameWeb, GameWebsocket, GameTelnetTLS, GameSSH, GameWebInternal, GameAMP}

// PrepareEvennia copies cfg.Game into cfg.Dir, makes cfg.Accounts
// accounts in it, and writes its runtime settings for a free block of
// ports. Of cfg.Args, the Server's settings of start.sh are taken:
// --no-throttle (its account creation and login throttles off; the
// connection and command rates are the portal's own flags) and
// --dummyrunner-mixin; and --irc sets IRC_ENABLED (Evennia's IRC bots,
// which its "irc2chan" command makes). Nothing is started.
func PrepareEvennia(ctx context.Context, cfg EvenniaConfig) (*EvenniaCopy, error) {
	g, err := copyGame(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if g.Port, err = FreePortBlock(EvenniaCopyPorts...); err != nil {
		return nil, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by portalsim's targets.PrepareEvennia.\n"+
		"TELNET_PORTS = [%d]\nAMP_PORT = %d\nWEBSERVER_PORTS = [(%d, %d)]\nWEBSOCKET_CLIENT_PORT = %d\n",
		g.Port+GameTelnet, g.Port+GameAMP, g.Port+GameWeb, g.Port+GameWebInternal, g.Port+GameWebsocket)
	for _, a := range cfg.Args {
		switch a {
		case "--dummyrunner-mixin":
			b.WriteString("from evennia.server.profiling.settings_mixin import *  # noqa\n")
		case "--no-throttle":
			b.WriteString("CREATION_THROTTLE_LIMIT = None\nCREATION_THROTTLE_TIMEOUT = None\n" +
				"LOGIN_THROTTLE_LIMIT = None\nLOGIN_THROTTLE_TIMEOUT = None\n")
		case "--irc":
			b.WriteString("IRC_ENABLED = True\n")
		default:
			return nil, fmt.Errorf("PrepareEvennia: argument %q: want --no-throttle, --dummyrunner-mixin or --irc", a)
		}
	}
	if err := os.WriteFile(filepath.Join(g.Dir, "server", "conf", "runtime_settings.py"), []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	return g, nil
}

// copyGame copies the game and makes its accounts.
func copyGame(ctx context.Context, cfg EvenniaConfig) (*EvenniaCopy, error) {
	dir := filepath.Join(cfg.Dir, "mygame")
	if err := copyEvenniaGame(ctx, cfg.Venv, cfg.Game, dir); err != nil {
		return nil, fmt.Errorf("copy the Evennia game: %w", err)
	}
	g := &EvenniaCopy{Dir: dir, venv: cfg.Venv,
		scriptEnv: []string{"EVENNIA_VENV=" + cfg.Venv, "EVENNIA_GAMEDIR=" + dir, "START_TIMEOUT=90", "STOP_TIMEOUT=30"}}
	if cfg.Accounts > 0 {
		out, err := RunScript(ctx, g.scriptEnv, filepath.Join(cfg.Scripts, "make_accounts.sh"), strconv.Itoa(cfg.Accounts))
		if err != nil {
			return nil, fmt.Errorf("create accounts: %w", err)
		}
		if g.Accounts, err = parseAccounts(out, cfg.Accounts); err != nil {
			return nil, fmt.Errorf("make_accounts.sh %d: %w", cfg.Accounts, err)
		}
		g.AccountsFile = filepath.Join(cfg.Dir, "accounts.csv")
		if err := writeAccounts(g.AccountsFile, g.Accounts); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// Addr is the loopback address of the port at offset off of the block.
func (g *EvenniaCopy) Addr(off int) string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(g.Port+off))
}

// Env is the environment Evennia's launcher and Server run in: this
// process's, with the virtualenv's bin first on PATH (where twistd is).
func (g *EvenniaCopy) Env() []string {
	env := os.Environ()
	bin := filepath.Join(g.venv, "bin")
	for i, kv := range env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			env[i] = "PATH=" + bin + string(os.PathListSeparator) + p
			return env
		}
	}
	return append(env, "PATH="+bin)
}

// Launcher runs Evennia's launcher ("evennia ARGS...") in the game
// directory and returns what it printed.
func (g *EvenniaCopy) Launcher(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(g.venv, "bin", "evennia"), args...)
	cmd.Dir, cmd.Env, cmd.WaitDelay = g.Dir, g.Env(), 5*time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), &ScriptError{Script: "evennia", Args: args, Out: string(out), Err: err}
	}
	return string(out), nil
}

// ServerPID is the Evennia Server's process id from its pid file; 0 if
// there is none.
func (g *EvenniaCopy) ServerPID() int {
	b, err := os.ReadFile(filepath.Join(g.Dir, "server", "server.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// KillServer kills the Server left running, if any (a test's cleanup
// after a failure: "evennia stop" is the way to stop it).
func (g *EvenniaCopy) KillServer() {
	if pid := g.ServerPID(); pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}
