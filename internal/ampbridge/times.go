package ampbridge

import (
	"math"
	"time"
)

// timeToLink converts Python's time.time() float to a time.Time: whole
// seconds, then the fraction rounded to the nanosecond. Every float of
// an epoch time after 1970 comes back from [timeToPython] as the same
// float (its fraction's resolution, about 240 ns today, is far coarser
// than the nanosecond). 0 and what is no finite number give the zero
// time, which the link sends as "unset".
func timeToLink(f float64) time.Time {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}
	}
	sec := math.Floor(f)
	ns := math.Round((f - sec) * 1e9)
	return time.Unix(int64(sec), int64(ns)).UTC()
}

// timeToPython converts a time.Time to Python's time.time() float; the
// zero time gives 0.
func timeToPython(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}
