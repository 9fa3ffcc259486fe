// Package workflow starts the execution that runs an action: the one place the API talks to
// Step Functions. The execution input is the ticket id, its account and the deadline, never
// the action's parameters.
package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Input is an execution's whole input.
type Input struct {
	TicketID string `json:"ticketId"`
	// Deadline is epoch milliseconds; 0 means none.
	Deadline int64 `json:"deadline"`
	// AccountID is the ticket's account ("" when it has none): each step's first write keeps
	// the account's status list with it, with no read before.
	AccountID string `json:"accountId"`
}

// ErrUnavailable wraps a failure to reach Step Functions.
var ErrUnavailable = errors.New("step functions unavailable")

// Starter starts executions of the actions' state machines, named ARNPrefix+action.
type Starter struct {
	SFN       *sfn.Client
	ARNPrefix string
}

// Start runs the action's state machine as execution name. Starting a name that already
// ran (a repeated delivery) is not an error: the execution exists.
func (s *Starter) Start(ctx context.Context, action, name string, in Input) (string, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	arn := s.ARNPrefix + action
	out, err := s.SFN.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(arn), Name: aws.String(name), Input: aws.String(string(body)),
	})
	var exists *types.ExecutionAlreadyExists
	switch {
	case errors.As(err, &exists):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("start %s as %s: %w: %w", arn, name, ErrUnavailable, err)
	}
	return aws.ToString(out.ExecutionArn), nil
}
