// Command sfnlocal serves the Step Functions API of the local engine (package
// local/stepfunctions) on its own, invoking Lambda tasks over HTTP at -lambda-endpoint.
package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"github.com/actionservice/actionservice/local/stepfunctions"
	"github.com/actionservice/actionservice/shared/service"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8083", "address to serve the Step Functions API on")
	lambdaEndpoint := flag.String("lambda-endpoint", "", "Lambda Invoke API endpoint for Task states, e.g. http://127.0.0.1:3001")
	region := flag.String("region", "us-east-1", "region in ARNs")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := service.Logger()
	engine := stepfunctions.New(stepfunctions.Options{LambdaEndpoint: *lambdaEndpoint, Region: *region})
	log.Info("sfnlocal serving", "addr", *addr, "lambdaEndpoint", *lambdaEndpoint)
	if err := engine.Serve(ctx, *addr); err != nil {
		log.Error("sfnlocal", "err", err)
		os.Exit(1)
	}
}
