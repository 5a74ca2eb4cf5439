package testutil

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// transcript is what a scripted client has received and not yet
// consumed, as text, and how its connection ended; tests wait on it.
type transcript struct {
	mu   sync.Mutex
	cond *sync.Cond
	buf  strings.Builder // received text not yet consumed
	err  error           // read error; the connection is gone
}

func (c *transcript) init() { c.cond = sync.NewCond(&c.mu) }

// add appends received text and wakes the waiters.
func (c *transcript) add(s string) {
	c.mu.Lock()
	c.buf.WriteString(s)
	c.cond.Broadcast()
	c.mu.Unlock()
}

// fail records that the connection ended with err.
func (c *transcript) fail(err error) {
	c.mu.Lock()
	c.err = err
	c.cond.Broadcast()
	c.mu.Unlock()
}

// Expect waits until the received text matches re, and consumes the text
// up to the end of the match, which it returns.
func (c *transcript) Expect(re *regexp.Regexp, timeout time.Duration) (string, error) {
	return c.wait(timeout, func(s string) int {
		if loc := re.FindStringIndex(s); loc != nil {
			return loc[1]
		}
		return -1
	}, re.String())
}

// ReadPrompt waits for the next end-of-output marker and returns the text before it, consumed.
func (c *transcript) ReadPrompt(timeout time.Duration) (string, error) {
	out, err := c.wait(timeout, func(s string) int {
		if i := strings.Index(s, PromptMark); i >= 0 {
			return i + len(PromptMark)
		}
		return -1
	}, "a prompt")
	return strings.TrimSuffix(out, PromptMark), err
}

// Pending returns the received text not yet consumed.
func (c *transcript) Pending() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

// Closed reports whether the server closed the connection (or it failed).
func (c *transcript) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err != nil
}

// WaitClosed waits until the server closes the connection.
func (c *transcript) WaitClosed(timeout time.Duration) error {
	_, err := c.wait(timeout, func(string) int { return -1 }, "the connection to close")
	if c.Closed() {
		return nil
	}
	return err
}

func (c *transcript) wait(timeout time.Duration, match func(string) int, what string) (string, error) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		c.mu.Lock()
		c.cond.Broadcast()
		c.mu.Unlock()
	})
	defer timer.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		s := c.buf.String()
		if i := match(s); i >= 0 {
			c.buf.Reset()
			c.buf.WriteString(s[i:])
			return s[:i], nil
		}
		if c.err != nil {
			return s, fmt.Errorf("waiting for %s: connection closed (%w); received %q", what, c.err, s)
		}
		if !time.Now().Before(deadline) {
			return s, fmt.Errorf("waiting for %s: %w; received %q", what, ErrTimeout, s)
		}
		c.cond.Wait()
	}
}
