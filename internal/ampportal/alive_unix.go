//go:build unix

package ampportal

import (
	"errors"
	"syscall"
)

// alive reports whether process pid exists (one of another user's
// refuses the signal, and exists).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
