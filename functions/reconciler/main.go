// Command reconciler ends tickets whose Step Functions execution failed, timed out or was
// aborted without recording a terminal status (EventBridge execution status changes).
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/actionservice/actionservice/shared/cloud"
	"github.com/actionservice/actionservice/shared/reconcile"
	"github.com/actionservice/actionservice/shared/service"
)

func main() {
	log := service.Logger()
	c, err := service.ConfigFromEnv()
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(1)
	}
	endpoints := cloud.EndpointsFromEnv()
	awsCfg, err := cloud.Config(context.Background(), endpoints)
	if err != nil {
		log.Error("aws configuration", "err", err)
		os.Exit(1)
	}
	tickets, err := service.Tickets(c, awsCfg, endpoints)
	if err != nil {
		log.Error("tickets store", "err", err)
		os.Exit(1)
	}
	r := &reconcile.Reconciler{Tickets: tickets, SFN: cloud.StepFunctions(awsCfg, endpoints.StepFunctions), ARNPrefix: c.StateMachineARNPrefix, Log: log}
	lambda.Start(r.HandleEvent)
}
