package faults

import "errors"

var (
	// ErrInvalidToxic wraps the problems of a [Toxic] given to [Proxy.Add].
	ErrInvalidToxic = errors.New("faults: invalid toxic")
	// ErrInvalidConfig wraps the problems of a [ProxyConfig], [StormConfig] or [SlowlorisConfig].
	ErrInvalidConfig = errors.New("faults: invalid config")
	// ErrProxyClosed is returned by [Proxy.Add] after [Proxy.Close].
	ErrProxyClosed = errors.New("faults: proxy closed")
)
