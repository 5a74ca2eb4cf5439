// Package livemetrics shows a Dummyrunner run while it goes on, as
// Prometheus metrics: per-action latency and time-to-first-byte
// histograms, commands sent, answered and failed, clients by state,
// connection phases, lost clients, faults, the generator's own health and
// the run's identity, for a Grafana dashboard that follows a long run.
//
// A [Recorder] is the run's [dummyrunner.Observer]: [dummyrunner.Execute]
// shows it every result before its aggregator folds the result into the
// report, so the live metrics and the report come from one measurement.
// The Recorder keeps cumulative counts in a [Snapshot], a plain value
// that a -procs child sends its parent as JSON once a second; [Procs]
// keeps the latest Snapshot of each child. A [Collector] reads the
// Snapshots of a [Source] (a Recorder, or Procs) at every scrape and
// exposes their sum, so a run spread over processes is served, merged,
// from the parent. [Handler] serves a Collector together with the Go
// runtime and process collectors of client_golang.
//
// Concurrency: a Recorder's Result and Health may be called while
// Snapshot is (each takes the Recorder's mutex); Procs is safe for
// concurrent use; a Collector may be scraped concurrently.
//
// The package imports dummyrunner (for its Result) and never the other
// way round: the Dummyrunner knows only its Observer interface.
package livemetrics
