package dynamodblocal

import "syscall"

// sysProcAttr puts the JVM in its own process group, so Stop kills it and anything it
// started, and has the kernel kill it when its parent dies: a test binary shares one server
// among its tests and has no hook at its end to stop it, and a panicking or timed-out test
// binary would otherwise leave a JVM running.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
