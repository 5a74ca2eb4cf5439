package reports

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// shardReport is sampleReport as part of run id: the given shards, or
// the whole run without any.
func shardReport(t *testing.T, id string, shards ...ShardID) *Report {
	t.Helper()
	r := sampleReport(t)
	r.Meta.RunID, r.Meta.Shards = id, shards
	return r
}

func TestMergeShardIdentity(t *testing.T) {
	t.Parallel()
	s := func(i, n int) ShardID { return ShardID{Index: i, Count: n} }
	tests := []struct {
		name string
		a, b func(t *testing.T) *Report
		want string // "" merges
	}{
		{"the same shard twice", func(t *testing.T) *Report { return shardReport(t, "r1", s(0, 2)) }, func(t *testing.T) *Report { return shardReport(t, "r1", s(0, 2)) },
			"shard 0/2 is in both reports (the same run r1: the same report twice?)"},
		{"one shard of two runs", func(t *testing.T) *Report { return shardReport(t, "r1", s(1, 3)) }, func(t *testing.T) *Report { return shardReport(t, "r2", s(0, 3), s(1, 3)) },
			"shard 1/3 is in both reports"},
		{"two whole runs", func(t *testing.T) *Report { return shardReport(t, "r1") }, func(t *testing.T) *Report { return shardReport(t, "r2") },
			"the whole run r1 and the whole run r2: two whole runs are two runs"},
		{"a whole run and a shard", func(t *testing.T) *Report { return shardReport(t, "r1", s(0, 2)) }, func(t *testing.T) *Report { return shardReport(t, "r2") },
			"shard 0/2 of run r1 and the whole run r2: a whole run can only be merged with nothing"},
		{"split differently", func(t *testing.T) *Report { return shardReport(t, "r1", s(0, 2)) }, func(t *testing.T) *Report { return shardReport(t, "r2", s(1, 3)) },
			"shard 0/2 and shard 1/3 are of runs split differently"},
		{"two shards", func(t *testing.T) *Report { return shardReport(t, "r1", s(1, 2)) }, func(t *testing.T) *Report { return shardReport(t, "r2", s(0, 2)) }, ""},
		{"an old report and a whole run", func(t *testing.T) *Report { return shardReport(t, "") }, func(t *testing.T) *Report { return shardReport(t, "r2") }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := tc.a(t), tc.b(t)
			before := a.Clone()
			err := a.Merge(b)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Merge() = %v, want it to merge", err)
				}
				return
			}
			if !errors.Is(err, ErrDuplicate) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Merge() = %v, want ErrDuplicate saying %q", err, tc.want)
			}
			if a.Actions["look"].Sent != before.Actions["look"].Sent {
				t.Error("a refused Merge changed the report")
			}
		})
	}
}

func TestMergeShardsUnion(t *testing.T) {
	t.Parallel()
	s := func(i int) ShardID { return ShardID{Index: i, Count: 3} }
	m, err := MergeAll(shardReport(t, "r1", s(2)), shardReport(t, "r1", s(0)), shardReport(t, "r1", s(1)))
	if err != nil {
		t.Fatalf("MergeAll: %v", err)
	}
	if want := []ShardID{s(0), s(1), s(2)}; m.Meta.RunID != "r1" || !slices.Equal(m.Meta.Shards, want) {
		t.Errorf("merged identity %q %v, want r1 %v", m.Meta.RunID, m.Meta.Shards, want)
	}
	if err := m.Merge(shardReport(t, "r1", s(1))); !errors.Is(err, ErrDuplicate) {
		t.Errorf("merging shard 1/3 into the merge of all three = %v, want ErrDuplicate", err)
	}
	// A report without identity (before version 3) merges, and the
	// result has none: nothing can be checked about it any more.
	old, err := MergeAll(shardReport(t, "r1", s(0)), shardReport(t, ""))
	if err != nil {
		t.Fatalf("MergeAll with an old report: %v", err)
	}
	if old.Meta.HasIdentity() || old.Meta.Shards != nil {
		t.Errorf("merge with an old report keeps identity %q %v, want none", old.Meta.RunID, old.Meta.Shards)
	}
}

func TestMergeInterrupted(t *testing.T) {
	t.Parallel()
	for _, first := range []bool{false, true} {
		a, b := sampleReport(t), sampleReport(t)
		a.Meta.Interrupted, b.Meta.Interrupted = first, !first
		if err := a.Merge(b); err != nil {
			t.Fatalf("Merge: %v", err)
		}
		if !a.Meta.Interrupted {
			t.Errorf("merge of an interrupted and a complete report (interrupted first: %v) is not interrupted", first)
		}
	}
	p, err := Pool([]*Report{sampleReport(t), func() *Report { r := sampleReport(t); r.Meta.Interrupted = true; return r }()}, 0)
	if err != nil {
		t.Fatalf("Pool: %v", err)
	}
	if !p.Meta.Interrupted {
		t.Error("a pool with an interrupted run is not interrupted")
	}
}

// TestReadVersion2Identity reads a report of the layout before
// interruptions and shard identities: not interrupted, no identity.
func TestReadVersion2Identity(t *testing.T) {
	t.Parallel()
	r := shardReport(t, "r1", ShardID{0, 2})
	r.Meta.Interrupted = true
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if !got.Meta.Interrupted || got.Meta.RunID != "r1" || !slices.Equal(got.Meta.Shards, []ShardID{{0, 2}}) {
		t.Errorf("round trip: interrupted %v, identity %q %v", got.Meta.Interrupted, got.Meta.RunID, got.Meta.Shards)
	}
	buf.Reset()
	if err := sampleReport(t).Write(&buf); err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(buf.String(), `"version": 4,`, `"version": 2,`, 1)
	if old == buf.String() {
		t.Fatal("no version 4 to replace")
	}
	got, err = Read(strings.NewReader(old))
	if err != nil {
		t.Fatalf("Read(version 2): %v", err)
	}
	if got.Meta.Interrupted || got.Meta.HasIdentity() {
		t.Errorf("version 2 report: interrupted %v, identity %q; want neither", got.Meta.Interrupted, got.Meta.RunID)
	}
}

func TestShowInterrupted(t *testing.T) {
	t.Parallel()
	for _, interrupted := range []bool{false, true} {
		r := sampleReport(t)
		r.Meta.Interrupted = interrupted
		var text, md bytes.Buffer
		if err := r.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteMarkdown(&md); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(text.String(), "INTERRUPTED: the run was stopped before its planned end"); got != interrupted {
			t.Errorf("interrupted %v: text says INTERRUPTED: %v\n%s", interrupted, got, text.String())
		}
		if got := strings.Contains(md.String(), "**INTERRUPTED**"); got != interrupted {
			t.Errorf("interrupted %v: markdown says INTERRUPTED: %v", interrupted, got)
		}
	}
}
