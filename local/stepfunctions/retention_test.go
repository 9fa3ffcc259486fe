package stepfunctions

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func isAPIError(err error, typ string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Type == typ
}

// An engine keeps KeepEnded ended executions: the oldest beyond it are forgotten, answer
// ExecutionDoesNotExist and leave ListExecutions, while running ones are always kept.
func TestEndedExecutionsBeyondTheBoundAreForgotten(t *testing.T) {
	e := New(Options{KeepEnded: 3})
	sm, err := e.CreateStateMachine("pass", []byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), "arn:aws:iam::123456789012:role/r")
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for i := range 200 {
		arn, _, err := e.StartExecution(sm, fmt.Sprintf("run-%d", i), "{}")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Wait(context.Background(), arn); err != nil {
			t.Fatal(err)
		}
		arns = append(arns, arn)
	}
	if _, err := e.DescribeExecution(arns[0]); !isAPIError(err, "ExecutionDoesNotExist") {
		t.Errorf("the oldest execution: %v, want ExecutionDoesNotExist", err)
	}
	if _, err := e.History(arns[196]); !isAPIError(err, "ExecutionDoesNotExist") {
		t.Errorf("the fourth newest's history: %v, want ExecutionDoesNotExist", err)
	}
	list, err := e.ListExecutions(sm, "")
	if err != nil || len(list) != 3 || list[0].ARN != arns[199] || list[2].ARN != arns[197] {
		t.Fatalf("listed %d executions (%v)", len(list), err)
	}
	if len(e.execOrder) > 2*3+64 {
		t.Errorf("the engine still holds %d executions in its order", len(e.execOrder))
	}
	// A forgotten name may run again, as on Step Functions once it no longer holds it.
	if _, _, err := e.StartExecution(sm, "run-0", "{}"); err != nil {
		t.Errorf("starting a forgotten name again: %v", err)
	}
}
