package telnet

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// recorder records events, copying their data and merging adjacent data
// events on the fly.
type recorder struct {
	evs []Event
}

func (r *recorder) emit(e Event) {
	if e.Kind == EventData {
		if len(e.Data) == 0 {
			return
		}
		if n := len(r.evs); n > 0 && r.evs[n-1].Kind == EventData {
			r.evs[n-1].Data = append(r.evs[n-1].Data, e.Data...)
			return
		}
	}
	if e.Data != nil {
		e.Data = bytes.Clone(e.Data)
	}
	r.evs = append(r.evs, e)
}

// collect returns an emit function appending copies of the events to *evs.
func collect(evs *[]Event) func(Event) {
	return func(e Event) {
		if e.Data != nil {
			e.Data = bytes.Clone(e.Data)
		}
		*evs = append(*evs, e)
	}
}

// merge concatenates adjacent data events and drops empty ones.
func merge(evs []Event) []Event {
	var out []Event
	for _, e := range evs {
		if e.Kind == EventData {
			if len(e.Data) == 0 {
				continue
			}
			if n := len(out); n > 0 && out[n-1].Kind == EventData {
				out[n-1].Data = append(out[n-1].Data, e.Data...)
				continue
			}
			e.Data = bytes.Clone(e.Data)
		}
		out = append(out, e)
	}
	return out
}

// decodeChunks feeds chunks to a Decoder with the given MaxSubneg and
// returns the merged events.
func decodeChunks(maxSubneg int, chunks ...[]byte) []Event {
	d := Decoder{MaxSubneg: maxSubneg}
	var r recorder
	for _, c := range chunks {
		d.Decode(c, r.emit)
	}
	return r.evs
}

func sameEvent(a, b Event) bool {
	return a.Kind == b.Kind && a.Verb == b.Verb && a.Cmd == b.Cmd && a.Opt == b.Opt &&
		bytes.Equal(a.Data, b.Data) && errors.Is(a.Err, b.Err) && errors.Is(b.Err, a.Err)
}

func sameEvents(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameEvent(a[i], b[i]) {
			return false
		}
	}
	return true
}

func formatEvents(evs []Event) string {
	parts := make([]string, len(evs))
	for i, e := range evs {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// split cuts in into chunks whose lengths come from sizes (each byte is a
// length, 0 meaning an empty chunk); the rest of in is the last chunk.
func split(in, sizes []byte) [][]byte {
	var chunks [][]byte
	for _, s := range sizes {
		n := min(int(s), len(in))
		chunks = append(chunks, in[:n])
		in = in[n:]
	}
	return append(chunks, in)
}

// bytewise cuts in into one-byte chunks.
func bytewise(in []byte) [][]byte {
	chunks := make([][]byte, len(in))
	for i := range in {
		chunks[i] = in[i : i+1]
	}
	return chunks
}

type line struct {
	text     string
	overflow bool
}

func (l line) String() string { return fmt.Sprintf("%q/%t", l.text, l.overflow) }

// writeChunks feeds chunks to a LineBuffer with the given Max and returns
// the lines and the final Pending.
func writeChunks(maxLine int, chunks ...[]byte) ([]line, int) {
	b := LineBuffer{Max: maxLine}
	var lines []line
	for _, c := range chunks {
		b.Write(c, func(l []byte, overflow bool) {
			lines = append(lines, line{string(l), overflow})
		})
	}
	return lines, b.Pending()
}

// maxFuzzInput bounds the input the fuzz targets look at (they truncate
// longer inputs, without a branch, so that a long input is never
// "interesting" for its length alone). The state machines under test have
// a handful of states, so longer inputs find nothing new, while they make
// the fuzzer's quadratic minimization of every new interesting input take
// most of the fuzzing time.
const maxFuzzInput = 256
