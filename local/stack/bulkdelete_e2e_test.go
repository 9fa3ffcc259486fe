package stack_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/shared/ticket"
)

// firstQueryOnly lets a request's first DynamoDB Query through and holds every later Query of
// the same request until the request's deadline: a table on which listing past the first
// page outlasts the wait cap, whatever the machine's speed. Requests are told apart by their
// deadline; those without one (the test's own writes) pass.
func firstQueryOnly(o *dynamodb.Options) {
	var (
		mu   sync.Mutex
		seen = map[time.Time]bool{}
	)
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("firstQueryOnly",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
				middleware.InitializeOutput, middleware.Metadata, error) {
				deadline, ok := ctx.Deadline()
				if _, query := in.Parameters.(*dynamodb.QueryInput); !query || !ok {
					return next.HandleInitialize(ctx, in)
				}
				mu.Lock()
				again := seen[deadline]
				seen[deadline] = true
				mu.Unlock()
				if !again {
					return next.HandleInitialize(ctx, in)
				}
				<-ctx.Done()
				return middleware.InitializeOutput{}, middleware.Metadata{}, ctx.Err()
			}), middleware.Before)
	})
}

var deletedCount = regexp.MustCompile(`^deleted (\d+) `)

func TestBulkDeleteLongerThanTheWaitCapFinishesOverRepeats(t *testing.T) {
	e := startWith(t, func(c *stack.Config) {
		c.Samples = false
		c.DynamoDBOptions = []func(*dynamodb.Options){firstQueryOnly}
	})
	// More than one page of DeleteAll's, so that no single call can list them all.
	const total = 250
	at := time.Now().Add(-time.Hour)
	for i := range total {
		sub := at.Add(time.Duration(i) * time.Millisecond)
		e.create(&ticket.Ticket{Action: "createDomain", AccountID: "a1", Status: ticket.Error, Submission: sub,
			Completion: sub, ErrorCategory: ticket.Dependency, ErrorDescription: "CRM unavailable"})
	}
	keep := e.create(&ticket.Ticket{Action: "createDomain", AccountID: "a1", Status: ticket.Error, Submission: at,
		Completion: at, ErrorCategory: ticket.UserInput, ErrorDescription: "Missing required parameter [name]"})

	left, calls := total, 0
	for {
		calls++
		r := e.do("DELETE", "/job/error/DEPENDENCY", e.stack.AdminToken, nil, "")
		if r.status == http.StatusNoContent {
			break
		}
		expectProblem(t, r, http.StatusServiceUnavailable)
		if ra := r.header.Get("Retry-After"); ra != "0" {
			t.Errorf("call %d: Retry-After %q, want 0", calls, ra)
		}
		var p struct{ Detail string }
		_ = json.Unmarshal([]byte(r.body), &p)
		m := deletedCount.FindStringSubmatch(p.Detail)
		if m == nil {
			t.Fatalf("call %d: the 503 does not say how many it deleted: %s", calls, p.Detail)
		}
		n, _ := strconv.Atoi(m[1])
		if n == 0 {
			t.Fatalf("call %d ran out of time having deleted nothing: repeats would never finish", calls)
		}
		left -= n
		if got := e.get("/job/error/DEPENDENCY/count").body; got != strconv.Itoa(left) {
			t.Fatalf("call %d said it deleted %d, leaving %d; the count says %s", calls, n, left, got)
		}
		if calls == total {
			t.Fatalf("%d calls have not finished", calls)
		}
	}
	if calls == 1 {
		t.Fatalf("one call deleted all %d: the category did not outlast the wait cap, so this proves nothing", total)
	}
	if got := e.get("/job/error/DEPENDENCY/count").body; got != "0" {
		t.Errorf("after the 204, %s DEPENDENCY error jobs left", got)
	}
	if l := tickets(t, e.get("/job/error")); len(l) != 1 || l[0]["ticketId"] != keep.ID {
		t.Errorf("the other category's ticket should be all that is left: %v", l)
	}
}
