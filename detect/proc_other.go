//go:build !unix

package detect

import "os/exec"

// setProcessGroup is a no-op where there are no process groups; the
// default cancellation kills the shell only.
func setProcessGroup(cmd *exec.Cmd) {}
