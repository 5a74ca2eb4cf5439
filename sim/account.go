package sim

import (
	"fmt"
	"strings"
	"time"
)

// Account name and password rules.
const (
	MinAccountNameLen = 3
	MaxAccountNameLen = 30
	MinPasswordLen    = 3
)

// AccountID identifies an account. It is an alias of int64, the type of
// Evennia's uid on the portal link (link.SessionData.Uid).
type AccountID = int64

// Account is a player's login. Values returned by [World] methods are copies.
// The password is kept only as a bcrypt hash, never in plain text.
type Account struct {
	ID   AccountID
	Name string
	// Character is the account's character (same name), puppeted at login.
	Character ObjID
	Created   time.Time
	// Perm is the account's permission level.
	Perm Perm
	hash string
}

// validateAccountName checks 3-30 characters of [A-Za-z0-9_-].
func validateAccountName(name string) error {
	if n := len(name); n < MinAccountNameLen || n > MaxAccountNameLen {
		return fmt.Errorf("%w: %q must be %d-%d characters long", ErrBadName, name, MinAccountNameLen, MaxAccountNameLen)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return fmt.Errorf("%w: %q may only use letters, digits, _ and -", ErrBadName, name)
		}
	}
	return nil
}

// CreateAccount creates an account and its character, of the same name, in
// its start room (which is also its home): Limbo, unless
// [WorldConfig.StartRooms] spreads new characters over more rooms. The first account of a world without
// accounts is its superuser, a [PermDeveloper]; later ones get
// [WorldConfig.NewAccountPerm]. The password is hashed before the world is
// locked. Errors wrap [ErrBadName], [ErrBadPassword] or [ErrNameTaken], or
// come from the store.
func (w *World) CreateAccount(name, password string) (*Account, error) {
	if err := validateAccountName(name); err != nil {
		return nil, err
	}
	if len(password) < MinPasswordLen || len(password) > MaxPasswordLen {
		return nil, fmt.Errorf("%w: must be %d to %d bytes long", ErrBadPassword, MinPasswordLen, MaxPasswordLen)
	}
	if _, taken := w.AccountByName(name); taken { // cheap early check, before hashing
		return nil, fmt.Errorf("%w: %q", ErrNameTaken, name)
	}
	hash, err := HashPassword(password, w.cost)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, taken := w.accountNames[strings.ToLower(name)]; taken {
		return nil, fmt.Errorf("%w: %q", ErrNameTaken, name)
	}
	id := w.nextAcct
	start, err := w.startRoomLocked(id)
	if err != nil {
		return nil, err
	}
	char := w.newObjIDLocked(1)
	perm := w.newPerm
	if len(w.accounts) == 0 {
		perm = PermDeveloper
	}
	rec := Record{
		Op: OpAccount, Time: w.now().UTC(), Account: id, Name: name, Hash: hash, Perm: perm,
		Objects: []ObjectSpec{{
			ID: char, Key: name, Kind: KindCharacter, Typeclass: TypeclassCharacter,
			Location: start, Home: start, Owner: id,
		}},
	}
	if err := w.commitLocked(rec); err != nil {
		return nil, err
	}
	a := *w.accounts[id]
	return &a, nil
}

// Authenticate returns the account called name (case-insensitive) if password
// is right, else an error wrapping [ErrLoginFailed]. The hash is checked
// outside the world lock. No wrong answer costs less than one hash at
// the world's cost, so that the time taken does not tell which names
// exist: a name without an account costs one, and so does an account
// whose hash is of another cost or an older scheme (or corrupt). A
// right password to such a hash is rehashed at the world's cost.
func (w *World) Authenticate(name, password string) (*Account, error) {
	a, ok := w.AccountByName(name)
	if !ok {
		_, _ = w.checkPassword(w.noAccount, password)
		return nil, ErrLoginFailed
	}
	match, err := w.checkPassword(a.hash, password)
	current := passwordCost(a.hash) == w.cost
	if !match && !current {
		_, _ = w.checkPassword(w.noAccount, password)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLoginFailed, err)
	}
	if !match {
		return nil, ErrLoginFailed
	}
	if !current {
		w.rehash(a, password)
	}
	return a, nil
}

// rehash replaces a's hash with one at the world's cost. A failure
// leaves the old hash, which still works.
func (w *World) rehash(a *Account, password string) {
	h, err := HashPassword(password, w.cost)
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.commitLocked(Record{Op: OpPassword, Time: w.now().UTC(), Account: a.ID, Hash: h}) == nil {
		w.rehashed.Add(1)
	}
}

// AccountByName returns a copy of the account called name (case-insensitive).
func (w *World) AccountByName(name string) (*Account, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	id, ok := w.accountNames[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, false
	}
	a := *w.accounts[id]
	return &a, true
}

// AccountByID returns a copy of account id.
func (w *World) AccountByID(id AccountID) (*Account, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.accounts[id]
	if p == nil {
		return nil, false
	}
	a := *p
	return &a, true
}
