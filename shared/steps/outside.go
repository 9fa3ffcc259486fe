package steps

import (
	"context"
	"errors"

	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/ticket"
)

// Invoker is what an outside step needs of the adapter (*outside.Client has it).
type Invoker interface {
	Invoke(ctx context.Context, operation, idempotencyKey string, params map[string]string) (map[string]string, error)
}

// Key is the idempotency key of a step's outside call: <ticketId>/<step>.
func Key(ticketID, step string) string { return ticketID + "/" + step }

// UndoKey is the idempotency key of a step's compensation: <ticketId>/Undo<step>.
func UndoKey(ticketID, step string) string { return ticketID + "/Undo" + step }

// OutsideStep is a step that is one call to an outside system: the operation named as the
// step, params built from the ticket, the answer merged into the ticket's results, and a
// compensation that takes (a part of) that answer.
type OutsideStep struct {
	Step   string
	Client Invoker
	// Params builds the call's params from the ticket (Params in clear, Results so far); nil
	// params (with no error) mean there is nothing to do and the step succeeds without a call.
	Params func(ctx context.Context, t *ticket.Ticket) (map[string]string, error)
	// Results maps the call's params and the system's answer to the results kept on the
	// ticket; nil keeps the answer as is.
	Results func(params, answer map[string]string) map[string]string
	// Recorded, when set, runs after a successful call (e.g. to note an outside id on the
	// domain record); it must be idempotent.
	Recorded func(ctx context.Context, t *ticket.Ticket, results map[string]string) error
	// UndoOperation is the compensation's operation ("" = nothing to undo), called with
	// UndoParams; when UndoParams answers nil, there is nothing to undo.
	UndoOperation string
	UndoParams    func(t *ticket.Ticket) map[string]string
	// MissingIsDone makes a NOT_FOUND answer count as success (deletions: already gone).
	MissingIsDone bool
}

// Do calls the operation under <ticketId>/<step>.
func (o *OutsideStep) Do(ctx context.Context, t *ticket.Ticket) (map[string]string, error) {
	params := map[string]string{}
	if o.Params != nil {
		p, err := o.Params(ctx, t)
		if err != nil {
			return nil, err
		}
		if p == nil {
			return map[string]string{}, nil
		}
		params = p
	}
	answer, err := o.Client.Invoke(ctx, o.Step, Key(t.ID, o.Step), params)
	if err != nil {
		if o.MissingIsDone && isNotFound(err) {
			return map[string]string{}, nil
		}
		return nil, err
	}
	res := answer
	if o.Results != nil {
		res = o.Results(params, answer)
	}
	if o.Recorded != nil {
		if err := o.Recorded(ctx, t, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Undo calls the compensation under <ticketId>/Undo<step>.
func (o *OutsideStep) Undo(ctx context.Context, t *ticket.Ticket) error {
	if o.UndoOperation == "" || o.UndoParams == nil {
		return nil
	}
	params := o.UndoParams(t)
	if params == nil {
		return nil
	}
	_, err := o.Client.Invoke(ctx, o.UndoOperation, UndoKey(t.ID, o.Step), params)
	return err
}

// UndoAttempt undoes a step that failed after its call may have taken effect: by what the
// ticket got of the answer, or else by the idempotency key the call was made under — a create
// is deleted by the key it was created under, a state change set back by the key it was
// changed under. It reports false when the system did nothing under the key (NOT_FOUND).
func (o *OutsideStep) UndoAttempt(ctx context.Context, t *ticket.Ticket) (bool, error) {
	if o.UndoOperation == "" || o.UndoParams == nil {
		return false, nil
	}
	params := o.UndoParams(t)
	if params == nil {
		under := outside.KeyCreatedUnder
		if o.UndoOperation == o.Step {
			under = outside.KeyChangedUnder
		}
		params = map[string]string{under: Key(t.ID, o.Step)}
	}
	_, err := o.Client.Invoke(ctx, o.UndoOperation, UndoKey(t.ID, o.Step), params)
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

func isNotFound(err error) bool {
	var pe *outside.PermanentError
	if errors.As(err, &pe) {
		return pe.Category == ticket.NotFound
	}
	var c interface{ ErrorCategory() ticket.Category }
	return errors.As(err, &c) && c.ErrorCategory() == ticket.NotFound
}

// ResultParam is an UndoParams that passes the create's result under its key, or nil when
// the ticket has none.
func ResultParam(key string) func(t *ticket.Ticket) map[string]string {
	return func(t *ticket.Ticket) map[string]string {
		v := t.Results[key]
		if v == "" {
			return nil
		}
		return map[string]string{key: v}
	}
}
