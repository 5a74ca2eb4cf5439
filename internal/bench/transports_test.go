package bench

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/portalsim/portalsim/dummyrunner"
	"github.com/portalsim/portalsim/reports"
)

func TestParseTransports(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"one", "websocket", []string{"websocket"}},
		{"all in order", " telnet,mixed , websocket,", []string{"telnet", "mixed", "websocket"}},
	}
	for _, tt := range tests {
		got, err := ParseTransports(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s: ParseTransports(%q) = %q, %v; want %q", tt.name, tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", ",", "telnet,telnet", "ssh", "tls", "telnet:1,websocket:1"} {
		if _, err := ParseTransports(bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("ParseTransports(%q) = %v, want ErrInvalidConfig", bad, err)
		}
	}
}

// Each transport of -transports is a mix of the dummyrunner's
// transports: one door, or both with the same weight.
func TestMixOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		transport string
		want      []string
		websocket bool
	}{
		{TransportTelnet, []string{dummyrunner.TransportTelnet}, false},
		{TransportWebsocket, []string{dummyrunner.TransportWebsocket}, true},
		{TransportMixed, []string{dummyrunner.TransportTelnet, dummyrunner.TransportWebsocket}, true},
	}
	for _, tt := range tests {
		m := MixOf(tt.transport)
		if got := m.Names(); !slices.Equal(got, tt.want) || m.Uses(TransportWebsocket) != tt.websocket {
			t.Errorf("MixOf(%s) = %v (uses websocket %v), want %v (%v)", tt.transport, m, m.Uses(TransportWebsocket), tt.want, tt.websocket)
		}
		if len(m) == 2 && m[dummyrunner.TransportTelnet] != m[dummyrunner.TransportWebsocket] {
			t.Errorf("MixOf(%s) = %v: not half and half", tt.transport, m)
		}
	}
}

// Every target the bench starts has a websocket door; a HOST:PORT target
// has one only when -target-websocket gives it, and is said to have none
// otherwise, not measured over telnet instead.
func TestWebsocketDoor(t *testing.T) {
	t.Parallel()
	plain := &env{}
	withURL := &env{externalWebsocket: "ws://127.0.0.1:4002/"}
	tests := []struct {
		name string
		t    target
		rn   *running
		e    *env
		want string // "" : ErrNoWebsocketDoor
	}{
		{"floor", floorTarget{}, &running{addr: "127.0.0.1:1000", websocket: "ws://127.0.0.1:1001/"}, plain, "ws://127.0.0.1:1001/"},
		{"portal", portalTarget{}, &running{addr: "127.0.0.1:1000", websocket: "ws://127.0.0.1:1002/"}, plain, "ws://127.0.0.1:1002/"},
		{"portal printed none", portalTarget{}, &running{addr: "127.0.0.1:1000"}, plain, ""},
		{"evennia: telnet port + 2", evenniaTarget{}, &running{addr: "127.0.0.1:24000"}, plain, "ws://127.0.0.1:24002/"},
		{"evennia-nodelay", evenniaTarget{nodelay: true}, &running{addr: "127.0.0.1:24010"}, plain, "ws://127.0.0.1:24012/"},
		{"HOST:PORT alone", externalTarget{addr: "127.0.0.1:4000"}, &running{addr: "127.0.0.1:4000"}, plain, ""},
		{"HOST:PORT with -target-websocket", externalTarget{addr: "127.0.0.1:4000"}, &running{addr: "127.0.0.1:4000"}, withURL, "ws://127.0.0.1:4002/"},
	}
	for _, tt := range tests {
		got, err := websocketDoor(tt.t, tt.rn, tt.e)
		if tt.want == "" {
			if !errors.Is(err, ErrNoWebsocketDoor) {
				t.Errorf("%s: websocketDoor = %q, %v; want ErrNoWebsocketDoor", tt.name, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: websocketDoor = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if why := noWebsocketDoor(externalTarget{addr: "127.0.0.1:4000"}, plain); why == "" {
		t.Error("a HOST:PORT target without -target-websocket has a websocket door")
	}
	for _, tg := range []target{floorTarget{}, portalTarget{}, evenniaTarget{}, externalTarget{addr: "h:1"}} {
		e := plain
		if _, ok := tg.(externalTarget); ok {
			e = withURL
		}
		if why := noWebsocketDoor(tg, e); why != "" {
			t.Errorf("%s: no websocket door: %s", tg.name(), why)
		}
	}
}

func TestCheckWebsocketURL(t *testing.T) {
	t.Parallel()
	for _, good := range []string{"ws://127.0.0.1:4002/", "wss://mud.example:443/ws"} {
		if err := checkWebsocketURL(good); err != nil {
			t.Errorf("checkWebsocketURL(%q) = %v", good, err)
		}
	}
	for _, bad := range []string{"127.0.0.1:4002", "http://h:1/", "ws:///", "ws://h:1/?a=b", "ws://h:1/#x", "%"} {
		if err := checkWebsocketURL(bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("checkWebsocketURL(%q) = %v, want ErrInvalidConfig", bad, err)
		}
	}
}

// The floor's listening line gives its websocket door (the portal's:
// internal/procstack).
func TestListeningLinesGiveTheWebsocketDoor(t *testing.T) {
	t.Parallel()
	m := floorLine.FindStringSubmatch("portalsim bench floor: relay 127.0.0.1:1 pid 2, echo 127.0.0.1:3 pid 4, websocket ws://127.0.0.1:5/")
	if m == nil || m[1] != "127.0.0.1:1" || m[4] != "4" || m[5] != "ws://127.0.0.1:5/" {
		t.Errorf("floor line with a websocket door: %q", m)
	}
	if m := floorLine.FindStringSubmatch("portalsim bench floor: relay 127.0.0.1:1 pid 2, echo 127.0.0.1:3 pid 4"); m == nil || m[5] != "" {
		t.Errorf("floor line without: %q", m)
	}
}

func TestLabel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ target, transport, want string }{
		{"portal", TransportTelnet, "portal"}, {"portal", "", "portal"},
		{"portal", TransportWebsocket, "portal-websocket"}, {"127.0.0.1:4000", TransportMixed, "127.0.0.1:4000-mixed"},
	} {
		if got := label(tt.target, tt.transport); got != tt.want {
			t.Errorf("label(%q, %q) = %q, want %q", tt.target, tt.transport, got, tt.want)
		}
	}
}

// A mixed row splits by transport: the window's probes of each, the
// report's players, losses and failed probes of each.
func TestSplitRow(t *testing.T) {
	t.Parallel()
	hist := func(ds ...time.Duration) *reports.Histogram {
		h := reports.NewHistogram()
		for _, d := range ds {
			h.Record(d)
		}
		return h
	}
	w := windowStats{byTransport: map[string]transportStats{
		"telnet":    {answered: 4, loggedIn: 2, latency: hist(time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond)},
		"websocket": {answered: 2, failed: 1, loggedIn: 1, latency: hist(3*time.Millisecond, 3*time.Millisecond)},
	}}
	rep := &reports.Report{Transports: map[string]*reports.Transport{
		"telnet": {Clients: reports.Clients{Started: 2}, Actions: map[string]*reports.Action{EchoAction: {Sent: 10, Answered: 10}}},
		"websocket": {Clients: reports.Clients{Started: 2, Lost: map[string]int64{"dial": 1}},
			Actions: map[string]*reports.Action{EchoAction: {Sent: 5, Answered: 4}}},
	}}
	row := Row{Window: 2 * time.Second}
	splitRow(&row, w, rep)
	if len(row.Transports) != 2 {
		t.Fatalf("split into %+v, want telnet and websocket", row.Transports)
	}
	tel, ws := row.Transports[0], row.Transports[1]
	if tel.Transport != "telnet" || tel.RoundTrips != 4 || tel.Throughput != 2 || tel.Players != 2 || tel.LoggedIn != 2 || tel.Lost() {
		t.Errorf("telnet: %+v", tel)
	}
	if tel.P50 < 900*time.Microsecond || tel.P50 > 1100*time.Microsecond {
		t.Errorf("telnet p50 %v, want about 1ms", tel.P50)
	}
	if ws.Transport != "websocket" || ws.RoundTrips != 2 || ws.Throughput != 1 || ws.Players != 2 || ws.LoggedIn != 1 ||
		ws.LostPlayers != 1 || ws.FailedCommands != 1 || !ws.Lost() {
		t.Errorf("websocket: %+v", ws)
	}
	if ws.P99 < 2900*time.Microsecond || ws.P99 > 3100*time.Microsecond {
		t.Errorf("websocket p99 %v, want about 3ms", ws.P99)
	}
}
