package evennia_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"

	"github.com/portalsim/portalsim/internal/targets"
	"github.com/portalsim/portalsim/internal/testenv"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/reports"
)

// loadPlayers is how many players of the load generator a reload must
// keep; a few more accounts are for the clients of the other specs.
const loadPlayers = 50

// answer bounds one answer of the game, a login's included: a hang
// guard, not a timing.
const answer = 30 * time.Second

var _ = Describe("a stock Evennia 5 Server behind our portal", Ordered, Label("evennia", "slow"), func() {
	var (
		game   *targets.EvenniaCopy
		portal *gexec.Session
		next   int // the next account for a spec's own client
	)
	// account returns an account no other client of the suite uses.
	account := func() targets.EvenniaAccount {
		GinkgoHelper()
		Expect(loadPlayers + next).To(BeNumerically("<", len(game.Accounts)))
		a := game.Accounts[loadPlayers+next]
		next++
		return a
	}
	launcher := func(ctx SpecContext, args ...string) string {
		GinkgoHelper()
		out, err := game.Launcher(ctx, args...)
		Expect(err).NotTo(HaveOccurred())
		return out
	}

	BeforeAll(func(ctx SpecContext) {
		cfg := testutil.NeedEvennia(GinkgoT())
		cfg.Dir, cfg.Accounts, cfg.Args = GinkgoT().TempDir(), loadPlayers+8, []string{"--irc"}
		var err error
		game, err = targets.PrepareEvennia(ctx, cfg)
		Expect(err).NotTo(HaveOccurred())
		cmd := exec.Command(binary, "portal", "-server-protocol", "evennia-amp",
			"-amp", game.Addr(targets.GameAMP), "-evennia-game", game.Dir,
			"-telnet", game.Addr(targets.GameTelnet), "-telnet-tls", game.Addr(targets.GameTelnetTLS),
			"-ssh", game.Addr(targets.GameSSH), "-websocket", game.Addr(targets.GameWebsocket),
			"-web", game.Addr(targets.GameWeb), "-max-connection-rate", "100")
		cmd.Dir, cmd.Env = game.Dir, game.Env()
		portal, err = gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() {
			portal.Kill()
			game.KillServer()
		})
		Eventually(portal.Out).WithContext(ctx).WithTimeout(answer).Should(gbytes.Say("Evennia's AMP port"))
		Expect(launcher(ctx, "start")).To(ContainSubstring("Server started"))
		// The launcher returns once twistd has forked the Server; the
		// Server is up once it has synced with the portal.
		Eventually(ctx, func(ctx SpecContext) string {
			out, _ := game.Launcher(ctx, "status")
			return out
		}).WithTimeout(time.Minute).WithPolling(time.Second).Should(ContainSubstring("Server: RUNNING"))
	}, NodeTimeout(5*time.Minute))

	It("answers evennia status as Evennia's Portal does, with our pid", func(ctx SpecContext) {
		out := launcher(ctx, "status")
		Expect(out).To(ContainSubstring(fmt.Sprintf("Portal: RUNNING (pid %d)", portal.Command.Process.Pid)))
		Expect(out).To(MatchRegexp(`Server: RUNNING \(pid \d+\)`))
	}, SpecTimeout(time.Minute))

	It("lets TinTin++ and a websocket client log in, look, say and see each other", func(ctx SpecContext) {
		testenv.Need(GinkgoT(), "apt-get install tintin++ (.ci/run does)", tintin)
		web, tin := account(), account()
		ws, err := testutil.DialWebsocket(game.Addr(targets.GameWebsocket), "")
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(ws.Close)
		logIn(ws, web)
		expect(ws, `Limbo`)

		dir := GinkgoT().TempDir()
		logFile := filepath.Join(dir, "session.log")
		script := filepath.Join(dir, "play.tin")
		host, port, _ := strings.Cut(game.Addr(targets.GameTelnet), ":")
		Expect(os.WriteFile(script, []byte(strings.Join([]string{
			`#event {SESSION CONNECTED} {#log {overwrite} {` + logFile + `}}`,
			`#action {If you need to create an account} {connect ` + tin.Name + ` ` + tin.Password + `}`,
			`#action {You become ` + tin.Name + `.} {look;say hello from tintin}`,
			`#action {` + web.Name + ` says, "hello from the web"} {quit}`,
			`#event {SESSION DISCONNECTED} {#end}`,
			`#session mud ` + host + ` ` + port,
		}, "\n")+"\n"), 0o644)).To(Succeed())
		tt := exec.Command(tintin, "-H", "-G", script)
		tts, err := gexec.Start(tt, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { tts.Kill() })

		expect(ws, tin.Name+` says, "hello from tintin"`)
		Expect(ws.Send("say hello from the web")).To(Succeed())
		expect(ws, `You say, "hello from the web"`)
		// Not Eventually(ctx, tts): Gomega formats a second argument (%#v) to
		// see whether it is a duration, racing with gexec's writes to it.
		Eventually(tts).WithContext(ctx).WithTimeout(answer).Should(gexec.Exit(), "TinTin++ quits once it sees the websocket player's say")
		b, err := os.ReadFile(logFile)
		Expect(err).NotTo(HaveOccurred())
		seen := stripANSI(string(b))
		Expect(seen).To(ContainSubstring("Limbo"), "TinTin++ looked")
		Expect(seen).To(ContainSubstring(`You say, "hello from tintin"`))
		Expect(seen).To(ContainSubstring(web.Name + ` says, "hello from the web"`))
	}, SpecTimeout(2*time.Minute))

	It("keeps players of every door connected, logged in and puppeting across evennia reload", func(ctx SpecContext) {
		type door struct {
			name string
			p    player
			acc  targets.EvenniaAccount
		}
		var doors []door
		dial := map[string]func(acc targets.EvenniaAccount) (player, error){
			"telnet": func(targets.EvenniaAccount) (player, error) {
				return testutil.DialTelnet(game.Addr(targets.GameTelnet))
			},
			"tls": func(targets.EvenniaAccount) (player, error) {
				return testutil.DialTelnetTLS(game.Addr(targets.GameTelnetTLS))
			},
			"websocket": func(targets.EvenniaAccount) (player, error) {
				return testutil.DialWebsocket(game.Addr(targets.GameWebsocket), "")
			},
			"ssh": func(acc targets.EvenniaAccount) (player, error) {
				return testutil.DialSSH(game.Addr(targets.GameSSH), acc.Name, acc.Password)
			},
		}
		for _, name := range []string{"telnet", "tls", "websocket", "ssh"} {
			acc := account()
			p, err := dial[name](acc)
			Expect(err).NotTo(HaveOccurred(), name)
			DeferCleanup(p.Close)
			if name == "ssh" {
				expect(p, `You become `+acc.Name) // the door logs in with the SSH password
			} else {
				logIn(p, acc)
			}
			expect(p, `Limbo`)
			doors = append(doors, door{name, p, acc})
		}
		Expect(launcher(ctx, "reload")).To(ContainSubstring("Server reloaded"))
		for _, d := range doors {
			expect(d.p, `Server restarted`)
		}
		for _, d := range doors {
			Expect(d.p.Send("say after the reload via "+d.name)).To(Succeed(), d.name)
			for _, o := range doors {
				if o.name == d.name {
					expect(o.p, `You say, "after the reload via `+d.name)
				} else {
					expect(o.p, d.acc.Name+` says, "after the reload via `+d.name)
				}
			}
		}
	}, SpecTimeout(3*time.Minute))

	It("keeps a player connected and playing across evennia reset", func(ctx SpecContext) {
		acc := account()
		p, err := testutil.DialTelnet(game.Addr(targets.GameTelnet))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(p.Close)
		logIn(p, acc)
		expect(p, `Limbo`)
		Expect(launcher(ctx, "reset")).To(ContainSubstring("Server reset"))
		expect(p, `Server restarted`)
		Expect(p.Send("say after the reset")).To(Succeed())
		expect(p, `You say, "after the reset`)
	}, SpecTimeout(2*time.Minute))

	It("keeps all 50 players of the load generator and answers every command across evennia reload", func(ctx SpecContext) {
		dir := GinkgoT().TempDir()
		Expect(os.MkdirAll(filepath.Join(dir, "evennia"), 0o755)).To(Succeed())
		Expect(os.MkdirAll(filepath.Join(dir, "targets", "profiles"), 0o755)).To(Succeed())
		copyFile("reload.yaml", filepath.Join(dir, "evennia", "reload.yaml"))
		copyFile("../targets/profiles/evennia.yaml", filepath.Join(dir, "targets", "profiles", "evennia.yaml"))
		copyFile(game.AccountsFile, filepath.Join(dir, "evennia", "evennia-accounts.csv"))
		out := filepath.Join(dir, "report.json")
		run := exec.Command(binary, "run", filepath.Join(dir, "evennia", "reload.yaml"),
			"-target", game.Addr(targets.GameTelnet), "-o", out, "-quiet")
		run.Dir = dir
		rs, err := gexec.Start(run, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func() { rs.Kill() })
		// Everyone logged in (the portal's stats line counts them), then the reload.
		Eventually(portal.Err).WithContext(ctx).WithTimeout(2 * time.Minute).Should(gbytes.Say(`logged_in=` + strconv.Itoa(loadPlayers) + ` `))
		Expect(launcher(ctx, "reload")).To(ContainSubstring("Server reloaded"))
		Expect(rs.ExitCode()).To(Equal(-1), "the run was still going when the reload was over")
		Eventually(rs).WithContext(ctx).WithTimeout(3 * time.Minute).Should(gexec.Exit())
		rep, err := reports.ReadFile(out)
		Expect(err).NotTo(HaveOccurred(), "the run wrote no report:\n%s", rs.Err.Contents())
		Expect(rs.ExitCode()).To(Equal(0), "a threshold failed:\n%s%s", rs.Out.Contents(), rs.Err.Contents())
		Expect(rep.Clients.LoggedIn).To(BeNumerically("==", loadPlayers))
		Expect(rep.Clients.Finished).To(BeNumerically("==", loadPlayers))
		Expect(rep.Clients.LostTotal()).To(BeZero(), "lost: %v", rep.Clients.Lost)
		var longest time.Duration
		for name, a := range rep.Actions {
			Expect(a.FailedTotal()).To(BeZero(), "%s: failed %v", name, a.Failed)
			Expect(a.Answered).To(Equal(a.Sent), "%s: every command sent was answered", name)
			if name != "login" && name != "logout" {
				longest = max(longest, a.Latency.Max())
			}
		}
		// 25 commands a second, and no Server for a second or more: some
		// were typed while there was none, held, and answered after.
		Expect(longest).To(BeNumerically(">", 500*time.Millisecond), "some command waited out the reload")
	}, SpecTimeout(6*time.Minute))

	It("gives a player who connects while the Server restarts a login screen once it is back (Evennia's Portal gives none)", func(ctx SpecContext) {
		acc := account()
		Expect(portal.Err).To(gbytes.Say(`(?s).*`), "the portal's log so far is read: the lines below are this reload's")
		reloaded := make(chan string, 1)
		go func() {
			defer GinkgoRecover()
			out, _ := game.Launcher(ctx, "reload")
			reloaded <- out
		}()
		// The old Server has gone: the portal holds the new session's
		// PCONN for the next one (Evennia's drops it: spec bug 5.5).
		Eventually(portal.Err).WithContext(ctx).WithTimeout(answer).Should(gbytes.Say(`amp\.server\.gone`))
		p, err := testutil.DialTelnet(game.Addr(targets.GameTelnet))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(p.Close)
		Eventually(portal.Err).WithContext(ctx).WithTimeout(answer).Should(gbytes.Say(`link\.synced .*replayed=[1-9]`),
			"the new Server got the session's PCONN from the hold, so it connected in the gap")
		Eventually(ctx, reloaded).WithTimeout(answer).Should(Receive(ContainSubstring("Server reloaded")))
		logIn(p, acc)
		expect(p, `Limbo`)
	}, SpecTimeout(2*time.Minute))

	It("relays a channel to IRC and back through Evennia's IRC bot, which the portal runs (SCONN), the same bot across evennia reload", func(ctx SpecContext) {
		irc := testutil.StartNgircd(GinkgoT())
		alice := testutil.DialIRC(GinkgoT(), irc.Plain, "alice", "#evennia")
		admin, err := testutil.DialTelnet(game.Addr(targets.GameTelnet))
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(admin.Close)
		logIn(admin, targets.EvenniaSuperuser)
		expect(admin, `Limbo`)
		Expect(admin.Send(fmt.Sprintf("irc2chan public = 127.0.0.1 %d #evennia evbot", irc.Plain))).To(Succeed())
		alice.Await(GinkgoT(), ":evbot!") // the bot joins the channel

		alice.Send(GinkgoT(), "PRIVMSG #evennia :hello from irc")
		expect(admin, `hello from irc`)
		Expect(admin.Send("public hello from evennia")).To(Succeed())
		Expect(alice.Await(GinkgoT(), " PRIVMSG #evennia :")).To(ContainSubstring("hello from evennia"))

		Expect(launcher(ctx, "reload")).To(ContainSubstring("Server reloaded"))
		expect(admin, `Server restarted`)
		alice.Send(GinkgoT(), "PRIVMSG #evennia :after the reload")
		expect(admin, `after the reload`)
		// The bot lives in the portal: the reload neither drops it nor makes
		// a second (a Server that sends its SCONN again gets the one that
		// runs: Evennia's Portal makes another, issue #3077).
		alice.Send(GinkgoT(), "NAMES #evennia")
		names := alice.Await(GinkgoT(), " 353 ")
		Expect(strings.Fields(names)).To(ContainElement(MatchRegexp(`^:?[@+]?evbot$`)))
		Expect(names).NotTo(MatchRegexp(`evbot_`), "a second bot")
	}, SpecTimeout(3*time.Minute))

	It("stops the Server and the portal with evennia stop", func(ctx SpecContext) {
		Expect(launcher(ctx, "stop")).To(ContainSubstring("Evennia shut down"))
		Eventually(portal).WithContext(ctx).WithTimeout(answer).Should(gexec.Exit(0))
		_, err := os.Stat(filepath.Join(game.Dir, "server", "portal.pid"))
		Expect(os.IsNotExist(err)).To(BeTrue(), "portal.pid is removed")
	}, SpecTimeout(2*time.Minute))
})

const tintin = "/usr/games/tt++"

// player is a scripted client of any door.
type player interface {
	Send(line string) error
	Expect(re *regexp.Regexp, timeout time.Duration) (string, error)
	Close() error
}

// ansi matches the colour codes Evennia puts around words.
const ansi = `(?:\x1b\[[0-9;]*m)*`

// expect waits for text on p, colour codes allowed anywhere in it
// (Evennia puts them inside quotes too: You say, "ESC[0mhi...).
func expect(p player, text string) {
	GinkgoHelper()
	var b strings.Builder
	for i, r := range text {
		if i > 0 {
			b.WriteString(ansi)
		}
		b.WriteString(regexp.QuoteMeta(string(r)))
	}
	re := regexp.MustCompile(b.String())
	_, err := p.Expect(re, answer)
	Expect(err).NotTo(HaveOccurred(), "waiting for %q", text)
}

// logIn logs p in from the login screen.
func logIn(p player, acc targets.EvenniaAccount) {
	GinkgoHelper()
	expect(p, `If you need to create an account`)
	Expect(p.Send("connect " + acc.Name + " " + acc.Password)).To(Succeed())
	expect(p, `You become `+acc.Name)
}

func stripANSI(s string) string { return ansiCodes.ReplaceAllString(s, "") }

var ansiCodes = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func copyFile(from, to string) {
	GinkgoHelper()
	b, err := os.ReadFile(from)
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(to, b, 0o600)).To(Succeed())
}
