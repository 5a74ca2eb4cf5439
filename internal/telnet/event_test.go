package telnet

import "testing"

func TestEventString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ev   Event
		want string
	}{
		{Event{Kind: EventData, Data: []byte("hi\r\n")}, `DATA "hi\r\n"`},
		{Event{Kind: EventCommand, Cmd: NOP}, "IAC NOP"},
		{Event{Kind: EventNegotiation, Verb: DO, Opt: OptNAWS}, "IAC DO NAWS"},
		{Event{Kind: EventSubneg, Opt: OptTTYPE, Data: []byte{0, 'x'}}, `IAC SB TTYPE "\x00x" IAC SE`},
		{Event{Kind: EventError, Opt: OptGMCP, Err: ErrSubnegTooLong}, "ERROR opt=GMCP cmd=CMD(0): telnet: subnegotiation too long"},
		{Event{}, "EventKind(0)"},
	}
	for _, tt := range tests {
		if got := tt.ev.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestEventKindString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind EventKind
		want string
	}{
		{EventData, "EventData"},
		{EventCommand, "EventCommand"},
		{EventNegotiation, "EventNegotiation"},
		{EventSubneg, "EventSubneg"},
		{EventError, "EventError"},
		{EventKind(99), "EventKind(99)"},
	}
	for _, tt := range tests {
		if got := tt.kind.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
