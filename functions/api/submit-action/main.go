// Command submit-action is the Lambda behind one route of the Action Service's API (see the routing
// table in shared/httpapi/routes.go).
package main

import "github.com/actionservice/actionservice/shared/service/executions"

func main() { executions.StartRouteLambda("submit-action") }
