package sfnlocal

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

func TestSmoke(t *testing.T) {
	e := New(Options{Clock: NewFakeClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))})
	e.RegisterFunction("double", lambda.NewHandler(func(in struct{ N int }) (map[string]int, error) { return map[string]int{"N": in.N * 2}, nil }))
	arn, err := e.CreateStateMachine("sm", []byte(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"Next":"T"},"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:double","End":true}}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	x, _, err := e.StartExecution(arn, "x", `{"N":21}`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := e.Wait(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v %s", res, *res.Output)
	h, _ := e.History(x)
	for _, ev := range h {
		b, _ := ev.MarshalJSON()
		t.Logf("%s", b)
	}
}
