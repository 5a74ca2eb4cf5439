package portal

import (
	"testing"
	"time"
)

func TestBrowserLogins(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	b := browserLogins{ttl: time.Hour}
	const key = "k"

	// Tab 1 logs in; tab 2 starts from it and carries its nonce.
	n1 := b.remember(key, 1, 0, 7, "alice", t0)
	l, ok := b.lookup(key, t0.Add(time.Minute))
	if !ok || l.uid != 7 || l.nonce != n1 {
		t.Fatalf("lookup after a login: %+v %v", l, ok)
	}
	if n2 := b.remember(key, 2, l.nonce, 7, "alice", t0); n2 != n1 {
		t.Fatalf("a tab that started from the login has nonce %d, want %d", n2, n1)
	}
	// A quit in tab 1 logs the browser out, for tab 2 as well.
	b.forget(1)
	if _, ok := b.lookup(key, t0); ok {
		t.Fatal("remembered after a quit")
	}
	// Tab 2's login was forgotten: it is not remembered again (a reload's SSYNC).
	if n := b.remember(key, 2, n1, 7, "alice", t0); n != n1 {
		t.Fatalf("a forgotten login's tab got nonce %d", n)
	}
	if _, ok := b.lookup(key, t0); ok {
		t.Fatal("a forgotten login came back")
	}

	// A new login in tab 3 is not logged out by an older tab's quit.
	n3 := b.remember(key, 3, 0, 7, "alice", t0)
	if n3 == n1 {
		t.Fatal("a new login reused a nonce")
	}
	b.forget(2)
	if _, ok := b.lookup(key, t0); !ok {
		t.Fatal("an older tab's quit logged out a newer login")
	}

	// The TTL forgets it.
	if _, ok := b.lookup(key, t0.Add(time.Hour+time.Second)); ok {
		t.Fatal("remembered past the TTL")
	}
}
