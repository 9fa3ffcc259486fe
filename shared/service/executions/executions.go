// Package executions wires what starts and watches the actions' executions: the routes
// that start them (submit, restart) and the reconciler. Only these functions link Step
// Functions' SDK (see package sagas for why that matters).
package executions

import (
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/actionservice/actionservice/shared/metrics"
	"github.com/actionservice/actionservice/shared/reconcile"
	"github.com/actionservice/actionservice/shared/service"
	"github.com/actionservice/actionservice/shared/service/sagas"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/workflow"
)

// Starter starts actions' state machines through sfnClient.
func Starter(c service.Config, sfnClient *sfn.Client) *workflow.Starter {
	return &workflow.Starter{SFN: sfnClient, ARNPrefix: c.StateMachineARNPrefix}
}

// Reconciler ends the tickets whose executions ended without them, asking sfnClient.
func Reconciler(c service.Config, tickets *store.Store, sfnClient *sfn.Client, log *slog.Logger, m *metrics.Emitter) *reconcile.Reconciler {
	return &reconcile.Reconciler{Tickets: tickets, SFN: sfnClient, ARNPrefix: c.StateMachineARNPrefix, Log: log, Metrics: m}
}

func stepFunctions(e service.LambdaEnv) *sfn.Client {
	return workflow.NewClient(e.AWS, e.Endpoints.StepFunctions)
}

// StartRouteLambda runs one route of the routing table that starts executions (submit,
// restart) as a Lambda, configured from the environment. It does not return.
func StartRouteLambda(name string) {
	e := service.MustLambdaEnv()
	route := e.Route(name)
	if !route.StartsExecutions {
		e.Fail("routing table", fmt.Errorf("route %q starts no executions: its main calls service.StartRouteLambda", name))
	}
	e.ServeRoute(route, sagas.SealedTickets(e), Starter(e.Config, stepFunctions(e)))
}

// StartReconcilerLambda runs the reconciler on Step Functions' execution status changes.
// Its tickets store has no sealer: it ends tickets, it never reads their parameters. It
// does not return.
func StartReconcilerLambda() {
	e := service.MustLambdaEnv()
	tickets := service.Tickets(e.Config, e.DynamoDB(), nil)
	lambda.Start(Reconciler(e.Config, tickets, stepFunctions(e), e.Log, e.Metrics).HandleEvent)
}
