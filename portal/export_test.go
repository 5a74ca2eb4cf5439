package portal

import "time"

func init() {
	// Tests that replace a live server need not wait the production grace time.
	takeoverWait = 300 * time.Millisecond
}
