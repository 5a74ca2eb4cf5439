package ircbot

import (
	"encoding/json"
	"errors"
	"math"
	"net"
	"strconv"
	"strings"
)

// Name is the factory name a game server sends in SCONN for an IRC bot:
// the protocol_path of Evennia's IRCBot.
const Name = "evennia.server.portal.irc.IRCBotFactory"

// Settings are one bot's settings: the config of SCONN, as Evennia's
// IRCBot.start sends it.
type Settings struct {
	// UID is the bot's account ("uid"), which its session is logged in to.
	UID int64
	// Nick is the bot's IRC nick ("botname").
	Nick string
	// Channel is the channel it joins ("channel"), such as "#evennia".
	Channel string
	// Network is the IRC server's host name or address ("network").
	Network string
	// Port is the IRC server's port ("port").
	Port int
	// TLS says whether to connect over TLS ("ssl").
	TLS bool
}

// Address is the session's address, as Evennia writes it: "<channel>@<network>".
func (s Settings) Address() string { return s.Channel + "@" + s.Network }

// hostPort is the address to dial.
func (s Settings) hostPort() string {
	return net.JoinHostPort(strings.Trim(s.Network, "[]"), strconv.Itoa(s.Port))
}

// ParseSettings reads the config of an SCONN. The values come from
// Python through the link: uid and port may be numbers or strings of
// digits, ssl a bool, a number, a string ("true", "1", "yes", "on",
// "false", "0", "no", "off", "") or None. Every problem is reported, each
// as a [*SettingError].
func ParseSettings(config map[string]any) (Settings, error) {
	var s Settings
	var errs []error
	bad := func(key, problem string) {
		errs = append(errs, &SettingError{Key: key, Value: config[key], Problem: problem})
	}
	if uid, ok := intValue(config["uid"]); !ok || uid <= 0 {
		bad("uid", "not an account id (a positive integer)")
	} else {
		s.UID = uid
	}
	s.Nick, _ = config["botname"].(string)
	if !validNick(s.Nick) {
		bad("botname", "not an IRC nick (a letter or one of []\\`_^{|} first, then letters, digits, those or -; at most 64 bytes)")
	}
	s.Channel, _ = config["channel"].(string)
	if !validChannel(s.Channel) {
		bad("channel", "not an IRC channel (#, &, + or ! first; no space, comma or control character; at most 200 bytes)")
	}
	s.Network, _ = config["network"].(string)
	if !validHost(s.Network) {
		bad("network", "not a host name or IP address")
	}
	if port, ok := intValue(config["port"]); !ok || port < 1 || port > 65535 {
		bad("port", "not a port number (1-65535)")
	} else {
		s.Port = int(port)
	}
	if t, ok := boolValue(config["ssl"]); !ok {
		bad("ssl", `not a truth value (a bool, a number, None, or "true", "false", "1", "0", "yes", "no", "on", "off", "")`)
	} else {
		s.TLS = t
	}
	return s, errors.Join(errs...)
}

// intValue reads an integer the way Python's int() would take it from a
// number or a string of digits.
func intValue(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case float64:
		if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
			return 0, false
		}
		return int64(x), true
	case json.Number:
		n, err := x.Int64()
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// boolValue reads a truth value. A string must say which: Python would
// take any non-empty string, "false" included, as true.
func boolValue(v any) (bool, bool) {
	switch x := v.(type) {
	case nil:
		return false, true
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "", "0", "false", "no", "off", "none":
			return false, true
		case "1", "true", "yes", "on", "ssl":
			return true, true
		}
		return false, false
	}
	if n, ok := intValue(v); ok {
		return n != 0, true
	}
	return false, false
}

// nickSpecial are the characters besides letters that RFC 2812 allows
// anywhere in a nick.
const nickSpecial = "[]\\`_^{|}"

// validNick reports whether s is an RFC 2812 nick (of any length a
// server might allow, up to 64 bytes).
func validNick(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		ok := letter || strings.IndexByte(nickSpecial, c) >= 0
		if i > 0 {
			ok = ok || c >= '0' && c <= '9' || c == '-'
		}
		if !ok {
			return false
		}
	}
	return true
}

// validChannel reports whether s is a channel name a JOIN can carry:
// a channel prefix, then no space, comma, BEL or other control character.
func validChannel(s string) bool {
	if len(s) < 2 || len(s) > 200 || !strings.ContainsRune("#&+!", rune(s[0])) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == ',' || c == 0x7f {
			return false
		}
	}
	return true
}

// validHost reports whether s is an IP address (IPv6 with or without
// brackets) or a host name of letters, digits, '-', '_' and dots.
func validHost(s string) bool {
	if net.ParseIP(strings.Trim(s, "[]")) != nil {
		return true
	}
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
