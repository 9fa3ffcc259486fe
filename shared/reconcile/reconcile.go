// Package reconcile makes sure no ticket is stuck: when an execution ends without having
// written a terminal status on its ticket (a crash, States.Runtime, an abort, the state
// machine's own time limit), the reconciler ends the ticket and says what happened. In AWS
// it runs on Step Functions' execution status change events; locally, as a periodic sweep.
package reconcile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/actionservice/actionservice/shared/metrics"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// Reconciler ends tickets whose execution ended without ending them.
type Reconciler struct {
	Tickets *store.Store
	SFN     *sfn.Client
	// ARNPrefix + action is an action's state machine ARN.
	ARNPrefix string
	Now       func() time.Time
	Log       *slog.Logger
	// Metrics counts the jobs it ends (none when nil).
	Metrics *metrics.Emitter
	// Recount paces the counters' recount on a scheduled run (zero: DefaultRecount).
	Recount store.RecountOptions
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Ended records the end of an execution on its ticket, unless the ticket is already
// terminal or a newer execution (a restart) has taken over. It reports whether it changed
// the ticket.
func (r *Reconciler) Ended(ctx context.Context, ticketID, execution, status, errName, cause string) (bool, error) {
	changed := false
	ended, err := r.Tickets.Update(ctx, ticketID, func(t *ticket.Ticket) error {
		changed = false
		if t.Status.Terminal() || (t.Execution != "" && t.Execution != execution) {
			return store.ErrUnchanged
		}
		var kept []string
		for step, s := range t.Steps {
			switch s {
			case ticket.StepRunning, ticket.StepRetry:
				t.Steps[step] = ticket.StepError
			case ticket.StepComplete:
				kept = append(kept, step)
			}
		}
		sort.Strings(kept)
		what := map[string]string{
			"FAILED":    "the job's execution failed",
			"TIMED_OUT": "the job's execution ran past the state machine's time limit",
			"ABORTED":   "the job's execution was stopped",
		}[status]
		if what == "" {
			what = "the job's execution ended (" + status + ")"
		}
		if errName != "" {
			what += ": " + errName
			if c := readableCause(cause); c != "" {
				what += ": " + c
			}
		}
		if len(kept) > 0 {
			what += "; completed steps were not rolled back: " + strings.Join(kept, ", ")
		}
		category := ticket.Internal
		if status == "TIMED_OUT" {
			category = ticket.Timeout
		}
		t.Fail(ticket.Error, category, what, r.now())
		changed = true
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err == nil && changed {
		// The execution's error and cause are one failure, under the one key errors log by.
		failure := errName
		if cause != "" {
			failure += ": " + cause
		}
		r.log().WarnContext(ctx, "reconciled a ticket its execution left unfinished", "ticketId", ticketID, "execution", execution, "status", status, "err", failure)
		r.Metrics.Put(ctx, metrics.Jobs, metrics.Count, 1,
			[]metrics.Dimension{{Name: "Action", Value: ended.Action}, {Name: "Outcome", Value: string(ended.Status)}},
			map[string]string{"ticketId": ticketID})
	}
	return changed, err
}

// maxCause bounds the part of an execution's cause that a ticket's description quotes; the
// log keeps it whole.
const maxCause = 300

// readableCause is an execution's cause as a ticket quotes it: the errorMessage of a Lambda
// error payload rather than its JSON, and no longer than maxCause.
func readableCause(cause string) string {
	var payload struct {
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(cause), &payload) == nil && payload.ErrorMessage != "" {
		cause = payload.ErrorMessage
	}
	if r := []rune(cause); len(r) > maxCause {
		cause = string(r[:maxCause]) + "…"
	}
	return cause
}

func (r *Reconciler) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// statusChange is the detail of EventBridge's "Step Functions Execution Status Change".
type statusChange struct {
	ExecutionArn string  `json:"executionArn"`
	Name         string  `json:"name"`
	Status       string  `json:"status"`
	Input        string  `json:"input"`
	Error        *string `json:"error"`
	Cause        *string `json:"cause"`
}

// SweepGrace is how old a ticket that is not terminal must be before a sweep judges it: well
// past the time a submit takes from storing the ticket to starting its execution.
const SweepGrace = 5 * time.Minute

// HandleEvent is the reconciler Lambda: an execution status change event ends its ticket,
// and the template's schedule ("Scheduled Event") sweeps for tickets whose execution never
// started or ended unheard — the one case no status change event reports.
func (r *Reconciler) HandleEvent(ctx context.Context, ev events.CloudWatchEvent) error {
	if ev.DetailType == "Scheduled Event" {
		return r.Scheduled(ctx, SweepGrace)
	}
	var d statusChange
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		return fmt.Errorf("execution status change: %w", err)
	}
	if d.Status == "RUNNING" || d.Status == "SUCCEEDED" {
		return nil
	}
	var in ticket.ExecutionInput
	if err := json.Unmarshal([]byte(d.Input), &in); err != nil || in.TicketID == "" {
		r.log().ErrorContext(ctx, "execution input names no ticket", "execution", d.ExecutionArn)
		return nil
	}
	_, err := r.Ended(ctx, in.TicketID, d.Name, d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	return err
}

// DefaultRecount paces the counters' recount on each scheduled run: the scopes (the whole
// table's and each account's) it checks, and how long a scope's counters must have been
// still (longer than an index takes to catch up).
var DefaultRecount = store.RecountOptions{Scopes: 50, Quiet: time.Minute}

// Scheduled is a scheduled run: a sweep (see Sweep), then a step of the counters' recount,
// which repairs a count that drifted from its tickets (store.Recount).
func (r *Reconciler) Scheduled(ctx context.Context, grace time.Duration) error {
	n, err := r.Sweep(ctx, grace)
	r.log().InfoContext(ctx, "reconcile sweep", "ended", n, "err", err)
	o := r.Recount
	if o == (store.RecountOptions{}) {
		o = DefaultRecount
	}
	rc, rerr := r.Tickets.Recount(ctx, o)
	r.log().InfoContext(ctx, "recount", "checked", rc.Checked, "repaired", rc.Repaired, "busy", rc.Busy, "err", rerr)
	return errors.Join(err, rerr)
}

// Sweep looks at every ticket that is not terminal and was submitted more than grace ago;
// one whose execution is no longer running, or never started, is ended. It returns how many
// tickets it ended.
func (r *Reconciler) Sweep(ctx context.Context, grace time.Duration) (int, error) {
	ended := 0
	cutoff := r.now().Add(-grace)
	for _, status := range []ticket.Status{ticket.Pending, ticket.Running, ticket.Retry} {
		q := store.Query{Status: status, Limit: 100}
		for {
			page, err := r.Tickets.List(ctx, q)
			if err != nil {
				return ended, err
			}
			for _, t := range page.Tickets {
				if t.Submission.After(cutoff) {
					continue
				}
				n, err := r.check(ctx, t, cutoff)
				if err != nil {
					return ended, err
				}
				ended += n
			}
			if page.Next == "" {
				break
			}
			q.Marker = page.Next
		}
	}
	return ended, nil
}

func (r *Reconciler) check(ctx context.Context, t *ticket.Ticket, cutoff time.Time) (int, error) {
	if t.Execution == "" {
		changed, err := r.Ended(ctx, t.ID, "", "FAILED", "NeverStarted", "no execution was started for the job")
		return boolToInt(changed), err
	}
	out, err := r.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(r.executionARN(t))})
	var missing *types.ExecutionDoesNotExist
	switch {
	case errors.As(err, &missing):
		changed, err := r.Ended(ctx, t.ID, t.Execution, "FAILED", "NeverStarted", "the job's execution does not exist")
		return boolToInt(changed), err
	case err != nil:
		return 0, fmt.Errorf("describe execution of ticket %s: %w", t.ID, err)
	case out.Status == types.ExecutionStatusRunning:
		return 0, nil
	}
	changed, err := r.Ended(ctx, t.ID, t.Execution, string(out.Status), aws.ToString(out.Error), aws.ToString(out.Cause))
	return boolToInt(changed), err
}

// executionARN derives an execution's ARN from its state machine's.
func (r *Reconciler) executionARN(t *ticket.Ticket) string {
	machine := r.ARNPrefix + t.Action
	return strings.Replace(machine, ":stateMachine:", ":execution:", 1) + ":" + t.Execution
}

func boolToInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
