// Package stepfunctionstest runs state machines on a second, independent Step Functions engine —
// moto's (LocalStack's ASL interpreter) — with the project's own Go Lambda handlers, so that
// tests can compare it with package stepfunctions. It imports testing, so only tests import it.
package stepfunctionstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/actionservice/actionservice/local/moto"
	"github.com/actionservice/actionservice/local/moto/mototest"
	"github.com/actionservice/actionservice/local/stepfunctions"
)

// Moto is a running moto_server whose Step Functions engine executes state machines and
// invokes Lambda tasks on the handlers of a stepfunctions.Registry.
type Moto struct {
	Server *moto.Server
	// LambdaURL is the proxy that answers moto's Lambda invocations (and forwards the rest).
	LambdaURL string
	// Client is an sfn client pointing at moto.
	Client *sfn.Client

	mu sync.Mutex
}

// NewClient returns an sfn client for a Step Functions endpoint with static test credentials.
func NewClient(endpoint string) *sfn.Client {
	return sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

var invocationsPath = regexp.MustCompile(`^/2015-03-31/functions/[^/]+/invocations$`)

// StartMoto starts moto_server for a test with real ASL execution enabled, and a server of
// ours on MOTO_PORT that answers moto's Lambda invocations from reg (moto calls
// http://localhost:$MOTO_PORT/2015-03-31/functions/{name}/invocations) and proxies every
// other request to moto. Everything stops at the test's cleanup. Without moto_server the
// test is skipped (or fails under REQUIRE_MOTO), as mototest.ForTest does.
//
// moto 5.2.1 answers 500 "cannot pickle '_thread.RLock'" to a second StartExecution of a
// state machine that has run (moto issue 10077): create one state machine per execution.
func StartMoto(t testing.TB, reg *stepfunctions.Registry) *Moto {
	t.Helper()
	if !moto.Available() {
		mototest.ForTest(t) // skips, or fails under REQUIRE_MOTO
	}
	lambdaHandler := stepfunctions.LambdaInvokeHandler(reg)
	var proxy http.Handler = http.NotFoundHandler()
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && invocationsPath.MatchString(r.URL.Path) {
			lambdaHandler.ServeHTTP(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	})
	port, listeners, err := listenBoth()
	if err != nil {
		t.Fatalf("lambda proxy: %v", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	for _, l := range listeners {
		go srv.Serve(l)
	}
	t.Cleanup(func() { srv.Close() })

	m := mototest.ForTest(t, fmt.Sprintf("MOTO_PORT=%d", port))
	target, _ := url.Parse(m.URL)
	proxy = httputil.NewSingleHostReverseProxy(target)

	resp, err := http.Post(m.URL+"/moto-api/config", "application/json",
		strings.NewReader(`{"stepfunctions":{"execute_state_machine":true}}`))
	if err != nil {
		t.Fatalf("enable moto's ASL execution: %v", err)
	}
	resp.Body.Close()
	return &Moto{Server: m, LambdaURL: fmt.Sprintf("http://127.0.0.1:%d", port), Client: NewClient(m.URL)}
}

// listenBoth listens on one free port on both 127.0.0.1 and ::1, since "localhost" may
// resolve to either.
func listenBoth() (int, []net.Listener, error) {
	for attempt := 0; attempt < 20; attempt++ {
		l4, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, nil, err
		}
		port := l4.Addr().(*net.TCPAddr).Port
		l6, err := net.Listen("tcp", fmt.Sprintf("[::1]:%d", port))
		if err == nil {
			return port, []net.Listener{l4, l6}, nil
		}
		l4.Close()
		var opErr *net.OpError
		if errors.As(err, &opErr) && strings.Contains(err.Error(), "cannot assign") {
			// No IPv6 loopback on this machine: IPv4 alone will do.
			l4, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
			if err == nil {
				return port, []net.Listener{l4}, nil
			}
		}
	}
	return 0, nil, errors.New("no port free on both 127.0.0.1 and ::1")
}

// Run resets moto, creates a state machine, starts one execution with input and waits for
// it to end. Runs are serialised: moto 5.2.1 fails a StartExecution (500 "cannot pickle
// '_thread.RLock'", moto issue 10077) once any execution with a Lambda task has run, unless
// its state is reset first. The reset clears every other moto resource too, so a test that
// keeps DynamoDB tables in moto should use a moto of its own for Step Functions.
func (m *Moto) Run(ctx context.Context, name, definition, input string) (*sfn.DescribeExecutionOutput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.Server.Reset(); err != nil {
		return nil, fmt.Errorf("reset moto: %w", err)
	}
	sm, err := m.Client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(definition),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/sfntest"),
	})
	if err != nil {
		return nil, fmt.Errorf("create state machine %s: %w", name, err)
	}
	start, err := m.Client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(input)})
	if err != nil {
		return nil, fmt.Errorf("start execution of %s: %w", name, err)
	}
	return WaitExecution(ctx, m.Client, *start.ExecutionArn)
}

// WaitExecution polls DescribeExecution until the execution is no longer RUNNING.
func WaitExecution(ctx context.Context, c *sfn.Client, arn string) (*sfn.DescribeExecutionOutput, error) {
	delay := time.Millisecond
	for {
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			return nil, err
		}
		if d.Status != types.ExecutionStatusRunning {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return d, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}
