package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/local/dynamodb/dynamodbtest"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

const table = "tickets"

// eachBackend runs a store test against the embedded DynamoDB and against moto.
func eachBackend(t *testing.T, test func(t *testing.T, s *store.Store, db *dynamodb.Client)) {
	for _, b := range dynamodbtest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t, store.TicketsTable(table))
			test(t, store.New(db, table), db)
		})
	}
}

var base = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func newTicket(i int, account string, st ticket.Status) *ticket.Ticket {
	at := base.Add(time.Duration(i) * time.Second)
	t := &ticket.Ticket{ID: ticket.NewID(at), Action: "createDomain", AccountID: account, Status: st, Submission: at}
	if st.Terminal() {
		t.Completion = at.Add(time.Second)
	}
	if st.Failed() {
		t.ErrorCategory = ticket.Dependency
		t.ErrorDescription = "CRM unavailable"
	}
	return t
}

func mustCreate(t *testing.T, s *store.Store, tk *ticket.Ticket) *ticket.Ticket {
	t.Helper()
	if err := s.Create(context.Background(), tk); err != nil {
		t.Fatal(err)
	}
	return tk
}

func ids(ts []*ticket.Ticket) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

func TestCreatedTicketReadsBackUnchanged(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		tk := newTicket(1, "acct1", ticket.Complete)
		tk.Results = map[string]string{"domainId": "47161213735800"}
		tk.Steps = map[string]ticket.StepStatus{"CreateUmsDomain": ticket.StepComplete}
		tk.DomainID = "47161213735800"
		mustCreate(t, s, tk)
		got, err := s.Get(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != ticket.Complete || got.Results["domainId"] != "47161213735800" ||
			got.Steps["CreateUmsDomain"] != ticket.StepComplete || !got.Submission.Equal(tk.Submission) ||
			!got.Completion.Equal(tk.Completion) || got.Version != 1 || got.DomainID != tk.DomainID {
			t.Errorf("read back %+v", got)
		}
		other := *tk
		other.AccountID = "acct2"
		if err := s.Create(ctx, &other); !errors.Is(err, store.ErrConflict) {
			t.Errorf("another ticket under the same id: %v", err)
		}
		// The same request again (the SDK's retry of a create whose answer was lost) finds
		// its own write: created, not a conflict.
		if err := s.Create(ctx, tk); err != nil {
			t.Errorf("the same create again: %v", err)
		}
	})
}

func TestGetUnknownTicketIsNotFound(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		if _, err := s.Get(context.Background(), "000000000000000000000000"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("got %v", err)
		}
	})
}

func TestStaleWriteIsRefusedAndNoUpdateIsLost(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		tk := mustCreate(t, s, newTicket(1, "acct1", ticket.Running))
		a, _ := s.Get(ctx, tk.ID)
		b, _ := s.Get(ctx, tk.ID)
		a.Steps = map[string]ticket.StepStatus{"A": ticket.StepComplete}
		if err := s.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
		b.Status = ticket.Error
		if err := s.Put(ctx, b); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale write accepted: %v", err)
		}
		// Concurrent Updates each add their own step; none may be lost.
		if !dynamodbtest.ConcurrentWritesIsolated(t) {
			return
		}
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Update(ctx, tk.ID, func(t *ticket.Ticket) error {
					t.Steps[fmt.Sprintf("S%d", i)] = ticket.StepComplete
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, _ := s.Get(ctx, tk.ID)
		if len(got.Steps) != 9 || got.Version != 10 {
			t.Errorf("lost updates: %d steps, version %d", len(got.Steps), got.Version)
		}
	})
}

func TestDeleteRefusesNonTerminalTickets(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		running := mustCreate(t, s, newTicket(1, "acct1", ticket.Running))
		done := mustCreate(t, s, newTicket(2, "acct1", ticket.Error))
		if err := s.Delete(ctx, running.ID); !errors.Is(err, store.ErrNotTerminal) {
			t.Errorf("delete running: %v", err)
		}
		if err := s.Delete(ctx, done.ID); err != nil {
			t.Errorf("delete terminal: %v", err)
		}
		if err := s.Delete(ctx, done.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete twice: %v", err)
		}
		if _, err := s.Get(ctx, done.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted ticket read again: %v", err)
		}
	})
}

func TestListsPageNewestFirstAcrossPagesWithSkip(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		var want []string
		for i := range 7 {
			want = append([]string{mustCreate(t, s, newTicket(i, "acct1", ticket.Complete)).ID}, want...)
		}
		mustCreate(t, s, newTicket(100, "acct2", ticket.Complete))
		var got []string
		q := store.Query{Account: "acct1", Limit: 3}
		for pages := 0; ; pages++ {
			p, err := s.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ids(p.Tickets)...)
			if p.Next == "" {
				if pages != 2 {
					t.Errorf("want 3 pages, got %d", pages+1)
				}
				break
			}
			q.Marker = p.Next
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("paging order\n got %v\nwant %v", got, want)
		}
		p, _ := s.List(ctx, store.Query{Account: "acct1", Limit: 2, Marker: want[1], Skip: 1})
		if fmt.Sprint(ids(p.Tickets)) != fmt.Sprint(want[3:5]) || p.Next != want[4] {
			t.Errorf("marker+skip: %v next %s", ids(p.Tickets), p.Next)
		}
		p, _ = s.List(ctx, store.Query{Account: "acct1", Limit: 7})
		if len(p.Tickets) != 7 || p.Next != "" {
			t.Errorf("exact page: %d next %q", len(p.Tickets), p.Next)
		}
	})
}

func TestErrorListsCountsAndCategories(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		mustCreate(t, s, newTicket(1, "acct1", ticket.Error))
		mustCreate(t, s, newTicket(2, "acct1", ticket.TimedOut))
		mustCreate(t, s, newTicket(3, "acct2", ticket.Cancelled))
		mustCreate(t, s, newTicket(4, "acct2", ticket.Complete))
		mustCreate(t, s, newTicket(5, "acct2", ticket.Running))
		auth := newTicket(6, "acct1", ticket.Error)
		auth.ErrorCategory = ticket.Auth
		mustCreate(t, s, auth)
		for _, c := range []struct {
			q    store.Query
			want int
		}{
			{store.Query{Errors: true}, 4},
			{store.Query{Errors: true, Account: "acct1"}, 3},
			{store.Query{Errors: true, Category: ticket.Dependency}, 3},
			{store.Query{Errors: true, Category: ticket.Auth}, 1},
			{store.Query{Errors: true, Category: ticket.Dependency, Account: "acct2"}, 1},
			{store.Query{Status: ticket.Running}, 1},
			{store.Query{Status: ticket.Error, Account: "acct1"}, 2},
			{store.Query{Account: "acct2"}, 3},
			{store.Query{Account: "acct2", Status: ticket.Complete}, 1},
			{store.Query{Account: "acct2", Action: "createUser"}, 0},
		} {
			n, err := s.Count(ctx, c.q)
			if err != nil || n != c.want {
				t.Errorf("count %+v = %d, %v; want %d", c.q, n, err, c.want)
			}
			c.q.Limit = 100
			p, err := s.List(ctx, c.q)
			if err != nil || len(p.Tickets) != c.want {
				t.Errorf("list %+v = %d, %v; want %d", c.q, len(p.Tickets), err, c.want)
			}
		}
		if _, err := s.Count(ctx, store.Query{}); !errors.Is(err, store.ErrNoIndex) {
			t.Errorf("unkeyed query: %v", err)
		}
	})
}

func TestMarkerPositionsNeedTheListsAccountActionAndDomainNotItsStatus(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		failed := mustCreate(t, s, newTicket(1, "acct1", ticket.Error))
		done := mustCreate(t, s, newTicket(2, "acct1", ticket.Complete))
		othersFailed := mustCreate(t, s, newTicket(3, "acct2", ticket.Error))
		user := newTicket(5, "acct1", ticket.Complete)
		user.Action = "createUser"
		mustCreate(t, s, user)
		for _, c := range []struct {
			q    store.Query
			id   string
			want bool
		}{
			{store.Query{Status: ticket.Complete}, done.ID, true},
			// Statuses and categories change as jobs move on; the ticket still marks a position.
			{store.Query{Status: ticket.Complete}, failed.ID, true},
			{store.Query{Errors: true, Category: ticket.Auth}, failed.ID, true},
			{store.Query{Errors: true}, done.ID, true},
			{store.Query{Status: ticket.Complete, Account: "acct2"}, done.ID, false},
			{store.Query{Errors: true, Account: "acct1"}, othersFailed.ID, false},
			{store.Query{Account: "acct1"}, othersFailed.ID, false},
			{store.Query{Account: "acct1", Action: "createUser"}, user.ID, true},
			{store.Query{Account: "acct1", Action: "createUser"}, done.ID, false},
			{store.Query{Account: "acct1"}, "000000000000000000000000", false},
			{store.Query{Account: "acct1"}, "not-a-ticket-id", false},
		} {
			got, err := s.MarksPosition(ctx, c.q, c.id)
			if err != nil || got != c.want {
				t.Errorf("MarksPosition(%+v, %s) = %v, %v; want %v", c.q, c.id, got, err, c.want)
			}
		}
		if _, err := s.MarksPosition(ctx, store.Query{}, done.ID); !errors.Is(err, store.ErrNoIndex) {
			t.Errorf("unkeyed query: %v", err)
		}
	})
}

func TestCountIsWhatListReturnsAfterMarkerUpToLimit(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		var newestFirst []string
		for i := range 7 {
			tk := newTicket(i, "acct1", ticket.Complete)
			if i%2 == 0 {
				tk.Action = "createUser"
			}
			newestFirst = append([]string{mustCreate(t, s, tk).ID}, newestFirst...)
		}
		for _, c := range []struct {
			q    store.Query
			want int
		}{
			{store.Query{Account: "acct1"}, 7},
			{store.Query{Account: "acct1", Marker: newestFirst[1]}, 5},
			{store.Query{Account: "acct1", Marker: newestFirst[1], Limit: 3}, 3},
			{store.Query{Account: "acct1", Marker: newestFirst[4], Limit: 3}, 2},
			{store.Query{Account: "acct1", Limit: 3, Skip: 5}, 2},
			{store.Query{Account: "acct1", Action: "createUser"}, 4},
			{store.Query{Account: "acct1", Action: "createUser", Limit: 3}, 3},
			{store.Query{Account: "acct1", Action: "createUser", Marker: newestFirst[0], Limit: 1}, 1},
		} {
			n, err := s.Count(ctx, c.q)
			if err != nil || n != c.want {
				t.Errorf("count %+v = %d, %v; want %d", c.q, n, err, c.want)
			}
			if c.q.Limit == 0 {
				continue
			}
			p, err := s.List(ctx, c.q)
			if err != nil || len(p.Tickets) != n {
				t.Errorf("list %+v has %d tickets, %v; count said %d", c.q, len(p.Tickets), err, n)
			}
		}
	})
}

func TestStatusChangeMovesTicketBetweenLists(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		tk := mustCreate(t, s, newTicket(1, "acct1", ticket.TimedOut))
		if _, err := s.Update(ctx, tk.ID, func(t *ticket.Ticket) error {
			t.Status, t.ErrorCategory, t.ErrorDescription, t.Completion = ticket.Retry, "", "", time.Time{}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Count(ctx, store.Query{Errors: true}); n != 0 {
			t.Errorf("restarted ticket still in the error list")
		}
		if n, _ := s.Count(ctx, store.Query{Status: ticket.Retry}); n != 1 {
			t.Errorf("restarted ticket not in the RETRY list")
		}
	})
}

func TestDeleteAllRemovesOnlyThatCategory(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		for i := range 5 {
			mustCreate(t, s, newTicket(i, "acct1", ticket.Error))
		}
		keep := newTicket(10, "acct1", ticket.Error)
		keep.ErrorCategory = ticket.UserInput
		mustCreate(t, s, keep)
		n, err := s.DeleteAll(ctx, store.Query{Errors: true, Category: ticket.Dependency})
		if err != nil || n != 5 {
			t.Fatalf("deleted %d, %v", n, err)
		}
		if n, _ := s.Count(ctx, store.Query{Errors: true}); n != 1 {
			t.Errorf("left %d error tickets, want 1", n)
		}
	})
}

func TestDeleteAllCutShortLeavesTheRestForTheNextCall(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		for i := range 40 {
			mustCreate(t, s, newTicket(i, "acct1", ticket.Error))
		}
		q := store.Query{Errors: true, Category: ticket.Dependency}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		n, err := s.DeleteAll(ctx, q)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cut short: %d deleted, err %v; want context.Canceled", n, err)
		}
		if left, _ := s.Count(context.Background(), q); left != 40-n {
			t.Errorf("%d deleted but %d left of 40", n, left)
		}
		rest, err := s.DeleteAll(context.Background(), q)
		if err != nil || n+rest != 40 {
			t.Errorf("second call deleted %d (%v) after %d; want all 40 in all", rest, err, n)
		}
	})
}

func TestDeleteAllCrossesPages(t *testing.T) {
	store.SetDeletePageSize(t, 5)
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		for i := range 23 {
			mustCreate(t, s, newTicket(i, "acct1", ticket.Error))
		}
		q := store.Query{Errors: true, Category: ticket.Dependency}
		// Each page resumes below a ticket the previous page deleted.
		if n, err := s.DeleteAll(context.Background(), q); err != nil || n != 23 {
			t.Fatalf("deleted %d, %v; want all 23", n, err)
		}
		if left, _ := s.Count(context.Background(), q); left != 0 {
			t.Errorf("%d left", left)
		}
	})
}

func TestDeleteAllCutShortAfterAPageKeepsItsDeletesAndRepeatsFinish(t *testing.T) {
	const page, total = 5, 23
	store.SetDeletePageSize(t, page)
	eachBackend(t, func(t *testing.T, _ *store.Store, db *dynamodb.Client) {
		// This client ends the call's context as DeleteAll asks for its second page: as a
		// wait cap that runs out after one page, without a clock. The first page's deletes
		// are done by then, the rest of the category is not listed yet.
		var (
			queries int
			cancel  context.CancelFunc
		)
		cutting := dynamodb.New(db.Options(), func(o *dynamodb.Options) {
			o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
				return st.Initialize.Add(middleware.InitializeMiddlewareFunc("cutAtSecondPage",
					func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
						middleware.InitializeOutput, middleware.Metadata, error) {
						if _, ok := in.Parameters.(*dynamodb.QueryInput); ok {
							if queries++; queries == 2 {
								cancel()
							}
						}
						return next.HandleInitialize(ctx, in)
					}), middleware.Before)
			})
		})
		s := store.New(cutting, table)
		for i := range total {
			mustCreate(t, s, newTicket(i, "acct1", ticket.Error))
		}
		keep := newTicket(total, "acct1", ticket.Error)
		keep.ErrorCategory = ticket.UserInput
		mustCreate(t, s, keep)
		q := store.Query{Errors: true, Category: ticket.Dependency}
		deleted, calls := 0, 0
		for call := 1; ; call++ {
			calls = call
			var ctx context.Context
			ctx, cancel = context.WithCancel(context.Background())
			queries = 0
			n, err := s.DeleteAll(ctx, q)
			cancel()
			deleted += n
			if err == nil {
				break
			}
			if !errors.Is(err, context.Canceled) || n != page {
				t.Fatalf("call %d cut short at its second page: deleted %d, %v; want the first page's %d and context.Canceled",
					call, n, err, page)
			}
			if left, _ := s.Count(context.Background(), q); left != total-deleted {
				t.Fatalf("after call %d: %d deleted but %d left of %d", call, deleted, left, total)
			}
			if call > total/page {
				t.Fatalf("%d calls, each cut short, have not finished %d tickets", call, total)
			}
		}
		if want := (total + page - 1) / page; deleted != total || calls != want {
			t.Errorf("deleted %d in %d calls, want %d in %d: one page a call", deleted, calls, total, want)
		}
		if n, _ := s.Count(context.Background(), store.Query{Errors: true}); n != 1 {
			t.Errorf("left %d error tickets, want only the other category's", n)
		}
	})
}

func TestCompleteTicketsGetTTLOthersDoNot(t *testing.T) {
	eachBackend(t, func(t *testing.T, _ *store.Store, db *dynamodb.Client) {
		ctx := context.Background()
		s := store.New(db, table, store.WithRetention(48*time.Hour))
		done := mustCreate(t, s, newTicket(1, "acct1", ticket.Complete))
		failed := mustCreate(t, s, newTicket(2, "acct1", ticket.Error))
		expires := func(id string) string {
			out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table),
				Key: map[string]types.AttributeValue{"ticketId": &types.AttributeValueMemberS{Value: id}}})
			if err != nil {
				t.Fatal(err)
			}
			if v, ok := out.Item[store.TTLAttribute].(*types.AttributeValueMemberN); ok {
				return v.Value
			}
			return ""
		}
		if got, want := expires(done.ID), fmt.Sprint(done.Completion.Add(48*time.Hour).Unix()); got != want {
			t.Errorf("COMPLETE ttl %q want %q", got, want)
		}
		if got := expires(failed.ID); got != "" {
			t.Errorf("ERROR ticket has ttl %s", got)
		}
	})
}

func TestStoreDownIsUnavailable(t *testing.T) {
	s := store.New(localdynamodb.Client("http://127.0.0.1:1"), table)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Get(ctx, "x"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("got %v", err)
	}
}

func TestIdempotencyKeyCreatesOneTicketUnderConcurrency(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		firsts := make(chan string, 10)
		winners := make(chan string, 10)
		var wg sync.WaitGroup
		n := 10
		if !dynamodbtest.ConcurrentWritesIsolated(t) {
			n = 1
		}
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tk := newTicket(i, "acct1", ticket.Pending)
				got, first, err := s.CreateIdempotent(ctx, tk, "key-1", base)
				if err != nil {
					t.Error(err)
					return
				}
				winners <- got.ID
				if first {
					firsts <- got.ID
				}
			}()
		}
		wg.Wait()
		close(firsts)
		close(winners)
		var first []string
		for id := range firsts {
			first = append(first, id)
		}
		if len(first) != 1 {
			t.Fatalf("%d submissions created a ticket, want 1", len(first))
		}
		for id := range winners {
			if id != first[0] {
				t.Errorf("a repeat got ticket %s, not the first %s", id, first[0])
			}
		}
		again, isFirst, err := s.CreateIdempotent(ctx, newTicket(99, "acct1", ticket.Pending), "key-1", base.Add(time.Hour))
		if err != nil || isFirst || again.ID != first[0] {
			t.Errorf("later repeat: %v %v %v", again, isFirst, err)
		}
		other, isFirst, err := s.CreateIdempotent(ctx, newTicket(98, "acct2", ticket.Pending), "key-1", base)
		if err != nil || !isFirst || other.ID == first[0] {
			t.Errorf("same key, other account must be a new ticket: %v %v", isFirst, err)
		}
		if n, _ := s.Count(ctx, store.Query{Account: "acct1"}); n != 1 {
			t.Errorf("acct1 has %d tickets, want 1", n)
		}
		// Past its window the key creates a new ticket, though DynamoDB has not yet removed it.
		later, isFirst, err := s.CreateIdempotent(ctx, newTicket(97, "acct1", ticket.Pending), "key-1", base.Add(store.IdempotencyWindow+time.Hour))
		if err != nil || !isFirst || later.ID == first[0] {
			t.Errorf("expired key: %v %v", isFirst, err)
		}
	})
}
