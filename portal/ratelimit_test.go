package portal

import (
	"testing"
	"time"
)

func TestRateWindow(t *testing.T) {
	t.Parallel()
	base := time.Unix(1000, 0)
	tests := []struct {
		name    string
		limit   int
		offsets []int // milliseconds after the first input
		want    []bool
	}{
		{"within limit", 3, []int{0, 10, 20}, []bool{true, true, true}},
		{"fourth in window refused", 3, []int{0, 10, 20, 30}, []bool{true, true, true, false}},
		{"refused inputs count too", 2, []int{0, 1, 2, 3}, []bool{true, true, false, false}},
		{"window resets after a second", 2, []int{0, 1, 2, 1001}, []bool{true, true, false, true}},
		{"exactly one second is the same window", 1, []int{0, 1000}, []bool{true, false}},
		{"disabled", 0, []int{0, 0, 0, 0}, []bool{true, true, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var w rateWindow
			for i, ms := range tt.offsets {
				if got := w.allow(base.Add(time.Duration(ms)*time.Millisecond), tt.limit); got != tt.want[i] {
					t.Fatalf("input %d at +%dms: got %v, want %v", i, ms, got, tt.want[i])
				}
			}
		})
	}
	if got := commandLimit(80); got != 80 {
		t.Errorf("commandLimit(80) = %d", got)
	}
	if got := commandLimit(-1); got != 0 {
		t.Errorf("commandLimit(-1) = %d, want 0 (off)", got)
	}
	if got := commandLimit(0.5); got != 1 {
		t.Errorf("commandLimit(0.5) = %d, want 1", got)
	}
}
