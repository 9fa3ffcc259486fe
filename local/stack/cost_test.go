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

// requestsPerRun is what one successful run of each action costs in DynamoDB requests, from
// the submit (the authorizer's token read included) to the last step's write: each step costs
// a conditional write that starts it and one that records it (the last step's also ends the
// job), besides its own work (an identity write, a domain read, an outside id noted on the
// domain). The README's cost table shows these and what they were before. activateService's
// two identity steps each read the endpoint template from the catalogue; purgeDomain also
// lists and deletes the domain's default groups and role definitions.
var requestsPerRun = map[string]int64{
	"createDomain":       14,
	"createUser":         14,
	"createTenant":       6,
	"activateService":    18,
	"domainState":        10,
	"userState":          10,
	"createSwiftAccount": 8,
	"purgeDomain":        41,
}

// accountsFirstJob is what an account's first job costs besides its run: one PutItem for each
// of the account's counter shards and the retry of the transaction that found none.
const accountsFirstJob = 5

// writeUnitsPerRun bounds the write capacity units one successful run of each action costs the
// tickets table on AWS (the embedded DynamoDB's WriteUnits: the table's and its indexes'
// writes). Bounds, not exact figures: an item's size, so its units, moves with the length of
// the names a run is given. The operation history costs a part of them: a ticket with a
// domain has an entry in byDomain, rewritten with each write (createDomain's too, from its
// first step on), and one in the keys-only byDomainAction, written once. Against the bounds
// before the history: +8 for createDomain, +1 for the others, and purgeDomain +11 with its
// DeleteSwiftAccounts step. The counts' counters cost +5 on each: the job's end is a
// transaction (its ticket's write costs twice) that adds to two counter shards, the
// account's and the global one, at 2 WCU each.
var writeUnitsPerRun = map[string]float64{
	"createDomain":       33,
	"createUser":         31,
	"createTenant":       25,
	"activateService":    29,
	"domainState":        27,
	"userState":          25,
	"createSwiftAccount": 27,
	"purgeDomain":        39,
}

// TestCostOfEachAction measures what one successful run of each action costs and pins it:
// DynamoDB requests (requestsPerRun), one Lambda invocation per step (the last step records
// the outcome, no invocation of its own) and one state transition per step plus the final
// Succeed.
func TestCostOfEachAction(t *testing.T) {
	e := startActions(t, true)
	ctx := context.Background()
	// An account's first job creates the account's counter shards (one PutItem each) after its
	// first counted write found none: the account's one-time cost, paid before the table.
	run := func(action string, params map[string]string) (arn string) {
		j := e.submit(action, params, 0)
		arn = strings.Replace(stack.MachineARNPrefix(), ":stateMachine:", ":execution:", 1) + action + ":" + j.TicketID
		if x, err := e.stack.Engine.Wait(ctx, arn); err != nil || x.Status != "SUCCEEDED" {
			t.Fatalf("%s: %v %+v", action, err, x)
		}
		return arn
	}
	before := e.stack.DynamoDBRequests()
	run("createDomain", e.prepare("createDomain"))
	if first, want := sum(e.stack.DynamoDBRequests())-sum(before), requestsPerRun["createDomain"]+accountsFirstJob; first != want {
		t.Errorf("an account's first createDomain: %d DynamoDB requests, want %d", first, want)
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-16s %8s %8s %12s %10s %10s\n", "action", "dynamodb", "lambda", "transitions", "WCU tickets", "WCU identity")
	for _, a := range actions.Catalogue() {
		params := e.prepare(a.Name)
		e.stack.MeasureDynamoDBWrites()
		before := e.stack.DynamoDBRequests()
		arn := run(a.Name, params)
		after := e.stack.DynamoDBRequests()
		ddb := sum(after) - sum(before)
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
		if invocations != len(a.Steps) || transitions != len(a.Steps)+1 {
			t.Errorf("%s: %d invocations, %d transitions; want %d and %d", a.Name, invocations, transitions, len(a.Steps), len(a.Steps)+1)
		}
		if want, ok := requestsPerRun[a.Name]; !ok || ddb != want {
			by := map[string]int64{}
			for op, n := range after {
				if d := n - before[op]; d != 0 {
					by[op] = d
				}
			}
			t.Errorf("%s: %d DynamoDB requests %v, want %d", a.Name, ddb, by, want)
		}
		wcu := e.stack.DynamoDBWriteUnits()
		if max := writeUnitsPerRun[a.Name]; wcu["tickets"] > max {
			t.Errorf("%s: the tickets table's writes cost %v WCU, more than %v", a.Name, wcu["tickets"], max)
		}
		fmt.Fprintf(&table, "%-16s %8d %8d %12d %10.0f %10.0f\n", a.Name, ddb, invocations, transitions, wcu["tickets"], wcu["identity"])
	}
	t.Log("cost of one successful run\n" + table.String())
}
