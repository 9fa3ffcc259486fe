package stack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/actionservice/actionservice/local/samtemplate"
	"github.com/actionservice/actionservice/local/stepfunctions"
	"github.com/actionservice/actionservice/shared/workflow"
)

// Names the local engine gives what AWS would name from the stack.
const (
	localRegion  = "us-east-1"
	localAccount = "123456789012"
	// MachinePrefix is the local "stack name": state machines are MachinePrefix+action.
	MachinePrefix = "actionservice-"
)

// functionARN is the ARN the template's !GetAtt <Function>.Arn resolves to locally; the
// engine finds the handler registered under the function's logical id.
func functionARN(logicalID string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", localRegion, localAccount, logicalID)
}

// MachineARNPrefix is what STATE_MACHINE_ARN_PREFIX is in the local stack.
func MachineARNPrefix() string {
	return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", localRegion, localAccount, MachinePrefix)
}

// createStateMachines creates, in the engine, every AWS::Serverless::StateMachine of
// template.yaml from its DefinitionUri and DefinitionSubstitutions, named after its file
// (statemachines/createDomain.asl.json → actionservice-createDomain).
func createStateMachines(engine *stepfunctions.Engine, tpl *samtemplate.Template) ([]string, error) {
	var names []string
	for _, sm := range tpl.StateMachines {
		subs, err := sm.Substitutions(func(ref samtemplate.Ref) (string, error) {
			if fn, ok := tpl.Functions[ref.LogicalID]; ok && ref.Attribute == "Arn" {
				return functionARN(fn.LogicalID), nil
			}
			return "", fmt.Errorf("state machine %s: substitution %s.%s has no local value", sm.LogicalID, ref.LogicalID, ref.Attribute)
		})
		if err != nil {
			return nil, err
		}
		def, err := tpl.Definition(sm, subs)
		if err != nil {
			return nil, err
		}
		action := strings.TrimSuffix(path.Base(sm.DefinitionURI), ".asl.json")
		if _, err := engine.CreateStateMachine(MachinePrefix+action, def, "arn:aws:iam::"+localAccount+":role/local"); err != nil {
			return nil, fmt.Errorf("state machine %s: %w", sm.LogicalID, err)
		}
		names = append(names, MachinePrefix+action)
	}
	if len(names) == 0 {
		return nil, errors.New("template.yaml declares no state machine")
	}
	return names, nil
}

// serveEngine serves the engine's Step Functions API on addr and returns its URL and a
// client of it.
func serveEngine(ctx context.Context, engine *stepfunctions.Engine, addr string) (string, *sfn.Client, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("step functions listen on %s: %w", addr, err)
	}
	go func() { _ = engine.ServeListener(ctx, l) }()
	url := "http://" + l.Addr().String()
	cfg := aws.Config{Region: localRegion, Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	return url, workflow.NewClient(cfg, url), nil
}

// sweepEvery is how often the local reconciler looks for stuck tickets, and sweepGrace how
// old a ticket must be before it can be judged stuck: shorter than on AWS
// (reconcile.SweepGrace), because a laptop's submit starts its execution within milliseconds.
const (
	sweepEvery = 10 * time.Second
	sweepGrace = 30 * time.Second
)
