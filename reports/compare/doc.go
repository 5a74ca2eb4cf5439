// Package compare compares two runs of the same scenario, each one run or
// several pooled ([reports.Pool]), and tells a real change from noise.
//
// [Compare] computes each metric (percentiles of all commands' and each
// action's latency, throughput, error rate) per time window of both
// timelines. With several runs pooled on each side, each run's level of
// a metric is the median of its windows, and the levels are compared
// with Student's t-test (the run is the unit: whole runs of one build
// differ); with one run on a side, the windows are compared with a
// Mann–Whitney U test (golang.org/x/perf/benchmath's) and a
// percentile-bootstrap confidence interval of the change. A
// Holm–Bonferroni adjustment covers the metrics that decide the verdict,
// and separately the informational ones (each action's latency); a
// change counts when it is significant and at least a minimum effect or
// beyond its [Threshold]. The [Comparison] it returns ends in a
// [Verdict] with a process exit code each; package render writes it as a
// table.
//
// The machine is judged along with the build ([LoadComparison]): the
// seconds in which other processes took a share of the cores well above
// the pair's quiet level are dropped from both runs by position, and a
// regression or an improvement between runs whose background loads
// differ is [VerdictInconclusive].
//
// Compare depends on nothing but its arguments and does not modify them.
package compare
