package render

import (
	"testing"

	"github.com/portalsim/portalsim/reports"
)

func TestTopFailuresText(t *testing.T) {
	t.Parallel()
	c := &reports.Checks{Passed: 6, Failed: map[string]int64{"b": 2, "a": 2, "c": 5, "d": 1}}
	if got, want := topFailuresText(c, safeText), "c ×5; a ×2; b ×2; 1 more"; got != want {
		t.Errorf("topFailuresText = %q, want %q", got, want)
	}
}
