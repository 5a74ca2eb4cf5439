package sim

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// buildSampleWorld plays a small session on w: Dummy_1 digs and builds,
// Dummy_2 stays in Limbo. It returns Dummy_1's caller.
func buildSampleWorld(t *testing.T, w *World) *recCaller {
	t.Helper()
	n := &recNotifier{}
	c := loginAs(t, w, n, "Dummy_1")
	loginAs(t, w, n, "Dummy_2")
	for _, line := range []string{
		"dig testing_room_start_1",
		"teleport testing_room_start_1",
		"dig/tel testing_room_1;tr1 = exit_1, exit_2",
		"create testing_obj_1",
		`desc testing_obj_1 = "this is a test object`,
		"set testing_obj_1/testattr = this is a test attribute value.",
		"set testing_obj_1/testattr2 = this is a second test attribute.",
		"set testing_obj_1/gone = soon deleted",
		"set testing_obj_1/gone =",
		"create testing_button_1:contrib.tutorial_examples.red_button.RedButton",
		"desc testing_button_1 = test red button!",
		"exit_2",
		"desc The start room.",
		"teleport Limbo",
		"desc Limbo, changed.",
		"teleport testing_room_1",
	} {
		execLine(t, w, c, n, line)
	}
	return c
}

// sameWorld fails unless a and b hold the same accounts and objects.
func sameWorld(t *testing.T, a, b *World) {
	t.Helper()
	if sa, sb := a.Stats(), b.Stats(); sa != sb {
		t.Errorf("Stats: %+v vs %+v", sa, sb)
	}
	for id := ObjID(1); id < 64; id++ {
		oa, okA := a.Object(id)
		ob, okB := b.Object(id)
		if okA != okB || !equalObjects(oa, ob) {
			t.Errorf("object %v: %+v (%v) vs %+v (%v)", id, oa, okA, ob, okB)
		}
	}
	for id := AccountID(1); id < 8; id++ {
		aa, okA := a.AccountByID(id)
		ab, okB := b.AccountByID(id)
		if okA != okB || (okA && (*aa != *ab)) {
			t.Errorf("account %d: %+v vs %+v", id, aa, ab)
		}
	}
	if got, want := b.Contents(LimboID), a.Contents(LimboID); !equalIDs(got, want) {
		t.Errorf("Limbo contents: %v vs %v", want, got)
	}
}

func equalIDs(a, b []ObjID) bool { return bytes.Equal([]byte(idString(a)), []byte(idString(b))) }

func idString(ids []ObjID) string {
	var b bytes.Buffer
	for _, id := range ids {
		b.WriteString(id.String())
	}
	return b.String()
}

func TestJournalPersistence(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "world.journal")
	j1, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	w1 := newTestWorld(t, j1)
	buildSampleWorld(t, w1)
	// No Close: a killed process closes nothing, and the data must already be in the file.

	j2, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	w2 := newTestWorld(t, j2)
	if errs := w2.ReplayErrors(); len(errs) != 0 {
		t.Fatalf("ReplayErrors = %v, want none", errs)
	}
	if w2.Replayed() == 0 {
		t.Fatal("Replayed() = 0")
	}
	sameWorld(t, w1, w2)

	// Spot checks, through commands, in the new world.
	n := &recNotifier{}
	c := &recCaller{}
	got := execLine(t, w2, c, n, "connect dummy_1 pw-Dummy_1")
	if want := "You become Dummy_1.\ntesting_room_1\nExits: exit_2"; got != want {
		t.Errorf("connect after restart: got %q, want %q", got, want)
	}
	got = execLine(t, w2, c, n, "examine testing_obj_1")
	wantContains(t, "examine testing_obj_1", got, "Description: \"this is a test object",
		"Attributes:\ntestattr = this is a test attribute value.\ntestattr2 = this is a second test attribute.")
	if bytes.Contains([]byte(got), []byte("gone")) {
		t.Errorf("deleted attribute came back: %q", got)
	}
	if got, want := execLine(t, w2, c, n, "look testing_button_1"), "testing_button_1\ntest red button!"; got != want {
		t.Errorf("button: got %q, want %q", got, want)
	}
	if got, want := execLine(t, w2, c, n, "exit_2"), "testing_room_start_1\nThe start room.\nExits: exit_1"; got != want {
		t.Errorf("exit after restart: got %q, want %q", got, want)
	}
	if got := execLine(t, w2, c, n, "teleport TR1"); got == "" || got[:9] != "Teleporte" {
		t.Errorf("teleport by alias after restart: %q", got)
	}
	if l, _ := w2.Object(LimboID); l.Desc != "Limbo, changed." {
		t.Errorf("Limbo desc = %q", l.Desc)
	}
	if got, want := execLine(t, w2, &recCaller{}, n, "connect Dummy_2 wrong"), "Username and/or password is incorrect."; got != want {
		t.Errorf("wrong password after restart: got %q, want %q", got, want)
	}
	// New ids continue after the replayed ones.
	before := w2.Stats().Objects
	if got, want := execLine(t, w2, c, n, "create newthing"), "You create a new Object: newthing."; got != want {
		t.Fatalf("create: %q", got)
	}
	// #1 is unused, so the replayed ids end at #Objects+1.
	if _, ok := w2.Object(ObjID(before + 2)); !ok {
		t.Errorf("new object is not #%d", before+2)
	}
	if _, err := w2.CreateAccount("Dummy_2", "x12"); !errors.Is(err, ErrNameTaken) {
		t.Errorf("re-creating Dummy_2 after restart: %v, want ErrNameTaken", err)
	}
}

func TestJournalTruncatedLastLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "world.journal")
	j1, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	w1 := newTestWorld(t, j1)
	c1 := buildSampleWorld(t, w1)
	if err := j1.Close(); err != nil {
		t.Fatal(err)
	}
	complete, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.Count(complete, []byte("\n"))

	// One more move, cut in the middle as a SIGKILL during write(2) would.
	j1b, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	w1b := newTestWorld(t, j1b)
	execLine(t, w1b, c1, &recNotifier{}, "exit_2")
	j1b.Close()
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := len(complete) + (len(full)-len(complete))/2
	if err := os.WriteFile(path, full[:cut], 0o644); err != nil {
		t.Fatal(err)
	}

	j2, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	w2 := newTestWorld(t, j2)
	errs := w2.ReplayErrors()
	var cle *CorruptLineError
	if len(errs) != 1 || !errors.Is(errs[0], ErrCorruptRecord) || !errors.As(errs[0], &cle) || cle.Line != lines+1 {
		t.Fatalf("ReplayErrors = %v, want one corrupt line %d", errs, lines+1)
	}
	sameWorld(t, w1, w2) // the cut move is lost, everything before it is there

	// Records appended after the cut line start on a line of their own.
	n := &recNotifier{}
	c := loginAs(t, w2, n, "Dummy_3")
	execLine(t, w2, c, n, "dig After")
	j2.Close()
	j3, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j3.Close()
	w3 := newTestWorld(t, j3)
	if errs := w3.ReplayErrors(); len(errs) != 1 {
		t.Errorf("third start: ReplayErrors = %v, want just the old cut line", errs)
	}
	if _, ok := w3.AccountByName("Dummy_3"); !ok {
		t.Error("Dummy_3, created after the cut, is missing")
	}
	if _, ok := w3.RoomByName("After"); !ok {
		t.Error("room After, dug after the cut, is missing")
	}
}

func TestReplaySkipsBadRecords(t *testing.T) {
	t.Parallel()
	s := NewMemoryStore()
	for _, rec := range []Record{
		{Op: "explode"},
		{Op: OpMove, ID: 99, To: LimboID},
		{Op: OpCreate, Objects: []ObjectSpec{{ID: 5, Key: "box", Kind: KindThing, Location: 77}}},
		{Op: OpCreate, Objects: []ObjectSpec{{ID: 6, Key: "ok", Kind: KindThing, Location: LimboID}}},
		{Op: OpCreate, Objects: []ObjectSpec{{ID: 6, Key: "dup", Kind: KindThing}}},
		{Op: OpAccount, Account: 1, Name: "x", Hash: "h", Objects: []ObjectSpec{{ID: 7, Key: "x", Kind: KindCharacter}}},
		{Op: OpMove, ID: LimboID, To: 6},
	} {
		if err := s.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	w := newTestWorld(t, s)
	errs := w.ReplayErrors()
	if len(errs) != 6 {
		t.Fatalf("ReplayErrors = %v, want 6", errs)
	}
	for _, err := range errs {
		if !errors.Is(err, ErrBadRecord) {
			t.Errorf("%v does not wrap ErrBadRecord", err)
		}
	}
	if o, ok := w.Object(6); !ok || o.Key != "ok" {
		t.Errorf("Object(6) = %+v, %v; want the good record applied", o, ok)
	}
	if got, want := w.Replayed(), 7; got != want {
		t.Errorf("Replayed = %d, want %d", got, want)
	}
}

// brokenStore fails to replay.
type brokenStore struct{ MemoryStore }

func (*brokenStore) Replay(func(Record) error) error { return io.ErrUnexpectedEOF }

func TestNewWorldErrors(t *testing.T) {
	t.Parallel()
	if _, err := NewWorld(WorldConfig{Store: &brokenStore{}}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("NewWorld(broken store) error = %v, want io.ErrUnexpectedEOF", err)
	}
	if _, err := NewWorld(WorldConfig{PasswordCost: TestPasswordCost}); err == nil {
		t.Error("NewWorld(a test cost without InsecurePasswordCost) succeeded")
	}
	if _, err := NewWorld(WorldConfig{PasswordCost: 40, InsecurePasswordCost: true, NewAccountPerm: PermBuilder}); err == nil {
		t.Error("NewWorld(bcrypt cost 40) succeeded")
	}
}

func TestFreshWorld(t *testing.T) {
	t.Parallel()
	w, err := NewWorld(WorldConfig{})
	if err != nil {
		t.Fatal(err)
	}
	limbo, ok := w.Object(LimboID)
	if !ok || limbo.Key != "Limbo" || limbo.Kind != KindRoom || limbo.Desc == "" {
		t.Errorf("Limbo = %+v, %v", limbo, ok)
	}
	if _, ok := w.Object(SuperuserID); ok {
		t.Error("#1 exists in a fresh world; it is reserved")
	}
	if id, ok := w.RoomByName("limbo"); !ok || id != LimboID {
		t.Errorf("RoomByName(limbo) = %v, %v", id, ok)
	}
	if got := w.ServerName(); got != DefaultServerName {
		t.Errorf("ServerName = %q", got)
	}
	wantContains(t, "LoginScreen", w.LoginScreen(), "Welcome to portalsim!", "connect <username> <password>",
		"create <username> <password>", "help", "quit")
	if err := w.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestStoreFailureChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := f.w.store.Close(); err != nil {
		t.Fatal(err)
	}
	got := execLine(t, f.w, f.alice, f.n, "dig Nowhere")
	wantContains(t, "dig Nowhere", got, "Could not dig Nowhere", "store closed")
	if _, ok := f.w.RoomByName("Nowhere"); ok {
		t.Error("a room whose record was not saved exists")
	}
	if got := execLine(t, f.w, f.alice, f.n, "north"); got == "Garden\nExits: south" {
		t.Errorf("moved although the move was not saved")
	}
	if loc := f.w.Location(f.alice.acct.Character); loc != LimboID {
		t.Errorf("Alice is in %v after a failed move, want Limbo", loc)
	}
}
