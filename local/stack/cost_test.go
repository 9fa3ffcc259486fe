package stack_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/shared/actions"
)

func sum(m map[string]int64) (n int64) {
	for _, v := range m {
		n += v
	}
	return n
}

// TestCostOfEachAction measures what one successful run of each action costs: DynamoDB
// requests (from submit to the last step), Lambda invocations and state transitions. The
// figures are in the README's performance section; the test pins the invocation and
// transition counts to the catalogue: one invocation per step plus the recording of the
// outcome, and one transition per Task plus the final Succeed.
func TestCostOfEachAction(t *testing.T) {
	e := startActions(t, true)
	ctx := context.Background()
	var table strings.Builder
	fmt.Fprintf(&table, "%-16s %8s %8s %12s\n", "action", "dynamodb", "lambda", "transitions")
	for _, a := range actions.Catalogue() {
		params := e.prepare(a.Name)
		before := sum(e.stack.DynamoDBRequests())
		j := e.submit(a.Name, params, 0)
		arn := strings.Replace(stack.MachineARNPrefix(), ":stateMachine:", ":execution:", 1) + a.Name + ":" + j.TicketID
		if x, err := e.stack.Engine.Wait(ctx, arn); err != nil || x.Status != "SUCCEEDED" {
			t.Fatalf("%s: %v %+v", a.Name, err, x)
		}
		ddb := sum(e.stack.DynamoDBRequests()) - before
		hist, err := e.stack.Engine.History(arn)
		if err != nil {
			t.Fatal(err)
		}
		invocations, transitions := 0, 0
		for _, ev := range hist {
			switch {
			case ev.Type == "LambdaFunctionScheduled" || ev.Type == "TaskScheduled":
				invocations++
			case strings.HasSuffix(ev.Type, "StateEntered"):
				transitions++
			}
		}
		if invocations != len(a.Steps)+1 || transitions != len(a.Steps)+2 {
			t.Errorf("%s: %d invocations, %d transitions; want %d and %d", a.Name, invocations, transitions, len(a.Steps)+1, len(a.Steps)+2)
		}
		fmt.Fprintf(&table, "%-16s %8d %8d %12d\n", a.Name, ddb, invocations, transitions)
	}
	t.Log("cost of one successful run\n" + table.String())
}
