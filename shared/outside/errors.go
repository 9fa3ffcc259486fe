package outside

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/actionservice/actionservice/shared/ticket"
)

// Category is the job ticket's error category (API.md §2) that a failed call maps to.
type Category = ticket.Category

// CategoryForStatus is the category of a permanent failure answered with an HTTP status:
// 401/403 AUTH, 404 NOT_FOUND, 409 CONFLICT, other 4xx USER_INPUT; anything else DEPENDENCY.
func CategoryForStatus(status int) Category {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ticket.Auth
	case status == http.StatusNotFound:
		return ticket.NotFound
	case status == http.StatusConflict:
		return ticket.Conflict
	case status >= 400 && status < 500:
		return ticket.UserInput
	}
	return ticket.Dependency
}

// PermanentError is an outside system's refusal: retrying the same request will not help,
// so the step fails and the saga rolls back.
type PermanentError struct {
	System    System
	Operation string
	Status    int // the HTTP status answered
	Category  Category
	Message   string // the system's own explanation, may be empty
}

func (e *PermanentError) Error() string {
	return fmt.Sprintf("%s refused %s: %s", e.System, e.Operation, statusAndMessage(e.Status, e.Message))
}

// TransientError is a failure that may pass: the system was unreachable, overloaded,
// failing (5xx, 429) or did not answer in time. Retrying with the same idempotency key is safe.
type TransientError struct {
	System    System
	Operation string
	Status    int  // the HTTP status answered; 0 when there was no answer
	Timeout   bool // no answer before the deadline
	Message   string
	Err       error // the underlying network or context error, if any
}

func (e *TransientError) Error() string {
	switch {
	case errors.Is(e.Err, context.Canceled) && !e.Timeout:
		return fmt.Sprintf("%s call %s cancelled by the caller", e.System, e.Operation)
	case e.Timeout:
		return fmt.Sprintf("%s did not answer %s in time: %s", e.System, e.Operation, e.Message)
	case e.Status == 0:
		return fmt.Sprintf("%s unreachable for %s: %s", e.System, e.Operation, e.Message)
	}
	return fmt.Sprintf("%s unavailable for %s: %s", e.System, e.Operation, statusAndMessage(e.Status, e.Message))
}

func (e *TransientError) Unwrap() error { return e.Err }

// Category is TIMEOUT when the system did not answer in time, DEPENDENCY otherwise.
func (e *TransientError) Category() Category {
	if e.Timeout {
		return ticket.Timeout
	}
	return ticket.Dependency
}

// ErrNotConfigured is wrapped by the error of a call to a system that has no base URL.
var ErrNotConfigured = errors.New("outside system not configured")

// IsTransient reports whether err is (or wraps) a [*TransientError].
func IsTransient(err error) bool {
	var te *TransientError
	return errors.As(err, &te)
}

// CategoryOf is the category a ticket reports for an error of a call: a permanent error's
// own category, TIMEOUT or DEPENDENCY for a transient one, INTERNAL for anything else, and
// "" for nil.
func CategoryOf(err error) Category {
	var pe *PermanentError
	var te *TransientError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &pe):
		return pe.Category
	case errors.As(err, &te):
		return te.Category()
	}
	return ticket.Internal
}

func statusAndMessage(status int, msg string) string {
	s := fmt.Sprintf("%d %s", status, http.StatusText(status))
	if msg != "" {
		s += ": " + msg
	}
	return s
}

func timeoutMessage(d time.Duration) string {
	if d > 0 {
		return fmt.Sprintf("no answer within %s", d)
	}
	return "deadline already passed"
}

// contextDone reports whether err came from the call's context ending.
func contextDone(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}
