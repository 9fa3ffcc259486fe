// Command authorizer is the API Gateway TOKEN authorizer for X-Auth-Token.
package main

import "github.com/actionservice/actionservice/shared/service"

func main() { service.StartAuthorizerLambda() }
