package store

import (
	"time"

	"github.com/actionservice/actionservice/shared/ticket"
)

// record is a ticket as stored. Times are epoch milliseconds; zero means absent.
type record struct {
	TicketID         string            `dynamodbav:"ticketId"`
	Action           string            `dynamodbav:"action"`
	AccountID        string            `dynamodbav:"accountId,omitempty"`
	DomainID         string            `dynamodbav:"domainId,omitempty"`
	SubmitterID      string            `dynamodbav:"submitterId,omitempty"`
	SubmitterDomain  string            `dynamodbav:"submitterDomain,omitempty"`
	Status           string            `dynamodbav:"status"`
	Steps            map[string]string `dynamodbav:"steps,omitempty"`
	Results          map[string]string `dynamodbav:"results,omitempty"`
	ErrorDescription string            `dynamodbav:"errorDescription,omitempty"`
	Category         string            `dynamodbav:"category,omitempty"`
	ErrorCategory    string            `dynamodbav:"errorCategory,omitempty"`
	Submission       int64             `dynamodbav:"submission"`
	Completion       int64             `dynamodbav:"completion,omitempty"`
	Deadline         int64             `dynamodbav:"deadline,omitempty"`
	IdempotencyKey   string            `dynamodbav:"idempotencyKey,omitempty"`
	Execution        string            `dynamodbav:"execution,omitempty"`
	SealedParams     []byte            `dynamodbav:"sealedParams,omitempty"`
	Version          int64             `dynamodbav:"version"`

	AccountStatus        string `dynamodbav:"accountStatus,omitempty"`
	ErrorList            string `dynamodbav:"errorList,omitempty"`
	AccountErrorList     string `dynamodbav:"accountErrorList,omitempty"`
	AccountErrorCategory string `dynamodbav:"accountErrorCategory,omitempty"`
	DomainAction         string `dynamodbav:"domainAction,omitempty"`
	ExpiresAt            int64  `dynamodbav:"expiresAt,omitempty"`
}

// accountStatusKey is the byAccountStatus index's key of an account's tickets in a status.
func accountStatusKey(account string, s ticket.Status) string { return account + "#" + string(s) }

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// toRecord derives the stored form, including the sparse index keys and the TTL.
func toRecord(t *ticket.Ticket, retention time.Duration) record {
	r := record{
		TicketID: t.ID, Action: t.Action, AccountID: t.AccountID, DomainID: t.DomainID,
		SubmitterID: t.SubmitterID, SubmitterDomain: t.SubmitterDomain, Status: string(t.Status), Results: t.Results, ErrorDescription: t.ErrorDescription,
		Category: string(t.ErrorCategory), Submission: millis(t.Submission), Completion: millis(t.Completion), Deadline: millis(t.Deadline),
		IdempotencyKey: t.IdempotencyKey, Execution: t.Execution, SealedParams: t.SealedParams, Version: t.Version,
	}
	if len(t.Steps) > 0 {
		r.Steps = make(map[string]string, len(t.Steps))
		for k, v := range t.Steps {
			r.Steps[k] = string(v)
		}
	}
	if t.AccountID != "" {
		r.AccountStatus = accountStatusKey(t.AccountID, t.Status)
	}
	if t.DomainID != "" {
		r.DomainAction = t.DomainID + "#" + t.Action
	}
	if t.Status.Failed() {
		r.ErrorList = errorListKey
		r.AccountErrorList = t.AccountID
		if t.ErrorCategory != "" {
			r.ErrorCategory = string(t.ErrorCategory)
			r.AccountErrorCategory = t.AccountID + "#" + string(t.ErrorCategory)
		}
	}
	if t.Status == ticket.Complete && !t.Completion.IsZero() && retention > 0 {
		r.ExpiresAt = t.Completion.Add(retention).Unix()
	}
	return r
}

func (r record) ticket() *ticket.Ticket {
	t := &ticket.Ticket{
		ID: r.TicketID, Action: r.Action, AccountID: r.AccountID, DomainID: r.DomainID,
		SubmitterID: r.SubmitterID, SubmitterDomain: r.SubmitterDomain, Status: ticket.Status(r.Status), Results: r.Results, ErrorDescription: r.ErrorDescription,
		ErrorCategory: ticket.Category(r.Category), Submission: fromMillis(r.Submission),
		Completion: fromMillis(r.Completion), Deadline: fromMillis(r.Deadline),
		IdempotencyKey: r.IdempotencyKey, Execution: r.Execution, SealedParams: r.SealedParams, Version: r.Version,
	}
	t.Stored = t.Outcome()
	if len(r.Steps) > 0 {
		t.Steps = make(map[string]ticket.StepStatus, len(r.Steps))
		for k, v := range r.Steps {
			t.Steps[k] = ticket.StepStatus(v)
		}
	}
	return t
}
