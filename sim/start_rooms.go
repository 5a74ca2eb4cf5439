package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxStartRooms bounds [WorldConfig.StartRooms].
const MaxStartRooms = 100_000

// StartRoomPrefix starts the key of every start room but Limbo:
// "Start Room 2", "Start Room 3", ...
const StartRoomPrefix = "Start Room "

// Where a new character starts. Evennia starts every new character in
// Limbo (START_LOCATION), and so do we by default, but a real game's
// players are spread over its rooms: with WorldConfig.StartRooms n > 1
// the accounts are dealt round-robin by account id over n start rooms,
// Limbo (account 1, n+1, 2n+1, ...) and "Start Room 2" to "Start Room n".
// The first character dealt to a start room creates it (journaled like
// any dug room, with an exit "limbo" back to Limbo), so a world opened
// again with another n keeps its rooms and characters. A start room is
// its character's home too, so "home" does not crowd everyone back in
// Limbo.

// startRoomLocked returns the start room of a new character of account
// id, creating it if it does not exist yet. w.mu must be held.
func (w *World) startRoomLocked(id AccountID) (ObjID, error) {
	if w.startRooms <= 1 {
		return LimboID, nil
	}
	k := int((int64(id)-1)%int64(w.startRooms)) + 1 // 1..n; 1 is Limbo
	if k == 1 {
		return LimboID, nil
	}
	key := StartRoomPrefix + strconv.Itoa(k)
	for _, r := range w.rooms[strings.ToLower(key)] {
		if o := w.objects[r]; o != nil && o.Kind == KindRoom && o.Owner == 0 && o.Key == key {
			return r, nil
		}
	}
	room := w.newObjIDLocked(2)
	rec := Record{Op: OpCreate, Objects: []ObjectSpec{
		{ID: room, Key: key, Kind: KindRoom, Typeclass: TypeclassRoom,
			Desc: fmt.Sprintf("One of the %d rooms new characters start in.", w.startRooms)},
		{ID: room + 1, Key: "limbo", Kind: KindExit, Typeclass: TypeclassExit, Location: room, Destination: LimboID},
	}}
	if err := w.commitLocked(rec); err != nil {
		return 0, err
	}
	return room, nil
}
