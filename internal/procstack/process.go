package procstack

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"time"
)

// Process is a child process: a target's portal, game server, relay or
// echo. Its stdout is read line by line (see [Process.Await]); its
// stderr goes to the writer given to [StartProcess], and its last
// [DefaultTailSize] bytes are kept for errors (see [Process.Stderr]).
// Closing its stdin tells a child that watches it (the floor's echo)
// that the parent is gone.
type Process struct {
	// Name names it in errors and reports ("portalsim portal").
	Name string

	cmd   *exec.Cmd
	stdin io.WriteCloser
	tail  *TailBuffer
	lines chan string   // stdout lines, until it closes
	exit  chan struct{} // closed when the process has ended
	err   error         // its Wait error, set before exit is closed

	stopOnce sync.Once
	stopErr  error
}

// StartProcess starts exe with args (and env added to this process's
// environment), its stderr to stderr (nil: only the tail is kept). The
// child is killed when this process ends (SIGKILL on the parent's death,
// Linux only).
func StartProcess(name, exe string, args, env []string, stderr io.Writer) (*Process, error) {
	cmd := Command(exe, args, env)
	tail := &TailBuffer{Max: DefaultTailSize}
	cmd.Stderr = tail
	if stderr != nil {
		cmd.Stderr = io.MultiWriter(tail, stderr)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, cmd: cmd, stdin: stdin, tail: tail, lines: make(chan string, 64), exit: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			default: // nobody awaits: the line is not needed
			}
		}
		_, _ = io.Copy(io.Discard, out) // a line too long for the scanner
		close(p.lines)
		p.err = cmd.Wait()
		close(p.exit)
	}()
	return p, nil
}

// Command is exe with args (and env added to this process's
// environment) as a child that is killed when this process ends
// (SIGKILL on the parent's death, Linux only), for a caller that wires
// its standard streams itself (the shards of "portalsim run -procs");
// [StartProcess] starts its children with it.
func Command(exe string, args, env []string) *exec.Cmd {
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = sysProcAttr()
	return cmd
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited is closed when the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.exit }

// Stderr is the tail of what the process wrote to its stderr so far.
func (p *Process) Stderr() string { return p.tail.String() }

// Await reads stdout lines until one matches re and returns its
// submatches; it fails when the process ends, ctx is done or timeout
// passes first.
func (p *Process) Await(ctx context.Context, re *regexp.Regexp, timeout time.Duration) ([]string, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	var seen []string
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				<-p.exit
				return nil, fmt.Errorf("%s ended (%v) before printing /%s/; it printed %q; stderr: %s", p.Name, p.err, re, seen, p.Stderr())
			}
			if m := re.FindStringSubmatch(l); m != nil {
				return m, nil
			}
			if len(seen) < 20 {
				seen = append(seen, l)
			}
		case <-t.C:
			return nil, fmt.Errorf("%s printed no /%s/ in %v; it printed %q; stderr: %s", p.Name, re, timeout, seen, p.Stderr())
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Stop ends the process: stdin closed and an interrupt, then a kill
// after grace. It waits for the process and is idempotent. A process
// that ends with an error (a non-zero exit status), by itself before
// Stop or on the interrupt, returns it with its stderr's tail; one ended
// by a signal (the interrupt unhandled, or the kill) returns nil.
func (p *Process) Stop(grace time.Duration) error {
	p.stopOnce.Do(func() {
		select {
		case <-p.exit:
			p.stopErr = p.exitErr()
			return
		default:
		}
		_ = p.stdin.Close()
		_ = p.cmd.Process.Signal(os.Interrupt)
		t := time.NewTimer(grace)
		defer t.Stop()
		select {
		case <-p.exit:
			p.stopErr = p.exitErr()
		case <-t.C:
			_ = p.cmd.Process.Kill()
			<-p.exit
		}
	})
	return p.stopErr
}

// exitErr is the process's own failure, if it ended by itself with one.
func (p *Process) exitErr() error {
	if p.err == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) && ee.ExitCode() == -1 {
		return nil // a signal ended it
	}
	return fmt.Errorf("%s: %w: %s", p.Name, p.err, p.Stderr())
}
