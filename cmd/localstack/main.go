// Command localstack runs the whole Action Service on a laptop (`make run`): the API on
// 127.0.0.1:3000 behind a local API Gateway, an embedded DynamoDB, the local Step Functions
// engine running the actions, the outside-system simulator, and an admin token.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/shared/cloud"
	"github.com/actionservice/actionservice/shared/service"
)

func main() {
	log := service.Logger()
	svc, err := service.ConfigFromEnv()
	if err != nil {
		log.Error("configuration", "err", err)
		os.Exit(2)
	}
	c := stack.Config{Service: svc, Log: log}
	flag.StringVar(&c.Addr, "addr", cloud.Env("LOCAL_ADDR", "127.0.0.1:3000"), "API listen address")
	flag.StringVar(&c.DynamoDBEndpoint, "dynamodb-endpoint", os.Getenv("DYNAMODB_ENDPOINT"), "use this DynamoDB (moto, DynamoDB Local, AWS) instead of the embedded one")
	flag.StringVar(&c.AdminToken, "admin-token", os.Getenv("ADMIN_TOKEN"), "accept this admin token (default: issue a new one)")
	flag.BoolVar(&c.Samples, "samples", true, "load sample tickets")
	flag.StringVar(&c.SFNAddr, "sfn-addr", cloud.Env("SFN_ADDR", "127.0.0.1:8083"), "local Step Functions API listen address")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := stack.Start(ctx, c)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	fmt.Printf(`
Action Service local stack
  API            %s
  DynamoDB       %s
  Step Functions %s   (aws stepfunctions --endpoint-url %s …)
  simulator      %s/_sim/state
  OpenAPI        %s/openapi.yaml
  admin token    %s

Try:
  export TOKEN=%s
  curl -s -H "X-Auth-Token: $TOKEN" '%s/job?accountId=%s'
  curl -s -H "X-Auth-Token: $TOKEN" -H 'Accept: application/xml' %s/job/error
  curl -s -H "X-Auth-Token: $TOKEN" %s/job/error/count
  curl -s -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' -X POST '%s/action/createDomain?timeOut=60000' \
       -d '{"JobTicket":{"actionParams":{"name":"TestDom_1","company":"ArvindCo"}}}'

Ctrl-C stops it.
`, s.URL, s.DynamoDBEndpoint, s.SFNEndpoint, s.SFNEndpoint, s.URL, s.URL, s.AdminToken, s.AdminToken, s.URL, stack.SampleAccount, s.URL, s.URL, s.URL)
	<-ctx.Done()
	fmt.Println("stopping…")
	if err := s.Close(); err != nil {
		log.Error("shutdown", "err", err)
		os.Exit(1)
	}
}
