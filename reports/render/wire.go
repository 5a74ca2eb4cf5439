package render

import (
	"fmt"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// wireText is one transport's wire figures for the generator's health
// line: per connection bytes, and the decode time per message.
func wireText(w reports.Wire) string {
	perMsg := time.Duration(0)
	if w.Messages > 0 {
		perMsg = w.Decode / time.Duration(w.Messages)
	}
	s := fmt.Sprintf("%d conns, %s in / %s out, %d messages, decode %s (%s per message)",
		w.Connections, fmtBytes(w.BytesIn), fmtBytes(w.BytesOut), w.Messages, FormatDuration(w.Decode), fmtSmall(perMsg))
	if w.OOB > 0 {
		s += fmt.Sprintf(", %d out-of-band", w.OOB)
	}
	if w.Malformed > 0 {
		s += fmt.Sprintf(", %d malformed", w.Malformed)
	}
	return s
}

// fmtSmall prints a duration that may be below a microsecond, in ns then.
func fmtSmall(d time.Duration) string {
	if d > 0 && d < time.Microsecond {
		return fmt.Sprintf("%dns", d.Nanoseconds())
	}
	return FormatDuration(d)
}

// fmtBytes prints a byte count in B, KiB, MiB or GiB.
func fmtBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
}
