package restart_test

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
	"golang.org/x/sync/errgroup"

	"github.com/portalsim/portalsim/internal/testutil"
)

const (
	players = 100
	wait    = 20 * time.Second
)

var portalLine = regexp.MustCompile(`telnet (\S+), .*link (\S+)`)

// start runs the binary with args and returns its session.
func start(args ...string) *gexec.Session {
	s, err := gexec.Start(exec.Command(binary, args...), GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	return s
}

// loggedIn connects n players and logs each in, in parallel.
func loggedIn(telnet string, n int) []*testutil.TelnetClient {
	clients := make([]*testutil.TelnetClient, n)
	var g errgroup.Group
	g.SetLimit(25)
	for i := range n {
		g.Go(func() error {
			c, err := testutil.DialTelnet(telnet)
			if err != nil {
				return err
			}
			clients[i] = c
			if _, err := c.ReadPrompt(wait); err != nil {
				return err
			}
			name := fmt.Sprintf("player%03d", i)
			for _, cmd := range []string{"create " + name + " pw" + name, "connect " + name + " pw" + name} {
				if _, err := c.Command(cmd, wait); err != nil {
					return fmt.Errorf("%s: %q: %w", name, cmd, err)
				}
			}
			_, err = c.Command("dig/tel room_"+name+" = in, out", wait)
			return err
		})
	}
	Expect(g.Wait()).To(Succeed())
	DeferCleanup(func() {
		for _, c := range clients {
			if c != nil {
				c.Close()
			}
		}
	})
	return clients
}

// answersInOrder reads the answers to the commands sent during the restart.
func answersInOrder(c *testutil.TelnetClient, i int) error {
	want := []string{fmt.Sprintf("dummyrunner_echo_response:during-%d,", i), fmt.Sprintf("room_player%03d", i)}
	for _, w := range want {
		out, err := c.ReadPrompt(wait)
		if err != nil {
			return fmt.Errorf("player %d: %w", i, err)
		}
		if !strings.Contains(out, w) {
			return fmt.Errorf("player %d: got %q, want %q", i, out, w)
		}
	}
	return nil
}

var _ = Describe("Game server restart with separate processes", Label("restart", "process"), Ordered, func() {
	var (
		telnet, linkAddr, data string
		portal, server         *gexec.Session
		clients                []*testutil.TelnetClient
	)

	BeforeAll(func() {
		data = filepath.Join(GinkgoT().TempDir(), "world.jsonl")
		portal = start("portal", "-telnet", "127.0.0.1:0", "-web", "127.0.0.1:0", "-websocket", "127.0.0.1:0", "-telnet-tls", "127.0.0.1:0", "-ssh", "127.0.0.1:0", "-link", "127.0.0.1:0", "-max-connection-rate", "0")
		DeferCleanup(func() { portal.Interrupt().Wait(wait) })
		Eventually(portal.Out, wait).Should(gbytes.Say(`telnet \S+, .*link \S+`))
		m := portalLine.FindStringSubmatch(string(portal.Out.Contents()))
		telnet, linkAddr = m[1], m[2]
		server = start("server", "-portal", linkAddr, "-data", data, "-load-test", "-login-delay", "0")
		DeferCleanup(func() { server.Interrupt().Wait(wait) })
		clients = loggedIn(telnet, players)
	})

	It("keeps 100 logged-in players connected through a kill -9 and a new process, answering what they typed meanwhile", func() {
		server.Kill().Wait(wait)
		Expect(server.ExitCode()).To(Equal(128 + int(syscall.SIGKILL)))

		// Typed while no game server exists.
		for i, c := range clients {
			Expect(c.Send(fmt.Sprintf("dummyrunner_echo_response during-%d", i))).To(Succeed())
			Expect(c.Send("look")).To(Succeed())
		}
		server = start("server", "-portal", linkAddr, "-data", data, "-load-test", "-login-delay", "0")

		var g errgroup.Group
		for i, c := range clients {
			g.Go(func() error { return answersInOrder(c, i) })
		}
		Expect(g.Wait()).To(Succeed())
		for i, c := range clients {
			Expect(c.Closed()).To(BeFalse(), "player %d was disconnected", i)
			out, err := c.Command("look", wait)
			Expect(err).NotTo(HaveOccurred())
			Expect(out).To(ContainSubstring(fmt.Sprintf("room_player%03d", i)), "player %d is no longer logged in where it was", i)
		}
	})

	It("keeps them through a SIGHUP reload, which re-executes the server in place", func() {
		pid := server.Command.Process.Pid
		server.Signal(syscall.SIGHUP)
		for i, c := range clients {
			_, err := c.Expect(regexp.MustCompile(`Server restarted`), wait)
			Expect(err).NotTo(HaveOccurred(), "player %d", i)
		}
		Expect(server.Command.Process.Pid).To(Equal(pid))
		Consistently(server.Exited, 100*time.Millisecond).ShouldNot(BeClosed())
		for i, c := range clients {
			out, err := c.Command("look", wait)
			Expect(err).NotTo(HaveOccurred())
			Expect(out).To(ContainSubstring(fmt.Sprintf("room_player%03d", i)))
		}
	})
})
