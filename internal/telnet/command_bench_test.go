package telnet

import "testing"

// The steady path of one player command and its answer, as a door uses
// this package: one socket read holding one line, decoded into events
// whose data goes through a LineBuffer; the answer (a room description
// and a prompt) escaped for the wire and ended with IAC GA. The 4 KiB
// benchmarks (BenchmarkDecode, BenchmarkLineBuffer,
// BenchmarkAppendEscaped) measure the same code on bulk data.

// lineReader is a door's reader: a Decoder whose data events feed a
// LineBuffer, through method values as the portal's telnet reader has.
type lineReader struct {
	dec   Decoder
	lines LineBuffer
	n     int
}

func (r *lineReader) event(e Event) {
	if e.Kind == EventData {
		r.lines.Write(e.Data, r.line)
	}
}

func (r *lineReader) line(l []byte, _ bool) { r.n += len(l) }

// commandLine is one line of the echo probe the load tests send.
var commandLine = []byte("dummyrunner_echo_response 1f3a9c\r\n")

// answerText and answerPrompt are the server's answer to one command.
var (
	answerText   = []byte("Limbo\nThe void between the worlds. Exits: north, south.\n")
	answerPrompt = []byte("> ")
)

// BenchmarkCommandLine: one op is one socket read holding one command
// line, decoded and split into its line.
func BenchmarkCommandLine(b *testing.B) {
	var r lineReader
	b.SetBytes(int64(len(commandLine)))
	b.ReportAllocs()
	for b.Loop() {
		r.dec.Decode(commandLine, r.event)
	}
}

// BenchmarkAnswerEscape: one op is one answer, text and prompt, escaped
// for the wire into a reused buffer, the prompt ended with IAC GA.
func BenchmarkAnswerEscape(b *testing.B) {
	dst := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendEscaped(dst[:0], answerText)
		dst = AppendCommand(AppendEscaped(dst, answerPrompt), GA)
	}
	b.SetBytes(int64(len(dst)))
}

// TestCommandPathDoesNotAllocate pins BenchmarkCommandLine and
// BenchmarkAnswerEscape at zero allocations. Not parallel:
// testing.AllocsPerRun refuses to run in a parallel test.
func TestCommandPathDoesNotAllocate(t *testing.T) {
	var r lineReader
	dst := make([]byte, 0, 256)
	got := testing.AllocsPerRun(100, func() {
		r.dec.Decode(commandLine, r.event)
		dst = AppendEscaped(dst[:0], answerText)
		dst = AppendCommand(AppendEscaped(dst, answerPrompt), GA)
	})
	if got != 0 {
		t.Errorf("%v allocations per command and answer, want 0", got)
	}
	if want := len("dummyrunner_echo_response 1f3a9c") * 101; r.n != want {
		t.Errorf("read %d bytes of lines, want %d", r.n, want)
	}
}
