package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/portalsim/portalsim/internal/link"
)

// Defaults for [Config].
const (
	// DefaultLoginScreenDelay is Evennia's DELAY_CMD_LOGINSTART.
	DefaultLoginScreenDelay = 300 * time.Millisecond
	// DefaultPrompt ends every command's output.
	DefaultPrompt = "> "
	// DefaultRedialMin and DefaultRedialMax bound the redial backoff (factor 1.5, like Evennia's AMP client).
	DefaultRedialMin = 250 * time.Millisecond
	DefaultRedialMax = 10 * time.Second
	// DefaultAckTimeout bounds the wait for the portal to acknowledge a reload.
	DefaultAckTimeout = 5 * time.Second
	// DefaultHeartbeat and DefaultPortalTimeout: see Config.Heartbeat.
	DefaultHeartbeat     = time.Second
	DefaultPortalTimeout = 5 * time.Second
)

// Config configures a [Server]. PortalAddr and World are required.
type Config struct {
	// PortalAddr is the portal's link address (host:port).
	PortalAddr string
	// LinkSecret is the portal's link secret: the server proves it knows
	// it, and links only to a portal that proves the same. Required.
	LinkSecret link.Secret
	// Takeover is the token the server before this one was given by the
	// portal with its reload ([Server.TakeoverToken]): with it, the portal
	// takes this server while the old link is still open. "" for a first
	// start, which the portal takes only while no other server is linked.
	Takeover string
	// World is the game world; it outlives servers, so a reload in the
	// same process keeps it, and a journal-backed one survives the process.
	World *World
	// LoginScreenDelay is how long after PCONN the login screen is shown;
	// 0 means [DefaultLoginScreenDelay], negative means at once.
	LoginScreenDelay time.Duration
	// Prompt ends the output of every command (the end-of-output marker
	// that clients wait for); "" means [DefaultPrompt].
	Prompt string
	// RedialMin and RedialMax bound the backoff between link dial attempts.
	RedialMin, RedialMax time.Duration
	// AckTimeout bounds the wait for the portal's acknowledgement of a reload.
	AckTimeout time.Duration
	// Heartbeat is how often the server tells the portal it is alive when
	// it has nothing else to say; 0 means [DefaultHeartbeat]. PortalTimeout
	// is how long the portal may say nothing before the server gives the
	// link up and redials (a stopped or hung portal); 0 means
	// [DefaultPortalTimeout], negative: never.
	Heartbeat, PortalTimeout time.Duration
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.LoginScreenDelay == 0 {
		c.LoginScreenDelay = DefaultLoginScreenDelay
	}
	if c.LoginScreenDelay < 0 {
		c.LoginScreenDelay = 0
	}
	if c.Prompt == "" {
		c.Prompt = DefaultPrompt
	}
	if c.RedialMin <= 0 {
		c.RedialMin = DefaultRedialMin
	}
	if c.RedialMax <= 0 {
		c.RedialMax = DefaultRedialMax
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = DefaultAckTimeout
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = DefaultHeartbeat
	}
	if c.PortalTimeout == 0 {
		c.PortalTimeout = DefaultPortalTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports every problem with c.
func (c Config) Validate() error {
	var errs []error
	if c.PortalAddr == "" {
		errs = append(errs, errors.New("PortalAddr is required"))
	}
	if c.World == nil {
		errs = append(errs, errors.New("World is required"))
	}
	if len(c.LinkSecret) < link.MinSecretLen {
		errs = append(errs, fmt.Errorf("LinkSecret of %d bytes: the portal's link secret is required (at least %d bytes)", len(c.LinkSecret), link.MinSecretLen))
	}
	if c.RedialMax > 0 && c.RedialMin > c.RedialMax {
		errs = append(errs, fmt.Errorf("RedialMin %v exceeds RedialMax %v", c.RedialMin, c.RedialMax))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
}
