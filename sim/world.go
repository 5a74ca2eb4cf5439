package sim

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultServerName is the server name used when [WorldConfig.ServerName] is empty.
const DefaultServerName = "portalsim"

// WorldConfig configures [NewWorld]. The zero value is usable: an in-memory
// store, the default server name, [DefaultHashIterations] and [time.Now].
type WorldConfig struct {
	// Store keeps every mutation; nil means a fresh [MemoryStore].
	Store Store
	// ServerName is shown on the login screen; "" means [DefaultServerName].
	ServerName string
	// HashIterations is the PBKDF2 iteration count for new passwords; 0 means [DefaultHashIterations].
	HashIterations int
	// Now is the clock; nil means [time.Now].
	Now func() time.Time
}

// World is the game state: accounts, rooms, exits, things and characters.
// It is safe for concurrent use: one mutex guards it, held only for short,
// non-blocking sections (never while calling a [Caller] or [Notifier], and
// never while hashing a password).
type World struct {
	store      Store
	serverName string
	iterations int
	now        func() time.Time
	cmds       *commandTable // immutable after NewWorld

	mu           sync.Mutex
	objects      map[ObjID]*Object
	nextObj      ObjID
	contents     map[ObjID][]*Object          // location -> objects located there, by id
	names        map[ObjID]map[string][]ObjID // location -> lower-case key or alias -> objects (ascending)
	rooms        map[string][]ObjID           // lower-case room key or alias -> rooms (ascending)
	accounts     map[AccountID]*Account
	accountNames map[string]AccountID // lower-case name -> account
	nextAcct     AccountID
	replayErrs   []error
	replayed     int
}

// NewWorld builds a world holding Limbo, then replays cfg.Store into it.
// Records that cannot be read or applied are skipped and reported by
// [World.ReplayErrors]; only a failure to read the store at all is an error.
func NewWorld(cfg WorldConfig) (*World, error) {
	w := &World{
		store:        cfg.Store,
		serverName:   cfg.ServerName,
		iterations:   cfg.HashIterations,
		now:          cfg.Now,
		cmds:         newCommandTable(),
		objects:      make(map[ObjID]*Object),
		nextObj:      LimboID + 1,
		contents:     make(map[ObjID][]*Object),
		names:        make(map[ObjID]map[string][]ObjID),
		rooms:        make(map[string][]ObjID),
		accounts:     make(map[AccountID]*Account),
		accountNames: make(map[string]AccountID),
		nextAcct:     1,
	}
	if w.store == nil {
		w.store = NewMemoryStore()
	}
	if w.serverName == "" {
		w.serverName = DefaultServerName
	}
	if w.iterations <= 0 {
		w.iterations = DefaultHashIterations
	}
	if w.iterations > MaxHashIterations {
		return nil, fmt.Errorf("sim: HashIterations %d is more than %d", w.iterations, MaxHashIterations)
	}
	if w.now == nil {
		w.now = time.Now
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
	return w, nil
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
