package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// TestDomainHistoryQueriesByDomainWithActionsStatusAndLatest: a domain's list comes from the
// byDomain index even with a status, keeps only the Actions named, pages by marker, and
// Latest answers each action's newest ticket of the domain — from its index, newest first.
func TestDomainHistoryQueriesByDomainWithActionsStatusAndLatest(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		mk := func(i int, domain, action string, st ticket.Status) string {
			tk := newTicket(i, "acct1", st)
			tk.DomainID, tk.Action = domain, action
			return mustCreate(t, s, tk).ID
		}
		dom := mk(0, "111", "createDomain", ticket.Complete)
		u1 := mk(1, "111", "createUser", ticket.Error)
		mk(2, "222", "createUser", ticket.Complete)
		tn := mk(3, "111", "createTenant", ticket.Complete)
		u2 := mk(4, "111", "createUser", ticket.Complete)
		mk(5, "", "createUser", ticket.Error)

		list := func(q store.Query) []string {
			t.Helper()
			q.Domain, q.Limit = "111", 10
			p, err := s.List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return ids(p.Tickets)
		}
		for name, c := range map[string]struct {
			q    store.Query
			want []string
		}{
			"all":           {store.Query{}, []string{u2, tn, u1, dom}},
			"status":        {store.Query{Status: ticket.Complete}, []string{u2, tn, dom}},
			"actions":       {store.Query{Actions: []string{"createUser", "createTenant"}}, []string{u2, tn, u1}},
			"both":          {store.Query{Actions: []string{"createUser"}, Status: ticket.Error}, []string{u1}},
			"after marker":  {store.Query{Marker: tn}, []string{u1, dom}},
			"other actions": {store.Query{Actions: []string{"purgeDomain"}}, nil},
		} {
			if got := list(c.q); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", name, got, c.want)
			}
		}
		p, err := s.List(ctx, store.Query{Domain: "111", Limit: 2})
		if err != nil || !slices.Equal(ids(p.Tickets), []string{u2, tn}) || p.Next != tn {
			t.Errorf("first page %v next %q (%v)", ids(p.Tickets), p.Next, err)
		}
		for id, want := range map[string]bool{u1: true, dom: false} {
			in, err := s.MarksPosition(ctx, store.Query{Domain: "111", Actions: []string{"createUser"}}, id)
			if err != nil || in != want {
				t.Errorf("MarksPosition(createUser list, %s) = %v (%v), want %v", id, in, err, want)
			}
		}
		latest, err := s.Latest(ctx, "111", []string{"createUser", "createDomain", "createTenant", "purgeDomain"})
		if err != nil || !slices.Equal(ids(latest), []string{u2, tn, dom}) {
			t.Errorf("Latest: %v (%v), want %v", ids(latest), err, []string{u2, tn, dom})
		}
	})
}
