package webclient

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

var pageTemplate = template.Must(template.ParseFS(static, "static/index.html"))

// PageConfig configures [Page].
type PageConfig struct {
	// ServerName is the page's title.
	ServerName string
	// WebsocketPort returns the port of the websocket door the page
	// connects to, on the host the page was loaded from; 0 if it is shut.
	WebsocketPort func() int
}

// Page returns the handler of the web door: the webclient page at "/"
// (and "/webclient", Evennia's path), its script and stylesheets under
// "/static/", nothing else. Everything it serves is in the binary (no
// CDN), and every response forbids the page to load or connect to
// anything but this server and its websocket door.
func Page(cfg PageConfig) http.Handler {
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, r *http.Request) {
		port := cfg.WebsocketPort()
		if port == 0 {
			http.Error(w, "the websocket door is shut: the webclient cannot connect", http.StatusServiceUnavailable)
			return
		}
		var b bytes.Buffer
		if err := pageTemplate.Execute(&b, struct {
			ServerName    string
			WebsocketPort int
		}{cfg.ServerName, port}); err != nil {
			http.Error(w, "the page could not be made", http.StatusInternalServerError)
			return
		}
		secure(w, r, port)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(b.Bytes())
	}
	mux.HandleFunc("GET /{$}", page)
	mux.HandleFunc("GET /webclient", page)
	mux.HandleFunc("GET /webclient/{$}", page)
	files := http.FileServerFS(static)
	for _, name := range []string{"webclient.js", "webclient.css"} {
		mux.HandleFunc("GET /static/"+name, func(w http.ResponseWriter, r *http.Request) {
			secure(w, r, 0)
			files.ServeHTTP(w, r)
		})
	}
	mux.HandleFunc("GET /static/colors.css", func(w http.ResponseWriter, r *http.Request) {
		secure(w, r, 0)
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		http.ServeContent(w, r, "colors.css", started, strings.NewReader(colorsCSS))
	})
	return mux
}

// started is the Last-Modified of the generated files.
var started = time.Now()

// secure sets the headers that keep the page to itself: it runs only its
// own script and styles, connects only to the websocket door at wsPort
// on the host it came from, and may not be framed.
func secure(w http.ResponseWriter, r *http.Request, wsPort int) {
	h := w.Header()
	connect := "'none'"
	if wsPort > 0 {
		host := r.Host
		if hh, _, err := net.SplitHostPort(r.Host); err == nil {
			host = hh
		}
		hp := net.JoinHostPort(host, fmt.Sprint(wsPort))
		connect = "ws://" + hp + " wss://" + hp
	}
	// style-src-attr: the portal's HTML gives 24-bit colours as style
	// attributes (no class can name them); no <style> element or script
	// may come inline.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self'; connect-src "+connect+"; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// colorsCSS gives the classes the portal's HTML uses for colours, as
// Evennia's webclient.css names them: color-NNN and bgcolor-NNN for the
// xterm 256-colour palette.
var colorsCSS = func() string {
	var b strings.Builder
	b.WriteString("/* The xterm 256-colour palette, as the portal's HTML names it (made by portalsim). */\n")
	for i := range 256 {
		c := XtermColor(i)
		fmt.Fprintf(&b, ".color-%03d { color: #%06x; }\n.bgcolor-%03d { background-color: #%06x; }\n", i, c, i, c)
	}
	return b.String()
}()

// XtermColor is the RGB value (0xRRGGBB) of xterm colour i (0-255): the
// 16 system colours, the 6x6x6 cube, and 24 greys.
func XtermColor(i int) uint32 {
	system := [16]uint32{
		0x000000, 0x800000, 0x008000, 0x808000, 0x000080, 0x800080, 0x008080, 0xc0c0c0,
		0x808080, 0xff0000, 0x00ff00, 0xffff00, 0x0000ff, 0xff00ff, 0x00ffff, 0xffffff,
	}
	switch {
	case i < 0 || i > 255:
		return 0
	case i < 16:
		return system[i]
	case i < 232:
		level := [6]uint32{0, 95, 135, 175, 215, 255}
		i -= 16
		return level[i/36]<<16 | level[i/6%6]<<8 | level[i%6]
	default:
		g := uint32(8 + 10*(i-232))
		return g<<16 | g<<8 | g
	}
}
