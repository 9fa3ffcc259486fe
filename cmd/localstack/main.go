// Command localstack runs the whole Action Service on a laptop (`make run`): the API on
// 127.0.0.1:3000 behind a local API Gateway, DynamoDB (AWS's DynamoDB Local when installed,
// else an embedded one), the local Step Functions engine running the actions, the
// outside-system simulator, and an admin token.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/actionservice/actionservice/local/dynamodblocal"
	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/local/stepfunctions"
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
	// Logs and metrics as the functions write them in Lambda: JSON lines on stdout.
	c := stack.Config{Service: svc, Log: log, Metrics: os.Stdout}
	flag.StringVar(&c.Addr, "addr", cloud.Env("LOCAL_ADDR", "127.0.0.1:3000"), "API listen address")
	flag.StringVar(&c.DynamoDBEndpoint, "dynamodb-endpoint", os.Getenv("DYNAMODB_ENDPOINT"), "use this DynamoDB (moto, DynamoDB Local, AWS) instead of starting one")
	store := flag.String("dynamodb", cloud.Env("LOCAL_DYNAMODB", "auto"), "which DynamoDB to start: local (AWS's DynamoDB Local, needs Java 17 and make dynamodb-local), embedded (in memory, in process), or auto (local when installed, else embedded)")
	flag.StringVar(&c.AdminToken, "admin-token", os.Getenv("ADMIN_TOKEN"), "accept this admin token (default: issue a new one)")
	flag.BoolVar(&c.Samples, "samples", true, "load sample tickets and a sample domain")
	flag.StringVar(&c.SFNAddr, "sfn-addr", cloud.Env("SFN_ADDR", "127.0.0.1:8083"), "local Step Functions API listen address")
	flag.IntVar(&c.KeepEndedExecutions, "keep-executions", stepfunctions.DefaultKeepEnded, "how many ended executions the local Step Functions keeps with their histories (negative: all)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	kind := "given"
	if c.DynamoDBEndpoint == "" {
		kind = "embedded"
		ddb, err := startDynamoDB(ctx, *store, log)
		if err != nil {
			log.Error("start DynamoDB", "err", err)
			os.Exit(1)
		}
		if ddb != nil {
			defer ddb.Stop()
			c.DynamoDBEndpoint, kind = ddb.URL, "AWS's DynamoDB Local"
		}
	}
	s, err := stack.Start(ctx, c)
	if err != nil {
		log.Error("start", "err", err)
		os.Exit(1)
	}
	fmt.Printf(`
Action Service local stack
  API            %s
  DynamoDB       %s   (%s)
  Step Functions %s   (aws stepfunctions --endpoint-url %s …)
  simulator      %s/_sim/state
  OpenAPI        %s/openapi.yaml
  admin token    %s

The command-line client (make run built it; go install ./cmd/asvc puts it on your PATH):
  export ACTION_SERVICE_URL=%s ACTION_SERVICE_TOKEN=%s
  .local/bin/asvc submit createDomain name=Acme       # watch its four steps
  .local/bin/asvc jobs --account %s

Or curl:
  export TOKEN=%s
  curl -s -H "X-Auth-Token: $TOKEN" '%s/job?accountId=%s'
  curl -s -H "X-Auth-Token: $TOKEN" -H 'Accept: application/xml' %s/job/error
  curl -s -H "X-Auth-Token: $TOKEN" %s/job/error/count
  curl -s -H "X-Auth-Token: $TOKEN" %s/domains/%s/users     (the sample domain)
  curl -s -H "X-Auth-Token: $TOKEN" -H 'Content-Type: application/json' -X POST '%s/action/createDomain?timeOut=60000' \
       -d '{"JobTicket":{"actionParams":{"name":"TestDom_1","company":"ArvindCo"}}}'

Ctrl-C stops it.
`, s.URL, s.DynamoDBEndpoint, kind, s.SFNEndpoint, s.SFNEndpoint, s.URL, s.URL, s.AdminToken,
		s.URL, s.AdminToken, stack.SampleAccount,
		s.AdminToken, s.URL, stack.SampleAccount, s.URL, s.URL, s.URL, s.SampleDomain, s.URL)
	<-ctx.Done()
	fmt.Println("stopping…")
	if err := s.Close(); err != nil {
		log.Error("shutdown", "err", err)
		os.Exit(1)
	}
}

// startDynamoDB starts AWS's DynamoDB Local for the stack, or answers nil for the embedded
// one. DynamoDB Local keeps the cost of a request flat as tables grow, where the embedded
// store's writes and index queries slow down with every item it holds (README, Performance).
func startDynamoDB(ctx context.Context, choice string, log *slog.Logger) (*dynamodblocal.Server, error) {
	switch choice {
	case "embedded":
		return nil, nil
	case "local":
		return dynamodblocal.StartServing(ctx)
	case "auto":
		if err := dynamodblocal.Installed(); err != nil {
			log.Warn("DynamoDB Local is not installed, so the stack runs on the embedded DynamoDB, which slows down as tickets accumulate", "why", err.Error())
			return nil, nil
		}
		return dynamodblocal.StartServing(ctx)
	}
	return nil, fmt.Errorf("-dynamodb %q: want local, embedded or auto", choice)
}
