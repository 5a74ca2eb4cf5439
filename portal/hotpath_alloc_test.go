package portal

import (
	"testing"

	"github.com/portalsim/portalsim/internal/link"
)

// TestSteadyPathAllocations pins what one command and its answer
// allocate in the portal (the benchmarks of handler_bench_test.go), so
// that an allocation added to the steady path fails here:
//
//   - relaying a command (Handler.DataIn, encoded onto the link, kept
//     and acknowledged): nothing;
//   - reading it from a telnet client: its text, the text's box in an
//     any, and the command with its argument list (link.TextData);
//   - dispatching the answer (text and prompt) to a telnet session: the
//     two encodings the outbox keeps until the writer has written them;
//   - and reading that answer off the link: four more (see
//     link.TestHotMessagesAllocate).
//
// Not parallel: testing.AllocsPerRun refuses to run in a parallel test.
func TestSteadyPathAllocations(t *testing.T) {
	st := newBenchStack(t)
	cmds := link.TextData("dummyrunner_echo_response 1f3a9c")
	line := []byte(benchCommand)
	answer := benchAnswer(st.s.Sessid())
	frame := st.answerFrame(t)
	for _, tc := range []struct {
		name string
		want float64
		op   func()
	}{
		{name: "DataIn", want: 0, op: func() { st.s.DataIn(cmds...); st.ack() }},
		{name: "telnet input", want: 3, op: func() { st.input(line) }},
		{name: "DataOut", want: 2, op: func() { st.p.h.DataOut(answer.Sessid, answer.Data); st.drain(t) }},
		{name: "server frame", want: 6, op: func() { st.answer(t, frame) }},
	} {
		if got := testing.AllocsPerRun(200, tc.op); got != tc.want {
			t.Errorf("%s: %v allocations, want %v", tc.name, got, tc.want)
		}
	}
	if got := st.p.h.Stats(); got.Inputs < 400 || got.Outputs < 800 || got.RateDropped+got.HoldDropped+got.OutputUnknown != 0 {
		t.Errorf("stats %+v: the inputs and outputs did not all go through", got)
	}
}
