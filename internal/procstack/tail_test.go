package procstack

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestTailBufferKeepsTheTail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		max    int
		writes []string
		want   string
	}{
		{"under the limit", 10, []string{"ab", "cd"}, "abcd"},
		{"cut to the last bytes", 4, []string{"abc", "defg"}, "defg"},
		{"one write past the limit", 3, []string{"abcdef"}, "def"},
		{"no limit", 0, []string{"abc", "def"}, "abcdef"},
		{"space trimmed", 10, []string{"\n ok \n"}, "ok"},
		{"a rune cut in half dropped", 2, []string{"xé!"}, "!"}, // é is 2 bytes; the tail keeps its second
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &TailBuffer{Max: tt.max}
			for _, w := range tt.writes {
				if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if got := b.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTailBufferConcurrentWrites(t *testing.T) {
	t.Parallel()
	b := &TailBuffer{Max: 64}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				fmt.Fprintf(b, "%d-%d\n", i, j)
			}
		})
	}
	wg.Wait()
	if got := b.String(); len(got) > 64 || !strings.Contains(got, "-99") {
		t.Errorf("tail %q: want at most 64 bytes ending with a last write", got)
	}
}
