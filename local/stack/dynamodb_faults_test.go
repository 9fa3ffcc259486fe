package stack_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/steps"
)

// stepGate stands in front of the identity step function of a stack. While a step is
// chosen, each invocation that does that step's work runs with a DynamoDB fault in force on
// the identity table, and is counted; other steps, and every compensation, see a healthy
// table. (DynamoDB cannot tell which step sends a request; the gate can.)
type stepGate struct {
	e     *e2e
	inner lambda.Handler

	mu       sync.Mutex
	step     string
	fault    localdynamodb.Fault // put in force on the identity table, per invocation
	attempts int
}

func (g *stepGate) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	var p steps.Payload
	_ = json.Unmarshal(payload, &p)
	g.mu.Lock()
	armed := p.Phase == steps.PhaseDo && p.Step == g.step
	if armed {
		g.attempts++
	}
	f := g.fault
	g.mu.Unlock()
	if armed {
		f.Table = "identity"
		remove, err := g.e.stack.InjectDynamoDBFault(f)
		if err != nil {
			return nil, err
		}
		defer remove()
	}
	return g.inner.Invoke(ctx, payload)
}

// identityFault puts a DynamoDB fault on the identity table in force while the step works.
func identityFault(e *e2e, mode localdynamodb.FaultMode) fault {
	return identityFaultOf(e, localdynamodb.Fault{Mode: mode})
}

// identityFaultOf puts f in force on the identity table for each invocation of the step.
func identityFaultOf(e *e2e, f localdynamodb.Fault) fault {
	inner, ok := e.stack.Engine.Registry().Lookup(actions.Identity.LogicalID())
	if !ok {
		e.t.Fatalf("%s is not registered", actions.Identity.LogicalID())
	}
	g := &stepGate{e: e, inner: inner, fault: f}
	e.stack.Engine.RegisterFunction(actions.Identity.LogicalID(), g)
	return func(t *testing.T, step actions.Step) (func() int, func()) {
		g.mu.Lock()
		g.step, g.attempts = step.Name, 0
		g.mu.Unlock()
		attempts := func() int {
			g.mu.Lock()
			defer g.mu.Unlock()
			return g.attempts
		}
		return attempts, func() {
			g.mu.Lock()
			g.step = ""
			g.mu.Unlock()
		}
	}
}

// identityHeldBy lists the identity records a job's steps created (createdBy "<ticket>/…").
// A test may scan; the service never does.
func identityHeldBy(t *testing.T, e *e2e, ticketID string) []string {
	t.Helper()
	var held []string
	p := dynamodb.NewScanPaginator(e.stack.DB, &dynamodb.ScanInput{TableName: aws.String("identity")})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("scan identity: %v", err)
		}
		for _, it := range page.Items {
			if by, ok := it["createdBy"].(*types.AttributeValueMemberS); ok && strings.HasPrefix(by.Value, ticketID+"/") {
				pk, _ := it["pk"].(*types.AttributeValueMemberS)
				sk, _ := it["sk"].(*types.AttributeValueMemberS)
				held = append(held, pk.Value+" "+sk.Value)
			}
		}
	}
	return held
}

func TestFaultMatrixIdentityStoreRefusingIsInternalAndRollsBack(t *testing.T) {
	e := startActions(t, true)
	faultEachStep(t, e, identityStep, identityFault(e, localdynamodb.Deny), 60000,
		func(t *testing.T, a actions.Action, k int, j jobView, _ int) {
			expectPermanentFailure(t, e, a, k, j, "INTERNAL")
			if !strings.Contains(j.ErrorDescription, "AccessDeniedException") {
				t.Errorf("the description should say what DynamoDB answered: %q", j.ErrorDescription)
			}
		})
}

func TestFaultMatrixIdentityStoreThrottlingTimesOutKeepingCompletedSteps(t *testing.T) {
	e := startActions(t, true)
	faultEachStep(t, e, identityStep, identityFault(e, localdynamodb.Throttle), 0,
		func(t *testing.T, a actions.Action, k int, j jobView, attempts int) {
			expectTimedOut(t, a, k, j, attempts)
		})
}

func TestFaultMatrixIdentityStoreHangingPastDeadlineCancelsAndRollsBack(t *testing.T) {
	e := startActions(t, false)
	faultEachStep(t, e, identityStep, identityFault(e, localdynamodb.Hang), 1500,
		func(t *testing.T, a actions.Action, k int, j jobView, _ int) { expectCancelled(t, e, a, k, j) })
}

// handlerFunc is a Lambda handler made of a function.
type handlerFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f handlerFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

func TestTicketsTableOutageDuringAJobEndsTheTicketOnceTheTableIsBack(t *testing.T) {
	e := startActions(t, true)
	ctx := context.Background()
	inner, _ := e.stack.Engine.Registry().Lookup(actions.Identity.LogicalID())
	submitted := make(chan struct{})
	var once sync.Once
	var outage func()
	// The first step waits until the client has its ticket, then the tickets table goes down
	// for the rest of the job: no step, compensation or outcome can be recorded.
	e.stack.Engine.RegisterFunction(actions.Identity.LogicalID(), handlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
		once.Do(func() {
			<-submitted
			remove, err := e.stack.InjectDynamoDBFault(localdynamodb.Fault{Table: "tickets", Mode: localdynamodb.Deny})
			if err != nil {
				t.Error(err)
			}
			outage = remove
		})
		return inner.Invoke(ctx, payload)
	}))
	j := e.submit("createDomain", e.prepare("createDomain"), 0)
	close(submitted)
	arn := strings.Replace(stack.MachineARNPrefix(), ":stateMachine:", ":execution:", 1) + "createDomain:" + j.TicketID
	x, err := e.stack.Engine.Wait(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	if x.Status != "FAILED" {
		t.Fatalf("execution %s, want FAILED: nothing could be recorded", x.Status)
	}
	outage()
	if cur, _ := e.stack.Tickets.Get(ctx, j.TicketID); cur.Status.Terminal() {
		t.Fatalf("the ticket ended (%s) while its table was down", cur.Status)
	}
	if n, err := e.stack.Reconciler.Sweep(ctx, 0); err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	got, _ := e.stack.Tickets.Get(ctx, j.TicketID)
	if got.Status != "ERROR" || got.ErrorCategory != "INTERNAL" ||
		!strings.Contains(got.ErrorDescription, "ticket store unavailable") || strings.Contains(got.ErrorDescription, `{"errorMessage"`) {
		t.Errorf("reconciled ticket: %s %s %q", got.Status, got.ErrorCategory, got.ErrorDescription)
	}
}
