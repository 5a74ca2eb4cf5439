package ircbot

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidSettings is wrapped by every [SettingError]: the game
	// server's SCONN config for a bot cannot be used.
	ErrInvalidSettings = errors.New("ircbot: invalid bot settings")
	// ErrInvalidConfig is returned by [New] for a [Config] it cannot use.
	ErrInvalidConfig = errors.New("ircbot: invalid config")
	// ErrPortalClosing is returned by [Factory.Start] once the portal is
	// closing: no bot can start.
	ErrPortalClosing = errors.New("ircbot: portal closing")
	// ErrServerSilent ends a connection whose IRC server said nothing
	// for twice Config.Keepalive, a PING included.
	ErrServerSilent = errors.New("ircbot: IRC server silent")
	// ErrRegistration ends a connection that did not register and join
	// its channel within Config.RegisterTimeout.
	ErrRegistration = errors.New("ircbot: registration failed")
)

// SettingError is one problem with one key of a bot's settings (the
// config of SCONN). It wraps [ErrInvalidSettings].
type SettingError struct {
	// Key is the config key: "uid", "botname", "channel", "network", "port" or "ssl".
	Key string
	// Value is the value the game server sent.
	Value any
	// Problem says what is wrong with it.
	Problem string
}

// Error implements error.
func (e *SettingError) Error() string {
	return fmt.Sprintf("ircbot: setting %q = %#v: %s", e.Key, e.Value, e.Problem)
}

// Unwrap returns [ErrInvalidSettings].
func (e *SettingError) Unwrap() error { return ErrInvalidSettings }

// ServerError is an IRC server's refusal that ends a connection: an
// ERROR message, or a numeric reply refusing the bot's nick or its JOIN.
type ServerError struct {
	// Command is the IRC command or numeric ("ERROR", "474", ...).
	Command string
	// Text is the server's explanation.
	Text string
}

// Error implements error.
func (e *ServerError) Error() string {
	return fmt.Sprintf("ircbot: IRC server said %s: %s", e.Command, e.Text)
}
