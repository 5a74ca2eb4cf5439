package sshdoor

import "errors"

var (
	// ErrHostKeyPermissions is returned for a host key file that others
	// than its owner may read or write: the key would not be secret.
	ErrHostKeyPermissions = errors.New("sshdoor: host key file is accessible by others than its owner")
	// ErrBadRequest is returned for a channel request whose payload is
	// malformed or carries a window size out of range.
	ErrBadRequest = errors.New("sshdoor: malformed channel request")
)
