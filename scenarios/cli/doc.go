// Package cli proves the load-test command line as a user runs it: the
// built binary, real processes, scenario files, exit codes and reports.
package cli
