package targets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DirEnv names the directory of the third-party load-test targets
// (its tinymux/ and evennia/ scripts) when it is not ../shared/targets
// beside the repository.
const DirEnv = "PORTALSIM_TARGETS"

// Dir returns the directory of the third-party targets' scripts:
// $PORTALSIM_TARGETS, or ../shared/targets from the repository's root
// (the directory of go.mod, found from the working directory up), as
// .ci/run finds it.
func Dir() (string, error) {
	if d := os.Getenv(DirEnv); d != "" {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return "", fmt.Errorf("$%s=%s is not a directory", DirEnv, d)
		}
		return filepath.Abs(d)
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	d := filepath.Join(filepath.Dir(root), "shared", "targets")
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		return "", fmt.Errorf("no third-party targets at %s (the shared directory beside the repository; or set $%s)", d, DirEnv)
	}
	return d, nil
}

// repoRoot returns the nearest directory from the working directory up
// that holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = up
	}
}

// StartAttempts bounds a target's start attempts when another program
// takes a port between the check ([FreePortBlock]) and the server's
// listen.
const StartAttempts = 3

// Port blocks are drawn from below Linux's ephemeral range (32768 up), so
// that no outgoing connection holds one of them.
const (
	portBlockLow  = 20000
	portBlockHigh = 32000
)

// FreePortBlock returns a port p such that p+off is free on 127.0.0.1
// for every off (a server that listens on several ports laid out from
// one, as Evennia's P, P+1, P+2, P+5, P+6). The ports are free when
// checked: the caller retries with another block when a server finds one
// taken meanwhile.
func FreePortBlock(offsets ...int) (int, error) {
	top := 0
	for _, off := range offsets {
		if off < 0 {
			return 0, fmt.Errorf("offset %d: want 0 or more", off)
		}
		top = max(top, off)
	}
	if top >= portBlockHigh-portBlockLow {
		return 0, fmt.Errorf("offsets up to %d do not fit a port block", top)
	}
	for range 200 {
		p := portBlockLow + rand.IntN(portBlockHigh-portBlockLow-top)
		if portsFree(p, offsets) {
			return p, nil
		}
	}
	return 0, errors.New("no free block of ports on 127.0.0.1")
}

func portsFree(p int, offsets []int) bool {
	if len(offsets) == 0 {
		offsets = []int{0}
	}
	for _, off := range offsets {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p+off)))
		if err != nil {
			return false
		}
		_ = ln.Close()
	}
	return true
}

// ScriptError is a target script that failed: its command line and
// what it printed.
type ScriptError struct {
	// Script and Args are its command line.
	Script string
	Args   []string
	// Out is what it printed, stdout then stderr.
	Out string
	// Err is why it failed (an *exec.ExitError, or why it did not run).
	Err error
}

// Error names the script and shows the last 40 lines it printed.
func (e *ScriptError) Error() string {
	return fmt.Sprintf("%s %s: %v\n%s", e.Script, strings.Join(e.Args, " "), e.Err, tail(e.Out, 40))
}

// Unwrap returns Err.
func (e *ScriptError) Unwrap() error { return e.Err }

// RunScript runs one of the targets' scripts with env added to this
// process's environment, and returns its standard output; a failure is a
// *ScriptError with both outputs. The scripts start servers in their
// own sessions with their outputs redirected, so nothing they leave
// running holds the pipes open (WaitDelay bounds the wait if one did).
func RunScript(ctx context.Context, env []string, script string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, script, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = nil
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return stdout.String(), &ScriptError{Script: script, Args: args, Out: stdout.String() + stderr.String(), Err: err}
	}
	return stdout.String(), nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
