// Package reports holds the measurements of a load-generator run and
// their versioned JSON form.
//
// A [Report] is filled by the Dummyrunner while it drives scripted
// clients against a server: per-action command counters and latency
// [Histogram]s, connection [Phase]s, the echo-probe [Lag] split, a
// per-second [Interval] timeline (each second with the machine's [Load]:
// what other processes used of its cores beside the run) and the
// generator's own health. Reports
// of the same run produced by several processes or shards combine
// exactly with [Report.Merge] and [MergeAll], because every distribution
// is an HDR histogram rather than a list of samples.
//
// [Report.Write] and [Read] convert a report to and from indented JSON
// whose layout is identified by [Version]; durations are integers in
// nanoseconds and their keys end in "_ns".
//
// A [Threshold] is an absolute pass/fail gate such as "p99(look) < 200ms"
// or "error_rate < 1%" (see [ParseThreshold]); [Report.Check] evaluates a
// set of them and records the results in the report.
//
// The package is the model and its arithmetic: it imports nothing of the
// project, and nothing below it. Package compare compares two runs
// ([Pool] joins repeated runs for it), package render writes a report or
// a comparison as text, Markdown, benchfmt, HTML, JUnit XML or CSV, and
// package reportstest builds reports for their tests.
//
// Nothing in this package is safe for concurrent use: callers that record
// from several goroutines must serialize access, or record into separate
// reports and merge them.
package reports
