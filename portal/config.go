package portal

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/loopback"
)

// Evennia's defaults (settings_default.py), used where a Config field is zero.
const (
	DefaultServerName        = "portalsim"
	DefaultMaxConnectionRate = 2.0
	DefaultMaxCommandRate    = 80.0
	DefaultMaxCharLimit      = 6000
	DefaultKeepalive         = 30 * time.Second
	DefaultOutboundLimit     = 1 << 20
	DefaultQueuedInputLimit  = 200
	DefaultHoldLimit         = 100_000
	DefaultHoldBytes         = 16 << 20
	DefaultMaxLineLength     = 16 << 10
	// DefaultMaxLinkHandshakes bounds the link connections not yet
	// authenticated at once (see Config.MaxLinkHandshakes).
	DefaultMaxLinkHandshakes = 4
	// DefaultLinkHeartbeat and DefaultLinkTimeout: see Config.LinkHeartbeat.
	DefaultLinkHeartbeat = time.Second
	DefaultLinkTimeout   = 5 * time.Second
	// DefaultLoginTimeout: see Config.LoginTimeout.
	DefaultLoginTimeout = 5 * time.Minute
	// DefaultHalfCloseGrace: see Config.HalfCloseGrace.
	DefaultHalfCloseGrace = 10 * time.Second
	// DefaultDoorHandshakeTimeout: see Config.DoorHandshakeTimeout.
	DefaultDoorHandshakeTimeout = 10 * time.Second
)

// TimeSessidBase returns a first sessid ([Config.FirstSessid]) above
// every sessid of a portal run started before now that made fewer than
// 1,024 sessions per millisecond since its start: the Unix time in
// milliseconds times 1,024, which stays below 2^53 (exact in a float64,
// as JSON and our link's values carry numbers) until the year 2248.
func TimeSessidBase(now time.Time) uint64 { return uint64(now.UnixMilli()) << 10 }

// The texts Evennia sends for the input limits and the connect queue.
const (
	CommandRateWarning = "You entered commands too fast. Wait a moment and try again."
	CharLimitWarning   = "You entered a string that was too long. Please break it up into multiple parts."
	LineTooLongWarning = "Your line was too long and was discarded."
	ServerGoneWarning  = "The game server is restarting and too much input is waiting; your input was not delivered."
	StalledWarning     = "The game is not responding; your commands are kept."
	RespondingNotice   = "The game is responding again."
	InvalidUTF8Warning = "Your client sent an incorrect UTF-8 sequence; it was read as Latin-1."
	// InvalidUTF8WebWarning is what a websocket client is told, once, of
	// bytes that are not UTF-8: they are read as U+FFFD.
	InvalidUTF8WebWarning = "Your client sent bytes that are not UTF-8; they were replaced."
	// MalformedMessageWarning is what a websocket client is told of a
	// message that is not of its wire format; the message is dropped.
	MalformedMessageWarning = "Your client sent a message the portal could not read; it was dropped."
	// LoginTimeoutFormat, with the timeout, is what a session that did
	// not log in in time is told (see Config.LoginTimeout).
	LoginTimeoutFormat = "Timed out waiting for login after %v. Disconnecting."
	// AddressLimitFormat, with the cap, is what a connection over the
	// per-address cap is told (see Config.MaxSessionsPerAddress).
	AddressLimitFormat = "Too many connections from your address (at most %d). Disconnecting."
)

// Config configures a [Portal]. The zero value is usable: telnet and the
// link on random loopback ports with Evennia's default limits.
//
// The rate and limit fields take 0 to mean "the default" and a negative
// value to mean "off" (Evennia's "<= 0 disables", without its crash on 0, bug 5.27).
type Config struct {
	// TelnetAddr is where players connect; "" means "127.0.0.1:0" (a random port).
	TelnetAddr string
	// TelnetTLSAddr is where players connect with telnet over TLS (door
	// [DoorTelnetTLS], protocol key "telnet/ssl": Evennia's SSL_PORTS);
	// "" leaves the door shut.
	TelnetTLSAddr string
	// TLSCertFile and TLSKeyFile are the telnet-TLS door's certificate
	// (chain) and private key, PEM files; give both or neither. Neither:
	// a self-signed ECDSA P-256 certificate for 127.0.0.1, ::1 and
	// localhost is made when the door opens and kept in memory only,
	// never written, so it changes every run (clients that verify
	// certificates must be given files).
	TLSCertFile, TLSKeyFile string
	// SSHAddr is where players connect with SSH (door [DoorSSH], protocol
	// key "ssh"); "" leaves the door shut. The password a player logs in
	// with is sent to the game as the session's first command, connect
	// "<user>" <password>, which the game checks (see ssh_conn.go): a wrong
	// one leaves the player on the login screen, as in Evennia.
	SSHAddr string
	// SSHHostKeyFile is the SSH door's host key, an unencrypted OpenSSH
	// or PEM private key file only its owner may read; if there is none,
	// a new ed25519 key is written there (mode 0600) at the first start,
	// so clients see the same host key across restarts. "" means a new
	// key in memory for each run.
	SSHHostKeyFile string
	// DoorHandshakeTimeout bounds a TLS handshake, and an SSH
	// connection's set-up (key exchange, authentication, up to its
	// shell request): a client not done by then is closed, counted
	// (HandlerStats.TLSHandshakeFailures, SSHHandshakeFailures) and
	// logged, a line every 10 s at most. 0 means
	// [DefaultDoorHandshakeTimeout].
	DoorHandshakeTimeout time.Duration
	// WebsocketAddr is the websocket door, for the web page and websocket
	// MUD clients (Evennia's port 4002); "" leaves it shut.
	WebsocketAddr string
	// WebsocketOrigins are the web origins ("host:port" patterns, as
	// path.Match takes them) whose pages may open the websocket door from a
	// browser, besides the portal's own web door under any host name: a
	// page served elsewhere (behind a reverse proxy, say). Clients that are
	// not browsers send no origin and are always let in.
	WebsocketOrigins []string
	// UpstreamIPs are the reverse proxies in front of the web doors (Evennia's
	// UPSTREAM_IPS): a websocket from one of them has the client's address
	// in X-Forwarded-For, the first address from the right that is not one
	// of them. Without them, the header is ignored: anyone can write it.
	UpstreamIPs []string
	// WebAddr is the web door, serving the webclient page (Evennia's
	// port 4001); "" leaves it shut. The page connects to WebsocketAddr.
	WebAddr string
	// WebLoginTTL is how long a browser stays remembered as logged in
	// after its websocket session logged in (see the websocket door);
	// 0 means [DefaultWebLoginTTL], negative: not remembered at all.
	WebLoginTTL time.Duration
	// LinkAddr is where the game server connects; "" means "127.0.0.1:0".
	// It must be a loopback address unless AllowRemoteLink is set.
	LinkAddr string
	// AllowRemoteLink lets LinkAddr accept game servers from other machines.
	AllowRemoteLink bool
	// LinkSecret is the secret a game server must prove it knows (and the
	// portal proves to it) before anything else crosses the link; nil
	// means a new random one for this portal, which [Portal.LinkSecret]
	// returns for the server.
	LinkSecret link.Secret
	// LinkHandshakeTimeout bounds a link's handshake: a peer that has not
	// authenticated by then is closed. 0 means [link.DefaultHandshakeTimeout].
	LinkHandshakeTimeout time.Duration
	// MaxLinkHandshakes bounds the link connections still in their
	// handshake at once; one more is closed at once. 0 means
	// [DefaultMaxLinkHandshakes].
	MaxLinkHandshakes int
	// LinkHeartbeat is how often the portal tells a linked server it is
	// alive when it has nothing else to say (the server does the same);
	// 0 means [DefaultLinkHeartbeat]. LinkTimeout is how long a linked
	// server may say nothing before the portal treats it as unresponsive
	// (stopped, say, or hung): players are told once ([StalledWarning]),
	// and what they type is held as while no server is linked, until it
	// speaks again ([RespondingNotice]) or another server takes its place.
	// 0 means [DefaultLinkTimeout]; negative: never.
	LinkHeartbeat, LinkTimeout time.Duration
	// FirstSessid is the first sessid of this portal run; 0 means 1. A
	// game server that tells portal runs apart (ours: by the run id of
	// the link's handshake) needs nothing else; one that does not (a
	// stock Evennia Server, which keeps its sessions when its Portal
	// restarts, Evennia bug 5.2) gets sessids that no earlier run used
	// from a first sessid that grows with the time ([TimeSessidBase]).
	FirstSessid uint64
	// ServerName is shown in the DoS message; "" means [DefaultServerName].
	ServerName string

	// MaxConnectionRate is how many queued sessions are released per second.
	MaxConnectionRate float64
	// MaxSessionsPerAddress caps the sessions from one client address
	// (clientaddr.Key: the IP, not the port; IPv6 by its /64), those waiting in the connect queue
	// included: a connection from an address that has that many is told
	// so ([AddressLimitFormat]), closed with [ReasonAddressLimit] and
	// counted (HandlerStats.AddressRefused), the refusals logged at most
	// once every 10 s. 0 or negative: no cap (the default).
	MaxSessionsPerAddress int
	// MaxCommandRate is how many inputs one session may send per second.
	MaxCommandRate float64
	// MaxCharLimit is the longest input line in characters.
	MaxCharLimit int
	// MaxLineLength bounds the telnet line buffer in bytes (bug 5.10); longer lines are discarded with a warning.
	MaxLineLength int
	// QueuedInputLimit bounds the input kept for a session waiting in the connect queue.
	QueuedInputLimit int
	// HoldLimit bounds the input messages kept for a game server while
	// none is live (held, or sent and not yet acknowledged by one that
	// went away or stopped answering), and HoldBytes their size; input
	// past either is refused, the player told ([ServerGoneWarning]) and
	// the drop counted.
	HoldLimit int
	// HoldBytes: see HoldLimit; 0 means [DefaultHoldBytes].
	HoldBytes int
	// OutboundLimit bounds the bytes waiting to be written to one client;
	// a client that lets more pile up is disconnected as a slow consumer
	// ([ReasonSlowConsumer]). A single message larger than half the limit
	// is no sign of a slow client: it is cut to half the limit, with a
	// marker at its end saying how many bytes were not shown, and
	// counted (HandlerStats.OutputCut). 0 means [DefaultOutboundLimit] (1 MiB).
	OutboundLimit int

	// IdleTimeout disconnects a session without input for this long; 0 or negative: never.
	IdleTimeout time.Duration
	// LoginTimeout closes a session that is not logged in (the server
	// has not sent its SLOGIN, or session data saying it is logged in)
	// this long after it connected, time queued in the connect throttle
	// included, so that sockets that never log in (idle scanners,
	// slowloris) cannot hold connections for ever. The client is told
	// why ([LoginTimeoutFormat]), the session closes with
	// [ReasonLoginTimeout] and it is counted (HandlerStats.LoginTimeouts).
	// A session the server logs out again gets the time anew. 0 means
	// [DefaultLoginTimeout] (5 minutes); negative: never.
	LoginTimeout time.Duration
	// HalfCloseGrace bounds how long a session whose client stopped
	// sending (it closed its socket, or only its sending side: a script
	// that sends its commands and then shuts down writing) stays open
	// for the answers to what it sent. The session closes as soon as a
	// game server has processed every input it sent (it acknowledges an
	// input with the last frame of its answer), at once if nothing was
	// waiting, and after HalfCloseGrace at the latest (counted in
	// HandlerStats.HalfCloseTimeouts), for a server that acknowledges
	// before it answers or never. Then its output is written and it
	// closes as [ReasonClientQuit]. 0 means [DefaultHalfCloseGrace]
	// (10 s); negative: close at once, the answers lost.
	HalfCloseGrace time.Duration
	// Keepalive is the keepalive interval: a telnet NOP, a websocket ping
	// (a websocket that has not answered a ping by the next one is closed
	// as lost); 0 means [DefaultKeepalive], negative: off.
	Keepalive time.Duration
	// HandshakeTimeout bounds a telnet client's option negotiation
	// (SGA, NAWS, TTYPE and its MTTS rounds, MCCP2, MSSP, MSDP, GMCP, MXP):
	// the session's PCONN waits until every offer was answered or this
	// long, so that the server renders its connection screen knowing the
	// client (bug 5.14); a client that leaves an offer unanswered (a raw
	// socket, say) waits this long for it and is counted
	// (HandlerStats.HandshakeTimeouts). 0 means
	// [DefaultHandshakeTimeout] (2 s, Evennia's); negative: no wait, the
	// PCONN goes at once and what negotiation learns follows as a
	// PCONNSYNC, as in Evennia.
	HandshakeTimeout time.Duration
	// MXP offers MXP to telnet clients (Evennia's MXP_ENABLED; off by default).
	MXP bool

	// Protocols are the outbound protocol factories [Handler.ServerConnect] may start, by name.
	Protocols map[string]ProtocolFactory

	// Logger receives the portal's logs; nil discards them.
	Logger *slog.Logger
	// OnSessionClosed, if set, is called once for each closed session, after it left the handler.
	OnSessionClosed func(sessid uint64, state SessionState, reason CloseReason)
}

// withDefaults returns a copy with zero fields filled in.
func (c Config) withDefaults() Config {
	if c.TelnetAddr == "" {
		c.TelnetAddr = "127.0.0.1:0"
	}
	if c.LinkAddr == "" {
		c.LinkAddr = "127.0.0.1:0"
	}
	if c.WebLoginTTL == 0 {
		c.WebLoginTTL = DefaultWebLoginTTL
	}
	if c.ServerName == "" {
		c.ServerName = DefaultServerName
	}
	if c.MaxConnectionRate == 0 {
		c.MaxConnectionRate = DefaultMaxConnectionRate
	}
	if c.MaxCommandRate == 0 {
		c.MaxCommandRate = DefaultMaxCommandRate
	}
	if c.MaxCharLimit == 0 {
		c.MaxCharLimit = DefaultMaxCharLimit
	}
	if c.MaxLineLength == 0 {
		c.MaxLineLength = DefaultMaxLineLength
	}
	if c.QueuedInputLimit == 0 {
		c.QueuedInputLimit = DefaultQueuedInputLimit
	}
	if c.HoldLimit == 0 {
		c.HoldLimit = DefaultHoldLimit
	}
	if c.HoldBytes == 0 {
		c.HoldBytes = DefaultHoldBytes
	}
	if c.OutboundLimit == 0 {
		c.OutboundLimit = DefaultOutboundLimit
	}
	if c.Keepalive == 0 {
		c.Keepalive = DefaultKeepalive
	}
	if c.HandshakeTimeout == 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.LoginTimeout == 0 {
		c.LoginTimeout = DefaultLoginTimeout
	}
	if c.HalfCloseGrace == 0 {
		c.HalfCloseGrace = DefaultHalfCloseGrace
	}
	if c.DoorHandshakeTimeout == 0 {
		c.DoorHandshakeTimeout = DefaultDoorHandshakeTimeout
	}
	if c.LinkSecret == nil {
		c.LinkSecret = link.NewSecret()
	}
	if c.MaxLinkHandshakes == 0 {
		c.MaxLinkHandshakes = DefaultMaxLinkHandshakes
	}
	if c.LinkHeartbeat <= 0 {
		c.LinkHeartbeat = DefaultLinkHeartbeat
	}
	if c.LinkTimeout == 0 {
		c.LinkTimeout = DefaultLinkTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports every problem with c, joined.
func (c Config) Validate() error {
	var errs []error
	if c.MaxLineLength < 0 {
		errs = append(errs, fmt.Errorf("MaxLineLength %d: must not be negative", c.MaxLineLength))
	}
	if c.OutboundLimit < 0 {
		errs = append(errs, fmt.Errorf("OutboundLimit %d: must not be negative", c.OutboundLimit))
	}
	if c.QueuedInputLimit < 0 {
		errs = append(errs, fmt.Errorf("QueuedInputLimit %d: must not be negative", c.QueuedInputLimit))
	}
	if c.HoldLimit < 0 {
		errs = append(errs, fmt.Errorf("HoldLimit %d: must not be negative", c.HoldLimit))
	}
	if c.HoldBytes < 0 {
		errs = append(errs, fmt.Errorf("HoldBytes %d: must not be negative", c.HoldBytes))
	}
	if c.LinkAddr != "" && !c.AllowRemoteLink {
		if err := loopback.Check(c.LinkAddr); err != nil {
			errs = append(errs, fmt.Errorf("LinkAddr %w: a game server link beyond this machine needs AllowRemoteLink (-allow-remote-link)", err))
		}
	}
	if c.LinkSecret != nil && len(c.LinkSecret) < link.MinSecretLen {
		errs = append(errs, fmt.Errorf("LinkSecret of %d bytes: need at least %d", len(c.LinkSecret), link.MinSecretLen))
	}
	if c.MaxLinkHandshakes < 0 {
		errs = append(errs, fmt.Errorf("MaxLinkHandshakes %d: must not be negative", c.MaxLinkHandshakes))
	}
	if c.LinkHandshakeTimeout < 0 {
		errs = append(errs, fmt.Errorf("LinkHandshakeTimeout %v: must not be negative", c.LinkHandshakeTimeout))
	}
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		errs = append(errs, fmt.Errorf("TLSCertFile %q and TLSKeyFile %q: give both or neither", c.TLSCertFile, c.TLSKeyFile))
	}
	if c.DoorHandshakeTimeout < 0 {
		errs = append(errs, fmt.Errorf("DoorHandshakeTimeout %v: must not be negative", c.DoorHandshakeTimeout))
	}
	for name, f := range c.Protocols {
		if f == nil {
			errs = append(errs, fmt.Errorf("protocol %q: nil factory", name))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
}
