package portal

import (
	"sync"
	"time"

	"github.com/portalsim/portalsim/portal/webclient"
)

// DefaultWebLoginTTL: see Config.WebLoginTTL.
const DefaultWebLoginTTL = 24 * time.Hour

// browserLogins remembers which account each browser (by its session
// key, csessid) is logged in as, the way Evennia keeps
// webclient_authenticated_uid in the browser's Django session: a tab that
// connects again (after a lost connection, a page reload, or in a second
// tab) starts logged in. A login is remembered when a websocket session
// with a long enough key logs in (webclient.Browser.Remembers), and
// forgotten when that session logs out or the game disconnects it (the
// player quit), or after Config.WebLoginTTL.
type browserLogins struct {
	ttl time.Duration

	// mu guards the fields below.
	mu    sync.Mutex
	m     map[string]browserLogin
	swept int // len(m) after the last sweep
}

// browserLogin is one browser's remembered login.
type browserLogin struct {
	uid    int64
	uname  string
	sessid uint64 // the session whose login this is: only its logout forgets it (Evennia's nonce)
	at     time.Time
}

// remember records that the session sessid of browser csessid logged in.
func (b *browserLogins) remember(csessid string, sessid uint64, uid int64, uname string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = make(map[string]browserLogin)
	}
	b.sweepLocked(now)
	b.m[csessid] = browserLogin{uid: uid, uname: uname, sessid: sessid, at: now}
}

// forget drops the browser's login if it is sessid's: a tab that logs
// out does not log out a newer tab's login.
func (b *browserLogins) forget(csessid string, sessid uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if l, ok := b.m[csessid]; ok && l.sessid == sessid {
		delete(b.m, csessid)
	}
}

// lookup returns the browser's login, if one is remembered and fresh.
func (b *browserLogins) lookup(csessid string, now time.Time) (browserLogin, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l, ok := b.m[csessid]
	if ok && now.Sub(l.at) > b.ttl {
		delete(b.m, csessid)
		return browserLogin{}, false
	}
	return l, ok
}

// sweepLocked drops expired logins once the map has doubled since the
// last sweep, so a sweep costs each login a constant. b.mu must be held.
func (b *browserLogins) sweepLocked(now time.Time) {
	if len(b.m) < max(2*b.swept, 64) {
		return
	}
	defer func() { b.swept = len(b.m) }()
	for k, l := range b.m {
		if now.Sub(l.at) > b.ttl {
			delete(b.m, k)
		}
	}
}

// browserLoginLocked keeps the browser's remembered login in step with
// a websocket session's: remembered when it logs in (with a key long
// enough to be a secret), forgotten when it logs out. s.mu must be held.
func (h *Handler) browserLoginLocked(s *Session, loggedIn bool) {
	csessid := s.data.Csessid
	if csessid == "" || h.cfg.WebLoginTTL < 0 || !(webclient.Browser{Csessid: csessid}).Remembers() {
		return
	}
	if !loggedIn {
		h.browsers.forget(csessid, s.sessid)
		return
	}
	h.browsers.remember(csessid, s.sessid, s.data.Uid, s.data.Uname, time.Now())
}
