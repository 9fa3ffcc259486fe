package stepfunctions_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/actionservice/actionservice/local/stepfunctions"
	"github.com/actionservice/actionservice/local/stepfunctions/stepfunctionstest"
)

const fourStepDef = `{"StartAt":"One","States":{
	"One":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:step","Next":"Two"},
	"Two":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"step","Payload.$":"$"},"OutputPath":"$.Payload","Next":"Three"},
	"Three":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:step","Retry":[{"ErrorEquals":["States.ALL"]}],"Next":"Four"},
	"Four":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:step","End":true}}}`

// fourStepJSONataDef is the same four steps in JSONata: Arguments instead of Parameters,
// Output instead of OutputPath, and a variable carried from the first step to the last.
const fourStepJSONataDef = `{"QueryLanguage":"JSONata","StartAt":"One","States":{
	"One":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:step","Assign":{"first":"{% $states.result.N %}"},"Next":"Two"},
	"Two":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"step","Payload":"{% $states.input %}"},"Output":"{% $states.result.Payload %}","Next":"Three"},
	"Three":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:step","Arguments":{"N":"{% $states.input.N %}"},"Retry":[{"ErrorEquals":["States.ALL"]}],"Next":"Four"},
	"Four":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:step","Output":{"N":"{% $states.result.N + $first - 1 %}"},"End":true}}}`

func stepRegistry() *stepfunctions.Registry {
	reg := stepfunctions.NewRegistry()
	reg.RegisterFunction("step", lambda.NewHandler(func(in struct{ N int }) (map[string]int, error) {
		return map[string]int{"N": in.N + 1}, nil
	}))
	return reg
}

func checkFour(b *testing.B, d *sfn.DescribeExecutionOutput) {
	if d.Status != types.ExecutionStatusSucceeded || !stepfunctions.JSONEqual(aws.ToString(d.Output), `{"N":4}`) {
		b.Fatalf("execution %s output %s", d.Status, aws.ToString(d.Output))
	}
}

// BenchmarkFourStepLambdaExecution measures one execution of four Lambda Task states on
// sfnlocal through the sfn SDK client: StartExecution, then DescribeExecution until done.
func BenchmarkFourStepLambdaExecution(b *testing.B) { benchFourStep(b, fourStepDef) }

// BenchmarkFourStepLambdaExecutionJSONata is the same execution written in JSONata.
func BenchmarkFourStepLambdaExecutionJSONata(b *testing.B) { benchFourStep(b, fourStepJSONataDef) }

func benchFourStep(b *testing.B, def string) {
	e := stepfunctions.New(stepfunctions.Options{Registry: stepRegistry()})
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	c := stepfunctionstest.NewClient(srv.URL)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("four"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"N":0}`)})
		if err != nil {
			b.Fatal(err)
		}
		d, err := stepfunctionstest.WaitExecution(ctx, c, *start.ExecutionArn)
		if err != nil {
			b.Fatal(err)
		}
		checkFour(b, d)
	}
}

// BenchmarkFourStepLambdaExecutionMoto is the same execution on moto's engine. Each
// execution needs a state machine of its own there (moto issue 10077), so a reset and a
// CreateStateMachine are part of every iteration.
func BenchmarkFourStepLambdaExecutionMoto(b *testing.B) {
	m := stepfunctionstest.StartMoto(b, stepRegistry())
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		d, err := m.Run(ctx, fmt.Sprintf("four%d", i), fourStepDef, `{"N":0}`)
		if err != nil {
			b.Fatal(err)
		}
		checkFour(b, d)
	}
}
