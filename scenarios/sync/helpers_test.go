package sync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/link"
	"github.com/portalsim/portalsim/internal/telnet"
	"github.com/portalsim/portalsim/internal/testutil"
)

const (
	// wait bounds every wait for an answer or a state; generous, since
	// specs run in parallel under the race detector on small machines.
	wait = 20 * time.Second
	poll = 5 * time.Millisecond
)

// loginScreen matches the connection screen up to its prompt.
var loginScreen = testutil.LoginScreen

const restartedText = "Server restarted"

// startStack starts a portal (connect throttle off unless set) and a game
// server linked through a proxy, stopped when the spec ends.
func startStack(cfg testutil.ProxiedStackConfig) *testutil.ProxiedStack {
	GinkgoHelper()
	if cfg.Portal.MaxConnectionRate == 0 {
		cfg.Portal.MaxConnectionRate = -1
	}
	st, err := testutil.StartProxiedStack(cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(st.Close)
	return st
}

// expectTablesAgree waits until the portal's and the server's session
// tables agree field by field (see [testutil.SessionTablesAgree]).
func expectTablesAgree(ctx context.Context, st *testutil.ProxiedStack, where ...any) {
	GinkgoHelper()
	By("the portal's and the server's session tables agree")
	Eventually(ctx, func() error { return st.TablesAgree(ctx) }).
		WithTimeout(wait).WithPolling(poll).Should(Succeed(), where...)
}

// clients closes every client it was given when the spec ends; add may
// be called from any goroutine.
type clients struct {
	mu   sync.Mutex
	list []*testutil.TelnetClient
}

func newClients() *clients {
	cs := &clients{}
	DeferCleanup(cs.closeAll)
	return cs
}

func (cs *clients) add(c *testutil.TelnetClient) {
	cs.mu.Lock()
	cs.list = append(cs.list, c)
	cs.mu.Unlock()
}

func (cs *clients) all() []*testutil.TelnetClient {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]*testutil.TelnetClient(nil), cs.list...)
}

func (cs *clients) closeAll() {
	for _, c := range cs.all() {
		c.Close()
	}
}

// dial connects a telnet client, closed when the spec ends.
func (cs *clients) dial(addr string) (*testutil.TelnetClient, error) {
	c, err := testutil.DialTelnet(addr)
	if err != nil {
		return nil, err
	}
	cs.add(c)
	return c, nil
}

// echo is the dummyrunner's lag probe with a tag, a barrier: its answer
// comes after the answers to everything sent before it.
func echo(tag string) string { return "dummyrunner_echo_response " + tag }

// echoAnswer matches the answer to echo(tag), up to and including its prompt.
func echoAnswer(tag string) *regexp.Regexp {
	return regexp.MustCompile(`dummyrunner_echo_response:` + regexp.QuoteMeta(tag) + `,[^` + testutil.PromptMark + `]*` + testutil.PromptMark)
}

// answer sends cmd and then an echo barrier, and returns everything
// received up to the barrier's answer (so the answer to cmd, and
// whatever came unasked before it).
func answer(c *testutil.TelnetClient, cmd, tag string) (string, error) {
	if err := c.Send(cmd); err != nil {
		return "", err
	}
	if err := c.Send(echo(tag)); err != nil {
		return "", err
	}
	return c.Expect(echoAnswer(tag), wait)
}

// loginNew creates an account for name in the world and logs c in with it.
func loginNew(st *testutil.ProxiedStack, c *testutil.TelnetClient, name string) {
	GinkgoHelper()
	_, err := st.World.CreateAccount(name, "pw-"+name)
	Expect(err).NotTo(HaveOccurred())
	out, err := c.Command("connect "+name+" pw-"+name, wait)
	Expect(err).NotTo(HaveOccurred())
	Expect(out).To(ContainSubstring("You become "+name), "logging in %s", name)
}

// ssyncGate holds the next SSYNC the game server sends on its way to the
// portal, at a [testutil.LinkTap], until it is opened: the server's clean
// snapshot is then "in flight" for as long as the spec likes.
type ssyncGate struct {
	armed   atomic.Bool
	held    chan struct{} // closed when the SSYNC waits at the gate
	release chan struct{}
	once    sync.Once
}

func newSSYNCGate() *ssyncGate {
	return &ssyncGate{held: make(chan struct{}), release: make(chan struct{})}
}

// hold is the tap's Drop function: it never drops, it delays.
func (g *ssyncGate) hold(toServer bool, m link.Message) bool {
	if toServer || m.Op != link.OpServerSync || !g.armed.CompareAndSwap(true, false) {
		return false
	}
	close(g.held)
	<-g.release
	return false
}

// arm makes the gate hold the next SSYNC.
func (g *ssyncGate) arm() { g.armed.Store(true) }

// open lets the held SSYNC (and everything after it) through; idempotent.
func (g *ssyncGate) open() { g.once.Do(func() { close(g.release) }) }

// nawsFrame is a client's NAWS subnegotiation for a w x h window.
func nawsFrame(w, h int) []byte {
	b := []byte{telnet.IAC, telnet.SB, byte(telnet.OptNAWS)}
	for _, v := range []byte{byte(w >> 8), byte(w), byte(h >> 8), byte(h)} {
		b = append(b, v)
		if v == telnet.IAC {
			b = append(b, telnet.IAC)
		}
	}
	return append(b, telnet.IAC, telnet.SE)
}

// willNAWS is a client offering NAWS and reporting a w x h window.
func willNAWS(w, h int) []byte {
	return append(telnet.AppendNegotiation(nil, telnet.Verb(telnet.WILL), telnet.OptNAWS), nawsFrame(w, h)...)
}

// flagsDiff compares two sides' protocol flags as the link carries them
// (JSON: every number a float64); "" if they are the same.
func flagsDiff(portalFlags, serverFlags map[string]any) string {
	return cmp.Diff(jsonFlags(portalFlags), jsonFlags(serverFlags))
}

func jsonFlags(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		return map[string]any{"<unencodable>": fmt.Sprint(m)}
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return map[string]any{"<undecodable>": string(b)}
	}
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// reportSeed records the spec's random seed and, if the spec fails,
// prints how to replay its randomization.
func reportSeed() int64 {
	seed := GinkgoRandomSeed()
	AddReportEntry("seed", seed)
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() {
			GinkgoWriter.Printf("This spec's randomization came from seed %d: replay it with ginkgo --seed %d\n", seed, seed)
		}
	})
	return seed
}
