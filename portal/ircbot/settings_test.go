package ircbot

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The settings come from Python: numbers as float64 (the link) or int
// (in-process), strings of digits, Python's bool-ish values for ssl.
func TestParseSettings(t *testing.T) {
	t.Parallel()
	base := func() map[string]any {
		return map[string]any{"uid": float64(7), "botname": "evbot", "channel": "#ev", "network": "irc.example.org", "port": "6667", "ssl": false}
	}
	for _, tc := range []struct {
		name string
		set  map[string]any
		want Settings
	}{
		{"strings and floats", nil, Settings{UID: 7, Nick: "evbot", Channel: "#ev", Network: "irc.example.org", Port: 6667}},
		{"int port, ssl true", map[string]any{"port": 6697, "ssl": true}, Settings{UID: 7, Nick: "evbot", Channel: "#ev", Network: "irc.example.org", Port: 6697, TLS: true}},
		{"ssl as text", map[string]any{"ssl": " Yes "}, Settings{UID: 7, Nick: "evbot", Channel: "#ev", Network: "irc.example.org", Port: 6667, TLS: true}},
		{"ssl false text", map[string]any{"ssl": "false"}, Settings{UID: 7, Nick: "evbot", Channel: "#ev", Network: "irc.example.org", Port: 6667}},
		{"ssl None", map[string]any{"ssl": nil}, Settings{UID: 7, Nick: "evbot", Channel: "#ev", Network: "irc.example.org", Port: 6667}},
		{"ssl number", map[string]any{"ssl": float64(1)}, Settings{UID: 7, Nick: "evbot", Channel: "#ev", Network: "irc.example.org", Port: 6667, TLS: true}},
		{"uid as text, json number port", map[string]any{"uid": "12", "port": json.Number("7000")}, Settings{UID: 12, Nick: "evbot", Channel: "#ev", Network: "irc.example.org", Port: 7000}},
		{"IPv6 network", map[string]any{"network": "::1"}, Settings{UID: 7, Nick: "evbot", Channel: "#ev", Network: "::1", Port: 6667}},
		{"nick with specials", map[string]any{"botname": "[ev]bot-2"}, Settings{UID: 7, Nick: "[ev]bot-2", Channel: "#ev", Network: "irc.example.org", Port: 6667}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := base()
			for k, v := range tc.set {
				cfg[k] = v
			}
			got, err := ParseSettings(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("settings (-want +got):\n%s", diff)
			}
		})
	}
}

// Every bad value is reported, each by its key.
func TestParseSettingsErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  map[string]any
		keys []string
	}{
		{"empty", map[string]any{}, []string{"uid", "botname", "channel", "network", "port"}},
		{"all bad", map[string]any{"uid": -1, "botname": "1bot", "channel": "ev", "network": "a b", "port": 70000, "ssl": "maybe"},
			[]string{"uid", "botname", "channel", "network", "port", "ssl"}},
		{"injection", map[string]any{"uid": 1, "botname": "bot\r\nQUIT", "channel": "#a,#b", "network": "h", "port": 1.5},
			[]string{"botname", "channel", "port"}},
		{"channel with space", map[string]any{"uid": 1, "botname": "b", "channel": "#a b", "network": "h", "port": 1},
			[]string{"channel"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseSettings(tc.cfg)
			if !errors.Is(err, ErrInvalidSettings) {
				t.Fatalf("err %v, want ErrInvalidSettings", err)
			}
			var got []string
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				var se *SettingError
				if !errors.As(e, &se) {
					t.Fatalf("%v is not a *SettingError", e)
				}
				got = append(got, se.Key)
			}
			if diff := cmp.Diff(tc.keys, got); diff != "" {
				t.Fatalf("keys (-want +got):\n%s\n%v", diff, err)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("zero Config: %v", err)
	}
	err := Config{MinBackoff: -1, LineBurst: -1, MaxBackoff: 1, QueueLimit: -2}.Validate()
	if !errors.Is(err, ErrInvalidConfig) || len(err.(interface{ Unwrap() []error }).Unwrap()) != 3 {
		t.Fatalf("err %v, want 3 problems", err)
	}
	if _, err := New(Config{MinBackoff: 2, MaxBackoff: 1}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("New: %v", err)
	}
}
