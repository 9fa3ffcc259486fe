// Command invoke runs one function of template.yaml on one event, as `sam local invoke` does
// but without Docker (make invoke FN=<LogicalId> EVENT=events/…): in process on a fresh local
// stack, or with -rie its bootstrap, built for this machine, under the AWS Lambda Runtime
// Interface Emulator. It prints the function's answer, or its error as Lambda reports one.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/actionservice/actionservice/local/invoke"
)

func main() {
	fn := flag.String("fn", "", "the function's logical id in template.yaml (GetJobFunction, StepKmsFunction, …)")
	eventFile := flag.String("event", "", "the event, a JSON file (events/<LogicalId>/<name>.json)")
	rie := flag.String("rie", "", "run the built bootstrap under this aws-lambda-rie (make rie installs it)")
	dynamoDB := flag.String("dynamodb-endpoint", os.Getenv("DYNAMODB_ENDPOINT"), "use this DynamoDB (make run's, say) instead of a fresh embedded one")
	flag.Parse()
	if *fn == "" || *eventFile == "" {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	out, err := run(ctx, *fn, *eventFile, *rie, *dynamoDB)
	var fe *invoke.FunctionError
	switch {
	case err == nil:
		fmt.Println(string(out))
	case asFunctionError(err, &fe):
		b, _ := json.Marshal(fe)
		fmt.Println(string(b))
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, fn, eventFile, rie, dynamoDB string) ([]byte, error) {
	event, err := os.ReadFile(eventFile)
	if err != nil {
		return nil, err
	}
	s, err := invoke.Stack(ctx, dynamoDB, os.Stderr)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if rie == "" {
		return invoke.InProcess(ctx, s, fn, event)
	}
	dir, err := os.MkdirTemp("", "invoke-"+fn)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	bootstrap, err := invoke.Build(ctx, root, fn, dir)
	if err != nil {
		return nil, err
	}
	env, err := invoke.Env(s)
	if err != nil {
		return nil, err
	}
	e, err := invoke.Emulated(ctx, rie, bootstrap, env, event)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "init %v\n", e.Init)
	return e.Response, nil
}

func asFunctionError(err error, fe **invoke.FunctionError) bool {
	e, ok := err.(*invoke.FunctionError)
	*fe = e
	return ok
}
