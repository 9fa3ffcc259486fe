// Command authorizer is the API Gateway TOKEN authorizer for X-Auth-Token.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/cloud"
)

func main() {
	endpoints := cloud.EndpointsFromEnv()
	cfg, err := cloud.Config(context.Background(), endpoints)
	if err != nil {
		log.Fatal(err)
	}
	tokens := auth.NewTokens(cloud.DynamoDB(cfg, endpoints.DynamoDB), os.Getenv("TOKENS_TABLE"))
	lambda.Start(auth.NewAuthorizer(tokens).Handle)
}
