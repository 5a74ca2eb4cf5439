package telnet

import "testing"

func TestAppendTTYPESend(t *testing.T) {
	t.Parallel()
	if got, want := string(AppendTTYPESend([]byte("x"))), "x"+sIAC+sSB+"\x18\x01"+sIAC+sSE; got != want {
		t.Errorf("AppendTTYPESend = %q, want %q", got, want)
	}
}

func TestParseTTYPEIs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		payload string
		name    string
		ok      bool
	}{
		{"\x00XTERM-256COLOR", "XTERM-256COLOR", true},
		{"\x00MTTS 137", "MTTS 137", true},
		{"\x00", "", true},
		{"\x01", "", false},
		{"", "", false},
		{"XTERM", "", false},
		{"\x00a\xffb", "a\xffb", true},
	}
	for _, tt := range tests {
		name, ok := ParseTTYPEIs([]byte(tt.payload))
		if name != tt.name || ok != tt.ok {
			t.Errorf("ParseTTYPEIs(%q) = %q, %t, want %q, %t", tt.payload, name, ok, tt.name, tt.ok)
		}
	}
}

func TestIsTTYPESend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		payload string
		want    bool
	}{
		{"\x01", true},
		{"\x00", false},
		{"\x01x", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsTTYPESend([]byte(tt.payload)); got != tt.want {
			t.Errorf("IsTTYPESend(%q) = %t, want %t", tt.payload, got, tt.want)
		}
	}
}

func TestTTYPERoundTrip(t *testing.T) {
	t.Parallel()
	tests := []string{"MUDLET", "ANSI-256COLOR", "MTTS 2825", "", "odd\xffname"}
	for _, name := range tests {
		evs := decodeChunks(0, AppendTTYPEIs(nil, name))
		if len(evs) != 1 || evs[0].Kind != EventSubneg || evs[0].Opt != OptTTYPE {
			t.Fatalf("AppendTTYPEIs(%q) decodes to %s", name, formatEvents(evs))
		}
		got, ok := ParseTTYPEIs(evs[0].Data)
		if got != name || !ok {
			t.Errorf("round trip of %q: got %q, %t", name, got, ok)
		}
	}
	evs := decodeChunks(0, AppendTTYPESend(nil))
	if len(evs) != 1 || evs[0].Opt != OptTTYPE || !IsTTYPESend(evs[0].Data) {
		t.Errorf("AppendTTYPESend decodes to %s", formatEvents(evs))
	}
}
