package ircbot

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Defaults of [Config].
const (
	// DefaultMinBackoff is the first reconnect delay (Evennia's initialDelay).
	DefaultMinBackoff = time.Second
	// DefaultMaxBackoff caps the reconnect delay (Evennia's maxDelay).
	DefaultMaxBackoff = time.Minute
	// DefaultBackoffReset is how long a connection must stay joined to
	// its channel for the reconnect delay to start again at MinBackoff
	// (Evennia's maxDelay: its factory never resets the delay).
	DefaultBackoffReset = time.Minute
	// DefaultDialTimeout bounds a connect and its TLS handshake.
	DefaultDialTimeout = 30 * time.Second
	// DefaultRegisterTimeout bounds the time from connect to joining the channel.
	DefaultRegisterTimeout = time.Minute
	// DefaultKeepalive is how long the server may be silent before the
	// bot sends a PING; silent twice as long, the connection is dropped.
	DefaultKeepalive = 2 * time.Minute
	// DefaultLineInterval is the flood-control pace: one line a second
	// once the burst is spent (Evennia's lineRate).
	DefaultLineInterval = time.Second
	// DefaultLineBurst is how many lines may go at once before the pace applies.
	DefaultLineBurst = 4
	// DefaultQueueLimit is how many lines may wait to be sent; past it a
	// line is dropped and counted (Stats.LinesDropped).
	DefaultQueueLimit = 256
)

// Config configures a [Factory]. The zero value is usable: every zero
// field takes its default.
type Config struct {
	// Logger receives the bots' logs; nil discards them.
	Logger *slog.Logger
	// TLSConfig is the TLS client configuration of bots whose settings
	// ask for ssl; nil means the system's roots. It is cloned, and its
	// ServerName set to the network when empty. Certificates are
	// verified (Evennia's bot did not verify them).
	TLSConfig *tls.Config
	// MinBackoff is the first reconnect delay; it grows 1.5 times each
	// failed attempt, up to MaxBackoff (see [Backoff]). 0: the defaults.
	MinBackoff, MaxBackoff time.Duration
	// BackoffReset: a connection that stayed joined to its channel this
	// long starts the reconnect delay again at MinBackoff; one dropped
	// sooner (a server that drops the bot right after it joins) lets it
	// grow. 0: [DefaultBackoffReset].
	BackoffReset time.Duration
	// DialTimeout bounds a connect and its TLS handshake; 0: [DefaultDialTimeout].
	DialTimeout time.Duration
	// RegisterTimeout bounds the time from connect to joining the
	// channel; 0: [DefaultRegisterTimeout].
	RegisterTimeout time.Duration
	// Keepalive: a server silent this long gets a PING; silent twice as
	// long, the connection is dropped and made anew. 0: [DefaultKeepalive].
	Keepalive time.Duration
	// LineInterval is the flood-control pace of what the bot sends: one
	// line each, once the burst is spent (see [Pace]); 0: [DefaultLineInterval].
	LineInterval time.Duration
	// LineBurst is how many lines may go at once; 0: [DefaultLineBurst].
	LineBurst int
	// QueueLimit bounds the lines waiting to be sent; 0: [DefaultQueueLimit].
	QueueLimit int
}

// Validate reports every field that cannot be used, each wrapping [ErrInvalidConfig].
func (c Config) Validate() error {
	var errs []error
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"MinBackoff", c.MinBackoff}, {"MaxBackoff", c.MaxBackoff}, {"BackoffReset", c.BackoffReset}, {"DialTimeout", c.DialTimeout},
		{"RegisterTimeout", c.RegisterTimeout}, {"Keepalive", c.Keepalive}, {"LineInterval", c.LineInterval},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%w: %s %v is negative", ErrInvalidConfig, d.name, d.v))
		}
	}
	if c.LineBurst < 0 {
		errs = append(errs, fmt.Errorf("%w: LineBurst %d is negative", ErrInvalidConfig, c.LineBurst))
	}
	if c.QueueLimit < 0 {
		errs = append(errs, fmt.Errorf("%w: QueueLimit %d is negative", ErrInvalidConfig, c.QueueLimit))
	}
	if c.MinBackoff > 0 && c.MaxBackoff > 0 && c.MinBackoff > c.MaxBackoff {
		errs = append(errs, fmt.Errorf("%w: MinBackoff %v is above MaxBackoff %v", ErrInvalidConfig, c.MinBackoff, c.MaxBackoff))
	}
	return errors.Join(errs...)
}

// withDefaults returns a copy with zero fields filled in.
func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	set := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	set(&c.MinBackoff, DefaultMinBackoff)
	set(&c.MaxBackoff, max(DefaultMaxBackoff, c.MinBackoff))
	set(&c.BackoffReset, DefaultBackoffReset)
	set(&c.DialTimeout, DefaultDialTimeout)
	set(&c.RegisterTimeout, DefaultRegisterTimeout)
	set(&c.Keepalive, DefaultKeepalive)
	set(&c.LineInterval, DefaultLineInterval)
	if c.LineBurst == 0 {
		c.LineBurst = DefaultLineBurst
	}
	if c.QueueLimit == 0 {
		c.QueueLimit = DefaultQueueLimit
	}
	return c
}

// tlsFor returns the TLS client configuration for a network.
func (c Config) tlsFor(network string) *tls.Config {
	t := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLSConfig != nil {
		t = c.TLSConfig.Clone()
	}
	if t.ServerName == "" {
		t.ServerName = network
	}
	return t
}
