package webclient

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4001"+path, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestPageServesTheClientAndNothingElse(t *testing.T) {
	h := Page(PageConfig{ServerName: "<Game & Co>", WebsocketPort: func() int { return 4002 }})
	page := get(t, h, "/")
	if page.Code != http.StatusOK {
		t.Fatalf("GET /: %d", page.Code)
	}
	body := page.Body.String()
	for _, want := range []string{`data-ws-port="4002"`, "&lt;Game &amp; Co&gt;", `src="/static/webclient.js"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	csp := page.Header().Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "connect-src ws://127.0.0.1:4002 wss://127.0.0.1:4002", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	for path, want := range map[string]int{
		"/webclient": 200, "/static/webclient.js": 200, "/static/webclient.css": 200, "/static/colors.css": 200,
		"/static/index.html": 404, "/static/": 404, "/etc/passwd": 404, "/go.mod": 404, "/static/page.go": 404,
	} {
		if got := get(t, h, path).Code; got != want {
			t.Errorf("GET %s: %d, want %d", path, got, want)
		}
	}
	if css := get(t, h, "/static/colors.css").Body.String(); !strings.Contains(css, ".color-196 { color: #ff0000; }") || !strings.Contains(css, ".bgcolor-232 { background-color: #080808; }") {
		t.Errorf("colors.css lacks the xterm palette")
	}
	shut := Page(PageConfig{WebsocketPort: func() int { return 0 }})
	if got := get(t, shut, "/").Code; got != http.StatusServiceUnavailable {
		t.Errorf("with the websocket door shut: %d, want 503", got)
	}
}

func TestXtermColor(t *testing.T) {
	for i, want := range map[int]uint32{0: 0, 1: 0x800000, 15: 0xffffff, 16: 0, 21: 0x0000ff, 196: 0xff0000, 231: 0xffffff, 232: 0x080808, 255: 0xeeeeee, 256: 0, -1: 0} {
		if got := XtermColor(i); got != want {
			t.Errorf("XtermColor(%d) = %06x, want %06x", i, got, want)
		}
	}
}
