package reports

import (
	"errors"
	"fmt"
)

var (
	// ErrVersion is returned by Read for a report whose version this
	// package does not understand, and by Merge for reports of different
	// versions.
	ErrVersion = errors.New("unsupported report version")
	// ErrInvalid wraps the problems Validate and Read find in a report.
	ErrInvalid = errors.New("invalid report")
	// ErrHistogram wraps the problems found while decoding a Histogram.
	ErrHistogram = errors.New("invalid histogram")
	// ErrMismatch is returned by Merge for reports of different runs
	// (a different scenario or seed).
	ErrMismatch = errors.New("reports of different runs")
	// ErrDuplicate is returned by Merge for reports that cover the same
	// part of a run twice: a shard in both, or two whole runs.
	ErrDuplicate = errors.New("reports overlap")
	// ErrNoReports is returned by MergeAll when it is given no report.
	ErrNoReports = errors.New("no reports to merge")
	// ErrThreshold wraps the problems of a threshold expression.
	ErrThreshold = errors.New("invalid threshold")
)

// ThresholdError is the error of a threshold expression that does not
// parse, or names an action that is not known (see [ParseThreshold] and
// [Threshold.CheckAction]). It wraps ErrThreshold and Err.
type ThresholdError struct {
	// Expr is the expression.
	Expr string
	// Err says what is wrong with it.
	Err error
}

// Error returns "invalid threshold", the expression quoted and what is
// wrong with it.
func (e *ThresholdError) Error() string {
	return fmt.Sprintf("%v %q: %v", ErrThreshold, e.Expr, e.Err)
}

// Unwrap returns ErrThreshold and Err.
func (e *ThresholdError) Unwrap() []error { return []error{ErrThreshold, e.Err} }
