//go:build !linux

package dynamodblocal

import "syscall"

// sysProcAttr puts the JVM in its own process group, so Stop kills it and anything it
// started. Only Linux can also have it killed when its parent dies (see sysproc_linux.go):
// elsewhere a test binary that dies leaves its JVM running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
