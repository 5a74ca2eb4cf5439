package dummyrunner

// Observer watches a run while it goes on (live metrics, a dashboard),
// fed by [Execute] from the same measurements as the report: no second
// measurement path, so what it shows and what the report says agree.
type Observer interface {
	// Result is called with every result, in the order the aggregator
	// folds them in, from the one goroutine that aggregates; it is never
	// called concurrently with itself. It must not block: the players'
	// results wait behind it.
	Result(Result)
	// Health is called about once a second with the generator's own
	// health, as the [Monitor] sampled it; never concurrently with itself,
	// but concurrently with Result.
	Health(HealthSample)
}

// HealthSample is one of the [Monitor]'s once-a-second samples of the
// generator process.
type HealthSample struct {
	// CPU is the CPU the process used in the last second, as a fraction
	// of all cores (0..1).
	CPU float64
	// FDs is the number of open file descriptors, FDLimit their limit
	// (0 when unknown).
	FDs, FDLimit int
}

// LostPhase is the report phase a lost client (KindLost) failed to
// reach, as the report counts it: the one its dial names, or the one
// after its state; "" if none.
func (r Result) LostPhase() string { return lostIn(r) }
