package main

import (
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

// portalFlags are the portal's settings on the command line.
type portalFlags struct {
	telnet, link, name string
	web, websocket     string
	webLoginTTL        time.Duration
	telnetTLS, ssh     string // the other doors' addresses; "" shuts them
	tlsCert, tlsKey    string
	sshHostKey         string
	connRate, cmdRate  float64
	charLimit          int
	perAddress         int
	idle, keepalive    time.Duration
	linkTimeout        time.Duration
	loginTimeout       time.Duration
	halfCloseGrace     time.Duration
}

// register adds the portal's flags to fs, with the default addresses of
// the telnet door and the link; the other doors take Evennia's ports.
func (p *portalFlags) register(fs *flag.FlagSet, telnetDefault, linkDefault string) {
	fs.StringVar(&p.telnet, "telnet", telnetDefault, "telnet listen address (port 0: random)")
	fs.StringVar(&p.telnetTLS, "telnet-tls", defaultTelnetTLSAddr, "telnet-over-TLS listen address (port 0: random; empty: off)")
	fs.StringVar(&p.tlsCert, "tls-cert", "", "PEM certificate (chain) of -telnet-tls; empty (with -tls-key): a self-signed one for 127.0.0.1/localhost, in memory, new each run")
	fs.StringVar(&p.tlsKey, "tls-key", "", "PEM private key of -tls-cert")
	fs.StringVar(&p.ssh, "ssh", defaultSSHAddr, "SSH listen address (port 0: random; empty: off); the SSH password is tried as the game's connect")
	fs.StringVar(&p.sshHostKey, "ssh-host-key", "", "SSH host key file, created (ed25519, mode 0600) if missing so clients see the same key across restarts; empty: a new key in memory each run")
	fs.StringVar(&p.link, "link", linkDefault, "game-server link listen address (port 0: random)")
	fs.StringVar(&p.web, "web", defaultWebAddr, "web page listen address, the webclient for browsers (port 0: random; empty: off)")
	fs.DurationVar(&p.webLoginTTL, "web-login-ttl", portal.DefaultWebLoginTTL, "how long a browser stays logged in across reconnects after it logged in (by its key); 0: not at all")
	fs.StringVar(&p.websocket, "websocket", defaultWebsocketAddr, "websocket listen address, for the web page and websocket MUD clients (port 0: random; empty: off)")
	fs.StringVar(&p.name, "name", portal.DefaultServerName, "server name shown to players")
	fs.Float64Var(&p.connRate, "max-connection-rate", portal.DefaultMaxConnectionRate, "new sessions released per second by the connect throttle; 0 or less: no throttle")
	fs.Float64Var(&p.cmdRate, "max-command-rate", portal.DefaultMaxCommandRate, "inputs per second per session; 0 or less: unlimited")
	fs.IntVar(&p.charLimit, "max-char-limit", portal.DefaultMaxCharLimit, "longest input line in characters; 0 or less: unlimited")
	fs.DurationVar(&p.idle, "idle-timeout", 0, "disconnect sessions idle this long; 0: never")
	fs.DurationVar(&p.keepalive, "keepalive", portal.DefaultKeepalive, "keepalive interval: a telnet NOP, a websocket ping; 0: off")
	fs.DurationVar(&p.linkTimeout, "link-timeout", portal.DefaultLinkTimeout, "treat a linked game server silent this long as unresponsive (players are told, input is held); 0: never")
	fs.IntVar(&p.perAddress, "max-sessions-per-address", 0, "refuse a connection from a client address (IP) that has this many sessions already, queued ones included; 0: no cap")
	fs.DurationVar(&p.halfCloseGrace, "half-close-grace", portal.DefaultHalfCloseGrace, "how long a client that stopped sending (closed its socket, or only its sending side) waits at most for the answers to what it sent; 0: not at all")
	fs.DurationVar(&p.loginTimeout, "login-timeout", portal.DefaultLoginTimeout, "close a session not logged in this long after it connected (time in the connect queue included), telling it why; 0: never")
}

// Evennia's port layout: telnet 4000, web 4001, websocket 4002, telnet
// over TLS 4003, SSH 4004 (Evennia ships the last two off; here every
// door is open, on loopback).
const (
	defaultWebAddr       = "127.0.0.1:4001"
	defaultWebsocketAddr = "127.0.0.1:4002"
	defaultTelnetTLSAddr = "127.0.0.1:4003"
	defaultSSHAddr       = "127.0.0.1:4004"
)

// listenerLine is the line serve and portal print when they start: every
// door as "NAME HOST:PORT", then the game-server link.
func listenerLine(command string, p *portal.Portal) string {
	var b strings.Builder
	fmt.Fprintf(&b, "portalsim %s:", command)
	for _, l := range p.Listeners() {
		fmt.Fprintf(&b, " %s %s,", l.Name, l.Addr)
	}
	fmt.Fprintf(&b, " link %s", p.LinkAddr())
	return b.String()
}

// offIfNotPositive turns the command line's "0 or less disables" into the
// Config's "negative disables" (its zero means "default").
func offIfNotPositive[T int | float64 | time.Duration](v T) T {
	if v <= 0 {
		return -1
	}
	return v
}

func (p *portalFlags) config() portal.Config {
	return portal.Config{
		TelnetAddr:        p.telnet,
		TelnetTLSAddr:     p.telnetTLS,
		TLSCertFile:       p.tlsCert,
		TLSKeyFile:        p.tlsKey,
		SSHAddr:           p.ssh,
		SSHHostKeyFile:    p.sshHostKey,
		LinkAddr:          p.link,
		WebAddr:           p.web,
		WebsocketAddr:     p.websocket,
		WebLoginTTL:       offIfNotPositive(p.webLoginTTL),
		ServerName:        p.name,
		MaxConnectionRate: offIfNotPositive(p.connRate),
		MaxCommandRate:    offIfNotPositive(p.cmdRate),
		MaxCharLimit:      offIfNotPositive(p.charLimit),
		IdleTimeout:       p.idle,
		Keepalive:         offIfNotPositive(p.keepalive),
		LinkTimeout:       offIfNotPositive(p.linkTimeout),
		LoginTimeout:      offIfNotPositive(p.loginTimeout),
		HalfCloseGrace:    offIfNotPositive(p.halfCloseGrace),
		// 0 and less both mean no cap, as in the Config.
		MaxSessionsPerAddress: p.perAddress,
	}
}

// simFlags are the game server's settings on the command line.
type simFlags struct {
	data        string
	loginDelay  time.Duration
	linkTimeout time.Duration
	prompt      string
	cost        int
	weakCost    bool
	superuser   string
	newPerm     sim.Perm
	creations   sim.Throttle
	logins      sim.Throttle
	loadTest    bool
	startRooms  int
}

func (s *simFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", "", "world journal file (accounts, rooms, objects); empty: in memory, lost when the process ends")
	fs.DurationVar(&s.loginDelay, "login-delay", sim.DefaultLoginScreenDelay, "delay before the login screen is shown")
	fs.StringVar(&s.prompt, "prompt", sim.DefaultPrompt, "prompt sent after every command's output")
	fs.IntVar(&s.cost, "password-cost", 0, fmt.Sprintf("bcrypt cost of new password hashes, at least %d; 0: %d", sim.MinPasswordCost, sim.DefaultPasswordCost))
	fs.BoolVar(&s.weakCost, "insecure-password-cost", false, fmt.Sprintf("FOR TESTS ONLY: allow a -password-cost below %d, and make its default bcrypt's minimum (%d)", sim.MinPasswordCost, sim.TestPasswordCost))
	s.creations, s.logins = sim.DefaultCreationThrottle, sim.DefaultLoginThrottle
	fs.TextVar(&s.newPerm, "new-account-perm", sim.PermPlayer, "permission of new accounts: Player, Builder, Admin or Developer")
	fs.Func("creation-throttle", "account creations per client address, as <limit>/<window>, or off (default "+s.creations.String()+")", throttleFlag(&s.creations))
	fs.Func("login-throttle", "failed logins per client address, as <limit>/<window>, or off (default "+s.logins.String()+")", throttleFlag(&s.logins))
	fs.BoolVar(&s.loadTest, "load-test", false, "a game for load tests, like Evennia's dummyrunner settings: new accounts are Builders, account throttles are off, passwords are hashed at the test cost; never for real players")
	fs.StringVar(&s.superuser, "superuser", "", "account that is the game's superuser (Developer), whatever the journal says; the first account of an empty world always is")
	fs.IntVar(&s.startRooms, "start-rooms", 1, fmt.Sprintf("spread new characters round-robin over this many start rooms (Limbo and rooms created as needed, up to %d), as players of a real game are spread; 1: everyone starts in Limbo, as in Evennia, and every login is announced to everyone there", sim.MaxStartRooms))
	fs.DurationVar(&s.linkTimeout, "portal-timeout", sim.DefaultPortalTimeout, "give the link up and redial when the portal is silent this long; 0: never")
}

// throttleFlag parses a -*-throttle flag into t.
func throttleFlag(t *sim.Throttle) func(string) error {
	return func(v string) error {
		p, err := sim.ParseThrottle(v)
		if err == nil {
			*t = p
		}
		return err
	}
}

// worldConfig returns the world settings the flags describe; -load-test
// changes the defaults of the load-test ones.
func (s *simFlags) worldConfig(store sim.Store, name string) sim.WorldConfig {
	cfg := sim.WorldConfig{Store: store, ServerName: name, PasswordCost: s.cost, InsecurePasswordCost: s.weakCost,
		Superuser: s.superuser, NewAccountPerm: s.newPerm, CreationThrottle: s.creations, LoginThrottle: s.logins, StartRooms: s.startRooms}
	if s.loadTest {
		cfg.InsecurePasswordCost = true
		cfg.NewAccountPerm = max(cfg.NewAccountPerm, sim.PermBuilder)
		cfg.CreationThrottle, cfg.LoginThrottle = sim.Throttle{}, sim.Throttle{}
	}
	return cfg
}

// world opens the world the flags describe, logging journal lines it had to skip.
func (s *simFlags) world(name string, log *slog.Logger) (*sim.World, error) {
	var store sim.Store = sim.NewMemoryStore()
	if s.data != "" {
		j, err := sim.OpenJournal(s.data)
		if err != nil {
			return nil, err
		}
		store = j
	}
	w, err := sim.NewWorld(s.worldConfig(store, name))
	if err != nil {
		return nil, exitErr{ExitInvalidConfig, err}
	}
	if errs := w.ReplayErrors(); len(errs) > 0 {
		log.Warn("world.replay.skipped", "path", s.data, "records", len(errs), "first", errs[0])
	}
	if s.data != "" {
		log.Info("world.opened", "path", s.data, "replayed", w.Replayed())
	}
	return w, nil
}

func (s *simFlags) config(portalAddr string, w *sim.World) sim.Config {
	delay := s.loginDelay
	if delay == 0 {
		delay = -1
	}
	return sim.Config{PortalAddr: portalAddr, World: w, LoginScreenDelay: delay, Prompt: s.prompt, PortalTimeout: offIfNotPositive(s.linkTimeout)}
}

// pidList is a flag of process ids, comma-separated ("123,456").
type pidList []int

func (l *pidList) String() string {
	parts := make([]string, len(*l))
	for i, p := range *l {
		parts[i] = strconv.Itoa(p)
	}
	return strings.Join(parts, ",")
}

// Set parses a comma-separated list of pids, replacing the list.
func (l *pidList) Set(v string) error {
	var pids []int
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pid, err := strconv.Atoi(p)
		if err != nil || pid <= 0 {
			return fmt.Errorf("%q is not a pid", p)
		}
		pids = append(pids, pid)
	}
	*l = pids
	return nil
}
