package webclient

import (
	"net/url"
	"strings"
)

// Browser is what the websocket URL's query says of the browser tab
// that connects: ws://host:port/?<csessid>&<page id>&<browser>, split on
// "&" at most twice, as Evennia's webclient sends it. With only two parts
// the second is the browser string; with one, there is only the csessid.
type Browser struct {
	// Csessid is the browser's session key, shared by its tabs; "" if none.
	Csessid string
	// PageID identifies the tab (one page load).
	PageID string
	// Agent is the browser's own description, shown in CLIENTNAME.
	Agent string
}

// maxQueryPart bounds each part of the query, so a client cannot make
// the portal keep an arbitrary string per session.
const maxQueryPart = 200

// ParseQuery reads the browser's identity from a websocket URL's raw
// query. Each part is URL-unescaped (a part that is not valid escaping is
// kept as it came) and cut to 200 bytes.
func ParseQuery(raw string) Browser {
	if raw == "" {
		return Browser{}
	}
	parts := strings.SplitN(raw, "&", 3)
	for i, p := range parts {
		if u, err := url.QueryUnescape(p); err == nil {
			p = u
		}
		if len(p) > maxQueryPart {
			p = p[:maxQueryPart]
		}
		parts[i] = p
	}
	b := Browser{Csessid: parts[0]}
	switch len(parts) {
	case 2:
		b.Agent = parts[1]
	case 3:
		b.PageID, b.Agent = parts[1], parts[2]
	}
	return b
}

// minCsessid is the shortest browser session key that may carry a login
// from one connection to the next: a key is a bearer secret, so it must
// be too long to guess (the page makes 32 random characters).
const minCsessid = 22

// Remembers reports whether the browser's session key is long enough to
// carry a login across connections (see minCsessid), and made only of
// the characters a page generates (letters, digits, "-" and "_").
func (b Browser) Remembers() bool {
	if len(b.Csessid) < minCsessid {
		return false
	}
	for _, r := range b.Csessid {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}
