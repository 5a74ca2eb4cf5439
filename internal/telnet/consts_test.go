package telnet

import "testing"

func TestOptionString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opt  Option
		want string
	}{
		{OptEcho, "ECHO"},
		{OptSGA, "SGA"},
		{OptTTYPE, "TTYPE"},
		{OptEOR, "EOR"},
		{OptNAWS, "NAWS"},
		{OptLinemode, "LINEMODE"},
		{OptMSDP, "MSDP"},
		{OptMSSP, "MSSP"},
		{OptMCCP2, "MCCP2"},
		{OptMXP, "MXP"},
		{OptGMCP, "GMCP"},
		{Option(123), "OPT(123)"},
		{Option(255), "OPT(255)"},
	}
	for _, tt := range tests {
		if got := tt.opt.String(); got != tt.want {
			t.Errorf("Option(%d).String() = %q, want %q", byte(tt.opt), got, tt.want)
		}
	}
}

func TestOptionValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		got  Option
		want byte
	}{
		{OptEcho, 1}, {OptSGA, 3}, {OptTTYPE, 24}, {OptEOR, 25}, {OptNAWS, 31},
		{OptLinemode, 34}, {OptMSDP, 69}, {OptMSSP, 70}, {OptMCCP2, 86},
		{OptMXP, 91}, {OptGMCP, 201},
	}
	for _, tt := range tests {
		if byte(tt.got) != tt.want {
			t.Errorf("%v = %d, want %d", tt.got, byte(tt.got), tt.want)
		}
	}
}

func TestCommandValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		got  byte
		want byte
		name string
	}{
		{IAC, 255, "IAC"}, {DONT, 254, "DONT"}, {DO, 253, "DO"}, {WONT, 252, "WONT"},
		{WILL, 251, "WILL"}, {SB, 250, "SB"}, {GA, 249, "GA"}, {EL, 248, "EL"},
		{EC, 247, "EC"}, {AYT, 246, "AYT"}, {AO, 245, "AO"}, {IP, 244, "IP"},
		{BRK, 243, "BRK"}, {DM, 242, "DM"}, {NOP, 241, "NOP"}, {SE, 240, "SE"},
		{EOR, 239, "EOR"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
		if got := CommandName(tt.got); got != tt.name {
			t.Errorf("CommandName(%d) = %q, want %q", tt.got, got, tt.name)
		}
	}
	if got, want := CommandName(0), "CMD(0)"; got != want {
		t.Errorf("CommandName(0) = %q, want %q", got, want)
	}
	if got, want := CommandName(238), "CMD(238)"; got != want {
		t.Errorf("CommandName(238) = %q, want %q", got, want)
	}
}

func TestVerbString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		verb  Verb
		want  string
		valid bool
	}{
		{DO, "DO", true},
		{DONT, "DONT", true},
		{WILL, "WILL", true},
		{WONT, "WONT", true},
		{SB, "VERB(250)", false},
		{IAC, "VERB(255)", false},
		{0, "VERB(0)", false},
	}
	for _, tt := range tests {
		if got := tt.verb.String(); got != tt.want {
			t.Errorf("Verb(%d).String() = %q, want %q", byte(tt.verb), got, tt.want)
		}
		if got := tt.verb.Valid(); got != tt.valid {
			t.Errorf("Verb(%d).Valid() = %t, want %t", byte(tt.verb), got, tt.valid)
		}
	}
}
