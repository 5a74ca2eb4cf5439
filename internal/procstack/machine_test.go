package procstack

import (
	"runtime"
	"testing"
	"time"
)

func TestParseMachine(t *testing.T) {
	const stat = "cpu  15734 10 6420 41906 392 5 290 7 100 0\n" +
		"cpu0 6293 0 2807 23103 25 0 130 0 0 0\n" +
		"intr 1 2 3\nctxt 99\nprocs_running 3\nprocs_blocked 1\n"
	m, err := parseMachine([]byte(stat))
	if err != nil {
		t.Fatal(err)
	}
	tick := 10 * time.Millisecond
	want := Machine{
		Total:   (15734 + 10 + 6420 + 41906 + 392 + 5 + 290 + 7) * tick, // guest is in user already
		Busy:    (15734 + 10 + 6420) * tick,                             // not irq and softirq
		Steal:   7 * tick,
		Running: 3,
	}
	if m != want {
		t.Errorf("parseMachine = %+v, want %+v", m, want)
	}
}

func TestParseMachineOldKernel(t *testing.T) {
	m, err := parseMachine([]byte("cpu 1 2 3 4\nprocs_running 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Total != 100*time.Millisecond || m.Busy != 60*time.Millisecond || m.Steal != 0 {
		t.Errorf("parseMachine = %+v", m)
	}
}

func TestParseMachineRefusesBadInput(t *testing.T) {
	for _, in := range []string{
		"",
		"cpu 1 2 3\nprocs_running 1\n",   // too few counters
		"cpu 1 2 x 4\nprocs_running 1\n", // not a number
		"cpu 1 2 3 4\n",                  // no procs_running
		"procs_running 1\n",              // no cpu line
		"cpu 1 2 3 4\nprocs_running -1\n",
		"cpu 1 2 3 4\nprocs_running\n",
	} {
		if m, err := parseMachine([]byte(in)); err == nil {
			t.Errorf("parseMachine(%q) = %+v, want an error", in, m)
		}
	}
}

func TestReadMachine(t *testing.T) {
	m, err := ReadMachine()
	if err == ErrNoProc && runtime.GOOS != "linux" {
		t.Skip("no /proc on " + runtime.GOOS)
	}
	if err != nil {
		t.Fatal(err)
	}
	if m.Total <= 0 || m.Busy > m.Total || m.Running < 1 {
		t.Errorf("ReadMachine = %+v: want a positive total, busy within it, and this test running", m)
	}
}
