// Package local holds the Docker-free AWS that `make run` and the tests use, and that never
// deploys. Each package below stands in for one AWS piece (or for the outside systems), and
// its doc comment says which:
//
//	local/apigateway       Amazon API Gateway: request → proxy event → route Lambda, the TOKEN
//	                       authorizer, the gateway responses (what `sam local start-api` does)
//	local/dynamodb         Amazon DynamoDB: embedded and in memory, with request counts and
//	                       injected faults; dynamodbtest gives a test a fresh database (embedded,
//	                       or moto's)
//	local/stepfunctions    AWS Step Functions: the project's ASL engine, served alone by
//	                       cmd/sfnlocal; stepfunctionstest runs the same machines on moto's engine
//	local/simulator        the outside systems (KMS, CRM, billing) with fault injection
//	local/dynamodblocal    AWS's own DynamoDB Local (a jar npm installs), a third DynamoDB for tests
//	local/moto             moto_server, a second, independent emulation of AWS; mototest starts it
//	                       for a test
//	local/samtemplate      the reader of template.yaml (AWS CloudFormation/SAM): the local stack
//	                       builds its tables, state machines and functions from it
//	local/stack            the wiring of all of the above with the deployed code (cmd/localstack)
//	local/invoke           AWS SAM's `sam local invoke`: a sample event per function (events/,
//	                       cmd/genevents) and one function run on one event (cmd/invoke), in
//	                       process or under the Lambda Runtime Interface Emulator
//
// What deploys lives under shared/ (the domain, the adapters, the HTTP and step layers and
// service, which wires the Lambdas) and functions/ (one main package per Lambda). Nothing a
// Lambda links lies under local/, and no binary links the testing package: helpers that need
// testing live in the *test packages, which only tests import. TestNoLambdaLinksLocalCode
// holds this.
//
// Where new code goes:
//
//   - a route: its entry in shared/httpapi's routing table, its handler in shared/httpapi, its
//     main package functions/api/<route> (main.go wires through shared/service), its function
//     in template.yaml, its operation in api/openapi.yaml; the local gateway serves it from
//     the routing table.
//   - a step: its entry in the catalogue (shared/actions), and its work beside its system — the
//     body of the outside call (outsideCalls in shared/steps), or the identity write
//     (shared/identity's Performers). docs/adding-a-step.md walks through it.
//   - an action: the catalogue, then `go run ./cmd/genasl` and the template's state machine.
//   - an outside system: shared/outside (the adapter), its System in the catalogue, its step
//     function in functions/steps/<system> and template.yaml, and its records in local/simulator.
package local
