package procstack

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// Machine is what /proc/stat says of the whole machine: the CPU time of
// all its cores since boot, split as the run's machine-load figures need
// it, and how many tasks are runnable now.
type Machine struct {
	// Total is the time of all cores, busy or not (every field of the
	// "cpu" line but guest and guest_nice, which user and nice already
	// count).
	Total time.Duration
	// Busy is the time the cores ran tasks: user, nice and system (not
	// idle, iowait or steal, and not irq and softirq: with the kernel's
	// IRQ time accounting the network work of the run's own sockets is
	// charged there, not to its processes, and would look like another
	// process's).
	Busy time.Duration
	// Steal is the time a hypervisor gave this machine's virtual cores to
	// other guests (0 where the kernel does not report it).
	Steal time.Duration
	// Running is the number of runnable tasks, running or waiting for a
	// core (procs_running), the reader's own thread included.
	Running int
}

// ReadMachine reads the Machine figures from /proc/stat; ErrNoProc
// where there is no /proc.
func ReadMachine() (Machine, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Machine{}, ErrNoProc
		}
		return Machine{}, fmt.Errorf("machine stat: %w", err)
	}
	return parseMachine(b)
}

// parseMachine reads the "cpu" and "procs_running" lines of /proc/stat:
// "cpu user nice system idle iowait irq softirq steal guest guest_nice"
// in clock ticks (older kernels stop after fewer fields; at least the
// first four are needed), and "procs_running N".
func parseMachine(b []byte) (Machine, error) {
	var m Machine
	var sawCPU, sawRunning bool
	for line := range bytes.Lines(b) {
		f := bytes.Fields(line)
		if len(f) == 0 {
			continue
		}
		switch string(f[0]) {
		case "cpu":
			var ticks [8]uint64 // user nice system idle iowait irq softirq steal
			if len(f) < 5 {
				return Machine{}, fmt.Errorf("machine stat: the cpu line has %d fields, want at least 4 counters", len(f))
			}
			for i := range ticks {
				if i+1 >= len(f) {
					break
				}
				v, err := strconv.ParseUint(string(f[i+1]), 10, 64)
				if err != nil {
					return Machine{}, fmt.Errorf("machine stat: cpu field %d: %w", i+1, err)
				}
				ticks[i] = v
			}
			var total uint64
			for _, v := range ticks {
				total += v
			}
			busy := ticks[0] + ticks[1] + ticks[2]
			m.Total = time.Duration(total) * clockTick
			m.Busy = time.Duration(busy) * clockTick
			m.Steal = time.Duration(ticks[7]) * clockTick
			sawCPU = true
		case "procs_running":
			if len(f) < 2 {
				return Machine{}, errors.New("machine stat: procs_running has no value")
			}
			n, err := strconv.Atoi(string(f[1]))
			if err != nil || n < 0 {
				return Machine{}, fmt.Errorf("machine stat: procs_running %q is not a count", f[1])
			}
			m.Running = n
			sawRunning = true
		}
	}
	if !sawCPU || !sawRunning {
		return Machine{}, errors.New("machine stat: no cpu or procs_running line")
	}
	return m, nil
}
