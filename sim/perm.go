package sim

import (
	"fmt"
	"strings"
)

// Perm is an account's permission level, Evennia's hierarchy without its
// Guest and Helper rungs. A command needs a level; an account has one, and
// every level includes the ones below it.
type Perm int

// Permission levels, lowest first.
const (
	// PermPlayer plays: look, talk, move, go home. Every new account of
	// `portalsim serve` starts here (Evennia's PERMISSION_ACCOUNT_DEFAULT).
	PermPlayer Perm = iota
	// PermBuilder also builds: dig, create, teleport, examine, and desc
	// and set on what the account owns.
	PermBuilder
	// PermAdmin also changes what others own and grants levels up to
	// Admin with perm.
	PermAdmin
	// PermDeveloper also runs the whole game: reload and shutdown. The
	// superuser (the first account of an empty world, or the one
	// [WorldConfig.Superuser] names) is a Developer.
	PermDeveloper
)

var permNames = [...]string{PermPlayer: "Player", PermBuilder: "Builder", PermAdmin: "Admin", PermDeveloper: "Developer"}

// String returns the level's name as Evennia writes it ("Builder").
func (p Perm) String() string {
	if p.Valid() {
		return permNames[p]
	}
	return fmt.Sprintf("Perm(%d)", int(p))
}

// Valid reports whether p is one of the four levels.
func (p Perm) Valid() bool { return p >= PermPlayer && int(p) < len(permNames) }

// ParsePerm reads a level's name, case-insensitively; Evennia's plural
// spellings ("Builders", "Developers") are accepted too.
func ParsePerm(s string) (Perm, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for p, name := range permNames {
		n := strings.ToLower(name)
		if s == n || s == n+"s" {
			return Perm(p), nil
		}
	}
	return 0, fmt.Errorf("%w: %q is not one of %s", ErrBadPerm, s, strings.Join(permNames[:], ", "))
}

// MarshalText writes the level's name, so journals say "Builder".
func (p Perm) MarshalText() ([]byte, error) {
	if !p.Valid() {
		return nil, fmt.Errorf("%w: %d", ErrBadPerm, int(p))
	}
	return []byte(p.String()), nil
}

// UnmarshalText reads a level's name.
func (p *Perm) UnmarshalText(b []byte) error {
	v, err := ParsePerm(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// permLocked returns account id's level now, or PermPlayer for an unknown
// account. Levels are read at every command, not at login, so a change
// by perm takes effect at the next command.
func (w *World) permLocked(id AccountID) Perm {
	if a := w.accounts[id]; a != nil {
		return a.Perm
	}
	return PermPlayer
}

// setSuperuserLocked makes the existing account name the superuser, a
// Developer whatever the journal says ([WorldConfig.Superuser]). An
// account that does not exist yet cannot be named: whoever created it
// first over the network would get the game.
func (w *World) setSuperuserLocked(name string) error {
	id, ok := w.accountNames[strings.ToLower(name)]
	if !ok {
		return fmt.Errorf("sim: Superuser %q: no such account (in an empty world, the first account created is the superuser)", name)
	}
	w.superuserID = id
	w.accounts[id].Perm = PermDeveloper
	return nil
}

// Superuser returns the superuser's account, 0 if there is none.
func (w *World) Superuser() AccountID {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.superuserID
}

// Perm returns account id's level (PermPlayer for an unknown account).
func (w *World) Perm(id AccountID) Perm {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.permLocked(id)
}

// SetPerm records account id's new level.
func (w *World) SetPerm(id AccountID, p Perm) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.commitLocked(Record{Op: OpPerm, Account: id, Perm: p})
}

// controlsLocked reports whether the account of x may change o: its
// owner may, and so may any Admin (Evennia's "control:id(owner) or perm(Admin)").
func (w *World) controlsLocked(x *cmdCall, o *Object) bool {
	return x.perm >= PermAdmin || (o.Owner != 0 && o.Owner == x.acct.ID)
}

// cmdPerm shows or sets an account's level: perm <account> [= <level>].
// An Admin grants levels up to its own, to accounts below its own; a
// Developer changes anyone's but its own.
func cmdPerm(w *World, x *cmdCall) {
	lhs, rhs, assign := strings.Cut(x.args, "=")
	name := strings.TrimSpace(lhs)
	if name == "" {
		x.msg("Usage: perm <account> [= Player||Builder||Admin||Developer]") // || : a pipe, in the markup the portal renders
		return
	}
	a, ok := w.AccountByName(name)
	if !ok {
		x.msgf("No account called '%s'.", name)
		return
	}
	if !assign {
		x.msgf("%s has permission %s.", a.Name, a.Perm)
		return
	}
	p, err := ParsePerm(rhs)
	switch {
	case err != nil:
		x.msgf("Unknown permission '%s': use Player, Builder, Admin or Developer.", strings.TrimSpace(rhs))
	case a.ID == x.acct.ID:
		x.msg("You cannot change your own permission.")
	case a.ID == w.Superuser():
		x.msgf("%s is the game's superuser: its permission cannot change.", a.Name)
	case p > x.perm || (a.Perm >= x.perm && x.perm < PermDeveloper):
		x.msgf("You may not set %s's permission to %s.", a.Name, p)
	default:
		if err := w.SetPerm(a.ID, p); err != nil {
			x.msgf("Could not set the permission: %v", err)
			return
		}
		x.msgf("%s now has permission %s.", a.Name, p)
	}
}
