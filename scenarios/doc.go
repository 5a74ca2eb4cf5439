// Package scenarios holds the Ginkgo suites that prove the portal: each
// suite is a subpackage (restart, and more to come: throttle, sessid,
// sync, disconnect), run by "go test ./scenarios/..." or
// "ginkgo -r scenarios". Specs carry labels for filtering.
package scenarios
