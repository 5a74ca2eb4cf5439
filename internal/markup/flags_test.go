package markup

import "testing"

func TestDepthFromFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		flags map[string]any
		want  Depth
	}{
		{"no flags: TTYPE not done, full colour", nil, Truecolor},
		{"TTYPE false ignores ANSI false", map[string]any{"TTYPE": false, "ANSI": false}, Truecolor},
		{"TTYPE false but NOCOLOR", map[string]any{"NOCOLOR": true}, None},
		{"screen reader", map[string]any{"TTYPE": true, "ANSI": true, "SCREENREADER": true}, None},
		{"ttype, nothing", map[string]any{"TTYPE": true}, None},
		{"ttype, ansi", map[string]any{"TTYPE": true, "ANSI": true}, ANSI16},
		{"ttype, xterm", map[string]any{"TTYPE": true, "ANSI": true, "XTERM256": true}, Xterm256},
		{"ttype, xterm without ansi", map[string]any{"TTYPE": true, "XTERM256": true}, Xterm256},
		{"ttype, truecolor", map[string]any{"TTYPE": true, "ANSI": true, "XTERM256": true, "TRUECOLOR": true}, Truecolor},
		{"truecolor without xterm", map[string]any{"TTYPE": true, "ANSI": true, "TRUECOLOR": true}, Truecolor},
		{"ttype, nocolor wins", map[string]any{"TTYPE": true, "XTERM256": true, "NOCOLOR": true}, None},
		{"JSON numbers", map[string]any{"TTYPE": 1.0, "ANSI": 1.0, "XTERM256": 0.0}, ANSI16},
		{"strings", map[string]any{"TTYPE": "yes", "ANSI": ""}, None},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := DepthFromFlags(tt.flags); got != tt.want {
				t.Fatalf("DepthFromFlags(%v) = %v, want %v", tt.flags, got, tt.want)
			}
		})
	}
	if !ScreenReaderFromFlags(map[string]any{"SCREENREADER": true}) || ScreenReaderFromFlags(nil) {
		t.Fatal("ScreenReaderFromFlags does not read SCREENREADER")
	}
}
