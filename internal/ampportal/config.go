package ampportal

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/portalsim/portalsim/internal/amp"
	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/loopback"
)

// Defaults of [Config].
const (
	// DefaultWriteTimeout bounds one box written to an Evennia process.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultMaxPending bounds the messages an Evennia Server may send
	// before its link to the portal is up.
	DefaultMaxPending = 10_000
	// DefaultStallAfter: see Config.StallAfter.
	DefaultStallAfter = 10 * time.Second
	// DefaultMaxPendingBytes bounds the bytes of the boxes an Evennia
	// Server may send before its link to the portal is up.
	DefaultMaxPendingBytes = 64 << 20
	// DefaultMaxConns bounds the AMP connections open at once.
	DefaultMaxConns = 64
)

// controlLimits bound what a connection may send before it says it is
// the Server: the launcher's boxes are a few hundred bytes.
var controlLimits = amp.Limits{MaxKeys: 32, MaxBox: 256 << 10, MaxPayload: 256 << 10, MaxNodes: 1 << 14, MaxDepth: 32}

// ErrInvalidConfig wraps every error [New] returns for a bad [Config].
var ErrInvalidConfig = errors.New("ampportal: invalid config")

// Config configures a [Bridge].
type Config struct {
	// Addr is where Evennia's Server and launcher connect (Evennia's
	// AMP_INTERFACE:AMP_PORT); it must be a loopback address: AMP has no
	// authentication.
	Addr string
	// PortalLink is the address of our portal's link, and LinkSecret its
	// secret.
	PortalLink string
	LinkSecret link.Secret
	// PortalInfo is what "evennia status" prints of the portal: Evennia's
	// launcher needs the keys servername, version, telnet, telnet_ssl,
	// ssh, webserver_proxy, webclient, webserver_internal and amp
	// ([PortalInfo] builds it).
	PortalInfo amp.Dict
	// GameDir is the Evennia game directory: the Server process runs in
	// it, with it on PYTHONPATH; "" means the current directory.
	GameDir string
	// Env is the Server process's environment; nil means this process's.
	// DJANGO_SETTINGS_MODULE is set to server.conf.settings if it has none.
	Env []string
	// ServerLog is the file the Server process's own output is appended
	// to (Evennia's SERVER_LOG_FILE); "" means
	// GameDir/server/logs/server.log.
	ServerLog string
	// PIDFile, if set, is where the bridge writes this process's id while
	// it runs: Evennia's launcher reads the Portal's from
	// GameDir/server/portal.pid ("evennia status" shows it, "evennia
	// kill" signals it).
	PIDFile string
	// ServerCommand, if set, starts the Server this way when the Bridge
	// starts, and is the command for a Server-initiated restart until the
	// launcher gives one (SSTART).
	ServerCommand []string
	// Limits bound what a Server may send in one box (amp's defaults
	// when zero).
	Limits amp.Limits
	// WriteTimeout bounds one box written to an Evennia process: one that
	// does not read for this long is disconnected. 0 means
	// [DefaultWriteTimeout].
	WriteTimeout time.Duration
	// MaxPending and MaxPendingBytes bound what a Server may send before
	// its link is up: the messages, and the bytes of the boxes they came
	// in; past either the Server's connection is closed (it reconnects).
	// 0 means [DefaultMaxPending], [DefaultMaxPendingBytes].
	MaxPending, MaxPendingBytes int
	// MaxConns bounds the AMP connections open at once (the Server's, the
	// launcher's, status queries); one more closes the one that has said
	// nothing for longest, never the Server's. 0 means [DefaultMaxConns].
	MaxConns int
	// StallAfter is how long the Server may leave a box unanswered
	// before the Bridge stops vouching for it on the link (its
	// heartbeats): the portal then tells the players the game is not
	// responding, as with any stalled game server. 0 means
	// [DefaultStallAfter]; negative: never.
	StallAfter time.Duration
	// Logger receives the bridge's logs; nil means slog.Default().
	Logger *slog.Logger
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.MaxPending <= 0 {
		c.MaxPending = DefaultMaxPending
	}
	if c.MaxPendingBytes <= 0 {
		c.MaxPendingBytes = DefaultMaxPendingBytes
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.StallAfter == 0 {
		c.StallAfter = DefaultStallAfter
	}
	return c
}

// validate says what is wrong with c.
func (c Config) validate() error {
	if err := loopback.Check(c.Addr); err != nil {
		return fmt.Errorf("%w: amp address: %w (AMP has no authentication)", ErrInvalidConfig, err)
	}
	if c.PortalLink == "" {
		return fmt.Errorf("%w: no portal link address", ErrInvalidConfig)
	}
	if len(c.LinkSecret) < link.MinSecretLen {
		return fmt.Errorf("%w: link secret of %d bytes (at least %d)", ErrInvalidConfig, len(c.LinkSecret), link.MinSecretLen)
	}
	return nil
}
