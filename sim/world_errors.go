package sim

import "errors"

// Errors returned by the world model, the stores and the password helpers.
var (
	// ErrNameTaken is returned when an account name is already used (names are case-insensitive).
	ErrNameTaken = errors.New("sim: account name taken")
	// ErrBadName is returned for an account name that is not 3-30 characters of [A-Za-z0-9_-].
	ErrBadName = errors.New("sim: invalid account name")
	// ErrBadPassword is returned for a password shorter than [MinPasswordLen].
	ErrBadPassword = errors.New("sim: invalid password")
	// ErrLoginFailed is returned by [World.Authenticate] for an unknown name or a wrong password.
	ErrLoginFailed = errors.New("sim: username and/or password is incorrect")
	// ErrNotFound is returned when an object or account does not exist.
	ErrNotFound = errors.New("sim: not found")
	// ErrBadRecord is wrapped by errors about a store record that cannot be applied.
	ErrBadRecord = errors.New("sim: bad record")
	// ErrCorruptRecord is wrapped by [Journal.Replay] errors about lines that are not valid records.
	ErrCorruptRecord = errors.New("sim: corrupt journal line")
	// ErrStoreClosed is returned by a store used after Close.
	ErrStoreClosed = errors.New("sim: store closed")
	// ErrBadHash is returned for an encoded password hash that cannot be parsed.
	ErrBadHash = errors.New("sim: malformed password hash")
	// ErrTooLong is returned for a name, description or attribute past its limit ([MaxNameLen] and others).
	ErrTooLong = errors.New("sim: too long")
	// ErrBadPerm is returned for a permission level that is not Player, Builder, Admin or Developer.
	ErrBadPerm = errors.New("sim: invalid permission level")
)
