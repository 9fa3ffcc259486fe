package stack

import (
	"context"
	"fmt"
	"time"

	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// SampleAccount owns the sample tickets.
const SampleAccount = "000000003002"

// LoadSamples stores a few tickets in the shapes of the seed's examples — a completed
// createDomain, failed submissions, a timed-out, a refused and a cancelled job — so a
// newcomer's first curl shows something. They are all terminal: a running ticket with no
// execution behind it would be a lie, and the reconciler's sweep would end it ERROR.
func LoadSamples(ctx context.Context, tickets *store.Store, now time.Time) error {
	at := func(minutesAgo int) time.Time { return now.Add(-time.Duration(minutesAgo) * time.Minute) }
	complete := map[string]ticket.StepStatus{
		"CreateUmsDomain": ticket.StepComplete, "CreateKmsDomain": ticket.StepComplete,
		"CreateSalesforceAccount": ticket.StepComplete, "CreateZuoraDomainAccount": ticket.StepComplete,
	}
	samples := []*ticket.Ticket{
		{Action: "createDomain", Status: ticket.Complete, Submission: at(60), Completion: at(60).Add(3285 * time.Millisecond),
			DomainID: "38995611887804", Steps: complete, Results: map[string]string{
				"SALESFORCE_ACCOUNT": "001V0000003cerDIAQ", "KMS_TENANT": "38995611887804",
				"domainId": "38995611887804", "zuoraDomainAcct": "4028e69632bcaec40132cad5f62a1416"}},
		{Action: "createUser", Status: ticket.Error, ErrorCategory: ticket.UserInput,
			ErrorDescription: "Missing required parameter [emailAddress]", Submission: at(50), Completion: at(50).Add(29 * time.Millisecond)},
		{Action: "createTenant", Status: ticket.Error, ErrorCategory: ticket.UserInput,
			ErrorDescription: "Missing required parameter [domainId]", Submission: at(40), Completion: at(40).Add(23 * time.Millisecond)},
		{Action: "createDomain", Status: ticket.TimedOut, ErrorCategory: ticket.Timeout, DomainID: "47161213735800",
			ErrorDescription: "CreateSalesforceAccount: CRM did not answer after 4 attempts",
			Submission:       at(30), Completion: at(29), Results: map[string]string{"domainId": "47161213735800", "KMS_TENANT": "47161213735800"},
			Steps: map[string]ticket.StepStatus{"CreateUmsDomain": ticket.StepComplete, "CreateKmsDomain": ticket.StepComplete,
				"CreateSalesforceAccount": ticket.StepTimedOut, "CreateZuoraDomainAccount": ticket.StepPending}},
		{Action: "createDomain", Status: ticket.Error, ErrorCategory: ticket.Conflict, DomainID: "52000000000001",
			ErrorDescription: "CreateSalesforceAccount: CRM refused: 409 Conflict: account name already exists; completed steps were rolled back",
			Submission:       at(20), Completion: at(20).Add(2 * time.Second),
			Steps: map[string]ticket.StepStatus{"CreateUmsDomain": ticket.StepRolledBack, "CreateKmsDomain": ticket.StepRolledBack,
				"CreateSalesforceAccount": ticket.StepError, "CreateZuoraDomainAccount": ticket.StepPending}},
		{Action: "createUser", Status: ticket.Cancelled, ErrorCategory: ticket.Timeout, DomainID: "38995611887804",
			ErrorDescription: "the job's deadline passed; completed steps were rolled back",
			Submission:       at(5), Completion: at(5).Add(30 * time.Second),
			Steps: map[string]ticket.StepStatus{"CreateUmsUser": ticket.StepRolledBack, "CreateKmsUser": ticket.StepRolledBack,
				"CreateKmsUserKeys": ticket.StepTimedOut, "CreateSalesforceContact": ticket.StepPending}},
	}
	for _, t := range samples {
		t.ID = ticket.NewID(t.Submission)
		t.AccountID = SampleAccount
		if err := tickets.Create(ctx, t); err != nil {
			return fmt.Errorf("load sample ticket: %w", err)
		}
	}
	return nil
}
