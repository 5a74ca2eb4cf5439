package reliability_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/portalsim/portalsim/internal/faults"
	"github.com/portalsim/portalsim/internal/testutil"
)

// wait bounds each step of a scripted conversation.
const wait = 20 * time.Second

// script is a player's session with UTF-8 and telnet escapes in both
// directions: as raw lines, IAC IAC is a 0xff data byte.
var script = []string{
	"create alice s3cret",
	"connect alice s3cret",
	"say héllo wörld ✓ 日本語",
	"dig/tel Café ✓ = north, south",
	"look",
	"emote waves ✓✓✓",
	"say x\xff\xffy",
	"say " + strings.Repeat("ab✓", 300),
	"examine me",
	"south",
	"look",
	"help",
}

// transcript plays the script on a fresh game, through a fault proxy
// with the given toxics if any, and returns everything the player saw.
func transcript(toxics ...faults.Toxic) string {
	GinkgoHelper()
	st, err := testutil.StartStack(testutil.StackConfig{})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(st.Close)
	addr := st.TelnetAddr()
	if len(toxics) > 0 {
		px, err := faults.NewProxy(faults.ProxyConfig{Target: addr, Seed: 7})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(px.Close)
		for _, t := range toxics {
			_, err := px.Add(t)
			Expect(err).NotTo(HaveOccurred())
		}
		addr = px.Addr()
	}
	c, err := testutil.DialTelnet(addr)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(c.Close)
	var out strings.Builder
	screen, err := c.Expect(testutil.LoginScreen, wait)
	Expect(err).NotTo(HaveOccurred())
	out.WriteString(screen)
	for _, line := range script {
		Expect(c.Write([]byte(line + "\r\n"))).To(Succeed())
		got, err := c.ReadPrompt(wait)
		Expect(err).NotTo(HaveOccurred(), "after %q", line)
		out.WriteString("\n>>> " + line + "\n" + got)
	}
	return out.String()
}

var _ = Describe("Fragmented and delayed player connections", Label("reliability", "faults"), func() {
	It("lose nothing and change no output: every byte its own write both ways, with jitter", func(ctx SpecContext) {
		direct := transcript()
		Expect(direct).To(ContainSubstring("héllo wörld ✓ 日本語"), "precondition: the script's UTF-8 comes back")
		Expect(direct).To(ContainSubstring("xÿy"), "precondition: the escaped 0xff comes back")
		shaped := transcript(faults.Toxic{Fragment: 1}, faults.Toxic{Latency: 2 * time.Millisecond, Jitter: 2 * time.Millisecond})
		Expect(shaped).To(Equal(direct))
		AddReportEntry("numbers", map[string]any{"fault": "fragment+jitter", "commands": len(script), "bytes_compared": len(direct)})
		GinkgoWriter.Printf("reliability: fragment+jitter: %d commands, %d bytes of output, identical with and without\n", len(script), len(direct))
	}, SpecTimeout(2*time.Minute))
})
