package bench

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/reports"
)

// The transports of -transports: each is one pass over every target,
// with the same load.
const (
	// TransportTelnet puts every player on the target's telnet door.
	TransportTelnet = dummyrunner.TransportTelnet
	// TransportWebsocket puts every player on the target's websocket
	// door, in Evennia's webclient format (v1.evennia.com text frames).
	TransportWebsocket = dummyrunner.TransportWebsocket
	// TransportMixed puts half the players on each door, in one run; its
	// row is split by transport.
	TransportMixed = "mixed"
)

// TransportNames lists the transports of -transports.
func TransportNames() []string {
	return []string{TransportTelnet, TransportWebsocket, TransportMixed}
}

// Mix is how one pass shares its players among the dummyrunner's
// transports: name -> weight, as a scenario's transports.
type Mix map[string]float64

// MixOf is the players' mix of a transport of -transports (see
// TransportNames): one door, or both for mixed (in the dummyrunner's
// spread by player id, so about half on each).
func MixOf(transport string) Mix {
	if transport == TransportMixed {
		return Mix{TransportTelnet: 1, TransportWebsocket: 1}
	}
	return Mix{transport: 1}
}

// Names are the mix's transports, sorted.
func (m Mix) Names() []string { return slices.Sorted(maps.Keys(m)) }

// Uses says whether some players come in through the named transport.
func (m Mix) Uses(name string) bool { return m[name] > 0 }

// ParseTransports reads -transports: a comma-separated list of
// transports (see TransportNames), measured in that order.
func ParseTransports(list string) ([]string, error) {
	var out []string
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if !slices.Contains(TransportNames(), t) {
			return nil, fmt.Errorf("%w: -transports: %q: want one of %s", ErrInvalidConfig, t, strings.Join(TransportNames(), ", "))
		}
		if slices.Contains(out, t) {
			return nil, fmt.Errorf("%w: -transports: %q given twice", ErrInvalidConfig, t)
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: -transports: none given", ErrInvalidConfig)
	}
	return out, nil
}

// checkWebsocketURL checks a -target-websocket URL: ws:// or wss://, a
// host, no query (each player adds its own).
func checkWebsocketURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%w: -target-websocket %q: want ws://HOST:PORT/ or wss://HOST:PORT/, no query", ErrInvalidConfig, raw)
	}
	return nil
}

// noWebsocketDoor says why t has no websocket door the bench knows of,
// or "" when it has one: a HOST:PORT target is telnet only unless
// -target-websocket gives its door.
func noWebsocketDoor(t target, e *env) string {
	if _, ok := t.(externalTarget); ok && e.externalWebsocket == "" {
		return "no websocket door known (give it with -target-websocket ws://HOST:PORT/)"
	}
	return ""
}

// evenniaWebsocketOffset is where start.sh P puts Evennia's websocket
// door: P+2 (see evenniaPorts).
const evenniaWebsocketOffset = 2

// websocketDoor is the ws:// URL of the started target's websocket door:
// the one its process printed (floor, portal), Evennia's at its telnet
// port + 2, or -target-websocket's.
func websocketDoor(t target, rn *running, e *env) (string, error) {
	switch t.(type) {
	case externalTarget:
		if e.externalWebsocket == "" {
			return "", fmt.Errorf("%w: %s", ErrNoWebsocketDoor, noWebsocketDoor(t, e))
		}
		return e.externalWebsocket, nil
	case evenniaTarget:
		host, port, err := net.SplitHostPort(rn.addr)
		if err != nil {
			return "", err
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return "", err
		}
		return "ws://" + net.JoinHostPort(host, strconv.Itoa(p+evenniaWebsocketOffset)) + "/", nil
	}
	if rn.websocket == "" {
		return "", fmt.Errorf("%w: %s printed none", ErrNoWebsocketDoor, t.name())
	}
	return rn.websocket, nil
}

// label names a target's pass in file names and progress lines: the
// target alone over telnet (as before -transports), else
// TARGET-TRANSPORT.
func label(target, transport string) string {
	if transport == TransportTelnet || transport == "" {
		return target
	}
	return target + "-" + transport
}

// splitRow splits a filled row by its players' transports: each one's
// echo probes in the window (w), its players, logins, losses and failed
// probes of the whole run (rep's share of that transport).
func splitRow(row *Row, w windowStats, rep *reports.Report) {
	names := slices.Sorted(maps.Keys(rep.Transports))
	for name := range w.byTransport {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		tr := TransportRow{Transport: name}
		if s, ok := w.byTransport[name]; ok {
			tr.LoggedIn = s.loggedIn
			tr.fillProbes(s.answered, s.latency, row.Window)
		}
		if t := rep.Transports[name]; t != nil {
			tr.Players = int(t.Clients.Started)
			tr.LostPlayers = t.Clients.LostTotal()
			if a := t.Actions[EchoAction]; a != nil {
				tr.FailedCommands = a.Sent - a.Answered
			}
		}
		row.Transports = append(row.Transports, tr)
	}
}
