package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/ticket"
)

// Executions starts the state machine of an action (workflow.Starter in production).
type Executions interface {
	Start(ctx context.Context, action, name string, in ticket.ExecutionInput) (string, error)
}

// POST /action/{action}?timeOut=ms
func (a *API) submitAction(w http.ResponseWriter, r *http.Request) {
	action, ok := actions.Lookup(r.PathValue("action"))
	if !ok {
		WriteProblem(w, r, http.StatusNotFound, fmt.Sprintf("no action %q; GET /action lists them", r.PathValue("action")))
		return
	}
	if !mayRun(w, r, action.Name) {
		return
	}
	media, wait, ok := ticketRequest(w, r)
	if !ok {
		return
	}
	params, ok := readSubmission(w, r)
	if !ok {
		return
	}
	p := principal(r)
	now := a.now()
	t := &ticket.Ticket{
		ID: ticket.NewID(now), Action: action.Name, AccountID: p.AccountID,
		SubmitterID: p.UserID, SubmitterDomain: p.DomainID, Params: params, Steps: map[string]ticket.StepStatus{}, Status: ticket.Pending, Submission: now,
	}
	for _, s := range action.Steps {
		t.Steps[s.Name] = ticket.StepPending
	}
	if wait > 0 {
		t.Deadline = now.Add(wait)
	}
	// Only a validated, resolved target goes into the ticket's clear attributes.
	refused := action.Validate(params)
	if refused != nil {
		t.Fail(ticket.Error, ticket.UserInput, refused.Error(), now)
		// A refused submission that named a target the caller may act on is part of that
		// domain's operation history (seed 003 lists a "validation error" among them).
		if action.NamesTarget(params) {
			if domain, err := a.authorizeTarget(r.Context(), p, action, params); err == nil {
				t.DomainID = domain
			}
		}
	} else {
		domain, err := a.authorizeTarget(r.Context(), p, action, params)
		var notFound errTargetNotFound
		switch {
		case errors.As(err, &notFound):
			// Missing and invisible end alike: recorded, never started, nothing changed.
			refused = err
			t.Fail(ticket.Error, ticket.NotFound, notFound.Error(), now)
		case err != nil:
			a.logger().ErrorContext(r.Context(), "could not resolve the action's target", "action", action.Name, "err", err)
			WriteProblem(w, r, http.StatusServiceUnavailable, "the identity records could not be read; nothing was stored. Retry later.")
			return
		default:
			t.DomainID, t.Execution = domain, t.ID
			// The steps read the target from the parameters: a domain left to its default
			// is written in.
			if action.DomainParam != "" && params[action.DomainParam] == "" {
				params[action.DomainParam] = domain
			}
		}
	}
	stored, first, err := a.Tickets.CreateIdempotent(r.Context(), t, r.Header.Get("Idempotency-Key"), now)
	if err != nil {
		a.writeStoreError(w, r, err)
		return
	}
	// The first request starts the execution. A repeat (same Idempotency-Key) that finds its
	// ticket still PENDING starts it too: the first request may have died between storing
	// the ticket and starting it, and a start under the same name and input is idempotent.
	if (first && refused == nil) || (!first && stored.Status == ticket.Pending && stored.Execution != "") {
		if _, err := a.Executions.Start(r.Context(), stored.Action, stored.Execution, inputOf(stored)); err != nil {
			a.failStart(w, r, stored, err)
			return
		}
		a.logger().InfoContext(r.Context(), "action submitted", "ticketId", stored.ID, "action", stored.Action, "account", p.AccountID, "repeat", !first)
	}
	stored, err = a.awaitTerminal(r.Context(), stored, wait)
	if err != nil {
		a.writeStoreError(w, r, err)
		return
	}
	w.Header().Set("Location", clientPath(r, "/job/"+stored.ID))
	write(w, r, media, http.StatusCreated, ticket.Document{JobTicket: ticket.ViewOf(stored)})
}

// inputOf is the input of an execution of the ticket's action.
func inputOf(t *ticket.Ticket) ticket.ExecutionInput {
	return ticket.ExecutionInput{TicketID: t.ID, Deadline: millis(t.Deadline), AccountID: t.AccountID}
}

// failStart records that the execution could not start, so the ticket tells the truth, and
// answers 503.
func (a *API) failStart(w http.ResponseWriter, r *http.Request, t *ticket.Ticket, cause error) {
	a.logger().ErrorContext(r.Context(), "could not start execution", "ticketId", t.ID, "err", cause)
	_, err := a.Tickets.Update(r.Context(), t.ID, func(t *ticket.Ticket) error {
		if t.Status.Terminal() {
			return nil
		}
		t.Fail(ticket.Error, ticket.Internal, "the job could not be started: Step Functions is unavailable; submit it again", a.now())
		return nil
	})
	if err != nil {
		a.logger().ErrorContext(r.Context(), "could not record the failed start", "ticketId", t.ID, "err", err)
	}
	WriteProblem(w, r, http.StatusServiceUnavailable, fmt.Sprintf("job %s could not be started; it is recorded ERROR. Retry later.", t.ID))
}

// readSubmission parses {"JobTicket":{"actionParams":{…}}} or its XML form; anything
// unreadable is 400 and stores nothing.
func readSubmission(w http.ResponseWriter, r *http.Request) (map[string]string, bool) {
	media, ok := bodyMedia(w, r)
	if !ok {
		return nil, false
	}
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		WriteProblem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", MaxBodyBytes))
		return nil, false
	}
	if err != nil {
		WriteProblem(w, r, http.StatusBadRequest, "could not read the request body")
		return nil, false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		WriteProblem(w, r, http.StatusBadRequest, `a body is required: {"JobTicket":{"actionParams":{…}}} or <JobTicket><actionParams>…`)
		return nil, false
	}
	parse := ticket.ParseSubmissionJSON
	if media == mediaXML {
		parse = ticket.ParseSubmissionXML
	}
	params, err := parse(body)
	if err != nil {
		WriteProblem(w, r, http.StatusBadRequest, "malformed "+media+" body: "+err.Error())
		return nil, false
	}
	return params, true
}

// PUT /job/{ticketId}: restart a TIMEDOUT job where it stopped.
func (a *API) restartJob(w http.ResponseWriter, r *http.Request) {
	media, wait, ok := ticketRequest(w, r)
	if !ok {
		return
	}
	t, ok := a.visibleTicket(w, r)
	if !ok {
		return
	}
	if err := auth.Authorize(principal(r), auth.RunAction(t.Action), &auth.Target{DomainID: t.DomainID}); err != nil {
		WriteProblem(w, r, http.StatusForbidden, "this caller may not restart a "+t.Action+" job")
		return
	}
	errNotTimedOut := errors.New("not TIMEDOUT")
	now := a.now()
	t, err := a.Tickets.Update(r.Context(), t.ID, func(t *ticket.Ticket) error {
		if t.Status != ticket.TimedOut {
			return errNotTimedOut
		}
		// The restarted job gets the time it was first given, from now.
		if !t.Deadline.IsZero() {
			t.Deadline = now.Add(t.Deadline.Sub(t.Submission))
		}
		if wait > 0 {
			t.Deadline = now.Add(wait)
		}
		t.Status, t.ErrorCategory, t.ErrorDescription, t.Completion = ticket.Retry, "", "", time.Time{}
		for step, s := range t.Steps {
			if s == ticket.StepTimedOut {
				t.Steps[step] = ticket.StepRetry
			}
		}
		t.Execution = fmt.Sprintf("%s-r%d", t.ID, t.Version+1)
		return nil
	})
	if errors.Is(err, errNotTimedOut) {
		WriteProblem(w, r, http.StatusConflict, fmt.Sprintf("job %s is %s; only a TIMEDOUT job can be restarted", t.ID, t.Status))
		return
	}
	if err != nil {
		a.writeStoreError(w, r, err)
		return
	}
	if _, err := a.Executions.Start(r.Context(), t.Action, t.Execution, inputOf(t)); err != nil {
		a.failStart(w, r, t, err)
		return
	}
	a.logger().InfoContext(r.Context(), "job restarted", "execution", t.Execution)
	t, err = a.awaitTerminal(r.Context(), t, wait)
	if err != nil {
		a.writeStoreError(w, r, err)
		return
	}
	write(w, r, media, http.StatusOK, ticket.Document{JobTicket: ticket.ViewOf(t)})
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}
