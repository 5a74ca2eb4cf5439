package main

import (
	"bufio"
	"context"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal/ircbot"
)

// "portalsim portal" starts Evennia's IRC bot when its game server asks
// (SCONN with Evennia's factory name): the bot dials the IRC server.
func TestPortalStartsIRCBot(t *testing.T) {
	t.Parallel()
	irc, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer irc.Close()
	secretFile := filepath.Join(t.TempDir(), "secret")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWriter{}
	done := make(chan error, 1)
	go func() {
		args := append(append([]string{"portal"}, randomPorts...), "-link", "127.0.0.1:0", "-log-level", "warn", "-link-secret-file", secretFile)
		done <- run(ctx, args, out, out)
	}()
	m := out.await(t, regexp.MustCompile(`link (\S+)\n`))
	secret, err := link.ReadSecretFile(secretFile)
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	game, err := testutil.DialFakeServer(wctx, m[1], testutil.FakeServerConfig{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer game.Close()
	_, port, _ := net.SplitHostPort(irc.Addr().String())
	if err := game.Send(link.Message{Op: link.OpServerConnect, Protocol: ircbot.Name, Config: map[string]any{
		"uid": 1, "botname": "evbot", "channel": "#ev", "network": "127.0.0.1", "port": port, "ssl": false,
	}}); err != nil {
		t.Fatal(err)
	}
	_ = irc.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	nc, err := irc.Accept()
	if err != nil {
		t.Fatalf("the bot did not connect: %v\n%s", err, out.String())
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if line, err := bufio.NewReader(nc).ReadString('\n'); err != nil || strings.TrimSpace(line) != "NICK evbot" {
		t.Fatalf("the bot said %q (%v), want NICK evbot", line, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("portal: %v", err)
	}
}
