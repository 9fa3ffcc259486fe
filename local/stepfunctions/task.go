package stepfunctions

import (
	"context"
	"fmt"
	"time"
)

// task invokes the state's Lambda function with the effective input and returns its result
// as Step Functions shapes it for the resource kind.
func (th *thread) task(ctx context.Context, st *State, params, raw any, sc *scope) (any, *stateError) {
	var lim taskLimits
	var serr *stateError
	if st.JSONata {
		if lim.timeout, serr = queryInt(st, st.TimeoutExpr, st.TimeoutSeconds, "TimeoutSeconds", 1, sc); serr != nil {
			return nil, serr
		}
		if lim.heartbeat, serr = queryInt(st, st.HeartbeatExpr, st.HeartbeatSeconds, "HeartbeatSeconds", 1, sc); serr != nil {
			return nil, serr
		}
	} else {
		if lim.timeout, serr = th.taskSeconds(st.TimeoutSeconds, st.TimeoutSecondsPath, raw, "TimeoutSecondsPath"); serr != nil {
			return nil, serr
		}
		if lim.heartbeat, serr = th.taskSeconds(st.HeartbeatSeconds, st.HeartbeatSecondsPath, raw, "HeartbeatSecondsPath"); serr != nil {
			return nil, serr
		}
	}
	if st.Resource == resourceLambdaInvoke {
		return th.lambdaInvoke(ctx, st, params, lim)
	}
	return th.lambdaARN(ctx, st, params, lim)
}

// taskLimits are a task's TimeoutSeconds and HeartbeatSeconds (0 = none).
type taskLimits struct{ timeout, heartbeat int }

func (th *thread) taskSeconds(fixed int, path *jsonPath, input any, field string) (int, *stateError) {
	if path == nil {
		return fixed, nil
	}
	v, ok := th.evalPath(path, input)
	n, isInt := toInt(v)
	if !ok || !isInt || n <= 0 {
		return 0, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("The %s parameter does not reference a valid positive integer: %s", field, path.text)}
	}
	return n, nil
}

func (th *thread) lambdaARN(ctx context.Context, st *State, payload any, lim taskLimits) (any, *stateError) {
	in := encodeJSON(payload)
	d := dataDetails("input", in)
	d["resource"] = st.Resource
	if lim.timeout > 0 {
		d["timeoutInSeconds"] = lim.timeout
	}
	th.emit("LambdaFunctionScheduled", d)
	th.emit("LambdaFunctionStarted", nil)
	inv, timedOut, cancelled := th.call(ctx, st.Resource, []byte(in), lim)
	switch {
	case cancelled:
		return nil, errCancelled
	case timedOut != "":
		serr := &stateError{Name: timedOut}
		th.emit("LambdaFunctionTimedOut", map[string]any{"error": serr.Name})
		return nil, serr
	case inv.svcError != nil:
		th.emit("LambdaFunctionFailed", map[string]any{"error": inv.svcError.Name, "cause": inv.svcError.Cause})
		return nil, inv.svcError
	case inv.fnError:
		serr := &stateError{Name: functionErrorName(inv.payload), Cause: string(inv.payload)}
		th.emit("LambdaFunctionFailed", map[string]any{"error": serr.Name, "cause": serr.Cause})
		return nil, serr
	}
	out, err := decodeJSON(inv.payload)
	if err != nil {
		serr := &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("The Lambda function returned invalid JSON: %v", err)}
		th.emit("LambdaFunctionFailed", map[string]any{"error": serr.Name, "cause": serr.Cause})
		return nil, serr
	}
	if serr := checkSize(st.Resource, out); serr != nil {
		th.emit("LambdaFunctionFailed", map[string]any{"error": serr.Name, "cause": serr.Cause})
		return nil, serr
	}
	th.emit("LambdaFunctionSucceeded", dataDetails("output", encodeJSON(out)))
	return out, nil
}

func (th *thread) lambdaInvoke(ctx context.Context, st *State, params any, lim taskLimits) (any, *stateError) {
	e := th.ex.eng
	d := map[string]any{"resourceType": "lambda", "resource": "invoke", "region": e.region, "parameters": encodeJSON(params)}
	if lim.timeout > 0 {
		d["timeoutInSeconds"] = lim.timeout
	}
	if lim.heartbeat > 0 {
		d["heartbeatInSeconds"] = lim.heartbeat
	}
	th.emit("TaskScheduled", d)
	th.emit("TaskStarted", map[string]any{"resourceType": "lambda", "resource": "invoke"})
	fail := func(typ string, serr *stateError) (any, *stateError) {
		th.emit(typ, map[string]any{"resourceType": "lambda", "resource": "invoke", "error": serr.Name, "cause": serr.Cause})
		return nil, serr
	}
	p, _ := params.(map[string]any)
	fn, ok := p["FunctionName"].(string)
	if !ok || fn == "" {
		return fail("TaskFailed", &stateError{Name: ErrRuntime, Cause: "Parameters.FunctionName must be a non-empty string"})
	}
	if q, ok := p["Qualifier"].(string); ok && q != "" {
		fn += ":" + q
	}
	payload := "{}"
	if v, ok := p["Payload"]; ok {
		payload = encodeJSON(v)
	}
	inv, timedOut, cancelled := th.call(ctx, fn, []byte(payload), lim)
	switch {
	case cancelled:
		return nil, errCancelled
	case timedOut != "":
		return fail("TaskTimedOut", &stateError{Name: timedOut})
	case inv.svcError != nil:
		return fail("TaskFailed", inv.svcError)
	case inv.fnError:
		return fail("TaskFailed", &stateError{Name: functionErrorName(inv.payload), Cause: string(inv.payload)})
	}
	var body any = string(inv.payload)
	if v, err := decodeJSON(inv.payload); err == nil {
		body = v
	}
	reqID := e.newUUID()
	headers := map[string]any{
		"Connection": "keep-alive", "Content-Type": "application/json",
		"X-Amz-Executed-Version": "$LATEST", "x-amzn-Remapped-Content-Length": "0",
		"x-amzn-RequestId": reqID,
	}
	all := map[string]any{}
	for k, v := range headers {
		all[k] = []any{v}
	}
	result := map[string]any{
		"ExecutedVersion": "$LATEST",
		"Payload":         body,
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": all, "HttpHeaders": headers, "HttpStatusCode": intNumber(200),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": reqID},
		"StatusCode":          intNumber(200),
	}
	if serr := checkSize("lambda", result); serr != nil {
		return fail("TaskFailed", serr)
	}
	th.emit("TaskSucceeded", map[string]any{"resourceType": "lambda", "resource": "invoke", "output": encodeJSON(result), "outputDetails": map[string]any{"truncated": false}})
	return result, nil
}

// call invokes a function in its own goroutine, so that a timeout or the end of the
// execution can abandon it; its context is cancelled then. A function of the registry also
// meets its own timeout (WithTimeout), which fails the invocation as Lambda fails it.
// timedOut names the error of a task timeout: States.Timeout at TimeoutSeconds, or
// States.HeartbeatTimeout at HeartbeatSeconds, since a request-response invocation sends no
// heartbeat and so never restarts the heartbeat clock.
func (th *thread) call(ctx context.Context, ref string, payload []byte, lim taskLimits) (inv invocation, timedOut string, cancelled bool) {
	e := th.ex.eng
	f, local := e.reg.lookup(ref)
	var requestID string
	if local {
		requestID = e.newUUID()
	}
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan invocation, 1)
	l := e.act.newLease()
	go func() {
		var r invocation
		switch {
		case local:
			r = e.invokeLocal(hctx, f, ref, requestID, payload)
		case e.lambdaEndpoint != "":
			r = e.invokeHTTP(hctx, ref, payload)
		default:
			r = invocation{svcError: e.notFound(ref)}
		}
		l.finish()
		results <- r
	}()
	var task Timer
	var taskC <-chan time.Time
	timedOut = ErrTimeout
	if lim.heartbeat > 0 && (lim.timeout == 0 || lim.heartbeat < lim.timeout) {
		// The heartbeat, never sent, runs out first: the one timer that can fire.
		task = e.clock.NewTimer(time.Duration(lim.heartbeat) * time.Second)
		timedOut = ErrHeartbeatTimeout
	} else if lim.timeout > 0 {
		task = e.clock.NewTimer(time.Duration(lim.timeout) * time.Second)
	}
	if task != nil {
		taskC = task.C()
	}
	var fn *deadline
	var fnReady <-chan struct{}
	var fnC <-chan time.Time
	if local {
		// Without the task's own timeout, a FakeClock sets the function's only after a grace.
		grace := e.act.functionGrace()
		if task != nil {
			grace = 0
		}
		fn = newDeadline(e.clock, f.timeout, grace)
		fnReady = fn.ready
	}
	e.act.release()
	// settle stops the timers and leaves this thread exactly one hold on a FakeClock: held is
	// the handler's hold it inherited (0 or 1), and each timer that fired holds one more.
	settle := func(held int) {
		if task != nil && !task.Stop() {
			held++
		}
		if fn != nil && !fn.Stop() {
			held++
		}
		for ; held > 1; held-- {
			e.act.release()
		}
		if held == 0 {
			e.act.hold()
		}
	}
	for {
		select {
		case inv = <-results:
			settle(1)
			return inv, "", false
		case <-taskC:
			l.abandon()
			settle(0)
			return invocation{}, timedOut, false
		case <-fnReady:
			fnReady, fnC = nil, fn.C()
		case <-fnC:
			l.abandon()
			settle(0)
			return sandboxTimedOut(requestID, f.timeout), "", false
		case <-ctx.Done():
			l.abandon()
			settle(0)
			return invocation{}, "", true
		}
	}
}
