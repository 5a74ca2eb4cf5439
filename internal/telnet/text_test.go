package telnet

import "testing"

func TestDecodeText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		want  string
		valid bool
	}{
		{"", "", true},
		{"look", "look", true},
		{"caf\xc3\xa9", "café", true},
		{"\x00", "\x00", true},
		{"caf\xe9", "café", false},
		{"\xff\xfe", "ÿþ", false},
		{"a\xc3", "aÃ", false},
		{"\x80\x00", "\u0080\x00", false},
	}
	for _, tt := range tests {
		got, valid := DecodeText([]byte(tt.in))
		if got != tt.want || valid != tt.valid {
			t.Errorf("DecodeText(%q) = %q, %t, want %q, %t", tt.in, got, valid, tt.want, tt.valid)
		}
	}
}
