//go:build !unix

package ampportal

// alive reports whether process pid exists; off Unix it is not known,
// and a PID file is taken as stale.
func alive(int) bool { return false }
