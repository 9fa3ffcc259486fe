// Command kms is the step function of the Action Service's sagas for the kms steps
// (docs/saga.md): it only wires configuration to the step runner of shared/steps.
package main

import (
	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/service/sagas"
)

func main() { sagas.StartStepLambda(actions.KMS.LogicalID()) }
