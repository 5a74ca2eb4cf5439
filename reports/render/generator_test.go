package render

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/reports"
)

// TestTextGeneratorCost: the text report shows the generator's memory
// per client and CPU per command when the report has them, and nothing
// of the kind for a report written before they were recorded.
func TestTextGeneratorCost(t *testing.T) {
	t.Parallel()
	old := readReport(t, "sample.json")
	var text bytes.Buffer
	if err := Text(&text, old); err != nil {
		t.Fatal(err)
	}
	if s := text.String(); strings.Contains(s, "per client") || strings.Contains(s, "per command") {
		t.Errorf("a report without the generator's cost shows one:\n%s", s)
	}

	r := readReport(t, "sample.json")
	sent := r.Totals().Sent
	r.Generator.CPUTime = time.Duration(sent) * 250 * time.Microsecond
	r.Generator.Memory = reports.GeneratorMemory{Clients: 1000, RSS: 60 << 20, BaseRSS: 20 << 20, Heap: 30 << 20, BaseHeap: 10 << 20,
		Stacks: 9 << 20, BaseStacks: 1 << 20}
	text.Reset()
	if err := Text(&text, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"memory per client 41.0 KiB RSS, 20.5 KiB heap, 8.2 KiB stacks (1000 clients: RSS 60.0 MiB, heap 30.0 MiB; before any: 20.0 MiB, 10.0 MiB)",
		"CPU 250µs per command",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
}
