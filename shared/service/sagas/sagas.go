// Package sagas wires the step functions, which run the sagas, and the sealing of action
// parameters (KMS) they open. It is apart from package service so that the functions that
// neither seal nor open parameters (most routes, the authorizer, the catalogue) do not link
// KMS, and from package executions so that the steps do not link Step Functions: each SDK
// package costs its function's bootstrap size and init time (its tables are built at init)
// whether or not it is called.
package sagas

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/actionservice/actionservice/shared/outside"
	"github.com/actionservice/actionservice/shared/secrets"
	"github.com/actionservice/actionservice/shared/service"
	"github.com/actionservice/actionservice/shared/steps"
	"github.com/actionservice/actionservice/shared/store"
)

// Sealer returns the encryption of action parameters the configuration names, or nil when
// none is configured: a function that never handles parameters needs none, and the store
// refuses to keep parameters without one.
func Sealer(c service.Config, awsCfg aws.Config) (store.Sealer, error) {
	switch {
	case c.ParamsKMSKey != "":
		return &secrets.KMSEnvelope{KMS: kms.NewFromConfig(awsCfg), KeyID: c.ParamsKMSKey}, nil
	case c.ParamsKeyFile != "":
		return secrets.LocalKeyFile(c.ParamsKeyFile)
	}
	return nil, nil
}

// SealedTickets is the tickets store with the sealer of action parameters.
func SealedTickets(e service.LambdaEnv) *store.Store {
	sealer, err := Sealer(e.Config, e.AWS)
	if err != nil {
		e.Fail("tickets store", err)
	}
	return service.Tickets(e.Config, e.DynamoDB(), sealer)
}

// StartStepLambda runs one step function of the sagas (a System.LogicalID of the catalogue,
// or actions.TicketsLogicalID) as a Lambda, configured from the environment. It does not
// return.
func StartStepLambda(function string) {
	e := service.MustLambdaEnv()
	oc, err := outside.ConfigFromEnv()
	if err != nil {
		e.Fail("outside systems", err)
	}
	deps := steps.Deps{
		Tickets:  SealedTickets(e),
		Identity: service.Identity(e.Config, e.DynamoDB()),
		Outside:  outside.NewClient(oc, nil),
		Log:      e.Log,
		Metrics:  e.Metrics,
	}
	lambda.Start(steps.RunnerFor(deps, function).Handle)
}
