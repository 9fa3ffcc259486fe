// Package steps is the step runner of the Action Service's sagas (docs/saga.md): one Lambda
// handler per system that runs a step (phase do; the last step's also records the job
// COMPLETE), compensates it (undo), or records a failed outcome on the ticket (undoFailed,
// timedOut, failed). The ticket is the record of the job:
// every change of it is a conditional write through store.Update, and a terminal ticket is
// left alone. Errors returned to Step Functions are the typed StepFailed, StepTransient and
// JobCancelled, whose type names are the state machines' error names.
package steps

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/logging"
	"github.com/actionservice/actionservice/shared/metrics"
	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// The phases of a step payload.
const (
	PhaseDo         = "do"
	PhaseUndo       = "undo"
	PhaseUndoFailed = "undoFailed"
	PhaseTimedOut   = "timedOut"
	PhaseFailed     = "failed"
)

// Payload is a Task's input (docs/saga.md, "Step payload").
type Payload struct {
	TicketID string `json:"ticketId"`
	// Deadline is the job's deadline in epoch milliseconds; 0 means none.
	Deadline int64 `json:"deadline"`
	// AccountID is the ticket's account, as the execution input gives it: the do phase's
	// first write keeps the account's status list with it.
	AccountID string `json:"accountId,omitempty"`
	Step      string `json:"step"`
	Phase     string `json:"phase"`
	// Final marks the last step: its do phase also records the job COMPLETE.
	Final bool        `json:"final,omitempty"`
	Error *CatchError `json:"error,omitempty"`
}

// CatchError is what a Catch with ResultPath $.error puts in the state.
type CatchError struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// Performer does one step's work and its compensation. t carries the decrypted Params and the
// Results of the steps done so far. Do answers results to merge into the ticket. Both must be
// idempotent for the same ticket (a retry or duplicate delivery changes nothing twice).
//
// Errors are classified by the runner: *outside.PermanentError and errors with an
// ErrorCategory() ticket.Category method are permanent; *outside.TransientError, errors with
// a Transient() bool method answering true, store.ErrUnavailable and context deadline errors
// are transient; anything else is a permanent INTERNAL failure.
type Performer interface {
	Do(ctx context.Context, t *ticket.Ticket) (map[string]string, error)
	Undo(ctx context.Context, t *ticket.Ticket) error
}

// AttemptUndoer is a performer that can undo a step that failed after its work may have
// taken effect, finding what it made without the results the ticket never got. It reports
// whether there was anything to undo.
type AttemptUndoer interface {
	UndoAttempt(ctx context.Context, t *ticket.Ticket) (bool, error)
}

// Runner runs the phases of the steps it has performers for.
type Runner struct {
	Tickets *store.Store
	// Work maps a step name to its performer.
	Work map[string]Performer
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Log receives the runner's log lines (slog.Default when nil).
	Log *slog.Logger
	// Metrics receives the runner's metrics (none when nil).
	Metrics *metrics.Emitter
}

// NewRunner returns a runner on a tickets store (built by the caller with its sealer) with the
// given performers.
func NewRunner(tickets *store.Store, work map[string]Performer, now func() time.Time, log *slog.Logger, m *metrics.Emitter) *Runner {
	return &Runner{Tickets: tickets, Work: work, Now: now, Log: log, Metrics: m}
}

func (r *Runner) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Runner) log() *slog.Logger {
	if r.Log == nil {
		return slog.Default()
	}
	return r.Log
}

// Handle is the Lambda handler: it runs one phase of one step. Results are always {} (the
// ticket is the record); errors are *StepFailed, *StepTransient or *JobCancelled. Every log
// line of the run carries the ticket id, the step and the phase; the run's duration and
// outcome are the StepDuration metric.
func (r *Runner) Handle(ctx context.Context, in Payload) (map[string]any, error) {
	if !ticket.ValidID(in.TicketID) {
		return nil, &StepFailed{Step: in.Step, Category: ticket.Internal, Description: fmt.Sprintf("invalid ticket id %q", in.TicketID)}
	}
	ctx = logging.With(ctx, slog.String("ticketId", in.TicketID), slog.String("step", in.Step), slog.String("phase", in.Phase))
	start := r.now()
	err := r.run(ctx, in)
	outcome := "OK"
	if err != nil {
		outcome = errorName(err)
	}
	// The failed phase has no step: it is the state machines' RecordFailure state, and a
	// dimension must have a value.
	step := cmp.Or(in.Step, actions.RecordFailureState)
	r.Metrics.Put(ctx, metrics.StepDuration, metrics.Milliseconds, metrics.Millis(r.now().Sub(start)),
		[]metrics.Dimension{{Name: "Step", Value: step}, {Name: "Phase", Value: in.Phase}, {Name: "Outcome", Value: outcome}},
		map[string]string{"ticketId": in.TicketID})
	if outcome == "StepTransient" {
		r.Metrics.Put(ctx, metrics.Retries, metrics.Count, 1, []metrics.Dimension{{Name: "Step", Value: step}}, map[string]string{"ticketId": in.TicketID})
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{}, nil
}

// errorName is the ASL error name of a step error (the Go type name aws-lambda-go reports).
func errorName(err error) string {
	var sf *StepFailed
	var st *StepTransient
	var jc *JobCancelled
	switch {
	case errors.As(err, &sf):
		return "StepFailed"
	case errors.As(err, &st):
		return "StepTransient"
	case errors.As(err, &jc):
		return "JobCancelled"
	}
	return "Unknown"
}

// jobEnded counts a job that reached a terminal status, by action and outcome.
func (r *Runner) jobEnded(ctx context.Context, t *ticket.Ticket) {
	r.Metrics.Put(ctx, metrics.Jobs, metrics.Count, 1,
		[]metrics.Dimension{{Name: "Action", Value: t.Action}, {Name: "Outcome", Value: string(t.Status)}},
		map[string]string{"ticketId": t.ID})
}

func (r *Runner) run(ctx context.Context, in Payload) error {
	var err error
	switch in.Phase {
	case PhaseDo:
		err = r.do(ctx, in)
	case PhaseUndo:
		err = r.undo(ctx, in)
	case PhaseUndoFailed:
		err = r.undoFailed(ctx, in)
	case PhaseTimedOut:
		err = r.timedOut(ctx, in)
	case PhaseFailed:
		err = r.failed(ctx, in)
	default:
		err = &StepFailed{Step: in.Step, Category: ticket.Internal, Description: fmt.Sprintf("unknown phase %q", in.Phase)}
	}
	return err
}

// deadline is the job's deadline: the payload's, else the ticket's; zero when none.
func deadline(in Payload, t *ticket.Ticket) time.Time {
	if in.Deadline > 0 {
		return time.UnixMilli(in.Deadline)
	}
	if t != nil {
		return t.Deadline
	}
	return time.Time{}
}

func (r *Runner) passed(dl time.Time) bool { return !dl.IsZero() && !r.now().Before(dl) }

// errLeave abandons an update of a ticket that is already terminal.
var errLeave = errors.New("ticket left alone")

// storeError turns a failure of the tickets store into the step error Step Functions sees.
func storeError(step string, err error) error {
	var sf *StepFailed
	var st *StepTransient
	var jc *JobCancelled
	switch {
	case errors.As(err, &sf):
		return sf
	case errors.As(err, &st):
		return st
	case errors.As(err, &jc):
		return jc
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, store.ErrConflict),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return &StepTransient{Step: step, Message: err.Error()}
	}
	return &StepFailed{Step: step, Category: ticket.Internal, Description: step + ": " + err.Error()}
}

// update changes the ticket unless it is terminal (then it is left alone and update answers
// left).
func (r *Runner) update(ctx context.Context, id string, change func(*ticket.Ticket) error) (t *ticket.Ticket, left bool, err error) {
	t, err = r.Tickets.Update(ctx, id, func(t *ticket.Ticket) error {
		if t.Status.Terminal() {
			return errLeave
		}
		return change(t)
	})
	if errors.Is(err, errLeave) {
		return t, true, nil
	}
	return t, false, err
}

func setStep(t *ticket.Ticket, step string, s ticket.StepStatus) {
	if t.Steps == nil {
		t.Steps = map[string]ticket.StepStatus{}
	}
	t.Steps[step] = s
}

func (r *Runner) do(ctx context.Context, in Payload) error {
	step := in.Step
	p, ok := r.Work[step]
	if !ok {
		return r.fail(ctx, in.TicketID, step, ticket.Internal, fmt.Sprintf("%s: this function has no such step", step))
	}
	if r.passed(deadline(in, nil)) {
		return r.cancelAtDeadline(ctx, in.TicketID, step)
	}
	t, err := r.start(ctx, in)
	if err != nil || t == nil {
		return err
	}
	dl := deadline(in, t)
	if r.passed(dl) {
		return r.cancelAtDeadline(ctx, t.ID, step)
	}

	wctx := ctx
	if !dl.IsZero() {
		var cancel context.CancelFunc
		wctx, cancel = context.WithDeadline(ctx, dl)
		defer cancel()
	}
	results, werr := p.Do(wctx, t)
	if werr == nil {
		return r.record(ctx, t, in, results)
	}

	if cat, desc, permanent := classify(step, werr); permanent {
		r.log().WarnContext(ctx, "step failed", "category", cat, "err", werr)
		return r.fail(ctx, t.ID, step, cat, desc)
	}
	if r.passed(dl) || (errors.Is(wctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil) {
		return r.cancelAtDeadline(ctx, t.ID, step)
	}
	r.log().WarnContext(ctx, "step failed transiently", "err", werr)
	return &StepTransient{Step: step, Message: werr.Error()}
}

// start marks the step RUNNING and answers the ticket with its parameters: one conditional
// write in the usual case. When that write is refused, a read tells why: a terminal ticket
// cancels the step, a step already COMPLETE (a retried or repeated delivery) is skipped (nil
// ticket), and otherwise (the execution input named another account) the step is marked by a
// read and a write.
func (r *Runner) start(ctx context.Context, in Payload) (*ticket.Ticket, error) {
	step := in.Step
	t, err := r.Tickets.StartStep(ctx, in.TicketID, in.AccountID, step)
	if err == nil {
		return t, nil
	}
	if !errors.Is(err, store.ErrConflict) {
		return nil, storeError(step, err)
	}
	t, err = r.Tickets.GetWithParams(ctx, in.TicketID)
	if err != nil {
		return nil, storeError(step, err)
	}
	if t.Status.Terminal() {
		return nil, &JobCancelled{TicketID: t.ID, Step: step, Reason: "ticket already " + string(t.Status)}
	}
	if t.Steps[step] == ticket.StepComplete {
		r.log().InfoContext(ctx, "step already complete, skipped")
		if in.Final {
			return nil, r.record(ctx, t, in, nil)
		}
		return nil, nil
	}
	params := t.Params
	t, left, err := r.update(ctx, t.ID, func(t *ticket.Ticket) error {
		if t.Status == ticket.Pending || t.Status == ticket.Retry {
			t.Status = ticket.Running
		}
		if t.Steps[step] != ticket.StepComplete {
			setStep(t, step, ticket.StepRunning)
		}
		return nil
	})
	if err != nil {
		return nil, storeError(step, err)
	}
	if left {
		return nil, &JobCancelled{TicketID: in.TicketID, Step: step, Reason: "ticket already terminal"}
	}
	t.Params = params
	return t, nil
}

// record marks the step COMPLETE with its results and, after the last step, the job
// COMPLETE: one conditional write on the ticket as the step started it, or, when somebody
// wrote it meanwhile, a read and a write.
func (r *Runner) record(ctx context.Context, t *ticket.Ticket, in Payload, results map[string]string) error {
	step := in.Step
	apply := func(t *ticket.Ticket) error {
		setStep(t, step, ticket.StepComplete)
		if len(results) > 0 && t.Results == nil {
			t.Results = map[string]string{}
		}
		for k, v := range results {
			t.Results[k] = v
		}
		// An action that creates its domain (createDomain) targets it from the step that
		// made it on: from then on the ticket is in that domain's operation history.
		if a, ok := actions.Lookup(t.Action); ok && t.DomainID == "" {
			t.DomainID = a.Domain(nil, t.Results)
		}
		if in.Final {
			t.Finish(ticket.Complete, r.now())
		}
		return nil
	}
	err := apply(t)
	if err == nil {
		err = r.Tickets.Put(ctx, t)
	}
	if errors.Is(err, store.ErrConflict) {
		var now *ticket.Ticket
		var left bool
		now, left, err = r.update(ctx, t.ID, apply)
		// A COMPLETE job is this very write, whose answer was lost: the SDK's retry met it.
		ours := in.Final && now != nil && now.Status == ticket.Complete && now.Steps[step] == ticket.StepComplete
		if err == nil && left && !ours {
			return &JobCancelled{TicketID: t.ID, Step: step, Reason: "ticket became terminal during the step"}
		}
	}
	if err != nil {
		return storeError(step, err)
	}
	r.log().InfoContext(ctx, "step complete")
	if in.Final {
		r.log().InfoContext(ctx, "job complete")
		r.jobEnded(ctx, t)
	}
	return nil
}

// fail records a permanent failure of the step and answers StepFailed.
func (r *Runner) fail(ctx context.Context, id, step string, cat ticket.Category, desc string) error {
	if _, _, err := r.update(ctx, id, func(t *ticket.Ticket) error {
		setStep(t, step, ticket.StepError)
		t.ErrorCategory = cat
		t.ErrorDescription = desc
		return nil
	}); err != nil {
		return storeError(step, err)
	}
	return &StepFailed{Step: step, Category: cat, Description: desc}
}

// cancelAtDeadline records the step stopped by the deadline and answers JobCancelled.
func (r *Runner) cancelAtDeadline(ctx context.Context, id, step string) error {
	if _, _, err := r.update(ctx, id, func(t *ticket.Ticket) error {
		if t.Steps[step] == ticket.StepComplete {
			return nil
		}
		setStep(t, step, ticket.StepError)
		t.ErrorCategory = ticket.Timeout
		t.ErrorDescription = step + ": cancelled at the deadline"
		return nil
	}); err != nil {
		return storeError(step, err)
	}
	r.log().WarnContext(ctx, "deadline passed")
	return &JobCancelled{TicketID: id, Step: step, Reason: "deadline passed"}
}

// classify tells whether a performer's error is permanent, with the category and the
// description a client reads on the ticket.
func classify(step string, err error) (ticket.Category, string, bool) {
	var pe *outside.PermanentError
	var te *outside.TransientError
	var cat interface{ ErrorCategory() ticket.Category }
	var tr interface{ Transient() bool }
	switch {
	case errors.As(err, &pe):
		d := fmt.Sprintf("%s: %s refused: %d %s", step, pe.System, pe.Status, httpStatusText(pe.Status))
		if pe.Message != "" {
			d += ": " + pe.Message
		}
		return pe.Category, d, true
	case errors.As(err, &te):
		return "", "", false
	case errors.As(err, &cat):
		return cat.ErrorCategory(), step + ": " + err.Error(), true
	case errors.As(err, &tr) && tr.Transient():
		return "", "", false
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "", "", false
	case errors.Is(err, outside.ErrNotConfigured):
		return ticket.Internal, step + ": " + err.Error(), true
	}
	return ticket.Internal, step + ": " + err.Error(), true
}

func (r *Runner) undo(ctx context.Context, in Payload) error {
	step := in.Step
	t, err := r.Tickets.GetWithParams(ctx, in.TicketID)
	if err != nil {
		return storeError(step, err)
	}
	seen := t.Steps[step]
	p, ok := r.Work[step]
	if !ok {
		return &StepFailed{Step: step, Category: ticket.Internal, Description: step + ": this function has no such step"}
	}
	var undo func() (bool, error)
	switch a, canFind := p.(AttemptUndoer); {
	case seen == ticket.StepComplete:
		undo = func() (bool, error) { return true, p.Undo(ctx, t) }
	case canFind && (seen == ticket.StepError || seen == ticket.StepRunning || seen == ticket.StepRetry || seen == ticket.StepTimedOut):
		// The step failed, but its call may have taken effect (an answer lost on the way
		// back, a follow-up write refused): the rollback enters at its own compensation.
		undo = func() (bool, error) { return a.UndoAttempt(ctx, t) }
	default:
		r.log().InfoContext(ctx, "nothing to undo", "stepStatus", seen)
		return nil
	}
	undone, uerr := undo()
	if uerr != nil {
		cat, desc, permanent := classify("Undo"+step, uerr)
		switch {
		case permanent && cat == ticket.NotFound:
			r.log().InfoContext(ctx, "compensation found nothing to undo", "err", uerr)
			undone = seen == ticket.StepComplete
		case permanent:
			r.log().ErrorContext(ctx, "compensation failed", "err", uerr)
			return &StepFailed{Step: step, Category: cat, Description: desc}
		default:
			r.log().WarnContext(ctx, "compensation failed transiently", "err", uerr)
			return &StepTransient{Step: step, Message: uerr.Error()}
		}
	}
	if !undone {
		r.log().InfoContext(ctx, "the failed step had made nothing", "stepStatus", seen)
		return nil
	}
	// The compensation happened: record it even on a ticket ended meanwhile (the reconciler),
	// so that the ticket does not claim what no longer exists.
	if _, err := r.Tickets.Update(ctx, t.ID, func(t *ticket.Ticket) error {
		if t.Steps[step] != seen {
			return errLeave
		}
		setStep(t, step, ticket.StepRolledBack)
		return nil
	}); err != nil && !errors.Is(err, errLeave) {
		return storeError(step, err)
	}
	r.log().InfoContext(ctx, "step rolled back")
	r.Metrics.Put(ctx, metrics.Rollbacks, metrics.Count, 1, []metrics.Dimension{{Name: "Step", Value: step}}, map[string]string{"ticketId": t.ID})
	return nil
}

func (r *Runner) undoFailed(ctx context.Context, in Payload) error {
	step := in.Step
	if _, _, err := r.update(ctx, in.TicketID, func(t *ticket.Ticket) error {
		setStep(t, step, ticket.StepRollbackFailed)
		return nil
	}); err != nil {
		return storeError(step, err)
	}
	errName, cause := catchParts(in.Error)
	r.log().ErrorContext(ctx, "rollback failed: manual clean-up needed", "err", errName+": "+cause)
	// The template's RollbackFailedAlarm sums this metric over every Step.
	r.Metrics.Put(ctx, metrics.RollbackFailed, metrics.Count, 1, []metrics.Dimension{{Name: "Step", Value: step}}, map[string]string{"ticketId": in.TicketID})
	return nil
}

func (r *Runner) timedOut(ctx context.Context, in Payload) error {
	step := in.Step
	errName, cause := catchParts(in.Error)
	cat := ticket.Dependency
	if errName == actions.ErrTaskTimeout || errName == actions.ErrFunctionTimeout {
		cat = ticket.Timeout
	}
	desc := fmt.Sprintf("%s: %s did not answer after retries: %s", step, systemName(step), cause)
	t, left, err := r.update(ctx, in.TicketID, func(t *ticket.Ticket) error {
		setStep(t, step, ticket.StepTimedOut)
		t.Fail(ticket.TimedOut, cat, desc, r.now())
		return nil
	})
	if err != nil {
		return storeError(step, err)
	}
	r.log().WarnContext(ctx, "job timed out", "category", cat)
	if !left {
		r.jobEnded(ctx, t)
	}
	return nil
}

func (r *Runner) failed(ctx context.Context, in Payload) error {
	errName, cause := catchParts(in.Error)
	parsedCat, parsedDesc, parsedOK := ParseStepFailed(cause)
	var out *ticket.Ticket
	if _, _, err := r.update(ctx, in.TicketID, func(t *ticket.Ticket) error {
		out = t
		failing := failingStep(t, in.Step)
		if t.Steps[failing] == ticket.StepRunning {
			setStep(t, failing, ticket.StepError)
		}
		var broken []string
		for s, st := range t.Steps {
			if st == ticket.StepRollbackFailed {
				broken = append(broken, s)
			}
		}
		sort.Strings(broken)
		now := r.now()
		switch {
		case len(broken) > 0:
			d := fmt.Sprintf("rollback failed for %s after %s failed; manual clean-up needed", strings.Join(broken, ", "), failing)
			if t.ErrorDescription != "" {
				d += " (" + t.ErrorDescription + ")"
			}
			t.Fail(ticket.Error, ticket.Internal, d, now)
		case errName == "JobCancelled":
			t.Fail(ticket.Cancelled, ticket.Timeout, fmt.Sprintf("deadline passed during %s; completed steps were rolled back", failing), now)
		case t.ErrorCategory != "":
			t.Fail(ticket.Error, t.ErrorCategory, t.ErrorDescription, now)
		case errName == "StepFailed" && parsedOK:
			t.Fail(ticket.Error, parsedCat, parsedDesc, now)
		case t.ErrorDescription != "":
			t.Fail(ticket.Error, ticket.Internal, t.ErrorDescription, now)
		default:
			d := cause
			if errName != "" {
				d = errName + ": " + cause
			}
			if failing != "" {
				d = failing + ": " + d
			}
			t.Fail(ticket.Error, ticket.Internal, d, now)
		}
		return nil
	}); err != nil {
		return storeError(in.Step, err)
	}
	if out != nil && out.Status.Terminal() {
		r.log().InfoContext(ctx, "job failed", "status", out.Status, "category", out.ErrorCategory)
		r.jobEnded(ctx, out)
	}
	return nil
}

// failingStep is the step the job failed at: one recorded ERROR, else one still RUNNING,
// else the payload's step.
func failingStep(t *ticket.Ticket, fallback string) string {
	for _, want := range []ticket.StepStatus{ticket.StepError, ticket.StepRunning, ticket.StepTimedOut} {
		var names []string
		for s, st := range t.Steps {
			if st == want {
				names = append(names, s)
			}
		}
		if len(names) > 0 {
			sort.Strings(names)
			return names[0]
		}
	}
	return fallback
}

// catchParts reads a Catch output: the error name and a readable cause (the errorMessage of
// a Lambda error payload, else the cause as given).
func catchParts(e *CatchError) (name, cause string) {
	if e == nil {
		return "", "unknown error"
	}
	cause = e.Cause
	var p struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(e.Cause), &p) == nil && p.ErrorMessage != "" {
		cause = p.ErrorMessage
	}
	if cause == "" {
		cause = e.Error
	}
	return e.Error, cause
}

// systemName names the system a step talks to, as a client reads it.
func systemName(step string) string {
	if s, ok := outside.SystemOf(step); ok {
		return s.String()
	}
	return "the identity store"
}

func httpStatusText(code int) string { return http.StatusText(code) }
