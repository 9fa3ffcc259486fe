// Package moto launches moto_server — moto's emulation of AWS (DynamoDB, Step Functions and
// more) — on a free loopback port, so the same code runs against a second, independent
// implementation of the AWS services it uses. Nothing deployed imports it; tests start it
// through package mototest.
package moto

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// Server is a running moto_server.
type Server struct {
	// URL is the endpoint to give an AWS SDK client, e.g. http://127.0.0.1:41234.
	URL  string
	Port int
	cmd  *exec.Cmd
}

// ErrNotInstalled is returned when moto_server is not on PATH.
var ErrNotInstalled = errors.New("moto_server not found on PATH (pip install \"moto[server]\")")

// Available reports whether moto_server can be started on this machine.
func Available() bool {
	_, err := exec.LookPath("moto_server")
	return err == nil
}

// Start launches moto_server on 127.0.0.1 at a free port, with extra environment entries
// (e.g. MOTO_PORT for Step Functions' Lambda invocations), and waits until it answers.
func Start(ctx context.Context, env ...string) (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, ErrNotInstalled
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if os.Getenv("MOTO_VERBOSE") != "" {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Port: port, cmd: cmd}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.Stop()
			return nil, fmt.Errorf("moto_server on port %d did not answer: %v", port, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop ends the moto_server process and its children.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	_ = s.cmd.Wait()
}

// Reset clears every resource moto holds, so one server can serve several tests.
func (s *Server) Reset() error {
	resp, err := http.Post(s.URL+"/moto-api/reset", "application/json", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// FreePort asks the kernel for a free TCP port on 127.0.0.1.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
