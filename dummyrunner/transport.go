package dummyrunner

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// The transports: the doors of a portal a dummy player can come in
// through. A scenario's transports: weights share the players among them.
const (
	// TransportTelnet is plain telnet on the telnet door.
	TransportTelnet = "telnet"
	// TransportWebsocket is the websocket door, in Evennia's
	// v1.evennia.com format or terminal.mudstandards.org (see
	// WebsocketSettings).
	TransportWebsocket = "websocket"
	// TransportTLS is telnet inside TLS (see TLSSettings).
	TransportTLS = "tls"
)

// Transport phases the players report besides reports.PhaseNames.
const (
	// PhaseTLSHandshake is the TLS handshake done, after the TCP connect.
	PhaseTLSHandshake = "tls_handshake"
	// PhaseWebsocketUpgrade is the HTTP upgrade to a websocket done, after
	// the TCP connect.
	PhaseWebsocketUpgrade = "ws_upgrade"
	// PhaseSSHAuth is the SSH handshake and authentication done, after the
	// TCP connect.
	PhaseSSHAuth = "ssh_auth"
)

// conn is one dummy player's connection, whatever the transport. The
// player's logic sees only its events, so completion by prompt, the echo
// probes and logout by the server closing work the same on every door.
type conn interface {
	// recv delivers the connection's events: evText (text, with any
	// transport framing undone), evPrompt (the end-of-output marker), and
	// at last one evClosed, after which the channel is closed.
	recv() <-chan connEvent
	// send writes one command line (or, in echo mode, a command and its
	// probe separated by "\r\n": each line goes as its own input).
	send(line string) error
	// negotiatedAt is when option negotiation last moved before the
	// first text, or zero when there was none.
	negotiatedAt() time.Time
	// wire returns what the connection has moved and parsed so far.
	wire() wireStats
	// close ends the connection at once.
	close()
}

// oobAsker is a connection that asks the game for out-of-band data once
// the player is logged in (GMCP's Char.Value.Get, v1's get_value).
type oobAsker interface {
	// loggedIn sends the question; the answers are counted in wire().oob.
	loggedIn() error
}

// wireStats is what one connection moved on the wire and what reading it
// cost the generator.
type wireStats struct {
	bytesIn, bytesOut int64
	messages          int64         // reads (telnet) or messages (websocket) that carried data
	malformed         int64         // messages that could not be read (counted, dropped)
	oob               int64         // out-of-band messages received (GMCP; v1's other commands)
	decode            time.Duration // time spent turning what was read into events
}

// step is a connection phase a dial reached: reported by the player as a
// report phase, with the time since the attempt began.
type step struct {
	phase string
	at    time.Time
}

// dialError is a dial that failed in a phase: the player is lost for
// reason, counted in that phase of the report.
type dialError struct {
	phase, reason string
	reached       []step // the phases reached before it failed
	err           error
}

func (e *dialError) Error() string { return fmt.Sprintf("%s: %v", e.phase, e.err) }
func (e *dialError) Unwrap() error { return e.err }

// dialFunc connects one player through a transport. It returns the
// connection and the phases reached after the TCP connect (the TLS
// handshake, the websocket upgrade), each with its time; a failure is a
// *dialError naming the phase it failed in.
type dialFunc func(ctx context.Context, d dialTarget) (conn, []step, error)

// dialTarget is where and how one player dials.
type dialTarget struct {
	addr    string        // host:port (telnet, tls) or a ws:// URL (websocket)
	timeout time.Duration // the connect timeout
	player  int           // the player's id (the websocket URL's session key)
	prefix  string        // the run's name prefix
	ws      WebsocketSettings
	tls     TLSSettings
	ssh     SSHSettings
	user    string // the player's name (the SSH user)
	// quickack re-arms TCP_QUICKACK after every read (telnet, tls).
	quickack bool
}

// transports is the registry of the transports a scenario may name.
// A new transport is a dialFunc here, a door in Runner's doors (and the
// command's -*-target flag), its settings checked in checkTransports.
var transports = map[string]dialFunc{
	TransportTelnet:      dialTelnetWith(telnetOptions{}),
	TransportTelnetMCCP2: dialTelnetWith(telnetOptions{mccp2: true}),
	TransportTelnetGMCP:  dialTelnetWith(telnetOptions{gmcp: true}),
	TransportWebsocket:   dialWebsocket,
	TransportTLS:         dialTLS,
	TransportSSH:         dialSSH,
}

// TransportNames returns the names of the transports a scenario may use, sorted.
func TransportNames() []string {
	return slices.Sorted(func(yield func(string) bool) {
		for name := range transports {
			if !yield(name) {
				return
			}
		}
	})
}

// invPhi spreads the players over the transports: player i takes the
// transport whose share of [0, 1) holds frac(i/φ), a low-discrepancy
// sequence, so every prefix of the players (the first 60, or the
// sessions that arrived so far) is split by the weights within a player
// or two, the same in every run and whatever the seed.
var invPhi = (math.Sqrt(5) - 1) / 2

// transportFor picks player id's transport.
func (pl *Plan) transportFor(id int) string {
	if len(pl.transportList) == 1 {
		return pl.transportList[0]
	}
	_, u := math.Modf(float64(id) * invPhi)
	i, _ := slices.BinarySearch(pl.transportCum, u)
	return pl.transportList[min(i, len(pl.transportList)-1)]
}
