package targets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Where install.sh puts Evennia, unless $EVENNIA_VENV and
// $EVENNIA_GAMEDIR say otherwise (the shared scripts read them too).
const (
	EvenniaVenv = "/opt/evennia-venv"
	EvenniaGame = "/opt/evennia-game/mygame"
)

// EvenniaPortOffsets are the ports a stock Evennia opens from its telnet
// port P: telnet P, web P+1, websocket P+2, internal web P+5, AMP P+6.
var EvenniaPortOffsets = []int{0, 1, 2, 5, 6}

// EvenniaConfig says where an Evennia installation is and how to start a
// copy of its game. [EvenniaConfig.WithDefaults] fills the paths (and
// testutil.NeedEvennia, for a test).
type EvenniaConfig struct {
	// Scripts is the directory of the shared scripts (start.sh, stop.sh,
	// make_accounts.sh).
	Scripts string
	// Venv is the installation's virtualenv.
	Venv string
	// Game is the installed game directory. It is never started: each
	// [StartEvennia] runs a copy of it.
	Game string
	// Dir is the directory the copy goes in (a test's temporary
	// directory, a bench target's own directory).
	Dir string
	// Accounts is how many accounts make_accounts.sh creates in the copy
	// before it starts (Evennia's creation throttle allows 2 per address
	// per 10 minutes over telnet).
	Accounts int
	// Args are start.sh's options after the port (--no-throttle,
	// --dummyrunner-mixin, --amp-nodelay); none: stock settings.
	Args []string
}

// WithDefaults fills the unset paths of c: $PORTALSIM_TARGETS/evennia
// or the shared targets beside the repository (see [Dir]), and the
// virtualenv and game install.sh made, unless $EVENNIA_VENV and
// $EVENNIA_GAMEDIR say otherwise (the shared scripts read them too).
func (c EvenniaConfig) WithDefaults() EvenniaConfig {
	if c.Scripts == "" {
		dir, err := Dir()
		if err != nil {
			dir = filepath.Join("..", "shared", "targets") // Check says what is missing
		}
		c.Scripts = filepath.Join(dir, "evennia")
	}
	env := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	if c.Venv == "" {
		c.Venv = env("EVENNIA_VENV", EvenniaVenv)
	}
	if c.Game == "" {
		c.Game = env("EVENNIA_GAMEDIR", EvenniaGame)
	}
	return c
}

// evenniaInstallHint says how to install what [EvenniaConfig.Check]
// finds missing.
const evenniaInstallHint = "sudo ../shared/targets/evennia/install.sh --force (.ci/run does)"

// Check says what is missing of the installation c names (the scripts,
// make_accounts.sh too when c.Accounts asks for accounts, Evennia in the
// virtualenv, the game's database), with the hint to fix it.
func (c EvenniaConfig) Check() error {
	files := []string{filepath.Join(c.Scripts, "start.sh"), filepath.Join(c.Scripts, "stop.sh"),
		filepath.Join(c.Venv, "bin", "evennia"), filepath.Join(c.Game, "server", "evennia.db3")}
	if c.Accounts > 0 {
		files = append(files, filepath.Join(c.Scripts, "make_accounts.sh"))
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("stock Evennia is not installed (%w); run %s", err, evenniaInstallHint)
		}
	}
	return nil
}

// EvenniaAccount is an account made by make_accounts.sh.
type EvenniaAccount struct {
	Name, Password string
}

// Evennia is a stock Evennia 5 (no setting changed but what
// [EvenniaConfig.Args] asks) running a copy of the installed game on
// random loopback ports.
type Evennia struct {
	// Addr is the telnet door, 127.0.0.1:P.
	Addr string
	// Port is P; the other doors follow (see [EvenniaPortOffsets]).
	Port int
	// GameDir is the copy of the game the server runs.
	GameDir string
	// Accounts are the accounts created before the start.
	Accounts []EvenniaAccount
	// AccountsFile is a CSV file of Accounts ("name,password", a header
	// row first), as a scenario's accounts.file reads it.
	AccountsFile string
	// PortalPID and ServerPID are Evennia's two processes.
	PortalPID, ServerPID int

	env      []string
	scripts  string
	stopOnce sync.Once
	stopErr  error
}

// StartEvennia copies cfg.Game into cfg.Dir, creates cfg.Accounts
// accounts in the copy with make_accounts.sh, writes them to a CSV file,
// and starts the copy with start.sh on a free block of loopback ports
// (retrying with another block if a port is taken meanwhile). The copy
// keeps tests from each other and from an Evennia running the installed
// game. It returns once the server is up (start.sh waits for the game
// server, not just the portal). Call [Evennia.Stop] when done.
func StartEvennia(ctx context.Context, cfg EvenniaConfig) (*Evennia, error) {
	game, err := copyGame(ctx, cfg)
	if err != nil {
		return nil, err
	}
	e := &Evennia{GameDir: game.Dir, Accounts: game.Accounts, AccountsFile: game.AccountsFile,
		scripts: cfg.Scripts, env: game.scriptEnv}
	var last error
	for range StartAttempts {
		port, err := FreePortBlock(EvenniaPortOffsets...)
		if err != nil {
			return nil, err
		}
		out, err := RunScript(ctx, e.env, filepath.Join(cfg.Scripts, "start.sh"), append([]string{strconv.Itoa(port)}, cfg.Args...)...)
		if err == nil {
			e.Port, e.Addr = port, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
			if e.PortalPID, e.ServerPID, err = parsePIDs(out); err != nil {
				return nil, errors.Join(err, e.Stop(ctx))
			}
			return e, nil
		}
		last = err
		// Whatever came up of this attempt goes down before the next.
		_, _ = RunScript(ctx, e.env, filepath.Join(cfg.Scripts, "stop.sh"))
		var se *ScriptError
		if !errors.As(err, &se) || !strings.Contains(se.Out, "already in use") {
			break
		}
	}
	return nil, fmt.Errorf("start Evennia: %w", last)
}

// Stop stops the server with stop.sh ("evennia stop", then SIGTERM and
// SIGKILL to this game's processes only). It is idempotent: later calls
// return the first call's error.
func (e *Evennia) Stop(ctx context.Context) error {
	e.stopOnce.Do(func() {
		if _, err := RunScript(ctx, e.env, filepath.Join(e.scripts, "stop.sh")); err != nil {
			e.stopErr = fmt.Errorf("stop Evennia: %w", err)
		}
	})
	return e.stopErr
}

// LogDir is where the portal and the game server write their logs.
func (e *Evennia) LogDir() string { return filepath.Join(e.GameDir, "server", "logs") }

// copyEvenniaGame copies the game directory src to dst, without its
// logs, pid files and database; the database is copied with SQLite's
// backup (consistent even if an Evennia is running src), which also
// checks that the game was started once (install.sh's smoke test does
// that): the first start creates the superuser as account #1, and
// accounts made before it would take that place.
func copyEvenniaGame(ctx context.Context, venv, src, dst string) error {
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case skipInGameCopy(rel):
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			return copyFile(path, target)
		}
		return nil // sockets, fifos: nothing a game needs
	})
	if err != nil {
		return err
	}
	const backup = `import pathlib, sqlite3, sys
src = sqlite3.connect(pathlib.Path(sys.argv[1]).absolute().as_uri() + "?mode=ro", uri=True)
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)
print(dst.execute("select count(*) from accounts_accountdb where id = 1 and is_superuser = 1").fetchone()[0])
`
	db := filepath.Join("server", "evennia.db3")
	out, err := RunScript(ctx, nil, filepath.Join(venv, "bin", "python"), "-c", backup, filepath.Join(src, db), filepath.Join(dst, db))
	if err != nil {
		return err
	}
	if strings.TrimSpace(out) != "1" {
		return fmt.Errorf("the game at %s was never started (no superuser #1): run its start.sh and stop.sh once, as install.sh's smoke test does", src)
	}
	return nil
}

// skipInGameCopy says which files of a game directory (rel to it) are
// not copied: logs, pid files, the database (copied apart).
func skipInGameCopy(rel string) bool {
	dir, base := filepath.Split(rel)
	switch filepath.Clean(dir) {
	case filepath.Join("server", "logs"):
		return base != "README.md"
	case "server":
		return strings.HasSuffix(base, ".pid") || strings.HasPrefix(base, "evennia.db3")
	}
	return false
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

// accountLine is one account as make_accounts.sh prints it.
var accountLine = regexp.MustCompile(`^([^,\s]+),(\S+)$`)

// parseAccounts reads make_accounts.sh's output: a "name,password" line
// per account, or "ERROR name: why" when one could not be made.
func parseAccounts(out string, want int) ([]EvenniaAccount, error) {
	var accs []EvenniaAccount
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "ERROR") {
			return nil, errors.New(line)
		}
		m := accountLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("unexpected line %q", line)
		}
		accs = append(accs, EvenniaAccount{Name: m[1], Password: m[2]})
	}
	if len(accs) != want {
		return nil, fmt.Errorf("%d accounts made, want %d", len(accs), want)
	}
	return accs, nil
}

// writeAccounts writes accs as a CSV file with a header row.
func writeAccounts(path string, accs []EvenniaAccount) error {
	var b strings.Builder
	b.WriteString("name,password\n")
	for _, a := range accs {
		fmt.Fprintf(&b, "%s,%s\n", a.Name, a.Password)
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// pidsLine is start.sh's last line.
var pidsLine = regexp.MustCompile(`(?m)^portal_pid=(\d+) server_pid=(\d+)$`)

// parsePIDs reads Evennia's process ids from start.sh's output.
func parsePIDs(out string) (portal, server int, err error) {
	m := pidsLine.FindStringSubmatch(out)
	if m == nil {
		return 0, 0, fmt.Errorf("start.sh printed no pids: %q", tail(out, 5))
	}
	portal, _ = strconv.Atoi(m[1])
	server, _ = strconv.Atoi(m[2])
	return portal, server, nil
}
