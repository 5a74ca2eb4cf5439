package fanout

import "errors"

// ErrInvalidConfig is wrapped by every [Config.Validate] error.
var ErrInvalidConfig = errors.New("fanout: invalid config")
