// Package reportstest builds reports for the tests of the packages that
// read them (compare, render): small, deterministic runs, cheap enough
// for a fuzz target to compare and render many times a second.
package reportstest
