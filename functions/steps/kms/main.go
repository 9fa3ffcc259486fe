// Command kms is the step function of the Action Service's sagas for the kms steps
// (docs/saga.md): it only wires configuration to the step runner of shared/steps.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/actionservice/actionservice/shared/cloud"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/service"
	"github.com/actionservice/actionservice/shared/steps"
)

func main() {
	c, err := service.ConfigFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	endpoints := cloud.EndpointsFromEnv()
	awsCfg, err := cloud.Config(context.Background(), endpoints)
	if err != nil {
		log.Fatal(err)
	}
	tickets, err := service.Tickets(c, awsCfg, endpoints) // with the parameters' sealer
	if err != nil {
		log.Fatal(err)
	}
	oc, err := outside.ConfigFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	deps := steps.Deps{
		Tickets:  tickets,
		Identity: identity.New(cloud.DynamoDB(awsCfg, endpoints.DynamoDB), c.IdentityTable),
		Outside:  outside.NewClient(oc, nil),
		Log:      service.Logger(),
	}
	lambda.Start(steps.RunnerFor(deps, steps.FunctionKms).Handle)
}
