package sim

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func TestJournalAppendReplay(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if j.Path() != path {
		t.Errorf("Path = %q", j.Path())
	}
	want := []Record{
		{Op: OpCreate, Objects: []ObjectSpec{{ID: 3, Key: "r", Kind: KindRoom, Desc: "line1\nline2 \"quoted\" <b>"}}},
		{Op: OpSetAttr, ID: 3, Attr: "a", Value: "é ü 😀"},
		{Op: OpMove, ID: 4, To: 3},
	}
	for _, r := range want {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	var got []Record
	if err := j.Replay(func(r Record) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("replayed %v, want %v", got, want)
	}
	stop := errors.New("stop")
	calls := 0
	if err := j.Replay(func(Record) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Replay with a failing fn = %v after %d calls, want stop after 1", err, calls)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := j.Append(want[0]); !errors.Is(err, ErrStoreClosed) {
		t.Errorf("Append after Close = %v, want ErrStoreClosed", err)
	}
	if err := j.Replay(func(Record) error { return nil }); !errors.Is(err, ErrStoreClosed) {
		t.Errorf("Replay after Close = %v, want ErrStoreClosed", err)
	}
}

func TestJournalCorruptLines(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	content := `{"op":"move","id":3,"to":2}` + "\n" +
		"garbage\n" +
		"\n" +
		`{"op":"desc","id":2,"value":"x"}` + "\n" +
		`{"op":"move","id":3,` // cut, no newline
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := j.Append(Record{Op: OpDesc, ID: 2, Value: "after"}); err != nil {
		t.Fatal(err)
	}
	var ops []string
	err = j.Replay(func(r Record) error { ops = append(ops, r.Op+":"+r.Value); return nil })
	if want := "[move: desc:x desc:after]"; fmt.Sprint(ops) != want {
		t.Errorf("replayed %v, want %s", ops, want)
	}
	if !errors.Is(err, ErrCorruptRecord) {
		t.Fatalf("Replay error = %v, want ErrCorruptRecord", err)
	}
	var lines []int
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var cle *CorruptLineError
		if errors.As(e, &cle) {
			lines = append(lines, cle.Line)
		}
	}
	if fmt.Sprint(lines) != "[2 5]" {
		t.Errorf("corrupt lines %v, want [2 5]", lines)
	}
}

func TestJournalConcurrentAppend(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				if err := j.Append(Record{Op: OpSetAttr, ID: ObjID(g + 1), Attr: "n", Value: fmt.Sprint(i)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	next := make(map[ObjID]int)
	err = j.Replay(func(r Record) error {
		if r.Value != fmt.Sprint(next[r.ID]) {
			return fmt.Errorf("writer %v: got value %s, want %d", r.ID, r.Value, next[r.ID])
		}
		next[r.ID]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for g := range writers {
		if next[ObjID(g+1)] != each {
			t.Errorf("writer %d: %d records, want %d", g+1, next[ObjID(g+1)], each)
		}
	}
}

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	s := NewMemoryStore()
	for i := range 3 {
		if err := s.Append(Record{Op: OpMove, ID: ObjID(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if s.Len() != 3 {
		t.Errorf("Len = %d", s.Len())
	}
	var ids []ObjID
	if err := s.Replay(func(r Record) error { ids = append(ids, r.ID); return nil }); err != nil || fmt.Sprint(ids) != "[#0 #1 #2]" {
		t.Errorf("Replay = %v, %v", ids, err)
	}
	s.Close()
	if err := s.Append(Record{}); !errors.Is(err, ErrStoreClosed) {
		t.Errorf("Append after Close = %v", err)
	}
}
