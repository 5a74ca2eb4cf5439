package portal_test

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/portalsim/portalsim/internal/faults"
	"github.com/portalsim/portalsim/internal/testenv"
	"github.com/portalsim/portalsim/internal/testutil"
	"github.com/portalsim/portalsim/portal"
	"github.com/portalsim/portalsim/portal/webclient"
)

// TestWebPageInBrowser plays the web page in headless Chromium, as a
// person would: the login screen, create and connect, look, a reload of
// the game server (the page stays logged in), and a reload of the page
// itself (it comes back logged in, by its browser session key). The page
// must raise no script error and log no console error on the way.
func TestWebPageInBrowser(t *testing.T) {
	if testing.Short() && !testenv.InCI() {
		t.Skip("starts a browser; skipped with -short")
	}
	bin := testenv.Need(t, "apt-get install chromium (.ci/run does)", "/usr/bin/chromium", "chromium", "chromium-browser")
	// A second copy of the page, served elsewhere with the websocket door
	// behind a proxy that can cut the connection: its origin is allowed.
	var wsPort atomic.Int64
	pageSrv := httptest.NewUnstartedServer(webclient.Page(webclient.PageConfig{ServerName: "proxied", WebsocketPort: func() int { return int(wsPort.Load()) }}))
	st, err := testutil.StartStack(testutil.StackConfig{Portal: portal.Config{
		MaxConnectionRate: -1, WebAddr: "127.0.0.1:0", WebsocketAddr: "127.0.0.1:0",
		WebsocketOrigins: []string{pageSrv.Listener.Addr().String()},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)

	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.Flag("disable-quic", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	var mu sync.Mutex
	var problems []string
	listenErr := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, fmt.Sprintf("exception: %s %+v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception))
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, "console error: "+strings.Join(args, " "))
			}
		}
	})
	if listenErr != nil {
		t.Fatal(listenErr)
	}

	url := "http://" + st.Portal.DoorAddr(portal.DoorWeb).String() + "/"
	// waitOutput waits until the output pane shows want after the part
	// already seen, watching the page's DOM change.
	seen := 0
	waitOutput := func(want string) {
		t.Helper()
		end, err := chromedp.Run(bctx, chromedp.PollFunction[int](
			`(want, from) => { const i = document.getElementById("output").innerText.indexOf(want, from); return i >= 0 ? i + want.length : false; }`,
			chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(20*time.Second), chromedp.WithPollingArgs(want, seen)))
		if err != nil {
			text, _ := chromedp.Run(bctx, chromedp.Text("#output"))
			t.Fatalf("the page never showed %q (%v); it shows:\n%s", want, err, text)
		}
		seen = end
	}
	typeLine := func(line string) {
		t.Helper()
		if err := chromedp.Do(bctx, chromedp.SendKeys("#input", line+kb.Enter)); err != nil {
			t.Fatalf("typing %q: %v", line, err)
		}
	}

	if err := chromedp.Do(bctx, chromedp.Navigate(url), chromedp.WaitVisible("#input")); err != nil {
		t.Fatal(err)
	}
	waitOutput("connect <username> <password>")
	typeLine("create webber s3cret-pw")
	waitOutput("webber")
	typeLine("connect webber s3cret-pw")
	waitOutput("You become webber")
	typeLine("look")
	waitOutput("Limbo")
	echo, err := chromedp.Run(bctx, chromedp.Text("#output"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(echo, "s3cret-pw") {
		t.Errorf("the page shows the password it sent:\n%s", echo)
	}

	// Colour: the room's name in Evennia's class. A link: an exit, clicked.
	if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#output span.color-014").length`)); err != nil || n == 0 {
		t.Errorf("no coloured room name on the page (%d, %v)", n, err)
	}
	typeLine("dig Garden = north, south")
	waitOutput("Garden")
	typeLine("look")
	waitOutput("Exits: north")
	if err := chromedp.Do(bctx, chromedp.Click(`#output a[data-command="north"]`)); err != nil {
		t.Fatalf("clicking the exit: %v", err)
	}
	waitOutput("Garden")
	waitOutput("Exits: south")
	typeLine("south")
	waitOutput("Limbo")

	// The game server reloads; the page's connection is the portal's and stays.
	typeLine("reload")
	if err := st.AwaitServer(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	waitOutput("Server restarted")
	typeLine("look")
	waitOutput("Limbo")

	// The page reloads: the same browser comes back logged in.
	seen = 0
	if err := chromedp.Do(bctx, chromedp.Reload(), chromedp.WaitVisible("#input")); err != nil {
		t.Fatal(err)
	}
	waitOutput("You become webber")
	status, err := chromedp.Run(bctx, chromedp.Text("#status"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(status, "lost") {
		t.Errorf("status %q after the reload", status)
	}

	// The network goes: a page served with the websocket door behind a
	// proxy (another origin, so another browser key) loses its connection
	// and reconnects by itself, logged in.
	proxy, err := faults.NewProxy(faults.ProxyConfig{Target: st.Portal.DoorAddr(portal.DoorWebsocket).String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	_, port, _ := net.SplitHostPort(proxy.Addr())
	n, _ := strconv.Atoi(port)
	wsPort.Store(int64(n))
	pageSrv.Start()
	t.Cleanup(pageSrv.Close)
	seen = 0
	if err := chromedp.Do(bctx, chromedp.Navigate(pageSrv.URL+"/"), chromedp.WaitVisible("#input")); err != nil {
		t.Fatal(err)
	}
	waitOutput("connect <username> <password>")
	typeLine("connect webber s3cret-pw")
	waitOutput("You become webber")
	if n := proxy.Reset(1); n == 0 {
		t.Fatal("the proxy held no connection to cut")
	}
	waitOutput("You become webber")
	typeLine("look")
	waitOutput("Limbo")

	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page had script problems:\n%s", strings.Join(problems, "\n"))
	}
}
