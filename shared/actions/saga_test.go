package actions_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/actionservice/actionservice/local/stepfunctions"
	"github.com/actionservice/actionservice/shared/actions"
)

// The engine names a function error after the Go type of the error, so these local types stand
// for the step runner's errors of the same names.
type StepFailed struct{ msg string }

func (e *StepFailed) Error() string { return e.msg }

type StepTransient struct{ msg string }

func (e *StepTransient) Error() string { return e.msg }

type JobCancelled struct{ msg string }

func (e *JobCancelled) Error() string { return e.msg }

// fakeSystems stands for the five functions: it records each call as "step/phase" (or
// "phase" for the job as a whole), with the name of the error it was given, and fails the calls
// a test chooses.
type fakeSystems struct {
	mu     sync.Mutex
	calls  []string
	errors map[string]string
	counts map[string]int
	// fail decides the outcome of the n-th (from 1) call of a "step/phase".
	fail map[string]func(n int) error
}

func (f *fakeSystems) handler(function string) lambda.Handler {
	return lambda.NewHandler(func(ctx context.Context, in map[string]any) (map[string]any, error) {
		step, _ := in["step"].(string)
		phase, _ := in["phase"].(string)
		call := phase
		if step != "" {
			call = step + "/" + phase
		}
		f.mu.Lock()
		f.calls = append(f.calls, call)
		f.counts[call]++
		n := f.counts[call]
		if e, ok := in["error"].(map[string]any); ok {
			f.errors[call], _ = e["Error"].(string)
		}
		decide := f.fail[call]
		f.mu.Unlock()
		if in["ticketId"] != "0123456789abcdef01234567" {
			return nil, fmt.Errorf("%s: payload without the ticket id: %v", function, in)
		}
		if decide != nil {
			err := decide(n)
			if err == errHang {
				// No answer: the engine's timeout must end the call.
				select {
				case <-ctx.Done():
				case <-time.After(10 * time.Second):
				}
				return nil, fmt.Errorf("%s: the hung call was never ended", call)
			}
			if err != nil {
				return nil, err
			}
		}
		return map[string]any{}, nil
	})
}

func always(err error) func(int) error { return func(int) error { return err } }

// errHang makes a call hang until the engine gives up on it.
var errHang = fmt.Errorf("hang")

// runCreateDomain runs createDomain on the engine with a fake clock and returns the calls made
// and how the execution ended.
func runCreateDomain(t *testing.T, fail map[string]func(n int) error) (*fakeSystems, stepfunctions.Execution) {
	t.Helper()
	return runCreateDomainWithTimeouts(t, fail, nil)
}

// runCreateDomainWithTimeouts is runCreateDomain with some functions' own timeouts set.
func runCreateDomainWithTimeouts(t *testing.T, fail map[string]func(n int) error, timeouts map[string]time.Duration) (*fakeSystems, stepfunctions.Execution) {
	t.Helper()
	a, _ := actions.Lookup("createDomain")
	def, err := a.StateMachine()
	if err != nil {
		t.Fatal(err)
	}
	engine := stepfunctions.New(stepfunctions.Options{Clock: stepfunctions.NewFakeClock(time.Now()), Seed: 1})
	f := &fakeSystems{errors: map[string]string{}, counts: map[string]int{}, fail: fail}
	for _, fn := range []string{"StepIdentityFunction", "StepKmsFunction", "StepCrmFunction", "StepBillingFunction", "StepTicketsFunction"} {
		var opts []stepfunctions.FunctionOption
		if d, ok := timeouts[fn]; ok {
			opts = append(opts, stepfunctions.WithTimeout(d))
		}
		engine.RegisterFunction(fn, f.handler(fn), opts...)
	}
	smArn, err := engine.CreateStateMachineWithSubstitutions("createDomain", def, substitutions, "arn:aws:iam::123456789012:role/StateMachineRole")
	if err != nil {
		t.Fatal(err)
	}
	execArn, _, err := engine.StartExecution(smArn, "0123456789abcdef01234567", `{"ticketId":"0123456789abcdef01234567","deadline":0,"accountId":"000000000001"}`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	exec, err := engine.Wait(ctx, execArn)
	if err != nil {
		t.Fatal(err)
	}
	return f, exec
}

func expectCalls(t *testing.T, f *fakeSystems, want ...string) {
	t.Helper()
	if !slices.Equal(f.calls, want) {
		t.Errorf("calls:\n  %s\nwant:\n  %s", strings.Join(f.calls, "\n  "), strings.Join(want, "\n  "))
	}
}

func expectEnd(t *testing.T, exec stepfunctions.Execution, status, errName string) {
	t.Helper()
	if exec.Status != status || exec.Error != errName {
		t.Errorf("execution ended %s %q (%s), want %s %q", exec.Status, exec.Error, exec.Cause, status, errName)
	}
}

func TestCreateDomainRunsEveryStepAndTheLastRecordsComplete(t *testing.T) {
	f, exec := runCreateDomain(t, nil)
	expectCalls(t, f,
		"CreateUmsDomain/do", "CreateKmsDomain/do", "CreateSalesforceAccount/do", "CreateZuoraDomainAccount/do")
	expectEnd(t, exec, stepfunctions.StatusSucceeded, "")
}

func TestCreateDomainPermanentFailureAtStep3RollsBackInReverse(t *testing.T) {
	f, exec := runCreateDomain(t, map[string]func(int) error{
		"CreateSalesforceAccount/do": always(&StepFailed{"crm answered 409"}),
	})
	expectCalls(t, f,
		"CreateUmsDomain/do", "CreateKmsDomain/do", "CreateSalesforceAccount/do",
		"CreateSalesforceAccount/undo", "CreateKmsDomain/undo", "CreateUmsDomain/undo",
		"failed")
	expectEnd(t, exec, stepfunctions.StatusFailed, "JobFailed")
	if f.errors["failed"] != "StepFailed" {
		t.Errorf("RecordFailure was given error %q, want StepFailed", f.errors["failed"])
	}
}

func TestCreateDomainTransientFailureAtStep3TimesOutWithoutRollback(t *testing.T) {
	f, exec := runCreateDomain(t, map[string]func(int) error{
		"CreateSalesforceAccount/do": always(&StepTransient{"crm answered 503"}),
	})
	// MaxAttempts 3 counts retries (ASL): one call and three retries.
	expectCalls(t, f,
		"CreateUmsDomain/do", "CreateKmsDomain/do",
		"CreateSalesforceAccount/do", "CreateSalesforceAccount/do", "CreateSalesforceAccount/do", "CreateSalesforceAccount/do",
		"CreateSalesforceAccount/timedOut")
	expectEnd(t, exec, stepfunctions.StatusFailed, "JobTimedOut")
	if f.errors["CreateSalesforceAccount/timedOut"] != "StepTransient" {
		t.Errorf("RecordTimedOut was given error %q, want StepTransient", f.errors["CreateSalesforceAccount/timedOut"])
	}
}

// A step Lambda's Timeout equals its Task's TimeoutSeconds, so on AWS either may end a hung
// call first; Lambda's (Sandbox.Timedout) must count as the system not answering, as
// States.Timeout does, not as a permanent failure that rolls everything back.
func TestCreateDomainStepFunctionTimingOutIsRetriedThenTimesOut(t *testing.T) {
	f, exec := runCreateDomainWithTimeouts(t, map[string]func(int) error{
		"CreateSalesforceAccount/do": always(errHang),
	}, map[string]time.Duration{"StepCrmFunction": time.Second})
	expectCalls(t, f,
		"CreateUmsDomain/do", "CreateKmsDomain/do",
		"CreateSalesforceAccount/do", "CreateSalesforceAccount/do", "CreateSalesforceAccount/do", "CreateSalesforceAccount/do",
		"CreateSalesforceAccount/timedOut")
	expectEnd(t, exec, stepfunctions.StatusFailed, "JobTimedOut")
	if f.errors["CreateSalesforceAccount/timedOut"] != actions.ErrFunctionTimeout {
		t.Errorf("RecordTimedOut was given error %q, want %s", f.errors["CreateSalesforceAccount/timedOut"], actions.ErrFunctionTimeout)
	}
}

func TestCreateDomainTransientFailureThatClearsIsRetried(t *testing.T) {
	f, exec := runCreateDomain(t, map[string]func(int) error{
		"CreateSalesforceAccount/do": func(n int) error {
			if n < 3 {
				return &StepTransient{"crm answered 503"}
			}
			return nil
		},
	})
	expectCalls(t, f,
		"CreateUmsDomain/do", "CreateKmsDomain/do",
		"CreateSalesforceAccount/do", "CreateSalesforceAccount/do", "CreateSalesforceAccount/do",
		"CreateZuoraDomainAccount/do")
	expectEnd(t, exec, stepfunctions.StatusSucceeded, "")
}

func TestCreateDomainFailedCompensationIsRecordedAndTheRollbackGoesOn(t *testing.T) {
	f, exec := runCreateDomain(t, map[string]func(int) error{
		"CreateZuoraDomainAccount/do":  always(&StepFailed{"billing answered 400"}),
		"CreateSalesforceAccount/undo": always(&StepFailed{"crm answered 500 on delete"}),
	})
	expectCalls(t, f,
		"CreateUmsDomain/do", "CreateKmsDomain/do", "CreateSalesforceAccount/do", "CreateZuoraDomainAccount/do",
		"CreateZuoraDomainAccount/undo", "CreateSalesforceAccount/undo", "CreateSalesforceAccount/undoFailed",
		"CreateKmsDomain/undo", "CreateUmsDomain/undo",
		"failed")
	expectEnd(t, exec, stepfunctions.StatusFailed, "JobFailed")
	if f.errors["CreateSalesforceAccount/undoFailed"] != "StepFailed" || f.errors["failed"] != "StepFailed" {
		t.Errorf("errors given: %v", f.errors)
	}
}

func TestCreateDomainCompensationRetriesTransientFailures(t *testing.T) {
	f, exec := runCreateDomain(t, map[string]func(int) error{
		"CreateSalesforceAccount/do": always(&StepFailed{"crm answered 409"}),
		"CreateKmsDomain/undo": func(n int) error {
			if n == 1 {
				return &StepTransient{"kms answered 503"}
			}
			return nil
		},
	})
	expectCalls(t, f,
		"CreateUmsDomain/do", "CreateKmsDomain/do", "CreateSalesforceAccount/do",
		"CreateSalesforceAccount/undo", "CreateKmsDomain/undo", "CreateKmsDomain/undo", "CreateUmsDomain/undo",
		"failed")
	expectEnd(t, exec, stepfunctions.StatusFailed, "JobFailed")
}

func TestCreateDomainCancelledWhenCompletingRollsBackEverything(t *testing.T) {
	f, exec := runCreateDomain(t, map[string]func(int) error{
		"CreateZuoraDomainAccount/do": always(&JobCancelled{"deadline passed"}),
	})
	expectCalls(t, f,
		"CreateUmsDomain/do", "CreateKmsDomain/do", "CreateSalesforceAccount/do", "CreateZuoraDomainAccount/do",
		"CreateZuoraDomainAccount/undo", "CreateSalesforceAccount/undo", "CreateKmsDomain/undo", "CreateUmsDomain/undo",
		"failed")
	expectEnd(t, exec, stepfunctions.StatusFailed, "JobFailed")
	if f.errors["failed"] != "JobCancelled" {
		t.Errorf("RecordFailure was given error %q, want JobCancelled", f.errors["failed"])
	}
}
