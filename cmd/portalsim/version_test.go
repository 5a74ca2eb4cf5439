package main

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestReadBuildVersion(t *testing.T) {
	t.Parallel()
	vcs := func(rev, at, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: at}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name      string
		bi        *debug.BuildInfo
		override  string
		wantShort string
		wantLong  string
	}{
		{
			name:      "no build info",
			wantShort: "dev",
			wantLong:  "dev (" + noVCSNote + ")",
		},
		{
			name:      "go run or -buildvcs=false",
			bi:        &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/portalsim/portalsim", Version: "(devel)"}},
			wantShort: "dev",
			wantLong:  "dev (" + noVCSNote + ")",
		},
		{
			name: "go build at a tag",
			bi: &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"},
				Settings: vcs(rev, "2026-03-01T10:00:00Z", "false")},
			wantShort: "v1.2.3",
			wantLong:  "v1.2.3 (revision 0123456789ab, 2026-03-01T10:00:00Z)",
		},
		{
			name: "go build of a modified tree",
			bi: &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20260301100000-0123456789ab+dirty"},
				Settings: vcs(rev, "2026-03-01T10:00:00Z", "true")},
			wantShort: "v0.0.0-20260301100000-0123456789ab+dirty",
			wantLong:  "v0.0.0-20260301100000-0123456789ab+dirty (revision 0123456789ab, 2026-03-01T10:00:00Z, modified)",
		},
		{
			name:      "a revision but no module version",
			bi:        &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "", "true")},
			wantShort: "0123456789ab+dirty",
			wantLong:  "0123456789ab+dirty (revision 0123456789ab, modified)",
		},
		{
			name:      "-ldflags -X overrides",
			bi:        &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: vcs(rev, "", "false")},
			override:  "v9.9.9-rc1",
			wantShort: "v9.9.9-rc1",
			wantLong:  "v9.9.9-rc1 (revision 0123456789ab)",
		},
		{
			name:      "-ldflags -X without VCS",
			override:  "v9.9.9",
			wantShort: "v9.9.9",
			wantLong:  "v9.9.9",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := readBuildVersion(tt.bi, tt.override)
			if got := v.Short(); got != tt.wantShort {
				t.Errorf("Short() = %q, want %q", got, tt.wantShort)
			}
			if got := v.Long(); got != tt.wantLong {
				t.Errorf("Long() = %q, want %q", got, tt.wantLong)
			}
			if v.GoVersion == "" {
				t.Errorf("GoVersion empty")
			}
		})
	}
}

// A test binary has no VCS information: "version" says so plainly
// instead of a bare "dev".
func TestVersionWithoutVCS(t *testing.T) {
	t.Parallel()
	code, out := runQuick(t, "version")
	if code != ExitOK {
		t.Fatalf("version: exit %d", code)
	}
	if v := currentBuildVersion(); v.Revision == "" && v.Version == "" && !strings.Contains(out, "no version control information") {
		t.Errorf("version of a build without VCS information:\n%s", out)
	}
}
