package reports

import (
	"math"
	"testing"
	"time"
)

func TestNearestRank(t *testing.T) {
	t.Parallel()
	var thousand []time.Duration
	for i := 1; i <= 1000; i++ {
		thousand = append(thousand, time.Duration(i)*time.Millisecond)
	}
	ten := thousand[:10] // 1..10 ms
	tests := []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one sample", []time.Duration{7}, 0.99, 7},
		{"median of ten", ten, 0.5, 5 * time.Millisecond},
		{"rank rounds up", ten, 0.51, 6 * time.Millisecond},
		{"p90 of ten", ten, 0.9, 9 * time.Millisecond},
		{"p99 of ten is the max", ten, 0.99, 10 * time.Millisecond},
		{"p29 of a hundred, q*n not exact in floating point", thousand[:100], 0.29, 29 * time.Millisecond},
		{"p99 of a thousand", thousand, 0.99, 990 * time.Millisecond},
		{"p99.9 of a thousand", thousand, 0.999, 999 * time.Millisecond},
		{"q 1", thousand, 1, time.Second},
		{"q above 1", thousand, 2, time.Second},
		{"q 0", thousand, 0, time.Millisecond},
		{"q NaN", thousand, math.NaN(), time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := NearestRank(tt.sorted, tt.q); got != tt.want {
				t.Errorf("NearestRank(%d samples, %v) = %v, want %v", len(tt.sorted), tt.q, got, tt.want)
			}
		})
	}
}
