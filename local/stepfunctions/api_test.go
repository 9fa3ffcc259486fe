package stepfunctions

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// NewSFNClient returns an sfn client for endpoint with static test credentials.
func newSFNClient(endpoint string) *sfn.Client {
	return sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

func apiTestClient(t testing.TB) (*Engine, *sfn.Client) {
	t.Helper()
	e := newTestEngine()
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	return e, newSFNClient(srv.URL)
}

const doubleDef = `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:double","End":true}}}`

func createSM(t testing.TB, c *sfn.Client, name, def string) string {
	t.Helper()
	out, err := c.CreateStateMachine(context.Background(), &sfn.CreateStateMachineInput{
		Name: aws.String(name), Definition: aws.String(expandDef(def)), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
	})
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	return *out.StateMachineArn
}

func waitDone(t testing.TB, c *sfn.Client, arn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("DescribeExecution: %v", err)
		}
		if d.Status != types.ExecutionStatusRunning {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s still running", arn)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSDKRunsExecutionAndReadsHistory(t *testing.T) {
	_, c := apiTestClient(t)
	ctx := context.Background()
	sm := createSM(t, c, "double", doubleDef)
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("run1"), Input: aws.String(`{"N":5}`)})
	if err != nil {
		t.Fatal(err)
	}
	d := waitDone(t, c, *start.ExecutionArn)
	if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Output) != `{"N":10}` {
		t.Fatalf("status %s output %s", d.Status, aws.ToString(d.Output))
	}
	if d.StartDate == nil || d.StopDate == nil || !d.StartDate.Equal(fakeStart) {
		t.Errorf("dates %v %v", d.StartDate, d.StopDate)
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range h.Events {
		got = append(got, string(ev.Type))
	}
	want := "ExecutionStarted " + taskOK + " ExecutionSucceeded"
	if strings.Join(got, " ") != want {
		t.Errorf("history %v, want %s", got, want)
	}
	if h.Events[0].ExecutionStartedEventDetails == nil || aws.ToString(h.Events[0].ExecutionStartedEventDetails.Input) != `{"N":5}` {
		t.Errorf("ExecutionStarted details missing: %+v", h.Events[0])
	}
	if ev := h.Events[1]; ev.StateEnteredEventDetails == nil || aws.ToString(ev.StateEnteredEventDetails.Name) != "T" || ev.PreviousEventId != 1 || ev.Id != 2 {
		t.Errorf("TaskStateEntered event %+v", ev)
	}
	if ev := h.Events[4]; ev.LambdaFunctionSucceededEventDetails == nil || aws.ToString(ev.LambdaFunctionSucceededEventDetails.Output) != `{"N":10}` {
		t.Errorf("LambdaFunctionSucceeded event %+v", ev)
	}
	bare, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn, IncludeExecutionData: aws.Bool(false)})
	if err != nil || bare.Events[0].ExecutionStartedEventDetails.Input != nil {
		t.Errorf("includeExecutionData=false still shows input: %v", err)
	}
	rev, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn, ReverseOrder: true, MaxResults: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rev.Events) != 2 || rev.Events[0].Type != types.HistoryEventTypeExecutionSucceeded || rev.NextToken == nil {
		t.Errorf("reverse page %+v", rev)
	}
	n := 0
	p := sfn.NewGetExecutionHistoryPaginator(c, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn, MaxResults: 3})
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(pg.Events)
	}
	if n != len(h.Events) {
		t.Errorf("paged history has %d events, want %d", n, len(h.Events))
	}
}

func TestSDKTypedErrors(t *testing.T) {
	_, c := apiTestClient(t)
	ctx := context.Background()
	sm := createSM(t, c, "typed", doubleDef)

	_, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:typed:nope")})
	var notExec *types.ExecutionDoesNotExist
	if !errors.As(err, &notExec) {
		t.Errorf("DescribeExecution of unknown: %v, want ExecutionDoesNotExist", err)
	}
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:nope")})
	var notSM *types.StateMachineDoesNotExist
	if !errors.As(err, &notSM) {
		t.Errorf("DescribeStateMachine of unknown: %v, want StateMachineDoesNotExist", err)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:nope")})
	if !errors.As(err, &notSM) {
		t.Errorf("StartExecution of unknown machine: %v, want StateMachineDoesNotExist", err)
	}
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Definition: aws.String(`{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}}}`)})
	var invDef *types.InvalidDefinition
	if !errors.As(err, &invDef) || !strings.Contains(err.Error(), "waitForTaskToken") {
		t.Errorf("CreateStateMachine with callback task: %v, want InvalidDefinition naming waitForTaskToken", err)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{not json`)})
	var invInput *types.InvalidExecutionInput
	if !errors.As(err, &invInput) {
		t.Errorf("StartExecution with bad JSON: %v, want InvalidExecutionInput", err)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"s":"` + strings.Repeat("x", MaxPayloadSize) + `"}`)})
	if err == nil || !strings.Contains(err.Error(), "ValidationException") {
		t.Errorf("StartExecution with input over 256 KiB: %v, want ValidationException", err)
	}
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad name!"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Definition: aws.String(expandDef(doubleDef))})
	var invName *types.InvalidName
	if !errors.As(err, &invName) {
		t.Errorf("CreateStateMachine with bad name: %v, want InvalidName", err)
	}
}

func TestSDKExecutionNameReuse(t *testing.T) {
	_, c := apiTestClient(t)
	ctx := context.Background()
	sm := createSM(t, c, "reuse", `{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"λ:hang","End":true}}}`)
	in := &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("same"), Input: aws.String(`{"a":1}`)}
	first, err := c.StartExecution(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.StartExecution(ctx, in)
	if err != nil || *again.ExecutionArn != *first.ExecutionArn {
		t.Fatalf("same name+input while running: %v %v, want the same execution", again, err)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Name: aws.String("same"), Input: aws.String(`{"a":2}`)})
	var exists *types.ExecutionAlreadyExists
	if !errors.As(err, &exists) {
		t.Fatalf("same name, other input: %v, want ExecutionAlreadyExists", err)
	}
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: first.ExecutionArn, Error: aws.String("Stopped.ByTest"), Cause: aws.String("enough")}); err != nil {
		t.Fatal(err)
	}
	d := waitDone(t, c, *first.ExecutionArn)
	if d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "Stopped.ByTest" {
		t.Errorf("after StopExecution: %s %s", d.Status, aws.ToString(d.Error))
	}
	h, _ := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: first.ExecutionArn, ReverseOrder: true})
	if h.Events[0].Type != types.HistoryEventTypeExecutionAborted {
		t.Errorf("last event %s, want ExecutionAborted", h.Events[0].Type)
	}
	_, err = c.StartExecution(ctx, in)
	if !errors.As(err, &exists) {
		t.Errorf("reusing the name of an ended execution: %v, want ExecutionAlreadyExists", err)
	}
}

func TestSDKListsMachinesAndExecutionsWithFilterAndPaging(t *testing.T) {
	_, c := apiTestClient(t)
	ctx := context.Background()
	sm := createSM(t, c, "lister", doubleDef)
	createSM(t, c, "other", doubleDef)
	failing := createSM(t, c, "failing", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}`)
	for i := 0; i < 5; i++ {
		out, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"N":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		waitDone(t, c, *out.ExecutionArn)
	}
	f, _ := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(failing)})
	waitDone(t, c, *f.ExecutionArn)

	var all []types.ExecutionListItem
	p := sfn.NewListExecutionsPaginator(c, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), MaxResults: 2})
	for p.HasMorePages() {
		pg, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, pg.Executions...)
	}
	if len(all) != 5 {
		t.Errorf("listed %d executions, want 5", len(all))
	}
	failed, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(failing), StatusFilter: types.ExecutionStatusFailed})
	if err != nil || len(failed.Executions) != 1 {
		t.Errorf("FAILED filter: %v %v", failed, err)
	}
	running, _ := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: types.ExecutionStatusRunning})
	if len(running.Executions) != 0 {
		t.Errorf("RUNNING filter listed %d", len(running.Executions))
	}
	ms, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{})
	if err != nil || len(ms.StateMachines) != 3 {
		t.Errorf("ListStateMachines: %v %v", ms, err)
	}
	desc, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(sm)})
	if err != nil || aws.ToString(desc.Name) != "lister" || desc.Status != types.StateMachineStatusActive {
		t.Errorf("DescribeStateMachine: %+v %v", desc, err)
	}
	if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm), Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)}); err != nil {
		t.Errorf("UpdateStateMachine: %v", err)
	}
	if _, err := c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: aws.String(sm)}); err != nil {
		t.Errorf("DeleteStateMachine: %v", err)
	}
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(sm)})
	var notSM *types.StateMachineDoesNotExist
	if !errors.As(err, &notSM) {
		t.Errorf("after delete: %v", err)
	}
}

func TestSDKFailedExecutionReportsErrorAndCause(t *testing.T) {
	_, c := apiTestClient(t)
	sm := createSM(t, c, "fails", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"λ:fail","End":true}}}`)
	out, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"Reason":"r"}`)})
	if err != nil {
		t.Fatal(err)
	}
	d := waitDone(t, c, *out.ExecutionArn)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "StepFailed" ||
		aws.ToString(d.Cause) != `{"errorMessage":"step failed: r","errorType":"StepFailed"}` || d.Output != nil {
		t.Errorf("failed execution: %s %q %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
}

// withoutClientValidation lets a request that lacks required members reach the server, as
// a client of another SDK, or none, may send it.
func withoutClientValidation(o *sfn.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		_, err := s.Initialize.Remove("OperationInputValidation")
		return err
	})
}

func TestSDKRequestsAreValidatedAsTheServiceDoes(t *testing.T) {
	_, c := apiTestClient(t)
	ctx := context.Background()
	sm := createSM(t, c, "validated", doubleDef)
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{"N":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, c, *start.ExecutionArn)
	noValidation := []func(*sfn.Options){withoutClientValidation}
	cases := []struct {
		name string
		call func() error
		code string
		want string
	}{
		{"ListExecutionsBadStatusFilter", func() error {
			_, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: "DONE"})
			return err
		}, "ValidationException", "Value 'DONE' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]"},
		{"ListExecutionsMaxResultsAbove1000", func() error {
			_, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), MaxResults: 1001})
			return err
		}, "ValidationException", "Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"ListExecutionsNegativeMaxResults", func() error {
			_, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), MaxResults: -1})
			return err
		}, "ValidationException", "Member must have value greater than or equal to 0"},
		{"ListExecutionsTwoErrorsAtOnce", func() error {
			_, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: "DONE", MaxResults: 5000})
			return err
		}, "ValidationException", "2 validation errors detected: "},
		{"ListExecutionsWithoutStateMachineArn", func() error {
			_, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{})
			return err
		}, "ValidationException", "Must provide a StateMachine ARN or MapRun ARN"},
		{"ListExecutionsBadRedriveFilter", func() error {
			_, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), RedriveFilter: "SOMETIMES"})
			return err
		}, "ValidationException", "at 'redriveFilter'"},
		{"ListExecutionsUnknownMapRun", func() error {
			_, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:validated/m:1")})
			return err
		}, "ResourceNotFound", "Resource not found"},
		{"ListStateMachinesMaxResultsAbove1000", func() error {
			_, err := c.ListStateMachines(ctx, &sfn.ListStateMachinesInput{MaxResults: 1001})
			return err
		}, "ValidationException", "at 'maxResults'"},
		{"GetExecutionHistoryMaxResultsAbove1000", func() error {
			_, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn, MaxResults: 1001})
			return err
		}, "ValidationException", "at 'maxResults'"},
		{"StartExecutionWithoutStateMachineArn", func() error {
			_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{}, noValidation...)
			return err
		}, "ValidationException", "Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null"},
		{"DescribeExecutionWithoutExecutionArn", func() error {
			_, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{}, noValidation...)
			return err
		}, "ValidationException", "Value null at 'executionArn'"},
		{"StopExecutionWithoutExecutionArn", func() error {
			_, err := c.StopExecution(ctx, &sfn.StopExecutionInput{}, noValidation...)
			return err
		}, "ValidationException", "Value null at 'executionArn'"},
		{"GetExecutionHistoryWithoutExecutionArn", func() error {
			_, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{}, noValidation...)
			return err
		}, "ValidationException", "Value null at 'executionArn'"},
		{"DescribeStateMachineForExecutionWithoutExecutionArn", func() error {
			_, err := c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{}, noValidation...)
			return err
		}, "ValidationException", "Value null at 'executionArn'"},
		{"DescribeStateMachineWithoutArn", func() error {
			_, err := c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{}, noValidation...)
			return err
		}, "ValidationException", "Value null at 'stateMachineArn'"},
		{"DeleteStateMachineWithoutArn", func() error {
			_, err := c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{}, noValidation...)
			return err
		}, "ValidationException", "Value null at 'stateMachineArn'"},
		{"UpdateStateMachineWithoutArn", func() error {
			_, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r")}, noValidation...)
			return err
		}, "ValidationException", "Value null at 'stateMachineArn'"},
		{"UpdateStateMachineWithNothingToUpdate", func() error {
			_, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm)})
			return err
		}, "MissingRequiredParameter", "Either the definition, the role ARN"},
		{"CreateStateMachineWithoutNameOrRole", func() error {
			_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Definition: aws.String(expandDef(doubleDef))}, noValidation...)
			return err
		}, "ValidationException", "2 validation errors detected: Value null at 'name' failed to satisfy constraint: Member must not be null; Value null at 'roleArn'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || !strings.Contains(ae.ErrorMessage(), tc.want) {
				t.Fatalf("got %v, want %s containing %q", err, tc.code, tc.want)
			}
		})
	}
	var typed *types.ValidationException
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), StatusFilter: "DONE"})
	if !errors.As(err, &typed) {
		t.Errorf("bad statusFilter: %v, want *types.ValidationException", err)
	}
	var missing *types.MissingRequiredParameter
	_, err = c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: aws.String(sm)})
	if !errors.As(err, &missing) {
		t.Errorf("empty update: %v, want *types.MissingRequiredParameter", err)
	}
	// The valid edges still answer.
	for _, n := range []int32{0, 1, 1000} {
		if _, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), MaxResults: n, StatusFilter: types.ExecutionStatusSucceeded}); err != nil {
			t.Errorf("maxResults %d: %v", n, err)
		}
	}
	out, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), RedriveFilter: types.ExecutionRedriveFilterNotRedriven})
	if err != nil || len(out.Executions) != 1 {
		t.Errorf("NOT_REDRIVEN: %v %v", out, err)
	}
	out, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(sm), RedriveFilter: types.ExecutionRedriveFilterRedriven})
	if err != nil || len(out.Executions) != 0 {
		t.Errorf("REDRIVEN: %v %v", out, err)
	}
}

// TestSDKReadsAssignedVariablesAndJSONataRefusals: through the SDK, a JSONata state's
// assignments come back in StateExitedEventDetails.AssignedVariables as AWS records them (each
// value's JSON text), and a JSONPath-only field in a JSONata state is an InvalidDefinition in
// AWS's SCHEMA_VALIDATION_FAILED shape.
func TestSDKReadsAssignedVariablesAndJSONataRefusals(t *testing.T) {
	_, c := apiTestClient(t)
	ctx := context.Background()
	arn := createSM(t, c, "vars", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass",
		"Assign":{"n":"{% $states.input.n + 1 %}","o":{"k":["{% $states.input.n %}"]}},"End":true}}}`)
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(`{"n":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, c, *start.ExecutionArn)
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	var exited *types.StateExitedEventDetails
	for _, e := range h.Events {
		if e.StateExitedEventDetails != nil {
			exited = e.StateExitedEventDetails
		}
	}
	if exited == nil {
		t.Fatal("no StateExited event")
	}
	if got := exited.AssignedVariables; got["n"] != "2" || got["o"] != `{"k":[1]}` || len(got) != 2 {
		t.Errorf("assignedVariables %v, want n=2 and o={\"k\":[1]}", got)
	}
	if d := exited.AssignedVariablesDetails; d == nil || d.Truncated {
		t.Errorf("assignedVariablesDetails %+v, want truncated false", d)
	}

	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		Definition: aws.String(`{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","ResultPath":"$.x","End":true}}}`)})
	var inv *types.InvalidDefinition
	if !errors.As(err, &inv) || !strings.Contains(inv.ErrorMessage(), `SCHEMA_VALIDATION_FAILED: The field "ResultPath" is not supported for JSONata at /States/P/ResultPath`) {
		t.Errorf("CreateStateMachine with ResultPath in a JSONata state: %v, want InvalidDefinition SCHEMA_VALIDATION_FAILED", err)
	}
}
