package telnet

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func msg(v Verb, o Option) []byte { return []byte{IAC, byte(v), byte(o)} }

func TestNegotiatorReceiveFresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		v         Verb
		o         Option
		wantReply []byte
		wantCh    Change
	}{
		{"unsupported DO", DO, OptMXP, msg(WONT, OptMXP), Change{Opt: OptMXP, Side: Local}},
		{"unsupported WILL", WILL, OptLinemode, msg(DONT, OptLinemode), Change{Opt: OptLinemode, Side: Remote}},
		{"supported DO", DO, OptGMCP, msg(WILL, OptGMCP), Change{Opt: OptGMCP, Side: Local, Enabled: true, Changed: true}},
		{"supported WILL", WILL, OptNAWS, msg(DO, OptNAWS), Change{Opt: OptNAWS, Side: Remote, Enabled: true, Changed: true}},
		{"DONT when off", DONT, OptGMCP, nil, Change{Opt: OptGMCP, Side: Local}},
		{"WONT when off", WONT, OptNAWS, nil, Change{Opt: OptNAWS, Side: Remote}},
		{"not a verb", Verb(SB), OptNAWS, nil, Change{Opt: OptNAWS}},
	}
	for _, tt := range tests {
		var n Negotiator
		n.SupportLocal(OptGMCP)
		n.SupportRemote(OptNAWS)
		reply, ch := n.Receive(tt.v, tt.o)
		if !bytes.Equal(reply, tt.wantReply) || ch != tt.wantCh {
			t.Errorf("%s: got %q %+v, want %q %+v", tt.name, reply, ch, tt.wantReply, tt.wantCh)
		}
	}
}

func TestNegotiatorZeroRefusesAll(t *testing.T) {
	t.Parallel()
	var n Negotiator
	for o := range 256 {
		opt := Option(o)
		if reply, _ := n.Receive(DO, opt); !bytes.Equal(reply, msg(WONT, opt)) {
			t.Fatalf("DO %v: reply %q", opt, reply)
		}
		if reply, _ := n.Receive(WILL, opt); !bytes.Equal(reply, msg(DONT, opt)) {
			t.Fatalf("WILL %v: reply %q", opt, reply)
		}
		if n.Local(opt) || n.Remote(opt) {
			t.Fatalf("%v enabled", opt)
		}
	}
}

// negStep is one step of a negotiation scenario: either a call by us
// (call != "") or a message from the peer.
type negStep struct {
	call      string // "enableLocal", "disableLocal", "enableRemote", "disableRemote"
	v         Verb   // received from the peer when call is ""
	wantReply []byte
	wantCh    Change // checked for received messages only
}

func runSteps(t *testing.T, n *Negotiator, o Option, steps []negStep) {
	t.Helper()
	for i, s := range steps {
		var got []byte
		switch s.call {
		case "enableLocal":
			got = n.EnableLocal(o)
		case "disableLocal":
			got = n.DisableLocal(o)
		case "enableRemote":
			got = n.EnableRemote(o)
		case "disableRemote":
			got = n.DisableRemote(o)
		case "":
			var ch Change
			got, ch = n.Receive(s.v, o)
			want := s.wantCh
			want.Opt = o
			if ch != want {
				t.Fatalf("step %d (%v): change %+v, want %+v", i, s.v, ch, want)
			}
		default:
			t.Fatalf("step %d: bad call %q", i, s.call)
		}
		if !bytes.Equal(got, s.wantReply) {
			t.Fatalf("step %d (%q %v): sent %q, want %q", i, s.call, s.v, got, s.wantReply)
		}
	}
}

func TestNegotiatorScenarios(t *testing.T) {
	t.Parallel()
	const o = OptTTYPE
	on := Change{Side: Remote, Enabled: true, Changed: true}
	off := Change{Side: Remote, Changed: true}
	still := Change{Side: Remote, Enabled: true}
	none := Change{Side: Remote}
	tests := []struct {
		name       string
		support    bool
		steps      []negStep
		wantRemote bool
	}{
		{"request accepted, answer not answered", false, []negStep{
			{call: "enableRemote", wantReply: msg(DO, o)},
			{v: WILL, wantCh: on},
		}, true},
		{"request refused, refusal not answered", true, []negStep{
			{call: "enableRemote", wantReply: msg(DO, o)},
			{v: WONT, wantCh: Change{Side: Remote, Refused: true}},
		}, false},
		{"repeated WILL is not answered (no loop)", true, []negStep{
			{v: WILL, wantReply: msg(DO, o), wantCh: on},
			{v: WILL, wantCh: still},
			{v: WILL, wantCh: still},
		}, true},
		{"repeated WONT is not answered (no loop)", true, []negStep{
			{v: WILL, wantReply: msg(DO, o), wantCh: on},
			{v: WONT, wantReply: msg(DONT, o), wantCh: off},
			{v: WONT, wantCh: none},
		}, false},
		{"enable twice sends once", true, []negStep{
			{call: "enableRemote", wantReply: msg(DO, o)},
			{call: "enableRemote"},
			{v: WILL, wantCh: on},
			{call: "enableRemote"},
		}, true},
		{"disable when enabled", true, []negStep{
			{v: WILL, wantReply: msg(DO, o), wantCh: on},
			{call: "disableRemote", wantReply: msg(DONT, o)},
			{call: "disableRemote"},
			{v: WONT, wantCh: none},
		}, false},
		{"enable then disable before the answer", true, []negStep{
			{call: "enableRemote", wantReply: msg(DO, o)},
			{call: "disableRemote"},
			{v: WILL, wantReply: msg(DONT, o), wantCh: none},
			{v: WONT, wantCh: none},
		}, false},
		{"enable then disable, refused", true, []negStep{
			{call: "enableRemote", wantReply: msg(DO, o)},
			{call: "disableRemote"},
			{v: WONT, wantCh: Change{Side: Remote, Refused: true}},
		}, false},
		{"enable, disable, enable again before the answer", true, []negStep{
			{call: "enableRemote", wantReply: msg(DO, o)},
			{call: "disableRemote"},
			{call: "enableRemote"},
			{v: WILL, wantCh: on},
		}, true},
		{"disable then enable before the answer", true, []negStep{
			{v: WILL, wantReply: msg(DO, o), wantCh: on},
			{call: "disableRemote", wantReply: msg(DONT, o)},
			{call: "enableRemote"},
			{v: WONT, wantReply: msg(DO, o), wantCh: none},
			{v: WILL, wantCh: on},
		}, true},
		{"disable, enable, disable again before the answer", true, []negStep{
			{v: WILL, wantReply: msg(DO, o), wantCh: on},
			{call: "disableRemote", wantReply: msg(DONT, o)},
			{call: "enableRemote"},
			{call: "disableRemote"},
			{v: WONT, wantCh: none},
		}, false},
		{"peer answers DONT with WILL (RFC 1143 error case)", true, []negStep{
			{v: WILL, wantReply: msg(DO, o), wantCh: on},
			{call: "disableRemote", wantReply: msg(DONT, o)},
			{v: WILL, wantCh: none},
		}, false},
		{"peer answers DONT with WILL, re-enable queued", true, []negStep{
			{v: WILL, wantReply: msg(DO, o), wantCh: on},
			{call: "disableRemote", wantReply: msg(DONT, o)},
			{call: "enableRemote"},
			{v: WILL, wantCh: on},
		}, true},
		{"our request accepted even if unsupported, peer offer then refused", false, []negStep{
			{call: "enableRemote", wantReply: msg(DO, o)},
			{v: WILL, wantCh: on},
			{v: WONT, wantReply: msg(DONT, o), wantCh: off},
			{v: WILL, wantReply: msg(DONT, o), wantCh: none},
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var n Negotiator
			if tt.support {
				n.SupportRemote(o)
			}
			runSteps(t, &n, o, tt.steps)
			if got := n.Remote(o); got != tt.wantRemote {
				t.Errorf("Remote() = %t, want %t", got, tt.wantRemote)
			}
			if n.Local(o) {
				t.Errorf("Local() = true, want false")
			}
		})
	}
}

func TestNegotiatorLocalSide(t *testing.T) {
	t.Parallel()
	const o = OptEcho
	var n Negotiator
	runSteps(t, &n, o, []negStep{
		{call: "enableLocal", wantReply: msg(WILL, o)},
		{v: DO, wantCh: Change{Side: Local, Enabled: true, Changed: true}},
		{v: DO, wantCh: Change{Side: Local, Enabled: true}},
		{call: "disableLocal", wantReply: msg(WONT, o)},
		{v: DONT, wantCh: Change{Side: Local}},
		{v: DONT, wantCh: Change{Side: Local}},
		{v: DO, wantReply: msg(WONT, o), wantCh: Change{Side: Local}},
		{call: "enableLocal", wantReply: msg(WILL, o)},
		{v: DONT, wantCh: Change{Side: Local, Refused: true}},
	})
	if n.Local(o) || n.Remote(o) {
		t.Errorf("Local() = %t, Remote() = %t, want false, false", n.Local(o), n.Remote(o))
	}
}

func TestSideString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    Side
		want string
	}{{Local, "local"}, {Remote, "remote"}}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// pairOpts are the options the two-negotiator simulation plays with.
var pairOpts = [4]Option{OptEcho, OptSGA, OptTTYPE, OptNAWS}

// simulatePair connects two Negotiators by two FIFO queues and runs ops on
// them: per op byte, the top two bits pick the action (a calls, b calls,
// deliver a→b, deliver b→a), the next two the call, the low two bits the
// option. supA and supB say which options each end supports (bits 0-3
// local, 4-7 remote). It then delivers everything and checks that the
// negotiation settles (no loop) with both ends agreeing.
func simulatePair(t *testing.T, supA, supB uint8, ops []byte) {
	t.Helper()
	var n [2]Negotiator
	for i, sup := range []uint8{supA, supB} {
		for j, o := range pairOpts {
			if sup&(1<<j) != 0 {
				n[i].SupportLocal(o)
			}
			if sup&(1<<(j+4)) != 0 {
				n[i].SupportRemote(o)
			}
		}
	}
	var queue [2][][]byte // queue[i]: messages from n[i] to the other
	send := func(from int, m []byte) {
		if m != nil {
			queue[from] = append(queue[from], m)
		}
	}
	deliver := func(from int) bool {
		if len(queue[from]) == 0 {
			return false
		}
		m := queue[from][0]
		queue[from] = queue[from][1:]
		to := 1 - from
		if len(m) != 3 || m[0] != IAC || !Verb(m[1]).Valid() {
			t.Fatalf("bad message %q", m)
		}
		reply, ch := n[to].Receive(Verb(m[1]), Option(m[2]))
		enabled := n[to].Local(ch.Opt)
		if ch.Side == Remote {
			enabled = n[to].Remote(ch.Opt)
		}
		if ch.Opt != Option(m[2]) || ch.Enabled != enabled {
			t.Fatalf("change %+v for %q, enabled %t", ch, m, enabled)
		}
		send(to, reply)
		return true
	}
	for _, op := range ops {
		o := pairOpts[op&3]
		who := int(op>>6) & 1
		switch op >> 6 {
		case 0, 1:
			switch (op >> 4) & 3 {
			case 0:
				send(who, n[who].EnableLocal(o))
			case 1:
				send(who, n[who].DisableLocal(o))
			case 2:
				send(who, n[who].EnableRemote(o))
			case 3:
				send(who, n[who].DisableRemote(o))
			}
		default:
			deliver(who)
		}
	}
	limit := 4*(len(queue[0])+len(queue[1])) + 16*len(pairOpts)
	steps := 0
	for deliver(0) || deliver(1) {
		if steps++; steps > limit {
			t.Fatalf("negotiation does not settle after %d messages", steps)
		}
	}
	for _, o := range pairOpts {
		if n[0].Local(o) != n[1].Remote(o) || n[0].Remote(o) != n[1].Local(o) {
			t.Fatalf("%v: a local %t remote %t, b local %t remote %t", o,
				n[0].Local(o), n[0].Remote(o), n[1].Local(o), n[1].Remote(o))
		}
		for i := range n {
			for s := range 2 {
				if q := n[i].opts[o][s].q; q != qNo && q != qYes {
					t.Fatalf("%v side %d of %d still pending (state %d)", o, s, i, q)
				}
			}
		}
	}
}

func TestNegotiatorPairSimultaneousRequests(t *testing.T) {
	t.Parallel()
	// Both ends ask for the same option at the same time (a WILL and a
	// DO cross on the wire): RFC 1143 section 7's classic case.
	var a, b Negotiator
	a.SupportLocal(OptEcho)
	b.SupportRemote(OptEcho)
	will := a.EnableLocal(OptEcho)
	do := b.EnableRemote(OptEcho)
	if r, _ := b.Receive(Verb(will[1]), OptEcho); r != nil {
		t.Errorf("b answered the crossing WILL with %q", r)
	}
	if r, _ := a.Receive(Verb(do[1]), OptEcho); r != nil {
		t.Errorf("a answered the crossing DO with %q", r)
	}
	if !a.Local(OptEcho) || !b.Remote(OptEcho) {
		t.Errorf("a.Local = %t, b.Remote = %t, want true, true", a.Local(OptEcho), b.Remote(OptEcho))
	}
}

func TestNegotiatorPairRandom(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		ops := make([]byte, r.IntN(40))
		for i := range ops {
			ops[i] = byte(r.Uint32())
		}
		simulatePair(t, uint8(r.Uint32()), uint8(r.Uint32()), ops)
	}
}

// FuzzNegotiator runs random calls and message deliveries on two connected
// Negotiators and checks that negotiation always settles, in agreement.
func FuzzNegotiator(f *testing.F) {
	f.Add(uint8(0xff), uint8(0xff), []byte{0x00, 0xa0, 0x80, 0xc0})
	f.Add(uint8(0x0f), uint8(0xf0), []byte{0x00, 0x10, 0x80, 0x80, 0xc0, 0x00})
	f.Add(uint8(0x00), uint8(0xff), []byte{0x21, 0x31, 0x21, 0xc1, 0x81, 0xc1})
	f.Fuzz(func(t *testing.T, supA, supB uint8, ops []byte) {
		simulatePair(t, supA, supB, ops[:min(len(ops), maxFuzzInput)])
	})
}
