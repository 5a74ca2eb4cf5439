package sessid_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

// wait bounds every single wait for the portal or the game; specs finish far sooner.
const wait = 15 * time.Second

// loginScreen is the end of the game server's connection screen.
var loginScreen = testutil.LoginScreen

// dial connects a telnet client, closed after the spec.
func dial(addr string) *testutil.TelnetClient {
	c, err := testutil.DialTelnet(addr)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { c.Close() }) // a spec may have closed it already
	return c
}

// sessidSet returns the sessids of the portal's released sessions.
func sessidSet(p *portal.Portal) map[uint64]bool {
	out := map[uint64]bool{}
	for _, s := range p.Handler().Sessions() {
		out[s.Sessid()] = true
	}
	return out
}

// tablesAgree compares the portal's session table with the game server's:
// the same sessids and, for each, the same logged-in state and account.
// It returns an error listing every difference, for Eventually.
func tablesAgree(ctx context.Context, p *portal.Portal, srv *sim.Server) error {
	switch {
	case srv == nil:
		return errors.New("no game server")
	case !p.ServerConnected() || !srv.Linked():
		return errors.New("the portal and the game server are not synced")
	}
	list := srv.Sessions(ctx)
	if list == nil {
		return errors.New("the game server is not serving a link")
	}
	type view struct {
		loggedIn bool
		uid      int64
	}
	server := map[uint64]view{}
	for _, d := range list {
		server[d.Sessid] = view{d.LoggedIn, d.Uid}
	}
	ported := map[uint64]view{}
	for _, s := range p.Handler().Sessions() {
		ported[s.Sessid()] = view{s.State() == portal.StateLoggedIn, s.Data().Uid}
	}
	var diffs []string
	for _, id := range slices.Sorted(maps.Keys(ported)) {
		sv, ok := server[id]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("sessid %d: portal only", id))
		case sv != ported[id]:
			diffs = append(diffs, fmt.Sprintf("sessid %d: portal %+v, server %+v", id, ported[id], sv))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(server)) {
		if _, ok := ported[id]; !ok {
			diffs = append(diffs, fmt.Sprintf("sessid %d: server only %+v", id, server[id]))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("session tables disagree:\n  %s", strings.Join(diffs, "\n  "))
	}
	return nil
}

// closeLog records the portal's OnSessionClosed calls.
type closeLog struct {
	mu     sync.Mutex
	closed map[uint64][]portal.CloseReason
}

func newCloseLog() *closeLog { return &closeLog{closed: map[uint64][]portal.CloseReason{}} }

func (l *closeLog) record(sessid uint64, _ portal.SessionState, reason portal.CloseReason) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed[sessid] = append(l.closed[sessid], reason)
}

func (l *closeLog) snapshot() map[uint64][]portal.CloseReason {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[uint64][]portal.CloseReason, len(l.closed))
	for id, r := range l.closed {
		out[id] = slices.Clone(r)
	}
	return out
}

// login creates an account and logs c in, waiting for the answers.
func login(c *testutil.TelnetClient, name string) {
	out, err := c.Command(fmt.Sprintf("create %s pw%s", name, name), wait)
	Expect(err).NotTo(HaveOccurred())
	Expect(out).To(ContainSubstring("was created"))
	out, err = c.Command(fmt.Sprintf("connect %s pw%s", name, name), wait)
	Expect(err).NotTo(HaveOccurred())
	Expect(out).To(ContainSubstring("You become"))
}
