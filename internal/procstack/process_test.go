package procstack

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// parentEnv makes the test binary the parent of a pdeathsig test: it
// starts "sleep", prints its pid and waits to be killed.
const parentEnv = "PROCSTACK_TEST_PARENT"

func TestMain(m *testing.M) {
	if os.Getenv(parentEnv) == "1" {
		p, err := StartProcess("sleep", "sleep", []string{"60"}, nil, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(p.PID())
		<-p.Exited()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// script writes an executable shell script into dir and returns its path.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

var readyLine = regexp.MustCompile(`^ready (\d+)$`)

func TestProcessAwaitAndStop(t *testing.T) {
	t.Parallel()
	exe := script(t, t.TempDir(), "child", "echo noise; echo 'log line' >&2; echo \"ready $$\"; exec sleep 60\n")
	var stderr TailBuffer
	p, err := StartProcess("child", exe, nil, nil, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	m, err := p.Await(t.Context(), readyLine, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m[1], strconv.Itoa(p.PID()); got != want {
		t.Errorf("pid printed %s, PID() %s", got, want)
	}
	if err := p.Stop(5 * time.Second); err != nil {
		t.Errorf("Stop of a process ended by the interrupt: %v", err)
	}
	if err := p.Stop(5 * time.Second); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if got, want := p.Stderr(), "log line"; got != want {
		t.Errorf("Stderr() = %q, want %q", got, want)
	}
	if got := stderr.String(); got != "log line" {
		t.Errorf("the stderr writer got %q", got)
	}
}

// A process that fails before its line: Await says so with what it
// printed and the tail of its stderr, and Stop returns the failure.
func TestProcessFailureCarriesStderr(t *testing.T) {
	t.Parallel()
	exe := script(t, t.TempDir(), "fail", "echo starting; echo 'boom: no such door' >&2; exit 3\n")
	p, err := StartProcess("fail", exe, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Await(t.Context(), readyLine, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "starting") || !strings.Contains(err.Error(), "boom: no such door") {
		t.Errorf("Await = %v, want what it printed and its stderr", err)
	}
	err = p.Stop(time.Second)
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Stop = %v, want the exit status and the stderr", err)
	}
}

// A child outlives no parent killed outright: SIGKILL the parent, and
// its child (started with StartProcess) goes too.
func TestProcessDiesWithItsParent(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("Pdeathsig is Linux's")
	}
	parent := exec.Command(os.Args[0])
	parent.Env = append(os.Environ(), parentEnv+"=1")
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Fscan(out, &pid); err != nil {
		_ = parent.Process.Kill()
		t.Fatalf("the parent printed no pid: %v", err)
	}
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("child %d still runs 10 s after its parent was killed", pid)
		}
		time.Sleep(10 * time.Millisecond) // polling: no event tells this process of another's end
	}
}

// alive says whether pid runs (a zombie, ended but not yet reaped, does not).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(b), ')')
	return i < 0 || !strings.HasPrefix(strings.TrimSpace(string(b[i+1:])), "Z")
}
