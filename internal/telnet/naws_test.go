package telnet

import "testing"

func TestParseNAWS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		payload       string
		width, height int
		ok            bool
	}{
		{"\x00\x50\x00\x18", 80, 24, true},
		{"\x01\x00\x00\xff", 256, 255, true},
		{"\xff\xff\xff\xff", 65535, 65535, true},
		{"\x00\x00\x00\x00", 0, 0, true},
		{"", 0, 0, false},
		{"\x00\x50\x00", 0, 0, false},
		{"\x00\x50\x00\x18\x00", 0, 0, false},
	}
	for _, tt := range tests {
		w, h, ok := ParseNAWS([]byte(tt.payload))
		if w != tt.width || h != tt.height || ok != tt.ok {
			t.Errorf("ParseNAWS(%q) = %d, %d, %t, want %d, %d, %t", tt.payload, w, h, ok, tt.width, tt.height, tt.ok)
		}
	}
}

func TestAppendNAWS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w, h int
		want string
	}{
		{80, 24, sIAC + sSB + "\x1f\x00\x50\x00\x18" + sIAC + sSE},
		{255, 511, sIAC + sSB + "\x1f\x00\xff\xff\x01\xff\xff" + sIAC + sSE},
		{-5, 70000, sIAC + sSB + "\x1f\x00\x00\xff\xff\xff\xff" + sIAC + sSE},
	}
	for _, tt := range tests {
		if got := AppendNAWS(nil, tt.w, tt.h); string(got) != tt.want {
			t.Errorf("AppendNAWS(%d, %d) = %q, want %q", tt.w, tt.h, got, tt.want)
		}
	}
}

func TestNAWSRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct{ w, h int }{{80, 24}, {255, 255}, {65535, 0}, {0xff00, 0x00ff}}
	for _, tt := range tests {
		evs := decodeChunks(0, bytewise(AppendNAWS(nil, tt.w, tt.h))...)
		if len(evs) != 1 || evs[0].Kind != EventSubneg || evs[0].Opt != OptNAWS {
			t.Fatalf("AppendNAWS(%d, %d) decodes to %s", tt.w, tt.h, formatEvents(evs))
		}
		w, h, ok := ParseNAWS(evs[0].Data)
		if w != tt.w || h != tt.h || !ok {
			t.Errorf("round trip of %d, %d: got %d, %d, %t", tt.w, tt.h, w, h, ok)
		}
	}
}
