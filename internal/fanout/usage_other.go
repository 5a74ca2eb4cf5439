//go:build !unix

package fanout

import "time"

// processCPU is not measured here: 0.
func processCPU() time.Duration { return 0 }

// processIO is not measured here: zeros.
func processIO() (reads, writes uint64) { return 0, 0 }
