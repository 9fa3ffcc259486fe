package stepfunctions

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLambdaInvokeHandlerAnswersLikeLambda(t *testing.T) {
	reg := NewRegistry()
	testHandlers(reg)
	srv := httptest.NewServer(LambdaInvokeHandler(reg))
	defer srv.Close()
	post := func(name, body string) (*http.Response, string) {
		resp, err := http.Post(srv.URL+"/2015-03-31/functions/"+name+"/invocations", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := post("double", `{"N":3}`)
	if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "" || body != `{"N":6}` {
		t.Errorf("success: %d %q %s", resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), body)
	}
	resp, body = post("fail", `{"Reason":"x"}`)
	if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "Unhandled" || body != `{"errorMessage":"step failed: x","errorType":"StepFailed"}` {
		t.Errorf("function error: %d %q %s", resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), body)
	}
	resp, _ = post("nosuch", `{}`)
	if resp.StatusCode != 404 || resp.Header.Get("X-Amzn-ErrorType") != "ResourceNotFoundException" {
		t.Errorf("unknown function: %d %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
}

func TestTasksFallBackToLambdaEndpointOverHTTP(t *testing.T) {
	remote := NewRegistry()
	testHandlers(remote)
	srv := httptest.NewServer(LambdaInvokeHandler(remote))
	defer srv.Close()
	e := New(Options{Clock: NewFakeClock(fakeStart), LambdaEndpoint: srv.URL})
	def := `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"λ:double","Next":"B"},
		"B":{"Type":"Task","Resource":"λ:fail","Catch":[{"ErrorEquals":["StepFailed"],"ResultPath":"$.err","Next":"C"}],"End":true},
		"C":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"nosuch"},"End":true}}}`
	arn, err := e.CreateStateMachine("remote", []byte(expandDef(def)), "")
	if err != nil {
		t.Fatal(err)
	}
	x, _, err := e.StartExecution(arn, "", `{"N":4}`)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := e.Wait(ctx, x)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusFailed || res.Error != "Lambda.ResourceNotFoundException" {
		t.Fatalf("status %s error %s cause %s", res.Status, res.Error, res.Cause)
	}
	h, _ := e.History(x)
	var caught string
	for _, ev := range h {
		if ev.Type == "TaskStateExited" && ev.Details["name"] == "B" {
			caught, _ = ev.Details["output"].(string)
		}
	}
	if !strings.Contains(caught, `"N":8`) || !strings.Contains(caught, `"Error":"StepFailed"`) {
		t.Errorf("state B output %s, want doubled N and the caught StepFailed", caught)
	}
}

func TestFakeClockSkipsConcurrentWaitsInOrder(t *testing.T) {
	e := newTestEngine()
	arn, err := e.CreateStateMachine("waits", []byte(`{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, s := range []string{"300", "10", "7200"} {
		x, _, err := e.StartExecution(arn, "w"+s, `{"s":`+s+`}`)
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, x)
	}
	want := []time.Duration{300 * time.Second, 10 * time.Second, 2 * time.Hour}
	for i, x := range arns {
		res, err := e.Wait(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.StopDate.Sub(res.StartDate); got != want[i] {
			t.Errorf("execution %d waited %v, want %v", i, got, want[i])
		}
	}
}

func TestLambdaInvokeHandlerAnswersSandboxTimedoutAfterTheFunctionTimeout(t *testing.T) {
	reg := NewRegistry()
	reg.RegisterFunc("stuck", stuckHandler(t), WithTimeout(time.Second))
	srv := httptest.NewServer(LambdaInvokeHandler(reg))
	defer srv.Close()
	started := time.Now()
	resp, err := http.Post(srv.URL+"/2015-03-31/functions/stuck/invocations", "application/json", strings.NewReader(`{"Hang":true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	took := time.Since(started)
	if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "Unhandled" ||
		!strings.Contains(string(b), `"errorType":"Sandbox.Timedout"`) || !strings.Contains(string(b), "Task timed out after 1.00 seconds") {
		t.Errorf("%d %q %s", resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), b)
	}
	if took < time.Second || took > 5*time.Second {
		t.Errorf("answered after %v, want the function's 1s timeout", took)
	}
}
