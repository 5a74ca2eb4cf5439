package testutil

import (
	"fmt"
	"time"
)

// Await polls f every interval until it returns nil or total has passed,
// and returns f's last error. Use it instead of sleeping.
func Await(total, interval time.Duration, f func() error) error {
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after %v: %w", total, err)
		}
		time.Sleep(interval)
	}
}
