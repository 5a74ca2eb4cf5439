package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// version, when set at build time with
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/portalsim
//
// is the version portalsim reports, whatever the build info says. Left
// empty, the version comes from the build info (see [readBuildVersion]).
var version string

// noVCSNote is what "portalsim version" says of a build that knows
// neither its version nor its revision. The go command stamps VCS
// information only into go build's binaries (not go run's or go test's),
// only where the module's directory or one above it has a .git
// directory (a git worktree's .git file does not count), and not with
// -buildvcs=false (which GOFLAGS may hold).
const noVCSNote = "no version control information in this build; build with `go build` in a git clone (not a worktree), without -buildvcs=false"

// buildVersion is what a binary knows of the source it was built from.
type buildVersion struct {
	// Version is the -X override, else the main module's version as the
	// go command stamped it (Go 1.24 and later stamp it from the VCS for
	// go build: v1.2.3 at a tag, a pseudo-version after one, with
	// "+dirty" for modified sources); empty when neither is known (go
	// run, go test, -buildvcs=false, a build outside a checkout).
	Version string
	// Revision, Time and Modified are the VCS revision, its commit time
	// (RFC 3339) and whether the work tree had changes; empty and false
	// when the build has no VCS information.
	Revision, Time string
	Modified       bool
	// GoVersion is the Go toolchain that built the binary.
	GoVersion string
}

// readBuildVersion reads what bi (as [debug.ReadBuildInfo] returns it; nil
// when the binary has none) says of the build, override first.
func readBuildVersion(bi *debug.BuildInfo, override string) buildVersion {
	v := buildVersion{Version: override, GoVersion: runtime.Version()}
	if bi == nil {
		return v
	}
	if bi.GoVersion != "" {
		v.GoVersion = bi.GoVersion
	}
	if v.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// currentBuildVersion is the running binary's [buildVersion].
func currentBuildVersion() buildVersion {
	bi, _ := debug.ReadBuildInfo() // nil without build info
	return readBuildVersion(bi, version)
}

// Short is the version in a word or two, as reports record it: the
// version, else the short revision ("abcdef123456", "+dirty" when
// modified), else "dev".
func (v buildVersion) Short() string {
	switch {
	case v.Version != "":
		return v.Version
	case v.Revision != "":
		return shortRevision(v.Revision) + map[bool]string{true: "+dirty"}[v.Modified]
	}
	return "dev"
}

// Long is the line "portalsim version" prints after "portalsim ".
func (v buildVersion) Long() string {
	var b strings.Builder
	b.WriteString(v.Short())
	switch {
	case v.Revision != "":
		fmt.Fprintf(&b, " (revision %s", shortRevision(v.Revision))
		if v.Time != "" {
			fmt.Fprintf(&b, ", %s", v.Time)
		}
		if v.Modified {
			b.WriteString(", modified")
		}
		b.WriteString(")")
	case v.Version == "":
		fmt.Fprintf(&b, " (%s)", noVCSNote)
	}
	return b.String()
}

// shortRevision is the first 12 hex digits of a revision.
func shortRevision(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// versionString is the version reports record (see [buildVersion.Short]).
func versionString() string { return currentBuildVersion().Short() }

// commitString is the VCS revision reports record, "" when unknown.
func commitString() string { return currentBuildVersion().Revision }

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "Print the version: the module version or VCS revision the binary was built from, and the Go toolchain.", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	v := currentBuildVersion()
	fmt.Fprintf(stdout, "portalsim %s %s %s/%s\n", v.Long(), v.GoVersion, runtime.GOOS, runtime.GOARCH)
	return nil
}
