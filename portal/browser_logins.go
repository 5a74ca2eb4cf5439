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
// tab) starts logged in.
//
// A login typed in a tab (connect) is remembered under a new nonce; every
// tab that starts logged in from it carries that nonce. The login is
// forgotten when any session carrying its nonce logs out or quits (the
// game server's SDISCONN, which may come after the session closed: the
// nonce is kept by sessid until then), or after Config.WebLoginTTL. A
// tab that logged in anew has its own nonce: an older tab's quit does not
// log it out (Evennia's nonce guard).
type browserLogins struct {
	ttl time.Duration

	// mu guards the fields below.
	mu        sync.Mutex
	m         map[string]browserLogin // by csessid
	bySessid  map[uint64]loginRef     // the login each websocket session has or started from
	lastNonce uint64
	swept     int // len(m)+len(bySessid) after the last sweep
}

// browserLogin is one browser's remembered login.
type browserLogin struct {
	uid   int64
	uname string
	nonce uint64
	at    time.Time
}

// loginRef is the login a session holds: its browser and nonce.
type loginRef struct {
	csessid string
	nonce   uint64
	at      time.Time
}

// remember records that session sessid of browser csessid is logged in.
// carried is the nonce the session holds (0: none, it logged in itself:
// a new nonce); it returns the session's nonce now. A session that
// carries a login forgotten meanwhile (a quit in another tab) keeps that
// dead nonce and is not remembered: not at this login, nor at the SSYNCs
// of later reloads.
func (b *browserLogins) remember(csessid string, sessid, carried uint64, uid int64, uname string, now time.Time) uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = make(map[string]browserLogin)
		b.bySessid = make(map[uint64]loginRef)
	}
	b.sweepLocked(now)
	nonce := carried
	if carried != 0 {
		if l, ok := b.m[csessid]; !ok || l.nonce != carried {
			return carried // the login it started from was forgotten (a quit in another tab) or replaced
		}
	} else {
		b.lastNonce++
		nonce = b.lastNonce
	}
	b.m[csessid] = browserLogin{uid: uid, uname: uname, nonce: nonce, at: now}
	b.bySessid[sessid] = loginRef{csessid: csessid, nonce: nonce, at: now}
	return nonce
}

// forget drops the login session sessid has, if its browser still has
// that login: the player logged out or quit.
func (b *browserLogins) forget(sessid uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ref, ok := b.bySessid[sessid]
	if !ok {
		return
	}
	delete(b.bySessid, sessid)
	if l, ok := b.m[ref.csessid]; ok && l.nonce == ref.nonce {
		delete(b.m, ref.csessid)
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

// sweepLocked drops expired logins and references once the maps have
// doubled since the last sweep, so a sweep costs each entry a constant.
// b.mu must be held.
func (b *browserLogins) sweepLocked(now time.Time) {
	if len(b.m)+len(b.bySessid) < max(2*b.swept, 64) {
		return
	}
	for k, l := range b.m {
		if now.Sub(l.at) > b.ttl {
			delete(b.m, k)
		}
	}
	for k, r := range b.bySessid {
		if now.Sub(r.at) > b.ttl {
			delete(b.bySessid, k)
		}
	}
	b.swept = len(b.m) + len(b.bySessid)
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
		h.browsers.forget(s.sessid)
		s.webNonce = 0 // a connect in this tab later is a new login
		return
	}
	s.webNonce = h.browsers.remember(csessid, s.sessid, s.webNonce, s.data.Uid, s.data.Uname, time.Now())
}
