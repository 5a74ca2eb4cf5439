package telnet

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTTYPERounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		replies   []string
		wantAgain []bool
		want      map[string]any
	}{
		{
			name:      "mudlet full MTTS",
			replies:   []string{"Mudlet 4.17.2", "ANSI-TRUECOLOR", "MTTS 2349"},
			wantAgain: []bool{true, true, false},
			want: map[string]any{
				"CLIENTNAME": "MUDLET 4.17.2", "ANSI": true, "XTERM256": true, "TRUECOLOR": true, "TERM": "ANSI-TRUECOLOR",
				// 2349 = 2048+256+32+8+4+1
				"SSL": true, "OSC_COLOR_PALETTE": true, "UTF-8": true,
			},
		},
		{
			name:      "mudlet version compared as numbers (Evennia: string, 1.09 < 1.1)",
			replies:   []string{"MUDLET 1.09", "XTERM", "MTTS 0"},
			wantAgain: []bool{true, true, false},
			want:      map[string]any{"CLIENTNAME": "MUDLET 1.09", "ANSI": true, "XTERM256": true, "TRUECOLOR": false, "TERM": "XTERM"},
		},
		{
			name:      "old mudlet without 256 colours",
			replies:   []string{"MUDLET 1.0.5", "DUMB", "MTTS 1"},
			wantAgain: []bool{true, true, false},
			want:      map[string]any{"CLIENTNAME": "MUDLET 1.0.5", "ANSI": true, "XTERM256": false, "TRUECOLOR": false, "TERM": "DUMB"},
		},
		{
			name:      "tintin by name truecolor, term xterm gives 256",
			replies:   []string{"tintin", "xterm", "MTTS 9"},
			wantAgain: []bool{true, true, false},
			want:      map[string]any{"CLIENTNAME": "TINTIN", "ANSI": true, "XTERM256": true, "TRUECOLOR": true, "TERM": "xterm"},
		},
		{
			name:      "-256color name and -color term",
			replies:   []string{"foo-256color", "vt100-color", "MTTS 64"},
			wantAgain: []bool{true, true, false},
			want:      map[string]any{"CLIENTNAME": "FOO-256COLOR", "ANSI": true, "XTERM256": true, "TRUECOLOR": false, "TERM": "vt100-color", "SCREENREADER": true},
		},
		{
			name:      "client repeating its name ends the rounds early",
			replies:   []string{"ZMUD", "ZMUD", "ZMUD"},
			wantAgain: []bool{true, false, false},
			want:      map[string]any{"CLIENTNAME": "ZMUD", "ANSI": true, "XTERM256": false, "TRUECOLOR": false},
		},
		{
			name:      "a non-numeric MTTS sets no flag of the client's choosing",
			replies:   []string{"X", "Y", "MTTS NOGOAHEAD"},
			wantAgain: []bool{true, true, false},
			want:      map[string]any{"CLIENTNAME": "X", "ANSI": true, "XTERM256": false, "TRUECOLOR": false, "TERM": "Y"},
		},
		{
			name:      "third reply that is no MTTS",
			replies:   []string{"PUTTY", "xterm-256color", "xterm-256color-2"},
			wantAgain: []bool{true, true, false},
			want:      map[string]any{"CLIENTNAME": "PUTTY", "ANSI": true, "XTERM256": true, "TRUECOLOR": false, "TERM": "xterm-256color"},
		},
		{
			name:      "replies after the end are ignored",
			replies:   []string{"A", "B", "MTTS 1", "MTTS 4095"},
			wantAgain: []bool{true, true, false, false},
			want:      map[string]any{"CLIENTNAME": "A", "ANSI": true, "XTERM256": false, "TRUECOLOR": false, "TERM": "B"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r TTYPERounds
			for i, rep := range tt.replies {
				if got := r.Reply(rep); got != tt.wantAgain[i] {
					t.Errorf("Reply(%q) again = %v, want %v", rep, got, tt.wantAgain[i])
				}
			}
			if !r.Done() {
				t.Errorf("Done() = false after %d replies", len(tt.replies))
			}
			if diff := cmp.Diff(tt.want, r.Flags()); diff != "" {
				t.Errorf("flags (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTTYPERoundsMudlet(t *testing.T) {
	t.Parallel()
	var r TTYPERounds
	r.Reply("Mudlet 4.0")
	if !r.IsMudlet() {
		t.Error("IsMudlet() = false for Mudlet")
	}
	var o TTYPERounds
	o.Reply("tintin++")
	if o.IsMudlet() {
		t.Error("IsMudlet() = true for tintin++")
	}
}

func TestVersionAtLeast(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    string
		want bool
	}{
		{"1.1", true}, {"1.09", true}, {"1.0.5", false}, {"0.9", false}, {"10", true},
		{"1", false}, {"2", true}, {"1.10", true}, {"1.1-dev", true}, {"v4", false}, {"", false},
		{"99999999999999999999.1", true},
	}
	for _, tt := range tests {
		if got := VersionAtLeast(tt.v, 1, 1); got != tt.want {
			t.Errorf("VersionAtLeast(%q, 1, 1) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// FuzzTTYPERounds feeds any three replies: the rounds end by the third
// at the latest, never panic, and the flags hold only known names.
func FuzzTTYPERounds(f *testing.F) {
	f.Add("MUDLET 4.17", "XTERM-256COLOR", "MTTS 4095")
	f.Add("a", "a", "a")
	f.Add("\xff\xfe", "MTTS", "MTTS 99999999999999999999999")
	known := map[string]bool{"CLIENTNAME": true, "TERM": true}
	for _, b := range mttsBits {
		known[b.flag] = true
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		var r TTYPERounds
		r.Reply(a)
		r.Reply(b)
		if r.Reply(c) || !r.Done() {
			t.Fatal("rounds did not end after three replies")
		}
		for k := range r.Flags() {
			if !known[k] {
				t.Fatalf("unexpected flag %q", k)
			}
		}
	})
}
