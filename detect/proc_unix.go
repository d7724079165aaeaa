//go:build unix

package detect

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// setProcessGroup makes the detector the leader of its own process group
// and has cancellation kill the whole group: a detector is usually a shell
// running other programs, and killing only the shell would leave its
// children running (and holding the output pipes).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
}
