package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/actionservice/actionservice/local/dynamodb/dynamodbtest"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// countQueries are every count the routes make, of an account and of all accounts.
func countQueries(accounts ...string) []store.Query {
	var out []store.Query
	for _, a := range append([]string{""}, accounts...) {
		for _, s := range []ticket.Status{ticket.Pending, ticket.Running, ticket.Retry, ticket.Complete, ticket.Error, ticket.TimedOut, ticket.Cancelled} {
			out = append(out, store.Query{Account: a, Status: s})
		}
		out = append(out, store.Query{Account: a, Errors: true})
		for _, c := range ticket.Categories {
			out = append(out, store.Query{Account: a, Errors: true, Category: c})
		}
	}
	return out
}

// wantCount is the query's count over the tickets as the test knows them.
func wantCount(q store.Query, tickets map[string]*ticket.Ticket) int {
	n := 0
	for _, t := range tickets {
		switch {
		case q.Account != "" && t.AccountID != q.Account:
		case q.Errors && (!t.Status.Failed() || (q.Category != "" && t.ErrorCategory != q.Category)):
		case !q.Errors && t.Status != q.Status:
		default:
			n++
		}
	}
	return n
}

// assertCounts checks every count against the tickets as the test knows them and against the
// index, which the counters must agree with.
func assertCounts(t *testing.T, s *store.Store, tickets map[string]*ticket.Ticket, accounts ...string) {
	t.Helper()
	ctx := context.Background()
	for _, q := range countQueries(accounts...) {
		got, err := s.Count(ctx, q)
		if err != nil {
			t.Fatalf("count %+v: %v", q, err)
		}
		onIndex, err := s.CountIndex(ctx, q)
		if err != nil {
			t.Fatalf("count %+v on its index: %v", q, err)
		}
		if want := wantCount(q, tickets); got != want || onIndex != want {
			t.Errorf("count %+v = %d, on its index %d, want %d", q, got, onIndex, want)
		}
		q.Limit = 2
		if got, err := s.Count(ctx, q); err != nil || got != min(wantCount(q, tickets), 2) {
			t.Errorf("count %+v = %d, %v, want %d", q, got, err, min(wantCount(q, tickets), 2))
		}
	}
}

func TestCountersAreExactAfterAMixedWorkload(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		tickets := map[string]*ticket.Ticket{}
		i := 0
		create := func(account string, st ticket.Status, cat ticket.Category) *ticket.Ticket {
			i++
			tk := newTicket(i, account, st)
			if st.Failed() {
				tk.ErrorCategory = cat
			}
			mustCreate(t, s, tk)
			tickets[tk.ID] = tk
			return tk
		}
		update := func(tk *ticket.Ticket, change func(*ticket.Ticket)) {
			t.Helper()
			got, err := s.Update(ctx, tk.ID, func(t *ticket.Ticket) error { change(t); return nil })
			if err != nil {
				t.Fatal(err)
			}
			tickets[tk.ID] = got
		}
		at := base.Add(2 * time.Hour)

		// Refused at submit: created ERROR, with and without an Idempotency-Key (twice).
		create("acct1", ticket.Error, ticket.UserInput)
		i++
		idem := newTicket(i, "acct2", ticket.Error)
		idem.ErrorCategory = ticket.UserInput
		for range 2 {
			first, _, err := s.CreateIdempotent(ctx, idem, "key-1", at)
			if err != nil {
				t.Fatal(err)
			}
			tickets[first.ID] = first
		}
		// Run to their ends: COMPLETE, each failure, a terminal ticket rewritten as it was.
		for n, account := range []string{"acct1", "acct2", "acct1", "acct2", "acct1", "acct1"} {
			i++
			tk := newTicket(i, account, ticket.Pending)
			tk.Steps = map[string]ticket.StepStatus{"CreateUmsDomain": ticket.StepPending}
			mustCreate(t, s, tk)
			if _, err := s.StartStep(ctx, tk.ID, account, "CreateUmsDomain"); err != nil {
				t.Fatal(err)
			}
			switch n {
			case 0, 1:
				update(tk, func(t *ticket.Ticket) { t.Finish(ticket.Complete, at) })
				update(tk, func(t *ticket.Ticket) { t.Results = map[string]string{"domainId": "1"} })
			case 2:
				update(tk, func(t *ticket.Ticket) { t.Fail(ticket.Error, ticket.Dependency, "CRM down", at) })
			case 3:
				update(tk, func(t *ticket.Ticket) { t.Fail(ticket.Cancelled, ticket.Timeout, "deadline passed", at) })
			default:
				update(tk, func(t *ticket.Ticket) { t.Fail(ticket.TimedOut, ticket.Timeout, "retries used up", at) })
			}
		}
		create("acct2", ticket.Running, "")
		assertCounts(t, s, tickets, "acct1", "acct2", "acct3")

		// A restart takes a TIMEDOUT job back, and it then ends COMPLETE; another stays RETRY.
		var restarted []*ticket.Ticket
		for _, tk := range tickets {
			if tk.Status == ticket.TimedOut {
				restarted = append(restarted, tk)
			}
		}
		for n, tk := range restarted {
			update(tk, func(t *ticket.Ticket) { t.Status, t.Completion = ticket.Retry, time.Time{} })
			if n == 0 {
				update(tk, func(t *ticket.Ticket) { t.Finish(ticket.Complete, at) })
			}
		}
		assertCounts(t, s, tickets, "acct1", "acct2")

		// Deleted one by one, and a whole category at once.
		for _, tk := range tickets {
			if tk.Status == ticket.Complete && tk.AccountID == "acct2" {
				if err := s.Delete(ctx, tk.ID); err != nil {
					t.Fatal(err)
				}
				delete(tickets, tk.ID)
			}
		}
		for n := range 3 {
			create("acct1", ticket.Error, ticket.Dependency)
			create("acct2", ticket.Error, ticket.Dependency)
			create("acct2", []ticket.Status{ticket.Error, ticket.TimedOut, ticket.Cancelled}[n], ticket.Conflict)
		}
		if _, err := s.DeleteAll(ctx, store.Query{Account: "acct1", Errors: true, Category: ticket.Dependency}); err != nil {
			t.Fatal(err)
		}
		for id, tk := range tickets {
			if tk.AccountID == "acct1" && tk.Status.Failed() && tk.ErrorCategory == ticket.Dependency {
				delete(tickets, id)
			}
		}
		assertCounts(t, s, tickets, "acct1", "acct2")
	})
}

func TestCountersStayExactUnderConcurrentEnds(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		dynamodbtest.SkipWhereConcurrentWritesRace(t)
		ctx := context.Background()
		const n = 40
		tickets := map[string]*ticket.Ticket{}
		var all []*ticket.Ticket
		for i := range n {
			tk := mustCreate(t, s, newTicket(i, fmt.Sprintf("acct%d", i%2), ticket.Running))
			all = append(all, tk)
		}
		// Every ticket ends at once: the few counter shards they share see concurrent
		// transactions, which DynamoDB cancels as conflicts and the store writes again.
		var (
			wg sync.WaitGroup
			mu sync.Mutex
		)
		for i, tk := range all {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.Update(ctx, tk.ID, func(t *ticket.Ticket) error {
					if i%3 == 0 {
						t.Fail(ticket.Error, ticket.Conflict, "taken", base)
					} else {
						t.Finish(ticket.Complete, base)
					}
					return nil
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				tickets[got.ID] = got
				mu.Unlock()
			}()
		}
		wg.Wait()
		assertCounts(t, s, tickets, "acct0", "acct1")
	})
}

func TestACountOfTerminalTicketsIsOneReadOfTheCounters(t *testing.T) {
	eachBackend(t, func(t *testing.T, _ *store.Store, db *dynamodb.Client) {
		calls := map[string]int{}
		counting := dynamodb.New(db.Options(), func(o *dynamodb.Options) {
			o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
				return st.Initialize.Add(middleware.InitializeMiddlewareFunc("countCalls",
					func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
						middleware.InitializeOutput, middleware.Metadata, error) {
						calls[fmt.Sprintf("%T", in.Parameters)]++
						return next.HandleInitialize(ctx, in)
					}), middleware.Before)
			})
		})
		s := store.New(counting, table)
		for i := range 30 {
			mustCreate(t, s, newTicket(i, "acct1", ticket.Error))
		}
		for _, q := range []store.Query{{Errors: true}, {Account: "acct1", Errors: true, Category: ticket.Dependency}, {Status: ticket.Error}} {
			clear(calls)
			if n, err := s.Count(context.Background(), q); err != nil || n != 30 {
				t.Fatalf("count %+v = %d, %v", q, n, err)
			}
			if want := map[string]int{"*dynamodb.BatchGetItemInput": 1}; fmt.Sprint(calls) != fmt.Sprint(want) {
				t.Errorf("count %+v made %v, want %v", q, calls, want)
			}
		}
		// What the counters do not answer reads the index: a count after a marker, of an
		// in-flight status.
		clear(calls)
		if n, err := s.Count(context.Background(), store.Query{Status: ticket.Running}); err != nil || n != 0 || calls["*dynamodb.QueryInput"] != 1 {
			t.Errorf("count of RUNNING = %d, %v, with %v", n, err, calls)
		}
	})
}

func TestRecountRepairsADriftedCounter(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		tickets := map[string]*ticket.Ticket{}
		for i := range 9 {
			tk := mustCreate(t, s, newTicket(i, []string{"acct1", "acct2", "acct3"}[i%3], []ticket.Status{ticket.Complete, ticket.Error}[i%2]))
			tickets[tk.ID] = tk
		}
		// As TTL's removal of COMPLETE tickets, or a restored backup, would leave them.
		s.DriftCounter(t, "", ticket.Complete, 7)
		s.DriftCounter(t, "acct2", ticket.Error, -1)
		if n, _ := s.Count(ctx, store.Query{Status: ticket.Complete}); n != wantCount(store.Query{Status: ticket.Complete}, tickets)+7 {
			t.Fatalf("the drift did not show: %d", n)
		}

		// Counters that moved within Quiet are left alone.
		done, err := s.Recount(ctx, store.RecountOptions{Scopes: 10, Quiet: time.Hour})
		if err != nil || done.Repaired != 0 || done.Busy == 0 {
			t.Fatalf("recount of busy counters: %+v, %v", done, err)
		}
		// One scope a call: the whole table's, then each account's in turn, then round again.
		for range 4 {
			if _, err := s.Recount(ctx, store.RecountOptions{Scopes: 1}); err != nil {
				t.Fatal(err)
			}
		}
		assertCounts(t, s, tickets, "acct1", "acct2", "acct3")
		done, err = s.Recount(ctx, store.RecountOptions{Scopes: 10})
		if err != nil || done.Repaired != 0 || done.Checked != 4 {
			t.Errorf("recount of exact counters: %+v, %v", done, err)
		}
	})
}
