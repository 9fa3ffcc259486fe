// Package workflow starts the execution that runs an action: the one place the API talks to
// Step Functions. The execution input (ticket.ExecutionInput) is the ticket id, its account
// and the deadline, never the action's parameters.
package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/actionservice/actionservice/shared/ticket"
)

// ErrUnavailable wraps a failure to reach Step Functions.
var ErrUnavailable = errors.New("step functions unavailable")

// NewClient returns a Step Functions client for the endpoint (AWS when empty).
func NewClient(cfg aws.Config, endpoint string) *sfn.Client {
	return sfn.NewFromConfig(cfg, func(o *sfn.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

// Starter starts executions of the actions' state machines, named ARNPrefix+action.
type Starter struct {
	SFN       *sfn.Client
	ARNPrefix string
}

// Start runs the action's state machine as execution name. Starting a name that already
// ran (a repeated delivery) is not an error: the execution exists.
func (s *Starter) Start(ctx context.Context, action, name string, in ticket.ExecutionInput) (string, error) {
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
