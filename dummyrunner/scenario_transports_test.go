package dummyrunner

import (
	"errors"
	"strings"
	"testing"
)

// TestScenarioTransports: what the transports: field and its settings
// accept, and every problem named by its field.
func TestScenarioTransports(t *testing.T) {
	t.Parallel()
	const base = "name: t\nclients: 10\nduration: 1s\n"
	for _, tc := range []struct {
		name  string
		yaml  string
		want  []string // problems; none: accepted
		label string   // TransportLabel when accepted
	}{
		{name: "default", yaml: "", label: "telnet"},
		{name: "protocol, the old spelling", yaml: "protocol: websocket\n", label: "websocket"},
		{name: "protocol naming the one transport", yaml: "protocol: tls\ntransports: {tls: 2}\n", label: "tls"},
		{name: "weights", yaml: "transports: {telnet: 3, websocket: 6, tls: 1}\n", label: "telnet+tls+websocket"},
		{name: "against a target with every door", yaml: "target: mud:4000\ntransports: {telnet: 1, websocket: 1, tls: 1}\nwebsocket: {url: 'wss://mud:4002/ws', subprotocol: terminal.mudstandards.org}\ntls: {target: 'mud:4443', verify: always}\n", label: "telnet+tls+websocket"},
		{name: "every transport", yaml: "transports: {telnet: 1, telnet+mccp2: 1, telnet+gmcp: 1, websocket: 1, tls: 1, ssh: 1}\nssh: {host_key: 'SHA256:abc'}\n", label: "ssh+telnet+telnet+gmcp+telnet+mccp2+tls+websocket"},
		{name: "unknown transport", yaml: "transports: {telnet: 1, rlogin: 1}\n", want: []string{"transports.rlogin: unknown transport: want one of ssh, telnet, telnet+gmcp, telnet+mccp2, tls, websocket"}},
		{name: "ssh against a target", yaml: "target: mud:4000\ntransports: {ssh: 1}\n", want: []string{"ssh.target: missing"}},
		{name: "ssh elsewhere without a host key", yaml: "transports: {ssh: 1}\nssh: {target: 'mud.example.org:4004'}\n", want: []string{"ssh.host_key: missing: mud.example.org is not this machine"}},
		{name: "bad ssh settings", yaml: "transports: {ssh: 1}\nssh: {target: mud, host_key: 'MD5:aa'}\n", want: []string{`ssh.target: "mud": want host:port`, `ssh.host_key: "MD5:aa": want a fingerprint`}},
		{name: "bad weights", yaml: "transports: {telnet: 0, websocket: -1, tls: 2000000}\n", want: []string{"transports.telnet: missing or 0", "transports.websocket: -1 is out of range", "transports.tls: 2000000 is out of range"}},
		{name: "protocol and other transports", yaml: "protocol: telnet\ntransports: {websocket: 1}\n", want: []string{`protocol: "telnet" with transports websocket: give one or the other`}},
		{name: "unknown protocol", yaml: "protocol: gopher\n", want: []string{`protocol: "gopher": unknown transport`}},
		{name: "a target without the doors' addresses", yaml: "target: mud:4000\ntransports: {websocket: 1, tls: 1}\n", want: []string{"websocket.url: missing", "tls.target: missing"}},
		{name: "bad websocket URL", yaml: "transports: {websocket: 1}\nwebsocket: {url: 'http://mud:4002/'}\n", want: []string{`websocket.url: "http://mud:4002/": want ws://`}},
		{name: "websocket URL with a query", yaml: "transports: {websocket: 1}\nwebsocket: {url: 'ws://mud:4002/?abc'}\n", want: []string{"websocket.url", "no query"}},
		{name: "bad settings", yaml: "transports: {websocket: 1, tls: 1}\nwebsocket: {subprotocol: v2.evennia.com}\ntls: {target: 'mud', verify: maybe}\n", want: []string{`websocket.subprotocol: "v2.evennia.com"`, `tls.target: "mud": want host:port`, `tls.verify: "maybe": want "auto", "always" or "never"`}},
		{name: "client faults on other doors", yaml: "transports: {telnet: 1, websocket: 1}\nfaults: [{at: 100ms, kind: reset, fraction: 0.5}]\n", want: []string{"transports: client-side faults proxy the telnet door only"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pl, err := parsePlan([]byte(base+tc.yaml), "")
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got := pl.TransportLabel(); got != tc.label {
					t.Errorf("TransportLabel = %q, want %q", got, tc.label)
				}
				return
			}
			if !errors.Is(err, ErrInvalidScenario) {
				t.Fatalf("error %v, want ErrInvalidScenario", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestNewRunnerNeedsEachDoor: a transport with no address is refused
// before anything runs, naming the setting to give.
func TestNewRunnerNeedsEachDoor(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, "name: t\nclients: 2\nduration: 1s\ntransports: {telnet: 1, websocket: 1}\n")
	_, err := NewRunner(pl, Options{Target: "127.0.0.1:4000"})
	if !errors.Is(err, ErrInvalidScenario) || !strings.Contains(err.Error(), "websocket.url") {
		t.Fatalf("NewRunner without a websocket URL: %v, want ErrInvalidScenario naming websocket.url", err)
	}
	r, err := NewRunner(pl, Options{Target: "127.0.0.1:4000", WebsocketURL: "ws://127.0.0.1:4002/"})
	if err != nil {
		t.Fatalf("NewRunner: %v", err)
	}
	if got := r.Door(TransportWebsocket); got != "ws://127.0.0.1:4002/" {
		t.Errorf("Door(websocket) = %q", got)
	}
	if got := r.Door(TransportTLS); got != "" {
		t.Errorf("Door(tls) = %q for an unused transport, want none", got)
	}
}
