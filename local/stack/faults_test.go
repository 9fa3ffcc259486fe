package stack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/shared/actions"
)

// fault puts a fault in force at one step; it answers how many times the step has been
// attempted since, and what removes the fault.
type fault func(t *testing.T, step actions.Step) (attempts func() int, remove func())

// faultEachStep runs one subtest per step of every action that sel picks: it prepares the
// action, puts the fault in force at the step, submits with timeOutMs, and hands the final
// ticket and the step's attempts to check.
func faultEachStep(t *testing.T, e *e2e, sel func(actions.Step) bool, inject fault, timeOutMs int,
	check func(t *testing.T, a actions.Action, k int, j jobView, attempts int)) {
	for _, a := range actions.Catalogue() {
		for k, step := range a.Steps {
			if !sel(step) {
				continue
			}
			t.Run(a.Name+"/"+step.Name, func(t *testing.T) {
				params := e.prepare(a.Name)
				attempts, remove := inject(t, step)
				defer remove()
				j := e.waitJob(e.submit(a.Name, params, timeOutMs).TicketID)
				check(t, a, k, j, attempts())
			})
		}
	}
}

func outsideStep(s actions.Step) bool  { return s.System != actions.Identity }
func identityStep(s actions.Step) bool { return s.System == actions.Identity }

// simulatorFault injects a fault of the outside-system simulator at the step's call: every
// attempt of it when the fault is transient (the retries meet it too), else its one call, so
// that a compensation calling the same operation (a state set back) is not faulted as well.
func simulatorFault(e *e2e, mode simulator.Mode, status int) fault {
	return func(t *testing.T, step actions.Step) (func() int, func()) {
		before := e.stack.Simulator.Calls(step.Name)
		times := 1
		if mode == simulator.Transient {
			times = 0
		}
		if _, err := e.stack.Simulator.Inject(simulator.Fault{Operation: step.Name, Mode: mode, Status: status, Times: times, Message: "already exists"}); err != nil {
			t.Fatal(err)
		}
		return func() int { return e.stack.Simulator.Calls(step.Name) - before }, e.stack.Simulator.ClearFaults
	}
}

// expectSteps checks the steps of a job that failed at step k and was rolled back:
// earlier compensable steps ROLLED_BACK (others COMPLETE), step k as given, later PENDING.
func expectSteps(t *testing.T, a actions.Action, j jobView, k int, failed string, rolledBack bool) {
	t.Helper()
	for i, s := range a.Steps {
		want := "PENDING"
		switch {
		case i < k && rolledBack && s.Compensable():
			want = "ROLLED_BACK"
		case i < k:
			want = "COMPLETE"
		case i == k:
			want = failed
		}
		if j.StepStatus[s.Name] != want {
			t.Errorf("%s: step %s is %s, want %s (all: %v)", a.Name, s.Name, j.StepStatus[s.Name], want, j.StepStatus)
		}
	}
}

// reversible reports whether the action rolls back on failure (purgeDomain cannot).
func reversible(a actions.Action) bool {
	for _, s := range a.Steps {
		if s.Compensable() {
			return true
		}
	}
	return false
}

// expectNothingHeld checks that a rolled-back job left no record in the outside systems nor
// in the identity table.
func expectNothingHeld(t *testing.T, e *e2e, a actions.Action, j jobView) {
	t.Helper()
	if !reversible(a) {
		return
	}
	if held := heldBy(e.stack.Simulator, j.TicketID); len(held) != 0 {
		t.Errorf("rollback left records in the outside systems: %v", held)
	}
	if held := identityHeldBy(t, e, j.TicketID); len(held) != 0 {
		t.Errorf("rollback left identity records: %v", held)
	}
}

// expectPermanentFailure checks a job whose step k failed permanently with category cat.
func expectPermanentFailure(t *testing.T, e *e2e, a actions.Action, k int, j jobView, cat string) {
	t.Helper()
	if j.Status != "ERROR" || j.ErrorCategory != cat || !strings.Contains(j.ErrorDescription, a.Steps[k].Name) {
		t.Errorf("ticket: %s %s %q", j.Status, j.ErrorCategory, j.ErrorDescription)
	}
	expectSteps(t, a, j, k, "ERROR", reversible(a))
	expectNothingHeld(t, e, a, j)
}

// expectTimedOut checks a job whose step k failed transiently on every attempt: TIMEDOUT with
// its completed steps kept, after 1 + MaxAttempts attempts.
func expectTimedOut(t *testing.T, a actions.Action, k int, j jobView, attempts int) {
	t.Helper()
	step := a.Steps[k]
	if j.Status != "TIMEDOUT" || j.ErrorCategory != "DEPENDENCY" || !strings.Contains(j.ErrorDescription, step.Name) {
		t.Errorf("ticket: %s %s %q", j.Status, j.ErrorCategory, j.ErrorDescription)
	}
	expectSteps(t, a, j, k, "TIMEDOUT", false)
	if attempts != step.Retry.MaxAttempts+1 {
		t.Errorf("%s attempted %d times, want %d (1 + MaxAttempts retries)", step.Name, attempts, step.Retry.MaxAttempts+1)
	}
}

// expectCancelled checks a job whose deadline passed while step k hung.
func expectCancelled(t *testing.T, e *e2e, a actions.Action, k int, j jobView) {
	t.Helper()
	if j.Status != "CANCELLED" || j.ErrorCategory != "TIMEOUT" {
		t.Errorf("ticket: %s %s %q", j.Status, j.ErrorCategory, j.ErrorDescription)
	}
	expectSteps(t, a, j, k, "ERROR", reversible(a))
	expectNothingHeld(t, e, a, j)
}

func TestFaultMatrixPermanentErrorRollsBack(t *testing.T) {
	e := startActions(t, true)
	faultEachStep(t, e, outsideStep, simulatorFault(e, simulator.Permanent, 409), 60000,
		func(t *testing.T, a actions.Action, k int, j jobView, _ int) {
			expectPermanentFailure(t, e, a, k, j, "CONFLICT")
		})
}

func TestFaultMatrixTransientErrorTimesOutKeepingCompletedSteps(t *testing.T) {
	e := startActions(t, true)
	faultEachStep(t, e, outsideStep, simulatorFault(e, simulator.Transient, 0), 0,
		func(t *testing.T, a actions.Action, k int, j jobView, attempts int) {
			expectTimedOut(t, a, k, j, attempts)
		})
}

func TestFaultMatrixHangPastDeadlineCancelsAndRollsBack(t *testing.T) {
	e := startActions(t, false)
	faultEachStep(t, e, outsideStep, simulatorFault(e, simulator.Hang, 0), 1500,
		func(t *testing.T, a actions.Action, k int, j jobView, _ int) { expectCancelled(t, e, a, k, j) })
}

func TestFailedCompensationIsRollbackFailedAndInternal(t *testing.T) {
	e := startActions(t, true)
	a, _ := actions.Lookup("createDomain")
	sim := e.stack.Simulator
	_, _ = sim.Inject(simulator.Fault{Operation: "CreateZuoraDomainAccount", Mode: simulator.Permanent, Status: 400})
	_, _ = sim.Inject(simulator.Fault{Operation: "DeleteKmsDomain", Mode: simulator.Permanent, Status: 403})
	defer sim.ClearFaults()
	j := e.waitJob(e.submit(a.Name, e.prepare(a.Name), 60000).TicketID)
	if j.Status != "ERROR" || j.ErrorCategory != "INTERNAL" || !strings.Contains(j.ErrorDescription, "CreateKmsDomain") {
		t.Errorf("ticket: %s %s %q", j.Status, j.ErrorCategory, j.ErrorDescription)
	}
	want := map[string]string{"CreateUmsDomain": "ROLLED_BACK", "CreateKmsDomain": "ROLLBACK_FAILED",
		"CreateSalesforceAccount": "ROLLED_BACK", "CreateZuoraDomainAccount": "ERROR"}
	for s, st := range want {
		if j.StepStatus[s] != st {
			t.Errorf("step %s: %s, want %s", s, j.StepStatus[s], st)
		}
	}
	held := heldBy(sim, j.TicketID)
	if len(held) != 1 || !strings.HasPrefix(held[0], "CreateKmsDomain:") {
		t.Errorf("outside systems should hold only the KMS tenant whose deletion failed: %v", held)
	}
}

func TestRestartAfterTimeoutCompletesWithoutRerunningSteps(t *testing.T) {
	e := startActions(t, true)
	sim := e.stack.Simulator
	_, _ = sim.Inject(simulator.Fault{Operation: "CreateSalesforceAccount", Mode: simulator.Transient})
	j := e.waitJob(e.submit("createDomain", e.prepare("createDomain"), 0).TicketID)
	if j.Status != "TIMEDOUT" {
		t.Fatalf("ticket: %+v", j)
	}
	kms := sim.Calls("CreateKmsDomain")
	sim.ClearFaults()
	r := e.do("PUT", "/job/"+j.TicketID+"?timeOut=60000", e.stack.AdminToken, nil, "")
	expectStatus(t, r, 200)
	j = e.waitJob(j.TicketID)
	if j.Status != "COMPLETE" || j.ErrorDescription != "" || j.ErrorCategory != "" {
		t.Fatalf("restarted job: %+v", j)
	}
	for _, s := range []string{"CreateUmsDomain", "CreateKmsDomain", "CreateSalesforceAccount", "CreateZuoraDomainAccount"} {
		if j.StepStatus[s] != "COMPLETE" {
			t.Errorf("step %s: %s", s, j.StepStatus[s])
		}
	}
	if sim.Calls("CreateKmsDomain") != kms {
		t.Errorf("a completed step ran again on restart")
	}
	expectProblem(t, e.do("PUT", "/job/"+j.TicketID, e.stack.AdminToken, nil, ""), 409)
	expectProblem(t, e.do("PUT", "/job/ffffffffffffffffffffffff", e.stack.AdminToken, nil, ""), 404)
}

func TestActionParamsNeverLeaveTheStoreInClear(t *testing.T) {
	e := startActions(t, true)
	secret := "s3cr3t-" + uniqueName("value")
	params := e.prepare("createDomain")
	params["description"] = secret
	r := e.do("POST", "/action/createDomain?timeOut=60000", e.stack.AdminToken,
		map[string]string{"Content-Type": "application/json"}, submitBody(params))
	j := decodeJob(t, r)
	if j.Status != "COMPLETE" {
		t.Fatalf("%+v", j)
	}
	if strings.Contains(r.body, secret) || strings.Contains(e.get("/job/"+j.TicketID).body, secret) {
		t.Error("a parameter value is in a response")
	}
	execs, _ := e.stack.Engine.ListExecutions(stack.MachineARNPrefix()+"createDomain", "")
	for _, x := range execs {
		hist, _ := e.stack.Engine.History(x.ARN)
		for _, ev := range hist {
			if b, _ := jsonString(ev); strings.Contains(b, secret) || strings.Contains(b, params["name"]) {
				t.Fatalf("a parameter value is in the execution history: %s", b)
			}
		}
	}
	raw := rawTicket(t, e, j.TicketID)
	if strings.Contains(raw, secret) {
		t.Error("a parameter value is stored in clear")
	}
	if logs := e.logs.String(); !strings.Contains(logs, j.TicketID) || strings.Contains(logs, secret) {
		t.Errorf("the logs must name the job and never a parameter value (%d bytes of logs)", len(logs))
	}
}

func TestConcurrentSubmissionsAllEndCorrectly(t *testing.T) {
	e := startActions(t, true)
	const n = 200
	var wg sync.WaitGroup
	ids := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := e.submit("createDomain", map[string]string{"name": uniqueName("Conc")}, 0)
			ids[i] = j.TicketID
		}()
	}
	wg.Wait()
	complete := 0
	for _, id := range ids {
		if j := e.waitJob(id); j.Status == "COMPLETE" {
			complete++
		} else {
			t.Errorf("job %s: %s %s %s", id, j.Status, j.ErrorCategory, j.ErrorDescription)
		}
	}
	if complete != n {
		t.Errorf("%d of %d complete", complete, n)
	}
	if got := e.stack.Simulator.Calls("CreateKmsDomain"); got != n {
		t.Errorf("CreateKmsDomain called %d times for %d jobs", got, n)
	}
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// rawTicket is the ticket's item as DynamoDB holds it, rendered as text.
func rawTicket(t testing.TB, e *e2e, id string) string {
	t.Helper()
	out, err := e.stack.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String("tickets"),
		Key:       map[string]types.AttributeValue{"ticketId": &types.AttributeValueMemberS{Value: id}},
	})
	if err != nil || len(out.Item) == 0 {
		t.Fatalf("raw ticket: %v", err)
	}
	var b strings.Builder
	for k, v := range out.Item {
		fmt.Fprintf(&b, "%s=%#v\n", k, v)
	}
	return b.String()
}
