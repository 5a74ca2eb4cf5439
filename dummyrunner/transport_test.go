package dummyrunner

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// TestEveryTransport runs the same players (login, Evennia's looker and
// builder actions, echo probes, logout) through each door of a real
// portal: the player logic completes every command by the prompt on each
// transport, and the report's split holds them all under the transport,
// with its own connection phases.
func TestEveryTransport(t *testing.T) {
	t.Parallel()
	st := startStack(t, false)
	for i, tc := range []struct {
		name      string
		transport string
		extra     string
		phase     string // the transport's own phase, if any
		oob       bool   // out-of-band answers expected
	}{
		{name: "telnet", transport: TransportTelnet},
		{name: "telnet mccp2", transport: TransportTelnetMCCP2},
		{name: "telnet gmcp", transport: TransportTelnetGMCP, oob: true},
		{name: "telnet mccp2 echo completion", transport: TransportTelnetMCCP2, extra: "completion: echo"},
		{name: "websocket v1", transport: TransportWebsocket, phase: reports.PhaseUpgrade, oob: true},
		{name: "websocket terminal", transport: TransportWebsocket, extra: "websocket: {subprotocol: terminal.mudstandards.org}", phase: reports.PhaseUpgrade},
		{name: "websocket json", transport: TransportWebsocket, extra: "websocket: {subprotocol: json.mudstandards.org}", phase: reports.PhaseUpgrade, oob: true},
		{name: "websocket gmcp", transport: TransportWebsocket, extra: "websocket: {subprotocol: gmcp.mudstandards.org}", phase: reports.PhaseUpgrade, oob: true},
		{name: "tls", transport: TransportTLS, phase: reports.PhaseTLSHandshake},
		{name: "ssh", transport: TransportSSH, phase: reports.PhaseSSHAuth},
		{name: "ssh echo completion", transport: TransportSSH, extra: "completion: echo", phase: reports.PhaseSSHAuth},
		{name: "tls echo completion", transport: TransportTLS, extra: "completion: echo", phase: reports.PhaseTLSHandshake},
		{name: "websocket echo completion", transport: TransportWebsocket, extra: "completion: echo", phase: reports.PhaseUpgrade, oob: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pl := mustPlan(t, fmt.Sprintf(`
name: %s
clients: 4
duration: 60s
seed: %d
transports: {%s: 1}
profiles: {looker: 1, normal_builder: 1}
pacing: {timestep: 50ms, chance_of_action: 1, login_concurrency: 100}
logout_grace: 3s
%s
`, strings.ReplaceAll(tc.name, " ", "-"), 100+i, strconv.Quote(tc.transport), tc.extra)) // a seed each: the subtests share a game, and a seed names the accounts
			// The run ends 1.5 s after the last login (60 s at most), not at a
			// fixed time: on a loaded machine 13 subtests logging in at once
			// may take longer than a short run lasts.
			rep := runScenario(t, pl, st.TelnetAddr(), runOpts{stack: st, opts: Options{SteadyFor: 1500 * time.Millisecond}}).rep
			checkAccounted(t, rep)
			if err := rep.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			c := rep.Clients
			if c.Started != 4 || c.LoggedIn != 4 || c.Finished != 4 || c.LostTotal() != 0 {
				t.Errorf("clients = %+v, want 4 started, logged in and finished", c)
			}
			tot := rep.Totals()
			if logout := rep.Action("logout"); tot.Sent == 0 || tot.FailedTotal() != 0 || logout.Answered != 4 {
				t.Errorf("%d sent, failed %v, %d logouts answered: want every command answered", tot.Sent, tot.Failed, logout.Answered)
			}
			if got := rep.TransportNames(); len(got) != 1 || got[0] != tc.transport {
				t.Fatalf("transports %v, want [%s]", got, tc.transport)
			}
			tr := rep.Transports[tc.transport]
			if tr.Clients.Finished != 4 || tr.Totals().Answered != tot.Answered {
				t.Errorf("transport split: %d finished, %d answered; want 4 and %d", tr.Clients.Finished, tr.Totals().Answered, tot.Answered)
			}
			if tc.phase != "" {
				if ph := tr.Phases[tc.phase]; ph == nil || ph.Reached != 4 || ph.Latency.Count() != 4 {
					t.Errorf("phase %s: %+v, want reached by all 4", tc.phase, ph)
				}
			}
			for _, ph := range reports.PhaseNames {
				if got := tr.Phases[ph]; got == nil || got.Reached != 4 {
					t.Errorf("phase %s: %+v, want reached by all 4", ph, got)
				}
			}
			w := tr.Wire
			if w.Connections != 4 || w.BytesIn == 0 || w.BytesOut == 0 || w.Messages == 0 || w.Decode <= 0 || w.Malformed != 0 {
				t.Errorf("wire %+v: want 4 connections that moved bytes, none malformed", w)
			}
			if tc.oob != (w.OOB >= 4) || !tc.oob && w.OOB != 0 {
				t.Errorf("wire: %d out-of-band messages, want them (at least one a player): %v", w.OOB, tc.oob)
			}
		})
	}
}

// TestMixedTransports splits the players of one run over the three
// transports by their weights, each with its own share of the report.
func TestMixedTransports(t *testing.T) {
	t.Parallel()
	st := startStack(t, false)
	pl := mustPlan(t, `
name: mixed
clients: 12
duration: 1500ms
seed: 2
transports: {telnet: 1, websocket: 2, tls: 1}
profiles: {looker: 1}
pacing: {timestep: 50ms, chance_of_action: 1, login_concurrency: 100}
logout_grace: 3s
`)
	rep := runScenario(t, pl, st.TelnetAddr(), runOpts{stack: st}).rep
	checkAccounted(t, rep)
	var started, answered int64
	for _, name := range []string{TransportTelnet, TransportWebsocket, TransportTLS} {
		tr := rep.Transports[name]
		if tr == nil || tr.Clients.Finished == 0 {
			t.Fatalf("transport %s: %+v, want players that finished", name, tr)
		}
		started += tr.Clients.Started
		answered += tr.Totals().Answered
	}
	if started != 12 || answered != rep.Totals().Answered || rep.Clients.LostTotal() != 0 {
		t.Errorf("transports: %d started, %d answered; want 12 and %d, none lost (%v)", started, answered, rep.Totals().Answered, rep.Clients.Lost)
	}
	if ws := rep.Transports[TransportWebsocket].Clients.Started; ws < 5 || ws > 7 {
		t.Errorf("websocket players %d of 12, want half (5 to 7)", ws)
	}
}

// TestTransportFor: players are spread by the weights, for any number
// of them, the same in every run.
func TestTransportFor(t *testing.T) {
	t.Parallel()
	pl := mustPlan(t, "name: t\nclients: 1000\nduration: 1s\ntransports: {telnet: 3, websocket: 6, tls: 1}\n")
	for _, n := range []int{10, 60, 1000} {
		count := map[string]int{}
		for id := range n {
			count[pl.transportFor(id)]++
		}
		for name, w := range map[string]float64{TransportTelnet: 0.3, TransportWebsocket: 0.6, TransportTLS: 0.1} {
			if d := float64(count[name]) - w*float64(n); d < -2 || d > 2 {
				t.Errorf("%d players: %s has %d, want %.0f ± 2", n, name, count[name], w*float64(n))
			}
		}
	}
	if a, b := pl.transportFor(17), pl.transportFor(17); a != b {
		t.Errorf("transportFor(17) = %s then %s", a, b)
	}
}

// TestDialFailuresByPhase: a refused upgrade and a failed TLS handshake
// lose the player in their own phase, with their own reason, after the
// connect (reached).
func TestDialFailuresByPhase(t *testing.T) {
	t.Parallel()
	st := startStack(t, true)
	notWS := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notWS.Close)
	for _, tc := range []struct {
		name, transport, phase, reason string
		target                         dialTarget
	}{
		{"upgrade refused", TransportWebsocket, reports.PhaseUpgrade, ReasonUpgrade,
			dialTarget{addr: "ws://" + notWS.Listener.Addr().String() + "/"}},
		{"certificate refused", TransportTLS, reports.PhaseTLSHandshake, ReasonTLS,
			dialTarget{addr: st.TLSAddr(), tls: TLSSettings{Verify: VerifyAlways}}},
		{"plain telnet is no TLS", TransportTLS, reports.PhaseTLSHandshake, ReasonTLS,
			dialTarget{addr: st.TelnetAddr(), tls: TLSSettings{Verify: VerifyNever}}},
		{"wrong SSH host key", TransportSSH, reports.PhaseSSHAuth, ReasonSSH,
			dialTarget{addr: st.SSHAddr(), user: "Dummy", ssh: SSHSettings{HostKey: "SHA256:not-this-one"}}},
		{"plain telnet is no SSH", TransportSSH, reports.PhaseSSHAuth, ReasonSSH,
			dialTarget{addr: st.TelnetAddr(), user: "Dummy"}},
		{"nothing listens", TransportWebsocket, reports.PhaseConnect, ReasonDial,
			dialTarget{addr: "ws://" + deadAddr(t) + "/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.target.timeout = 5 * time.Second
			c, _, err := transports[tc.transport](t.Context(), tc.target)
			if err == nil {
				c.close()
				t.Fatal("dial succeeded")
			}
			de, ok := errors.AsType[*dialError](err)
			if !ok || de.phase != tc.phase || de.reason != tc.reason {
				t.Fatalf("dial error %v, want phase %s, reason %s", err, tc.phase, tc.reason)
			}
			if tc.phase != reports.PhaseConnect && (len(de.reached) != 1 || de.reached[0].phase != reports.PhaseConnect) {
				t.Errorf("reached %v before failing, want the connect", de.reached)
			}
		})
	}
}

// TestTLSVerifyDefault: certificates are checked except for loopback targets.
func TestTLSVerifyDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		verify, host string
		skip         bool
	}{
		{VerifyAuto, "127.0.0.1", true},
		{VerifyAuto, "::1", true},
		{VerifyAuto, "localhost", true},
		{VerifyAuto, "mud.example.org", false},
		{VerifyAuto, "10.0.0.1", false},
		{VerifyAlways, "127.0.0.1", false},
		{VerifyNever, "mud.example.org", true},
	} {
		if got := (TLSSettings{Verify: tc.verify}).skipVerify(tc.host); got != tc.skip {
			t.Errorf("verify %s, host %s: skip = %v, want %v", tc.verify, tc.host, got, tc.skip)
		}
	}
}
