package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

func withSteps(tk *ticket.Ticket, steps ...string) *ticket.Ticket {
	tk.Steps = map[string]ticket.StepStatus{}
	for _, s := range steps {
		tk.Steps[s] = ticket.StepPending
	}
	return tk
}

func TestStartStepMarksStepAndTicketRunningInOneWriteAndMovesItBetweenLists(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		tk := mustCreate(t, s, withSteps(newTicket(1, "acct1", ticket.Pending), "A", "B"))
		got, err := s.StartStep(ctx, tk.ID, "acct1", "A")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != ticket.Running || got.Steps["A"] != ticket.StepRunning || got.Steps["B"] != ticket.StepPending || got.Version != 2 {
			t.Errorf("answered %+v", got)
		}
		stored, err := s.Get(ctx, tk.ID)
		if err != nil || stored.Status != ticket.Running || stored.Steps["A"] != ticket.StepRunning || stored.Version != 2 {
			t.Fatalf("stored %+v %v", stored, err)
		}
		if n, _ := s.Count(ctx, store.Query{Account: "acct1", Status: ticket.Running}); n != 1 {
			t.Errorf("account's RUNNING list has %d tickets, want 1", n)
		}
		if n, _ := s.Count(ctx, store.Query{Account: "acct1", Status: ticket.Pending}); n != 0 {
			t.Errorf("account's PENDING list still has %d tickets", n)
		}
		// The answer carries the version a conditional write goes on from.
		got.Steps["A"] = ticket.StepComplete
		if err := s.Put(ctx, got); err != nil {
			t.Fatal(err)
		}
		if _, err := s.StartStep(ctx, tk.ID, "acct1", "B"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestStartStepWritesNothingUnlessTheTicketMayRunTheStep(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *store.Store, _ *dynamodb.Client) {
		ctx := context.Background()
		done := withSteps(newTicket(1, "acct1", ticket.Running), "A")
		done.Steps["A"] = ticket.StepComplete
		cases := map[string]struct {
			tk            *ticket.Ticket
			account, step string
		}{
			"terminal ticket":  {withSteps(newTicket(2, "acct1", ticket.Cancelled), "A"), "acct1", "A"},
			"step complete":    {done, "acct1", "A"},
			"another account":  {withSteps(newTicket(3, "acct1", ticket.Pending), "A"), "acct2", "A"},
			"no account given": {withSteps(newTicket(4, "acct1", ticket.Pending), "A"), "", "A"},
		}
		for name, c := range cases {
			mustCreate(t, s, c.tk)
			if _, err := s.StartStep(ctx, c.tk.ID, c.account, c.step); !errors.Is(err, store.ErrConflict) {
				t.Errorf("%s: %v, want a conflict", name, err)
			}
			if stored, _ := s.Get(ctx, c.tk.ID); stored.Version != 1 {
				t.Errorf("%s: written (version %d)", name, stored.Version)
			}
		}
		if _, err := s.StartStep(ctx, ticket.NewID(base), "acct1", "A"); !errors.Is(err, store.ErrConflict) {
			t.Errorf("missing ticket: %v, want a conflict", err)
		}
	})
}
