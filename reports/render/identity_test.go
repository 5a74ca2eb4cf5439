package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/portalsim/portalsim/reports/reportstest"
)

func TestShowInterrupted(t *testing.T) {
	t.Parallel()
	for _, interrupted := range []bool{false, true} {
		r := reportstest.Small(3)
		r.Meta.Interrupted = interrupted
		var text, md bytes.Buffer
		if err := Text(&text, r); err != nil {
			t.Fatal(err)
		}
		if err := Markdown(&md, r); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(text.String(), "INTERRUPTED: the run was stopped before its planned end"); got != interrupted {
			t.Errorf("interrupted %v: text says INTERRUPTED: %v\n%s", interrupted, got, text.String())
		}
		if got := strings.Contains(md.String(), "**INTERRUPTED**"); got != interrupted {
			t.Errorf("interrupted %v: markdown says INTERRUPTED: %v", interrupted, got)
		}
	}
}
