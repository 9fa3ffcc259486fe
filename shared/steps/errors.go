package steps

import (
	"fmt"
	"strings"

	"github.com/actionservice/actionservice/shared/ticket"
)

// The errors a step returns to Step Functions. aws-lambda-go reports an error's Go type name
// (with the pointer stripped) as its errorType, and the state machines' Retry and Catch match
// on exactly these names (docs/saga.md), so the type names must not change. They are always
// returned as pointers and never wrapped: a wrapper's type name would be reported instead.

// StepFailed is a permanent failure of a step (an outside 4xx, invalid input, an identity
// conflict): the step is recorded ERROR with the ticket's errorCategory/errorDescription,
// and the state machine rolls back.
type StepFailed struct {
	Step     string
	Category ticket.Category
	// Description is what the ticket's errorDescription says.
	Description string
}

// Error is "[<CATEGORY>] <description>": the failed phase reads the category back from the
// Catch's Cause (ParseStepFailed), since the ticket store keeps a category only on a failed
// ticket.
func (e *StepFailed) Error() string {
	return fmt.Sprintf("[%s] %s", e.Category, e.Description)
}

// ParseStepFailed reads the category and description back from a StepFailed message.
func ParseStepFailed(msg string) (ticket.Category, string, bool) {
	if !strings.HasPrefix(msg, "[") {
		return "", "", false
	}
	end := strings.Index(msg, "] ")
	if end < 0 {
		return "", "", false
	}
	c, err := ticket.ParseCategory(msg[1:end])
	if err != nil {
		return "", "", false
	}
	return c, msg[end+2:], true
}

// StepTransient is a failure that may pass (an outside 5xx/429/network failure, a DynamoDB
// throttle or outage): the step stays RUNNING and the state machine retries it; when the
// retries are used up the job is TIMEDOUT.
type StepTransient struct {
	Step    string
	Message string
}

func (e *StepTransient) Error() string {
	if e.Step == "" { // a bookkeeping phase, not a step
		return "transient failure: " + e.Message
	}
	return fmt.Sprintf("%s: transient failure: %s", e.Step, e.Message)
}

// JobCancelled stops a job: its deadline passed (before or during the step), or the ticket is
// already terminal. The state machine rolls back and the job ends CANCELLED.
type JobCancelled struct {
	TicketID string
	Step     string
	Reason   string
}

func (e *JobCancelled) Error() string {
	if e.Step == "" {
		return fmt.Sprintf("job %s cancelled: %s", e.TicketID, e.Reason)
	}
	return fmt.Sprintf("job %s cancelled during %s: %s", e.TicketID, e.Step, e.Reason)
}
