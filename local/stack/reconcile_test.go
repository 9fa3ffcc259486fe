package stack_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/shared/ticket"
)

func TestSweepEndsTicketWhoseExecutionWasStopped(t *testing.T) {
	e := startActions(t, false)
	ctx := context.Background()
	// A job hangs in the CRM call; an operator stops its execution in the console.
	_, _ = e.stack.Simulator.Inject(simulator.Fault{Operation: "CreateSalesforceAccount", Mode: simulator.Hang})
	defer e.stack.Simulator.ClearFaults()
	j := e.submit("createDomain", e.prepare("createDomain"), 0)
	arn := strings.Replace(stack.MachineARNPrefix(), ":stateMachine:", ":execution:", 1) + "createDomain:" + j.TicketID
	for range 500 {
		if cur, _ := e.stack.Tickets.Get(ctx, j.TicketID); cur.Steps["CreateSalesforceAccount"] == ticket.StepRunning {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := e.stack.Engine.StopExecution(arn, "Operator", "stopped by hand"); err != nil {
		t.Fatal(err)
	}
	n, err := e.stack.Reconciler.Sweep(ctx, 0)
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	got, _ := e.stack.Tickets.Get(ctx, j.TicketID)
	if got.Status != ticket.Error || got.ErrorCategory != ticket.Internal || !strings.Contains(got.ErrorDescription, "stopped") ||
		!strings.Contains(got.ErrorDescription, "not rolled back: CreateKmsDomain, CreateUmsDomain") {
		t.Errorf("reconciled ticket: %s %s %q", got.Status, got.ErrorCategory, got.ErrorDescription)
	}
	if got.Steps["CreateSalesforceAccount"] != ticket.StepError {
		t.Errorf("the step that was running is %s", got.Steps["CreateSalesforceAccount"])
	}
	if n, _ := e.stack.Reconciler.Sweep(ctx, 0); n != 0 {
		t.Errorf("a second sweep changed %d tickets", n)
	}
}

func TestSweepEndsTicketWhoseExecutionNeverStarted(t *testing.T) {
	e := startActions(t, true)
	ctx := context.Background()
	tk := &ticket.Ticket{ID: ticket.NewID(time.Now().Add(-time.Hour)), Action: "createTenant", AccountID: "a1",
		Status: ticket.Pending, Submission: time.Now().Add(-time.Hour), Execution: "never-started"}
	if err := e.stack.Tickets.Create(ctx, tk); err != nil {
		t.Fatal(err)
	}
	young := &ticket.Ticket{ID: ticket.NewID(time.Now()), Action: "createTenant", AccountID: "a1", Status: ticket.Pending, Submission: time.Now()}
	if err := e.stack.Tickets.Create(ctx, young); err != nil {
		t.Fatal(err)
	}
	if n, err := e.stack.Reconciler.Sweep(ctx, time.Minute); err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	if got, _ := e.stack.Tickets.Get(ctx, tk.ID); got.Status != ticket.Error || !strings.Contains(got.ErrorDescription, "does not exist") {
		t.Errorf("old ticket: %s %q", got.Status, got.ErrorDescription)
	}
	if got, _ := e.stack.Tickets.Get(ctx, young.ID); got.Status != ticket.Pending {
		t.Errorf("a ticket inside the grace period was touched: %s", got.Status)
	}
}

func TestExecutionStatusEventEndsTicketOnce(t *testing.T) {
	e := startActions(t, true)
	ctx := context.Background()
	tk := &ticket.Ticket{ID: ticket.NewID(time.Now()), Action: "createTenant", AccountID: "a1", Status: ticket.Running,
		Submission: time.Now(), Execution: "x1", Steps: map[string]ticket.StepStatus{"CreateUmsTenant": ticket.StepRunning}}
	if err := e.stack.Tickets.Create(ctx, tk); err != nil {
		t.Fatal(err)
	}
	detail, _ := json.Marshal(map[string]any{"executionArn": "arn:x", "name": "x1", "status": "FAILED",
		"input": `{"ticketId":"` + tk.ID + `","deadline":0}`, "error": "States.Runtime", "cause": "a path selected nothing"})
	ev := events.CloudWatchEvent{DetailType: "Step Functions Execution Status Change", Source: "aws.states", Detail: detail}
	if err := e.stack.Reconciler.HandleEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	got, _ := e.stack.Tickets.Get(ctx, tk.ID)
	if got.Status != ticket.Error || !strings.Contains(got.ErrorDescription, "States.Runtime") || got.Steps["CreateUmsTenant"] != ticket.StepError {
		t.Fatalf("ticket: %+v", got)
	}
	// A late duplicate of the event, or one from an older execution, changes nothing.
	if err := e.stack.Reconciler.HandleEvent(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.stack.Tickets.Get(ctx, tk.ID); again.Version != got.Version {
		t.Errorf("a duplicate event rewrote the ticket")
	}
}
