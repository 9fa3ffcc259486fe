// Command catalogue is the CloudFormation custom resource that loads the service catalogue
// (the endpoint templates) into the identity table on deploy.
package main

import "github.com/actionservice/actionservice/shared/service"

func main() { service.StartCatalogueLambda() }
