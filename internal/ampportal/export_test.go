package ampportal

import "os/exec"

// SetSpawn replaces how b starts a Server process (cmd.Start).
func SetSpawn(b *Bridge, spawn func(*exec.Cmd) error) { b.spawn = spawn }
