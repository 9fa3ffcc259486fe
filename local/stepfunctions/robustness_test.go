package stepfunctions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// stuckInput selects whether the stuck handler returns or blocks, ignoring its context,
// until the test ends.
type stuckInput struct {
	Hang bool
	N    int
}

// stuckHandler returns {"N": n} at once, or with Hang never returns while the test runs: it
// ignores its context, as a handler blocked in a call without a deadline does.
func stuckHandler(t *testing.T) func(context.Context, stuckInput) (map[string]int, error) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return func(_ context.Context, in stuckInput) (map[string]int, error) {
		if in.Hang {
			<-release
		}
		return map[string]int{"N": in.N}, nil
	}
}

// robustEngine is an engine on a fake clock whose handlers count as blocked quickly.
func robustEngine() *Engine {
	fc := NewFakeClock(fakeStart)
	fc.HandlerGrace = 50 * time.Millisecond
	fc.FunctionGrace = 100 * time.Millisecond
	e := New(Options{Clock: fc, Seed: 1})
	testHandlers(e.Registry())
	return e
}

func runDef(t *testing.T, e *Engine, name, def, input string) (Execution, []HistoryEvent) {
	t.Helper()
	arn, err := e.CreateStateMachine(name, []byte(expandDef(def)), "")
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	x, _, err := e.StartExecution(arn, "", input)
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	res, err := e.Wait(ctx, x)
	if err != nil {
		t.Fatalf("%s with input %s still %s: %v", name, input, res.Status, err)
	}
	h, _ := e.History(x)
	return res, h
}

func TestFunctionServesAgainAfterAnInvocationThatNeverReturnsTimedOut(t *testing.T) {
	registrations := map[string]func(e *Engine, fn func(context.Context, stuckInput) (map[string]int, error)){
		"RegisterFunc": func(e *Engine, fn func(context.Context, stuckInput) (map[string]int, error)) {
			e.RegisterFunc("stuck", fn)
		},
		"RegisterFunctionWithLambdaNewHandler": func(e *Engine, fn func(context.Context, stuckInput) (map[string]int, error)) {
			e.RegisterFunction("stuck", lambda.NewHandler(fn))
		},
	}
	for name, register := range registrations {
		t.Run(name, func(t *testing.T) {
			e := robustEngine()
			register(e, stuckHandler(t))
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:stuck","TimeoutSeconds":5,"End":true}}}`
			x, _ := runDef(t, e, "hung", def, `{"Hang":true}`)
			if x.Status != StatusFailed || x.Error != ErrTimeout {
				t.Fatalf("hanging invocation: %s %s, want FAILED %s", x.Status, x.Error, ErrTimeout)
			}
			for i := 1; i <= 3; i++ {
				x, _ = runDef(t, e, fmt.Sprintf("after%d", i), def, fmt.Sprintf(`{"N":%d}`, i))
				if x.Status != StatusSucceeded || x.Output == nil || *x.Output != fmt.Sprintf(`{"N":%d}`, i) {
					t.Fatalf("invocation %d after the hung one: %s %s %s", i, x.Status, x.Error, x.Cause)
				}
			}
		})
	}
}

func TestConcurrentInvocationsOfOneFunctionRunAtTheSameTime(t *testing.T) {
	e := robustEngine()
	// Each invocation waits for the other: they succeed only if they run at once, as two
	// Lambda invocations do in two execution environments.
	var mu sync.Mutex
	arrived := 0
	both := make(chan struct{})
	e.RegisterFunc("rendezvous", func(in struct{ N int }) (map[string]int, error) {
		mu.Lock()
		arrived++
		if arrived == 2 {
			close(both)
		}
		mu.Unlock()
		select {
		case <-both:
			return map[string]int{"N": in.N}, nil
		case <-time.After(5 * time.Second):
			return nil, errors.New("the other invocation never ran alongside")
		}
	})
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"λ:rendezvous","Parameters":{"N":1},"End":true}}},
		{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"λ:rendezvous","Parameters":{"N":2},"End":true}}}]}}}`
	x, _ := runDef(t, e, "together", def, `{}`)
	if x.Status != StatusSucceeded || !JSONEqual(*x.Output, `[{"N":1},{"N":2}]`) {
		t.Fatalf("%s %s %s", x.Status, x.Error, x.Cause)
	}
}

func TestConcurrentInvocationsKeepTheirOwnOutputs(t *testing.T) {
	echo := func(in any) (any, error) { return in, nil }
	var items []string
	for i := range 64 {
		items = append(items, fmt.Sprintf(`{"N":%d,"s":%q}`, i, strings.Repeat(string(rune('a'+i%26)), 100+i)))
	}
	in := `{"items":[` + strings.Join(items, ",") + `]}`
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","End":true,
		"ItemProcessor":{"StartAt":"E","States":{"E":{"Type":"Task","Resource":"λ:echoes","End":true}}}}}}`
	for name, register := range map[string]func(e *Engine){
		"RegisterFunc":                         func(e *Engine) { e.RegisterFunc("echoes", echo) },
		"RegisterFunctionWithLambdaNewHandler": func(e *Engine) { e.RegisterFunction("echoes", lambda.NewHandler(echo)) },
	} {
		t.Run(name, func(t *testing.T) {
			e := robustEngine()
			register(e)
			x, _ := runDef(t, e, "echoes", def, in)
			if x.Status != StatusSucceeded || !JSONEqual(*x.Output, `[`+strings.Join(items, ",")+`]`) {
				t.Fatalf("%s %s: outputs differ from inputs", x.Status, x.Error)
			}
		})
	}
}

func TestHandlerThatNeverReturnsFailsWithTheFunctionTimeout(t *testing.T) {
	cases := []struct {
		name    string
		opts    []FunctionOption
		timeout time.Duration
	}{
		{"WithTimeout", []FunctionOption{WithTimeout(3 * time.Second)}, 3 * time.Second},
		{"DefaultIsLambdaMaximum", nil, MaxFunctionTimeout},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := robustEngine()
			e.RegisterFunc("stuck", stuckHandler(t), c.opts...)
			x, h := runDef(t, e, "noTimeout", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:stuck","End":true}}}`, `{"Hang":true}`)
			want := fmt.Sprintf("Task timed out after %.2f seconds", c.timeout.Seconds())
			if x.Status != StatusFailed || x.Error != "Sandbox.Timedout" || !strings.Contains(x.Cause, want) || !strings.Contains(x.Cause, `"errorType":"Sandbox.Timedout"`) {
				t.Fatalf("got %s %s %q, want FAILED Sandbox.Timedout with %q", x.Status, x.Error, x.Cause, want)
			}
			if got := strings.Join(eventTypes(h), " "); got != "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed ExecutionFailed" {
				t.Errorf("history %s", got)
			}
			assertGap(t, h, "LambdaFunctionStarted", "LambdaFunctionFailed", c.timeout)
			if x, _ := runDef(t, e, "thenOK", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:stuck","End":true}}}`, `{"N":7}`); x.Status != StatusSucceeded {
				t.Errorf("the next invocation: %s %s", x.Status, x.Error)
			}
		})
	}
}

func TestFunctionTimeoutIsATaskFailureNotStatesTimeout(t *testing.T) {
	e := robustEngine()
	e.RegisterFunc("stuck", stuckHandler(t), WithTimeout(2*time.Second))
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"stuck","Payload":{"Hang":true}},
		"TimeoutSeconds":60,
		"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"Wrong"},{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.err","Next":"Caught"}],"End":true},
		"Wrong":{"Type":"Fail","Error":"Wrong"},"Caught":{"Type":"Pass","OutputPath":"$.err.Error","End":true}}}`
	x, h := runDef(t, e, "caught", def, `{}`)
	if x.Status != StatusSucceeded || *x.Output != `"Sandbox.Timedout"` {
		t.Fatalf("%s %s %v", x.Status, x.Error, x.Output)
	}
	assertGap(t, h, "TaskStarted", "TaskFailed", 2*time.Second)
}

func TestFunctionTimeoutMustBeWholeSecondsFromOneTo900(t *testing.T) {
	for _, d := range []time.Duration{0, 500 * time.Millisecond, 1500 * time.Millisecond, 901 * time.Second} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("WithTimeout(%v) accepted", d)
				}
			}()
			WithTimeout(d)
		}()
	}
}

// One engine, reached through the SDK as the local stack reaches it, meets every kind of bad
// input in turn; each ends in the error the service gives, and then a normal execution runs.
func TestEngineKeepsServingAfterBadInput(t *testing.T) {
	e := robustEngine()
	e.RegisterFunc("stuck", stuckHandler(t), WithTimeout(3*time.Second))
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	c := newSFNClient(srv.URL)
	ctx := context.Background()
	role := aws.String("arn:aws:iam::123456789012:role/r")
	create := func(name, def string) (string, error) {
		out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(expandDef(def)), RoleArn: role})
		if err != nil {
			return "", err
		}
		return *out.StateMachineArn, nil
	}
	var invDef *types.InvalidDefinition
	if _, err := create("notJSON", `{"StartAt":"P","States":{`); !errors.As(err, &invDef) || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("definition that is not JSON: %v, want InvalidDefinition", err)
	}
	if _, err := create("unknownType", `{"StartAt":"P","States":{"P":{"Type":"Teleport","End":true}}}`); !errors.As(err, &invDef) || !strings.Contains(err.Error(), `state P: unknown state Type "Teleport"`) {
		t.Errorf("unknown state type: %v, want InvalidDefinition naming state P", err)
	}
	resp, err := http.Post(srv.URL, "application/x-amz-json-1.0", strings.NewReader(`{"name":`))
	if err == nil {
		resp.Body.Close()
	}
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("request body that is not JSON: %v %v, want 400", resp, err)
	}

	sm, err := create("double", doubleDef)
	if err != nil {
		t.Fatal(err)
	}
	start := func(arn, input string) (string, error) {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(input)})
		if err != nil {
			return "", err
		}
		return *out.ExecutionArn, nil
	}
	var invInput *types.InvalidExecutionInput
	if _, err := start(sm, `{"N":`); !errors.As(err, &invInput) {
		t.Errorf("input that is not JSON: %v, want InvalidExecutionInput", err)
	}
	var invalid *types.ValidationException
	if _, err := start(sm, `{"s":"`+strings.Repeat("x", MaxPayloadSize)+`"}`); !errors.As(err, &invalid) || !strings.Contains(err.Error(), "262144") {
		t.Errorf("input over 256 KiB: %v, want ValidationException", err)
	}

	for _, c2 := range []struct {
		name, def, input, err, cause string
	}{
		{"panics", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:panic","End":true}}}`, `{}`, "string", `"errorMessage":"kaboom"`},
		{"neverReturns", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:stuck","End":true}}}`, `{"Hang":true}`, "Sandbox.Timedout", "Task timed out after 3.00 seconds"},
	} {
		arn, err := create(c2.name, c2.def)
		if err != nil {
			t.Fatal(err)
		}
		x, err := start(arn, c2.input)
		if err != nil {
			t.Fatal(err)
		}
		d := waitDone(t, c, x)
		if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != c2.err || !strings.Contains(aws.ToString(d.Cause), c2.cause) {
			t.Errorf("handler that %s: %s %s %s, want FAILED %s", c2.name, d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), c2.err)
		}
	}

	x, err := start(sm, `{"N":5}`)
	if err != nil {
		t.Fatal(err)
	}
	if d := waitDone(t, c, x); d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"N":10}` {
		t.Fatalf("normal execution after the bad input: %s %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Output))
	}
	ms, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil || len(ms.StateMachines) != 3 {
		t.Errorf("ListStateMachines: %v %v, want the 3 created", ms, err)
	}
}
