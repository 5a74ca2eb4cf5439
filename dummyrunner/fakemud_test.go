package dummyrunner

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/portalsim/portalsim/internal/telnet"
)

// fakeGame is a fake MUD's shared state: its accounts (name -> password)
// and a log of the lines it got, for assertions.
type fakeGame struct {
	mu       sync.Mutex
	accounts map[string]string
	lines    []string
}

func (g *fakeGame) account(name string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	pw, ok := g.accounts[name]
	return pw, ok
}

func (g *fakeGame) create(name, pw string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.accounts[name]; ok {
		return false
	}
	g.accounts[name] = pw
	return true
}

func (g *fakeGame) got(line string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.lines = append(g.lines, line)
}

// Lines returns the lines the game got so far.
func (g *fakeGame) Lines() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.lines...)
}

// serveFake listens on 127.0.0.1:0 and runs session for every connection
// (with a line reader and the connection to write to) until the test
// ends; it returns the address.
func serveFake(t *testing.T, session func(c net.Conn, rd *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				session(c, bufio.NewReader(c))
			})
		}
	})
	return ln.Addr().String()
}

// readLine reads one input line, without its line end.
func readLine(rd *bufio.Reader) (string, bool) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", false
	}
	return strings.TrimRight(line, "\r\n"), true
}

// fakeTinyMUX is a TinyMUX-like game: a login screen ending in a line of
// dashes and no prompt ever; create (logs in) and connect are not
// wrapped in the OUTPUTPREFIX/OUTPUTSUFFIX lines, every command of a
// logged-in player is; a say is preceded by an unrelated line outside the
// brackets; QUIT gets the prefix but no suffix and closes.
func fakeTinyMUX(t *testing.T, g *fakeGame) string {
	const screen = "Welcome to the fake MUX.\r\n\"connect <name> <password>\" connects you.\r\n" +
		"------------------------------------------------------------------------------\r\n"
	return serveFake(t, func(c net.Conn, rd *bufio.Reader) {
		_, _ = c.Write([]byte(screen))
		var prefix, suffix, me string
		wrap := func(out string) string {
			s := ""
			if prefix != "" {
				s += prefix + "\r\n"
			}
			s += out
			if suffix != "" {
				s += suffix + "\r\n"
			}
			return s
		}
		for {
			line, ok := readLine(rd)
			if !ok {
				return
			}
			g.got(line)
			cmd, arg, _ := strings.Cut(line, " ")
			var out string
			switch {
			case cmd == "OUTPUTPREFIX":
				prefix = arg
			case cmd == "OUTPUTSUFFIX":
				suffix = arg
			case me == "" && cmd == "create":
				f := strings.Fields(arg)
				if len(f) != 2 || !g.create(f[0], f[1]) {
					out = "Either there is already a player with that name, or that name is illegal.\r\n"
					break
				}
				me = f[0]
				out = "Welcome to the world of TinyMUX.\r\nLimbo(#0RLz)\r\n"
			case me == "" && cmd == "connect":
				f := strings.Fields(arg)
				if pw, ok := g.account(f[0]); len(f) != 2 || !ok || pw != f[1] {
					out = "Either that player does not exist, or has a different password.\r\n"
					break
				}
				me = f[0]
				out = "Last connect was from 127.0.0.1.\r\nLimbo(#0RLz)\r\n"
			case cmd == "QUIT":
				_, _ = c.Write([]byte(prefix + "\r\n*** Disconnected ***\r\n"))
				return
			case me == "":
				out = screen
			case cmd == "look":
				out = wrap("Limbo(#0RLz)\r\nA fake room.\r\n")
			case cmd == "say":
				out = "Somebody has connected.\r\n" + wrap(fmt.Sprintf("You say, \"%s\"\r\n", arg))
			case cmd == "@@":
				out = wrap("")
			default:
				out = wrap("Huh?  (Type \"help\" for help.)\r\n")
			}
			if out != "" {
				if _, err := c.Write([]byte(out)); err != nil {
					return
				}
			}
		}
	})
}

// fakeEvennia is an Evennia-like game: every message ends in IAC GA;
// create asks "Is this what you intended? [Y]/N?" and creates the account
// on "y"; connect answers in two messages; a wrong password is
// "Username and/or password is incorrect.".
func fakeEvennia(t *testing.T, g *fakeGame) string {
	ga := string([]byte{telnet.IAC, telnet.GA})
	return serveFake(t, func(c net.Conn, rd *bufio.Reader) {
		_, _ = c.Write([]byte("Welcome to a fake Evennia.\r\n" + ga))
		var pendingName, pendingPW, me string
		for {
			line, ok := readLine(rd)
			if !ok {
				return
			}
			g.got(line)
			cmd, arg, _ := strings.Cut(line, " ")
			var out string
			switch {
			case pendingName != "":
				if strings.EqualFold(line, "y") && g.create(pendingName, pendingPW) {
					out = fmt.Sprintf("A new account '%s' was created. Welcome!\r\n", pendingName) + ga
				} else {
					out = "There is already an account with that name.\r\n" + ga
				}
				pendingName = ""
			case me == "" && cmd == "create":
				f := strings.Fields(arg)
				pendingName, pendingPW = f[0], f[1]
				out = fmt.Sprintf("You want to create an account '%s' with password '%s'.\r\nIs this what you intended? [Y]/N?", f[0], f[1]) + ga
			case me == "" && cmd == "connect":
				f := strings.Fields(arg)
				if pw, ok := g.account(f[0]); len(f) != 2 || !ok || pw != f[1] {
					out = "Username and/or password is incorrect.\r\n" + ga
					break
				}
				me = f[0]
				out = "\r\nYou become " + me + ".\r\n" + ga + "Limbo\r\nWelcome!\r\n" + ga
			case cmd == "quit":
				_, _ = c.Write([]byte("Quitting.\r\n" + ga))
				return
			case me == "":
				out = "Command '" + line + "' is not available.\r\n" + ga
			case cmd == "look":
				out = "Limbo\r\nWelcome!\r\n" + ga
			case cmd == "say":
				out = fmt.Sprintf("You say, \"%s\"\r\n", arg) + ga
			default:
				out = "Command '" + line + "' is not available. Type \"help\" for help.\r\n" + ga
			}
			if _, err := c.Write([]byte(out)); err != nil {
				return
			}
		}
	})
}
