package sim

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultServerName is the server name used when [WorldConfig.ServerName] is empty.
const DefaultServerName = "portalsim"

// WorldConfig configures [NewWorld]. The zero value is usable: an in-memory
// store, the default server name, [DefaultPasswordCost] and [time.Now].
type WorldConfig struct {
	// Store keeps every mutation; nil means a fresh [MemoryStore].
	Store Store
	// ServerName is shown on the login screen; "" means [DefaultServerName].
	ServerName string
	// PasswordCost is bcrypt's cost for new passwords; 0 means
	// [DefaultPasswordCost]. Below [MinPasswordCost] only with
	// InsecurePasswordCost, which a test or a load-test game sets (and
	// nothing else should): it also makes 0 mean [TestPasswordCost].
	PasswordCost         int
	InsecurePasswordCost bool
	// Now is the clock; nil means [time.Now].
	Now func() time.Time
	// NewAccountPerm is the level of every account created after the
	// first (Evennia's PERMISSION_ACCOUNT_DEFAULT); the zero value is
	// [PermPlayer]. A load-test game gives [PermBuilder], so that its
	// dummy players can dig and create, as Evennia's dummyrunner settings do.
	NewAccountPerm Perm
	// Superuser names an existing account that is the superuser, a
	// Developer whatever the journal says (an existing world's way to get
	// one); NewWorld fails if there is no such account. "" means the first
	// account created in an empty world. A superuser's level cannot be
	// changed in the game.
	Superuser string
	// CreationThrottle and LoginThrottle limit account creations and
	// failed logins per client address (Evennia's CREATION_THROTTLE and
	// LOGIN_THROTTLE; [DefaultCreationThrottle], [DefaultLoginThrottle]).
	// The zero value is off; `portalsim serve` and `server` turn them on.
	// Like Evennia's, they are kept in memory: a new process forgets them.
	CreationThrottle, LoginThrottle Throttle
	// StartRooms is how many rooms new characters are spread over,
	// round-robin by account (see start_rooms.go): Limbo and StartRooms-1
	// rooms created as they are first needed. 0 and 1 mean Evennia's
	// default: every new character starts in Limbo, where every login is
	// announced to everyone. At most [MaxStartRooms].
	StartRooms int
}

// World is the game state: accounts, rooms, exits, things and characters.
// It is safe for concurrent use: one mutex guards it, held only for short,
// non-blocking sections (never while calling a [Caller] or [Notifier], and
// never while hashing a password).
type World struct {
	store      Store
	serverName string
	cost       int
	// noAccount is a hash at cost that no password matches: checked for a
	// name without an account, so that a wrong name costs what a wrong
	// password does.
	noAccount string
	// checkPassword is CheckPassword; a test watches it.
	checkPassword func(encoded, password string) (bool, error)
	newPerm       Perm
	superuser     string
	startRooms    int
	now           func() time.Time
	cmds          *commandTable // immutable after NewWorld
	// creations and failedLogins are the account throttles; each locks itself.
	creations, failedLogins *addrThrottle
	cleaned                 atomic.Uint64 // input lines that had control characters removed
	rehashed                atomic.Uint64 // password hashes brought to the world's cost at login

	mu           sync.Mutex
	objects      map[ObjID]*Object
	nextObj      ObjID
	contents     map[ObjID][]*Object          // location -> objects located there, by id
	names        map[ObjID]map[string][]ObjID // location -> lower-case key or alias -> objects (ascending)
	rooms        map[string][]ObjID           // lower-case room key or alias -> rooms (ascending)
	accounts     map[AccountID]*Account
	accountNames map[string]AccountID // lower-case name -> account
	nextAcct     AccountID
	superuserID  AccountID // a Developer that stays one (setSuperuserLocked)
	replayErrs   []error
	replayed     int
}

// NewWorld builds a world holding Limbo, then replays cfg.Store into it.
// Records that cannot be read or applied are skipped and reported by
// [World.ReplayErrors]; only a failure to read the store at all is an error.
func NewWorld(cfg WorldConfig) (*World, error) {
	w := &World{
		store:         cfg.Store,
		serverName:    cfg.ServerName,
		cost:          cfg.PasswordCost,
		checkPassword: CheckPassword,
		newPerm:       cfg.NewAccountPerm,
		superuser:     strings.TrimSpace(cfg.Superuser),
		startRooms:    cfg.StartRooms,
		now:           cfg.Now,
		cmds:          newCommandTable(),
		creations:     newAddrThrottle(cfg.CreationThrottle),
		failedLogins:  newAddrThrottle(cfg.LoginThrottle),
		objects:       make(map[ObjID]*Object),
		nextObj:       LimboID + 1,
		contents:      make(map[ObjID][]*Object),
		names:         make(map[ObjID]map[string][]ObjID),
		rooms:         make(map[string][]ObjID),
		accounts:      make(map[AccountID]*Account),
		accountNames:  make(map[string]AccountID),
		nextAcct:      1,
	}
	if w.store == nil {
		w.store = NewMemoryStore()
	}
	if w.serverName == "" {
		w.serverName = DefaultServerName
	}
	if err := w.setPasswordCost(cfg); err != nil {
		return nil, err
	}
	if w.now == nil {
		w.now = time.Now
	}
	if cfg.StartRooms < 0 || cfg.StartRooms > MaxStartRooms {
		return nil, fmt.Errorf("sim: StartRooms %d: want 0 to %d", cfg.StartRooms, MaxStartRooms)
	}
	if !w.newPerm.Valid() {
		return nil, fmt.Errorf("sim: NewAccountPerm: %w: %d", ErrBadPerm, int(w.newPerm))
	}
	// Limbo is part of every world, not of the store; changes to it are.
	w.addObjectLocked(&Object{ID: LimboID, Key: LimboKey, Kind: KindRoom, Typeclass: TypeclassRoom, Desc: LimboDesc})

	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.store.Replay(func(rec Record) error {
		w.replayed++
		if err := w.validateLocked(rec); err != nil {
			w.replayErrs = append(w.replayErrs, fmt.Errorf("record %d (%s): %w", w.replayed, rec.Op, err))
			return nil
		}
		w.applyLocked(rec)
		return nil
	})
	if err != nil {
		if !errors.Is(err, ErrCorruptRecord) {
			return nil, fmt.Errorf("sim: replay store: %w", err)
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			w.replayErrs = append(w.replayErrs, j.Unwrap()...)
		} else {
			w.replayErrs = append(w.replayErrs, err)
		}
	}
	if w.superuser != "" {
		if err := w.setSuperuserLocked(w.superuser); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// setPasswordCost checks cfg's cost and makes the no-account hash.
func (w *World) setPasswordCost(cfg WorldConfig) error {
	switch {
	case w.cost == 0 && cfg.InsecurePasswordCost:
		w.cost = TestPasswordCost
	case w.cost == 0:
		w.cost = DefaultPasswordCost
	case w.cost < MinPasswordCost && !cfg.InsecurePasswordCost:
		return fmt.Errorf("sim: PasswordCost %d is below %d: a game's passwords would be cheap to guess (tests set InsecurePasswordCost)", w.cost, MinPasswordCost)
	}
	nothing := make([]byte, 32)
	if _, err := rand.Read(nothing); err != nil {
		return fmt.Errorf("sim: no-account hash: %w", err)
	}
	h, err := HashPassword(base64.RawStdEncoding.EncodeToString(nothing), w.cost)
	if err != nil {
		return fmt.Errorf("sim: PasswordCost: %w", err)
	}
	w.noAccount = h
	return nil
}

// ReplayErrors returns the problems found while replaying the store: lines
// that were not records (a truncated last line after a kill) and records that
// could not be applied. They were skipped.
func (w *World) ReplayErrors() []error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.replayErrs)
}

// Replayed returns how many records NewWorld read from the store (applied or not;
// lines that did not decode are not counted).
func (w *World) Replayed() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.replayed
}

// Throttled counts account creations and logins refused by the throttles.
func (w *World) Throttled() (creations, logins uint64) {
	return w.creations.refused.Load(), w.failedLogins.refused.Load()
}

// Rehashed counts logins whose old password hash (another cost, or
// PBKDF2) was replaced with one at the world's cost.
func (w *World) Rehashed() uint64 { return w.rehashed.Load() }

// Cleaned counts input lines that had control characters removed.
func (w *World) Cleaned() uint64 { return w.cleaned.Load() }

// ServerName returns the configured server name.
func (w *World) ServerName() string { return w.serverName }

// Close closes the world's store. The world must not be changed afterwards.
func (w *World) Close() error { return w.store.Close() }

// WorldStats counts what a world holds.
type WorldStats struct {
	Accounts, Objects, Rooms, Characters int
}

// Stats counts accounts and objects (Limbo included).
func (w *World) Stats() WorldStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := WorldStats{Accounts: len(w.accounts), Objects: len(w.objects)}
	for _, o := range w.objects {
		switch o.Kind {
		case KindRoom:
			s.Rooms++
		case KindCharacter:
			s.Characters++
		}
	}
	return s
}

// Object returns a copy of object id.
func (w *World) Object(id ObjID) (Object, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	o := w.objects[id]
	if o == nil {
		return Object{}, false
	}
	return o.Clone(), true
}

// Character returns a copy of object id if it is a character.
func (w *World) Character(id ObjID) (Object, bool) {
	o, ok := w.Object(id)
	if !ok || o.Kind != KindCharacter {
		return Object{}, false
	}
	return o, true
}

// Location returns where object id is, 0 if nowhere or unknown.
func (w *World) Location(id ObjID) ObjID {
	w.mu.Lock()
	defer w.mu.Unlock()
	if o := w.objects[id]; o != nil {
		return o.Location
	}
	return 0
}

// Contents returns the objects located in loc (exits included), in id order.
func (w *World) Contents(loc ObjID) []ObjID {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.contentsLocked(loc, 0, 0)
}

// CharactersIn returns the characters located in room, in id order.
func (w *World) CharactersIn(room ObjID) []ObjID {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.contentsLocked(room, KindCharacter, 0)
}

// RoomByName returns the room whose key or alias is name (case-insensitive),
// the oldest if several share it.
func (w *World) RoomByName(name string) (ObjID, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ids := w.rooms[strings.ToLower(strings.TrimSpace(name))]
	if len(ids) == 0 {
		return 0, false
	}
	return ids[0], true
}

// contentsLocked returns the ids in loc of kind (0: any kind) other than except, in id order.
func (w *World) contentsLocked(loc ObjID, kind Kind, except ObjID) []ObjID {
	var ids []ObjID
	for _, o := range w.contents[loc] {
		if (kind == 0 || o.Kind == kind) && o.ID != except {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

// addObjectLocked inserts o and indexes it.
func (w *World) addObjectLocked(o *Object) {
	w.objects[o.ID] = o
	if o.ID >= w.nextObj {
		w.nextObj = o.ID + 1
	}
	if o.Kind == KindRoom {
		for _, n := range objectNames(o) {
			w.rooms[n] = insertID(w.rooms[n], o.ID)
		}
	}
	if o.Location != 0 {
		w.placeLocked(o, o.Location)
	}
}

// placeLocked puts o into loc's indexes (o.Location must already be loc or be set by the caller).
func (w *World) placeLocked(o *Object, loc ObjID) {
	objs := w.contents[loc]
	i, found := slices.BinarySearchFunc(objs, o.ID, byID)
	if !found {
		w.contents[loc] = slices.Insert(objs, i, o)
	}
	byName := w.names[loc]
	if byName == nil {
		byName = make(map[string][]ObjID)
		w.names[loc] = byName
	}
	for _, n := range objectNames(o) {
		byName[n] = insertID(byName[n], o.ID)
	}
}

// unplaceLocked removes o from loc's indexes.
func (w *World) unplaceLocked(o *Object, loc ObjID) {
	objs := w.contents[loc]
	if i, found := slices.BinarySearchFunc(objs, o.ID, byID); found {
		objs = slices.Delete(objs, i, i+1)
		if len(objs) == 0 {
			delete(w.contents, loc)
		} else {
			w.contents[loc] = objs
		}
	}
	if byName := w.names[loc]; byName != nil {
		for _, n := range objectNames(o) {
			ids := removeID(byName[n], o.ID)
			if len(ids) == 0 {
				delete(byName, n)
			} else {
				byName[n] = ids
			}
		}
		if len(byName) == 0 {
			delete(w.names, loc)
		}
	}
}

// moveLocked changes o's location, keeping the indexes.
func (w *World) moveLocked(o *Object, to ObjID) {
	if o.Location != 0 {
		w.unplaceLocked(o, o.Location)
	}
	o.Location = to
	if to != 0 {
		w.placeLocked(o, to)
	}
}

// inLocked returns the objects in loc named name (key or alias, case-insensitive), ascending.
func (w *World) inLocked(loc ObjID, name string) []ObjID {
	return w.names[loc][strings.ToLower(name)]
}

// objectNames returns o's lower-case key and aliases, without duplicates.
func objectNames(o *Object) []string {
	names := make([]string, 0, 1+len(o.Aliases))
	names = append(names, strings.ToLower(o.Key))
	for _, a := range o.Aliases {
		if a = strings.ToLower(a); !slices.Contains(names, a) {
			names = append(names, a)
		}
	}
	return names
}

func byID(o *Object, id ObjID) int { return cmp.Compare(o.ID, id) }

func insertID(ids []ObjID, id ObjID) []ObjID {
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	return slices.Insert(ids, i, id)
}

func removeID(ids []ObjID, id ObjID) []ObjID {
	if i, found := slices.BinarySearch(ids, id); found {
		return slices.Delete(ids, i, i+1)
	}
	return ids
}
