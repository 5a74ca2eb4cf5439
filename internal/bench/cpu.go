package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTick is the unit of /proc/PID/stat's utime and stime: USER_HZ,
// which Linux fixes at 100 for user space whatever the kernel's HZ.
const clockTick = 10 * time.Millisecond

// errNoProc says /proc is not there to read (not Linux): no CPU figures.
var errNoProc = errors.New("no /proc: CPU time is read on Linux only")

// ProcessCPU returns the CPU time (user + system, all its threads) the
// process pid has used so far, from /proc/PID/stat.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		if _, serr := os.Stat("/proc/self/stat"); serr != nil {
			return 0, errNoProc
		}
		return 0, fmt.Errorf("cpu of pid %d: %w", pid, err)
	}
	ticks, err := parseStat(b)
	if err != nil {
		return 0, fmt.Errorf("cpu of pid %d: %w", pid, err)
	}
	return time.Duration(ticks) * clockTick, nil
}

// CPU returns the summed CPU time of pids (see ProcessCPU).
func CPU(pids []int) (time.Duration, error) {
	var sum time.Duration
	for _, pid := range pids {
		d, err := ProcessCPU(pid)
		if err != nil {
			return 0, err
		}
		sum += d
	}
	return sum, nil
}

// parseStat returns utime + stime, in clock ticks, from the contents of
// /proc/PID/stat: "pid (comm) state ppid ..." with utime and stime the
// 14th and 15th fields. comm may hold spaces and parentheses, so the
// fields are counted from its last ')'.
func parseStat(b []byte) (uint64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("stat: no ')' after the command name")
	}
	fields := bytes.Fields(b[i+1:]) // fields[0] is the 3rd field, state
	const utime = 14 - 3
	if len(fields) <= utime+1 {
		return 0, fmt.Errorf("stat: %d fields after the command name, want at least %d", len(fields), utime+2)
	}
	u, err := strconv.ParseUint(string(fields[utime]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stat: utime: %w", err)
	}
	s, err := strconv.ParseUint(string(fields[utime+1]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("stat: stime: %w", err)
	}
	return u + s, nil
}
