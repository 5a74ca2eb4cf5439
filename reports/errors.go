package reports

import "errors"

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
