package testutil

import (
	"context"
	"regexp"
	"testing"
	"time"
)

// tinyMUXWelcome is a line of TinyMUX's welcome screen.
var tinyMUXWelcome = regexp.MustCompile(`"connect <name> <password>" connects you`)

// TestTinyMUXStartsAndStops starts the stock TinyMUX with the harness
// and talks to it: the specs of scenarios/targets rely on this.
func TestTinyMUXStartsAndStops(t *testing.T) {
	t.Parallel()
	scripts := NeedTinyMUX(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := StartTinyMUX(ctx, scripts, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	c, err := DialTelnet(m.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Expect(tinyMUXWelcome, 10*time.Second); err != nil {
		t.Fatalf("no welcome screen: %v", err)
	}
	if err := m.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitClosed(30 * time.Second); err != nil {
		t.Errorf("the connection outlived the server: %v", err)
	}
}
