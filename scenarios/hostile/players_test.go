package hostile_test

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/sim"
)

const wait = 10 * time.Second

var _ = Describe("Players who don't play nice", Label("hostile"), func() {
	var st *testutil.Stack

	BeforeEach(func() {
		// As `portalsim serve` makes it: new accounts are Players. (The
		// account throttles are off here: every client is 127.0.0.1; so is
		// the command rate, which the builder below would exceed.)
		w, err := sim.NewWorld(sim.WorldConfig{Store: sim.NewMemoryStore(), InsecurePasswordCost: true})
		Expect(err).NotTo(HaveOccurred())
		st, err = testutil.StartStack(testutil.StackConfig{Portal: portal.Config{MaxCommandRate: -1}, Sim: sim.Config{World: w}})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(st.Close)
	})

	login := func(name string) *testutil.TelnetClient {
		GinkgoHelper()
		c, err := testutil.DialTelnet(st.TelnetAddr())
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(c.Close)
		_, err = c.ReadPrompt(wait) // the login screen
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Command(fmt.Sprintf("create %s pw-%s", name, name), wait)).To(ContainSubstring("was created"))
		Expect(c.Command(fmt.Sprintf("connect %s pw-%s", name, name), wait)).To(ContainSubstring("You become " + name))
		return c
	}

	It("refuses a fresh account's shutdown and reload, and the game keeps running", func() {
		admin := login("admin") // the first account: the superuser
		mallory := login("mallory")
		for _, cmd := range []string{"shutdown", "@shutdown now", "reload", "restart"} {
			word, _, _ := strings.Cut(cmd, " ")
			Expect(mallory.Command(cmd, wait)).To(ContainSubstring("Command '%s' is not available.", word))
		}
		Consistently(st.Portal.ShutdownRequested()).WithTimeout(200 * time.Millisecond).ShouldNot(BeClosed())
		Expect(st.Server().Stats().Logins).To(BeEquivalentTo(2))
		Expect(st.Portal.Handler().Stats().Connected).To(BeEquivalentTo(2))
		Expect(admin.Command("look", wait)).To(ContainSubstring("Limbo"))
		Expect(mallory.Command("say still here", wait)).To(ContainSubstring(`You say, "still here"`))

		// The superuser's shutdown does stop it.
		_, _ = admin.Command("shutdown", wait)
		Eventually(st.Portal.ShutdownRequested()).WithTimeout(wait).Should(BeClosed())
	})

	It("never lets an escape typed by one player reach another's terminal", func() {
		sgr := regexp.MustCompile("\x1b\\[[0-9;]*m")
		mallory := login("mallory")
		bob := login("bob")
		const attack = "\x1b[2J\x1b]0;pwned-title\x07 and \u009b31m red"
		for _, cmd := range []string{"say " + attack, "emote " + attack, "pub " + attack} {
			Expect(mallory.Send(cmd)).To(Succeed())
		}
		got, err := bob.Command("look", wait) // what came before the look's prompt, too
		Expect(err).NotTo(HaveOccurred())
		for _, m := range []string{"mallory says", "mallory [2J", "[Public] mallory"} {
			Eventually(func() string { got += bob.Pending(); return got }).WithTimeout(wait).Should(ContainSubstring(m))
		}
		// The game colours its own output (a room's name), which the portal
		// renders as SGR colour sequences: those are the only escapes bob's
		// terminal may see, and none comes from what mallory typed.
		Expect(sgr.ReplaceAllString(got, "")).NotTo(ContainSubstring("\x1b"), "bob's terminal got an escape that is not a colour")
		Expect(got).NotTo(ContainSubstring("\x07"), "bob's terminal got BEL")
		Expect(got).NotTo(ContainSubstring("\u009b"), "bob's terminal got CSI")
		Expect(got).To(ContainSubstring("[2J]0;pwned-title and 31m red"))
	})

	It("cannot be locked out of Limbo by a builder with huge names", func() {
		admin := login("admin")
		huge := strings.Repeat("x", 5900)
		for i := range 100 {
			Expect(admin.Command(fmt.Sprintf("dig %d%s = e%d", i, huge, i), wait)).To(ContainSubstring("at most 80"))
			Expect(admin.Command(fmt.Sprintf("create/drop %d%s", i, huge), wait)).To(ContainSubstring("at most 80"))
		}
		// What the limits allow, many times over.
		name := strings.Repeat("n", sim.MaxNameLen)
		for range 150 {
			Expect(admin.Command("dig "+name+" = "+name, wait)).To(ContainSubstring("Created room"))
			Expect(admin.Command("create/drop "+name, wait)).To(ContainSubstring("You create"))
		}
		look, err := admin.Command("look", wait)
		Expect(err).NotTo(HaveOccurred())
		Expect(len(look)).To(BeNumerically("<", 32<<10))

		// A new player gets in and stays in.
		newcomer := login("newcomer")
		Expect(newcomer.Command("look", wait)).To(ContainSubstring("and 50 more"))
		Expect(newcomer.Closed()).To(BeFalse())
		Expect(st.Portal.Handler().Stats().Closed).To(BeZero(), "a session was dropped (the lockout: slow-consumer)")
	})
})
