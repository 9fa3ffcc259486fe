package stepfunctions

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
)

// execution is one run of a state machine.
type execution struct {
	eng       *Engine
	machine   *machine
	def       *StateMachine
	arn, name string
	input     string
	inputVal  any
	startDate time.Time
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}

	mu       sync.Mutex
	status   string
	output   *string
	errName  string
	cause    string
	stopDate time.Time
	events   []HistoryEvent
}

func (ex *execution) snapshot() Execution {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return Execution{
		ARN: ex.arn, StateMachineARN: ex.machine.arn, Name: ex.name, Status: ex.status,
		Input: ex.input, Output: ex.output, Error: ex.errName, Cause: ex.cause,
		StartDate: ex.startDate, StopDate: ex.stopDate,
	}
}

// emit appends an event unless the execution has already ended, and returns its id.
func (ex *execution) emit(prev int64, typ string, details map[string]any) int64 {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if ex.status != StatusRunning {
		return prev
	}
	return ex.appendLocked(prev, typ, details)
}

func (ex *execution) appendLocked(prev int64, typ string, details map[string]any) int64 {
	id := int64(len(ex.events) + 1)
	ev := HistoryEvent{ID: id, PreviousEventID: prev, Timestamp: ex.eng.clock.Now(), Type: typ, Details: details}
	if details != nil {
		switch {
		case strings.HasSuffix(typ, "StateEntered"):
			ev.DetailsField = "stateEnteredEventDetails"
		case strings.HasSuffix(typ, "StateExited"):
			ev.DetailsField = "stateExitedEventDetails"
		default:
			ev.DetailsField = strings.ToLower(typ[:1]) + typ[1:] + "EventDetails"
		}
	}
	ex.events = append(ex.events, ev)
	return id
}

// finish ends the execution once: the first of success, failure, timeout or stop wins.
func (ex *execution) finish(status, eventType string, details map[string]any, output *string, errName, cause string) bool {
	ex.mu.Lock()
	if ex.status != StatusRunning {
		ex.mu.Unlock()
		return false
	}
	var prev int64
	if n := len(ex.events); n > 0 {
		prev = ex.events[n-1].ID
	}
	ex.appendLocked(prev, eventType, details)
	ex.status, ex.output, ex.errName, ex.cause = status, output, errName, cause
	ex.stopDate = ex.eng.clock.Now()
	ex.mu.Unlock()
	ex.cancel()
	// Retired before its waiters wake, so that what they see next (a list, an older
	// execution forgotten) already counts this end.
	ex.eng.retire(ex)
	close(ex.done)
	return true
}

func dataDetails(field string, s string) map[string]any {
	return map[string]any{field: s, field + "Details": map[string]any{"truncated": false}}
}

// run executes the state machine; it owns one hold on a FakeClock from StartExecution.
func (ex *execution) run() {
	e := ex.eng
	defer e.act.release()
	d := dataDetails("input", ex.input)
	d["roleArn"] = ex.machine.roleArn
	th := &thread{ex: ex, vars: newVarScope(nil)}
	th.prev = ex.emit(0, "ExecutionStarted", d)
	if ex.def.TimeoutSeconds > 0 {
		t := e.clock.NewTimer(time.Duration(ex.def.TimeoutSeconds) * time.Second)
		go func() {
			select {
			case <-t.C():
				// AWS records States.Timeout, and no cause, in the ExecutionTimedOut event only
				// (as in its TaskTimedOut and LambdaFunctionTimedOut events); DescribeExecution of
				// a TIMED_OUT execution carries neither error nor cause.
				ex.finish(StatusTimedOut, "ExecutionTimedOut", map[string]any{"error": ErrTimeout}, nil, "", "")
				e.act.release()
			case <-ex.done:
				if !t.Stop() {
					e.act.release()
				}
			}
		}()
	}
	out, serr := th.runMachine(ex.ctx, ex.def, ex.inputVal, nil)
	if serr != nil {
		if serr == errCancelled {
			return
		}
		dd := map[string]any{"error": serr.Name, "cause": serr.Cause}
		ex.finish(StatusFailed, "ExecutionFailed", dd, nil, serr.Name, serr.Cause)
		return
	}
	s := encodeJSON(out)
	ex.finish(StatusSucceeded, "ExecutionSucceeded", dataDetails("output", s), &s, "", "")
}

// errCancelled marks a path of the execution that stopped because the execution ended or a
// sibling branch failed; it is never retried or caught.
var errCancelled = &stateError{Name: "stepfunctions.Cancelled"}

// thread is one sequential path through the execution (the main path, a Parallel branch, a
// Map iteration); previousEventId chains along it.
type thread struct {
	ex   *execution
	prev int64
	// vars is the variable scope of the path: the execution's, a branch's or an iteration's.
	vars *varScope
	// taskFailed: the error that ended the path is a Task state's (not States.Runtime), which
	// AWS follows with TaskStateAborted when the path is a branch or an iteration.
	taskFailed bool
}

func (th *thread) emit(typ string, details map[string]any) int64 {
	th.prev = th.ex.emit(th.prev, typ, details)
	return th.prev
}

// mapItem is the $$.Map.Item of a Map iteration's ItemSelector.
type mapItem struct {
	index int
	value any
}

func (th *thread) contextObject(st *State, entered time.Time, retry int, item *mapItem) map[string]any {
	ex := th.ex
	c := map[string]any{
		"Execution": map[string]any{
			"Id": ex.arn, "Name": ex.name, "Input": deepCopy(ex.inputVal),
			"StartTime": formatTime(ex.startDate), "RoleArn": ex.machine.roleArn,
			"RedriveCount": json.Number("0"),
		},
		"State":        map[string]any{"Name": st.Name, "EnteredTime": formatTime(entered)},
		"StateMachine": map[string]any{"Id": ex.machine.arn, "Name": ex.machine.name},
	}
	switch st.Type {
	case "Task", "Parallel", "Map":
		// Only the states that retry count their retries; AWS's $$.State of a Pass, Choice,
		// Wait or Fail state has just Name and EnteredTime.
		c["State"].(map[string]any)["RetryCount"] = intNumber(retry)
	}
	if item != nil {
		c["Map"] = map[string]any{"Item": map[string]any{"Index": intNumber(item.index), "Value": deepCopy(item.value)}}
	}
	return c
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (th *thread) runMachine(ctx context.Context, m *StateMachine, input any, _ *mapItem) (any, *stateError) {
	name := m.StartAt
	for {
		if ctx.Err() != nil {
			return nil, errCancelled
		}
		st := m.States[name]
		out, next, serr := th.runState(ctx, st, input)
		if serr != nil {
			return nil, serr
		}
		if next == "" {
			return out, nil
		}
		name, input = next, out
	}
}

// runState runs one state and returns its output and the next state ("" at the end).
func (th *thread) runState(ctx context.Context, st *State, input any) (any, string, *stateError) {
	entered := th.ex.eng.clock.Now()
	th.emit(st.Type+"StateEntered", map[string]any{"name": st.Name, "input": encodeJSON(input), "inputDetails": map[string]any{"truncated": false}})
	var r stateResult
	var serr *stateError
	switch st.Type {
	case "Pass":
		r, serr = th.pass(st, input, entered)
		r.next = st.Next
	case "Succeed":
		r, serr = th.succeed(st, input, entered)
	case "Fail":
		return nil, "", th.failState(st, input, entered)
	case "Choice":
		r, serr = th.choice(st, input, entered)
	case "Wait":
		r, serr = th.wait(ctx, st, input, entered)
		r.next = st.Next
	case "Task", "Parallel", "Map":
		out, next, serr := th.retriable(ctx, st, input, entered)
		if serr == nil {
			return out, next, nil
		}
		th.taskFailed = st.Type == "Task" && serr != errCancelled && serr.Name != ErrRuntime
		if serr == errCancelled {
			th.emit(st.Type+"StateAborted", nil)
		}
		return nil, "", serr
	}
	if serr == errCancelled {
		// A state cut short because a sibling branch or iteration failed: AWS records
		// WaitStateAborted, TaskStateAborted, ParallelStateAborted or MapStateAborted. (When
		// the execution itself ended, emit records nothing.)
		th.emit(st.Type+"StateAborted", nil)
	}
	if serr != nil {
		return nil, "", serr
	}
	if serr := checkSize(st.Name, r.out); serr != nil {
		return nil, "", serr
	}
	if serr := th.exit(st, r); serr != nil {
		return nil, "", serr
	}
	return r.out, r.next, nil
}

// stateResult is what a state ends with: its output, the next state, and the variables its
// Assign sets (nil without Assign).
type stateResult struct {
	out      any
	next     string
	assigned map[string]any
}

// exit commits the state's assignments and records StateExited, with the assigned variables
// as AWS records them.
func (th *thread) exit(st *State, r stateResult) *stateError {
	d := map[string]any{"name": st.Name, "output": encodeJSON(r.out), "outputDetails": map[string]any{"truncated": false}}
	if r.assigned != nil {
		if serr := th.vars.assign(st.Name, r.assigned); serr != nil {
			return serr
		}
		d["assignedVariables"] = assignedDetails(r.assigned)
		d["assignedVariablesDetails"] = map[string]any{"truncated": false}
	}
	th.emit(st.Type+"StateExited", d)
	return nil
}

// evalAssign evaluates an Assign template; every value sees the variables as they were
// before the state (the new values are committed together at exit).
func evalAssign(t *template, sc *scope) (map[string]any, *stateError) {
	if t == nil {
		return nil, nil
	}
	saved := sc.field
	sc.field = "Assign"
	v, err := t.eval(sc)
	sc.field = saved
	if err != nil {
		return nil, asStateError(err)
	}
	return v.(map[string]any), nil
}

// checkSize fails a result over MaxPayloadSize with States.DataLimitExceeded, in AWS's words;
// who is the state's name, or for a task's result its resource ("lambda" for lambda:invoke).
func checkSize(who string, v any) *stateError {
	if len(encodeJSON(v)) > MaxPayloadSize {
		return &stateError{Name: ErrDataLimitExceeded, Cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", who)}
	}
	return nil
}

func applyInputPath(p optPath, input any, vars *varScope) (any, *stateError) {
	switch {
	case !p.set:
		return input, nil
	case p.null:
		return map[string]any{}, nil
	}
	doc, err := p.path.root(input, nil, vars)
	if err != nil {
		return nil, asStateError(err)
	}
	v, ok := p.path.eval(doc)
	if !ok {
		return nil, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("Invalid path '%s' : No results for path: %s", p.path.text, p.path.text)}
	}
	return v, nil
}

func applyResultPath(p optPath, input, result any) (any, *stateError) {
	switch {
	case !p.set:
		return result, nil
	case p.null:
		return input, nil
	}
	out, err := p.path.set(deepCopy(input), result)
	if err != nil {
		return nil, &stateError{Name: ErrResultPathMatchFailure, Cause: err.Error()}
	}
	return out, nil
}

// inPath applies InputPath, as Choice, Wait and Succeed do before their work.
func (th *thread) inPath(st *State, input any) (any, *stateError) {
	return applyInputPath(st.InputPath, input, th.vars)
}

// succeed is a Succeed state: InputPath then OutputPath, or a JSONata state's Output.
func (th *thread) succeed(st *State, input any, entered time.Time) (stateResult, *stateError) {
	if st.JSONata {
		sc := th.jscope(st, entered, 0, nil, input)
		out, serr := jsonataOutput(st.Output, sc, input)
		return stateResult{out: out}, serr
	}
	v, serr := th.inPath(st, input)
	if serr != nil {
		return stateResult{}, serr
	}
	out, serr := applyInputPath(st.OutputPath, v, th.vars)
	return stateResult{out: out}, serr
}

// jsonataOutput evaluates a JSONata state's Output, or gives def without one.
func jsonataOutput(t *template, sc *scope, def any) (any, *stateError) {
	if t == nil {
		return def, nil
	}
	sc.field = "Output"
	v, err := t.eval(sc)
	if err != nil {
		return nil, asStateError(err)
	}
	return v, nil
}

// process is the Pass/Task/Parallel/Map data flow after the state's work produced result:
// Assign, whose $ is the state's result as the work returned it (as in moto's engine, which
// is LocalStack's, tested against AWS), then ResultSelector, ResultPath and OutputPath. A
// JSONata state evaluates Assign and Output, both with $states.result.
func (th *thread) process(st *State, raw, result any, sc *scope) (stateResult, *stateError) {
	if st.JSONata {
		sc.states["result"] = result
		assigned, serr := evalAssign(st.Assign, sc)
		if serr != nil {
			return stateResult{}, serr
		}
		out, serr := jsonataOutput(st.Output, sc, result)
		return stateResult{out: out, assigned: assigned}, serr
	}
	sc.input = result
	assigned, serr := evalAssign(st.Assign, sc)
	if serr != nil {
		return stateResult{}, serr
	}
	if st.ResultSelector != nil {
		sc.input, sc.field = result, "ResultSelector"
		v, err := st.ResultSelector.eval(sc)
		if err != nil {
			return stateResult{}, asStateError(err)
		}
		result = v
	}
	out, serr := applyResultPath(st.ResultPath, raw, result)
	if serr != nil {
		return stateResult{}, serr
	}
	out, serr = applyInputPath(st.OutputPath, out, th.vars)
	return stateResult{out: out, assigned: assigned}, serr
}

// effectiveInput applies InputPath and Parameters, or a JSONata state's Arguments.
func (th *thread) effectiveInput(st *State, input any, sc *scope) (any, *stateError) {
	if st.JSONata {
		if st.Arguments == nil {
			return input, nil
		}
		sc.field = "Arguments"
		v, err := st.Arguments.eval(sc)
		return v, asStateError(err)
	}
	v, serr := applyInputPath(st.InputPath, input, th.vars)
	if serr != nil {
		return nil, serr
	}
	if st.Parameters == nil {
		return v, nil
	}
	sc.input, sc.field = v, "Parameters"
	p, err := st.Parameters.eval(sc)
	if err != nil {
		return nil, asStateError(err)
	}
	return p, nil
}

func (th *thread) scope(st *State, entered time.Time, retry int, item *mapItem) *scope {
	return &scope{exec: th.ex, ctx: th.contextObject(st, entered, retry, item), vars: th.vars, state: st.Name}
}

// jscope is a JSONata state's scope: $states.input is the state's input.
func (th *thread) jscope(st *State, entered time.Time, retry int, item *mapItem, input any) *scope {
	sc := th.scope(st, entered, retry, item)
	sc.input = input
	sc.states = map[string]any{"input": input, "context": sc.ctx}
	return sc
}

func (th *thread) pass(st *State, input any, entered time.Time) (stateResult, *stateError) {
	if st.JSONata {
		sc := th.jscope(st, entered, 0, nil, input)
		assigned, serr := evalAssign(st.Assign, sc)
		if serr != nil {
			return stateResult{}, serr
		}
		out, serr := jsonataOutput(st.Output, sc, input)
		return stateResult{out: out, assigned: assigned}, serr
	}
	sc := th.scope(st, entered, 0, nil)
	eff, serr := th.effectiveInput(st, input, sc)
	if serr != nil {
		return stateResult{}, serr
	}
	result := eff
	if st.HasResult {
		result = deepCopy(st.Result)
	}
	sc.input = result
	assigned, serr := evalAssign(st.Assign, sc)
	if serr != nil {
		return stateResult{}, serr
	}
	out, serr := applyResultPath(st.ResultPath, input, result)
	if serr != nil {
		return stateResult{}, serr
	}
	out, serr = applyInputPath(st.OutputPath, out, th.vars)
	return stateResult{out: out, assigned: assigned}, serr
}

func (th *thread) failState(st *State, input any, entered time.Time) *stateError {
	serr := &stateError{Name: st.Error, Cause: st.Cause}
	if st.JSONata {
		sc := th.jscope(st, entered, 0, nil, input)
		for _, f := range []struct {
			name string
			t    *template
			dst  *string
		}{{"Error", st.ErrorExpr, &serr.Name}, {"Cause", st.CauseExpr, &serr.Cause}} {
			if f.t == nil {
				continue
			}
			sc.field = f.name
			v, err := f.t.eval(sc)
			if err != nil {
				return asStateError(err)
			}
			str, ok := v.(string)
			if !ok {
				return queryTypeError(st, f.name, "a string", v)
			}
			*f.dst = str
		}
		return serr
	}
	sc := th.scope(st, entered, 0, nil)
	sc.input = input
	for _, f := range []struct {
		name string
		t    *template
		dst  *string
	}{{"ErrorPath", st.ErrorPath, &serr.Name}, {"CausePath", st.CausePath, &serr.Cause}} {
		if f.t == nil {
			continue
		}
		sc.field = f.name
		v, err := f.t.eval(sc)
		if err != nil {
			return asStateError(err)
		}
		s, ok := v.(string)
		if !ok {
			return &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("The value of %s must be a string, got %s", f.name, encodeJSON(v))}
		}
		*f.dst = s
	}
	return serr
}

// queryTypeError is a JSONata result of the wrong type for its field.
func queryTypeError(st *State, field, want string, got any) *stateError {
	return &stateError{Name: ErrQueryEvaluationError, Cause: fmt.Sprintf("An error occurred while evaluating the state '%s': the JSONata expression specified for the field '%s' must return %s, but returned %s", st.Name, field, want, encodeJSON(got))}
}

// queryInt evaluates a JSONata state's integer field (t nil: the literal fixed).
func queryInt(st *State, t *template, fixed int, field string, lo int, sc *scope) (int, *stateError) {
	if t == nil {
		return fixed, nil
	}
	sc.field = field
	v, err := t.eval(sc)
	if err != nil {
		return 0, asStateError(err)
	}
	n, ok := toInt(v)
	if !ok || n < lo {
		return 0, queryTypeError(st, field, fmt.Sprintf("an integer of at least %d", lo), v)
	}
	return n, nil
}

func (th *thread) choice(st *State, input any, entered time.Time) (stateResult, *stateError) {
	if st.JSONata {
		return th.jsonataChoice(st, input, entered)
	}
	eff, serr := th.inPath(st, input)
	if serr != nil {
		return stateResult{}, serr
	}
	sc := th.scope(st, entered, 0, nil)
	sc.input = eff
	var rule *ChoiceRule
	for _, r := range st.Choices {
		ok, err := r.eval(sc)
		if err != nil {
			return stateResult{}, asStateError(err)
		}
		if ok {
			rule = r
			break
		}
	}
	res := stateResult{next: st.Default}
	assign := st.Assign
	if rule != nil {
		res.next, assign = rule.Next, rule.Assign
	}
	if res.next == "" {
		return stateResult{}, &stateError{Name: ErrNoChoiceMatched, Cause: fmt.Sprintf("No Matches! in state '%s'", st.Name)}
	}
	if res.assigned, serr = evalAssign(assign, sc); serr != nil {
		return stateResult{}, serr
	}
	res.out, serr = applyInputPath(st.OutputPath, eff, th.vars)
	return res, serr
}

// jsonataChoice takes the first rule whose Condition is true; that rule's Assign and Output
// (or, taking the Default, the state's) shape what the state sets and outputs.
func (th *thread) jsonataChoice(st *State, input any, entered time.Time) (stateResult, *stateError) {
	sc := th.jscope(st, entered, 0, nil, input)
	res := stateResult{next: st.Default}
	assign, output := st.Assign, st.Output
	for i, r := range st.Choices {
		sc.field = fmt.Sprintf("Choices[%d].Condition", i)
		v, err := r.Condition.eval(sc)
		if err != nil {
			return stateResult{}, asStateError(err)
		}
		b, ok := v.(bool)
		if !ok {
			return stateResult{}, queryTypeError(st, sc.field, "a boolean", v)
		}
		if b {
			res.next, assign, output = r.Next, r.Assign, r.Output
			break
		}
	}
	if res.next == "" {
		return stateResult{}, &stateError{Name: ErrNoChoiceMatched, Cause: fmt.Sprintf("No Matches! in state '%s'", st.Name)}
	}
	var serr *stateError
	if res.assigned, serr = evalAssign(assign, sc); serr != nil {
		return stateResult{}, serr
	}
	res.out, serr = jsonataOutput(output, sc, input)
	return res, serr
}

func (th *thread) wait(ctx context.Context, st *State, input any, entered time.Time) (stateResult, *stateError) {
	var res stateResult
	var d time.Duration
	var serr *stateError
	if st.JSONata {
		sc := th.jscope(st, entered, 0, nil, input)
		if d, serr = th.jsonataWaitFor(st, sc); serr != nil {
			return res, serr
		}
		if res.assigned, serr = evalAssign(st.Assign, sc); serr != nil {
			return res, serr
		}
		if res.out, serr = jsonataOutput(st.Output, sc, input); serr != nil {
			return res, serr
		}
	} else {
		eff, serr := th.inPath(st, input)
		if serr != nil {
			return res, serr
		}
		if d, serr = th.waitFor(st, eff); serr != nil {
			return res, serr
		}
		sc := th.scope(st, entered, 0, nil)
		sc.input = eff
		if res.assigned, serr = evalAssign(st.Assign, sc); serr != nil {
			return res, serr
		}
		if res.out, serr = applyInputPath(st.OutputPath, eff, th.vars); serr != nil {
			return res, serr
		}
	}
	if err := th.sleep(ctx, d); err != nil {
		return res, errCancelled
	}
	return res, nil
}

func (th *thread) jsonataWaitFor(st *State, sc *scope) (time.Duration, *stateError) {
	if st.HasSeconds {
		n, serr := queryInt(st, st.SecondsExpr, st.Seconds, "Seconds", 0, sc)
		return time.Duration(n) * time.Second, serr
	}
	ts := st.Timestamp
	if st.TimestampExpr != nil {
		sc.field = "Timestamp"
		v, err := st.TimestampExpr.eval(sc)
		if err != nil {
			return 0, asStateError(err)
		}
		s, _ := v.(string)
		if _, ok := parseTimestamp(s); !ok {
			return 0, queryTypeError(st, "Timestamp", "an ISO-8601 extended offset date-time string", v)
		}
		ts = s
	}
	t, _ := parseTimestamp(ts)
	return t.Sub(th.ex.eng.clock.Now()), nil
}

func (th *thread) waitFor(st *State, eff any) (time.Duration, *stateError) {
	switch {
	case st.HasSeconds:
		return time.Duration(st.Seconds) * time.Second, nil
	case st.SecondsPath != nil:
		v, ok := th.evalPath(st.SecondsPath, eff)
		n, isInt := toInt(v)
		if !ok || !isInt || n < 0 {
			return 0, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("The SecondsPath parameter does not reference a valid non-negative integer: %s", st.SecondsPath.text)}
		}
		return time.Duration(n) * time.Second, nil
	}
	ts := st.Timestamp
	if st.TimestampPath != nil {
		v, ok := th.evalPath(st.TimestampPath, eff)
		s, isStr := v.(string)
		if !ok || !isStr {
			return 0, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s", st.TimestampPath.text)}
		}
		ts = s
	}
	t, ok := parseTimestamp(ts)
	if !ok {
		return 0, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s", ts)}
	}
	return t.Sub(th.ex.eng.clock.Now()), nil
}

// evalPath evaluates a path of a state field over the input or a variable; a variable that
// is not set selects nothing.
func (th *thread) evalPath(p *jsonPath, input any) (any, bool) {
	doc, err := p.root(input, nil, th.vars)
	if err != nil {
		return nil, false
	}
	return p.eval(doc)
}

// sleep waits d on the engine clock. The caller holds the clock; while asleep it does not.
func (th *thread) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	e := th.ex.eng
	t := e.clock.NewTimer(d)
	e.act.release()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		if t.Stop() {
			e.act.hold()
		}
		return ctx.Err()
	}
}

// retriable runs a Task, Parallel or Map state with its Retry and Catch.
func (th *thread) retriable(ctx context.Context, st *State, input any, entered time.Time) (any, string, *stateError) {
	counts := make([]int, len(st.Retry))
	retries := 0
	for {
		r, serr, branchFailed := th.attempt(ctx, st, input, entered, retries)
		if serr == nil {
			if serr := th.exit(st, r); serr != nil {
				return nil, "", serr
			}
			if st.End {
				return r.out, "", nil
			}
			return r.out, st.Next, nil
		}
		if serr == errCancelled || ctx.Err() != nil {
			return nil, "", errCancelled
		}
		if i := findRetrier(st.Retry, serr.Name); i >= 0 && counts[i] < st.Retry[i].MaxAttempts {
			r := st.Retry[i]
			delay := r.IntervalSeconds * math.Pow(r.BackoffRate, float64(counts[i]))
			if r.MaxDelaySeconds > 0 && delay > r.MaxDelaySeconds {
				delay = r.MaxDelaySeconds
			}
			if r.JitterFull {
				delay *= th.ex.eng.randFloat()
			}
			counts[i]++
			retries++
			if th.sleep(ctx, time.Duration(delay*float64(time.Second))) != nil {
				return nil, "", errCancelled
			}
			continue
		}
		if branchFailed {
			// AWS records ParallelStateFailed/MapStateFailed once, when no retry follows,
			// after a ParallelStateStarted/MapStateStarted for every attempt.
			th.emit(st.Type+"StateFailed", nil)
		}
		for _, c := range st.Catch {
			if !matches(c.ErrorEquals, serr.Name) {
				continue
			}
			r, rerr := th.caught(st, c, input, entered, retries, serr)
			if rerr == nil {
				rerr = th.exit(st, r)
			}
			if rerr != nil {
				return nil, "", rerr
			}
			return r.out, c.Next, nil
		}
		return nil, "", serr
	}
}

// caught is the state's end through a Catcher: its Assign and its ResultPath (or a JSONata
// Catcher's Output) see the error output {"Error", "Cause"}.
func (th *thread) caught(st *State, c *Catcher, input any, entered time.Time, retries int, serr *stateError) (stateResult, *stateError) {
	errObj := map[string]any{"Error": serr.Name, "Cause": serr.Cause}
	var r stateResult
	var rerr *stateError
	if st.JSONata {
		sc := th.jscope(st, entered, retries, nil, input)
		sc.states["errorOutput"] = errObj
		if r.assigned, rerr = evalAssign(c.Assign, sc); rerr != nil {
			return r, rerr
		}
		r.out, rerr = jsonataOutput(c.Output, sc, errObj)
		return r, rerr
	}
	sc := th.scope(st, entered, retries, nil)
	sc.input = errObj
	if r.assigned, rerr = evalAssign(c.Assign, sc); rerr != nil {
		return r, rerr
	}
	r.out, rerr = applyResultPath(c.ResultPath, input, errObj)
	return r, rerr
}

// findRetrier returns the first retrier whose ErrorEquals matches, or -1. Once a retrier
// matches, no later one is considered even if its attempts are spent.
func findRetrier(rs []*Retrier, name string) int {
	for i, r := range rs {
		if matches(r.ErrorEquals, name) {
			return i
		}
	}
	return -1
}

// attempt runs a Task, Parallel or Map state once. branchFailed reports that the error is a
// Parallel branch's or Map iteration's, which AWS follows with ParallelStateFailed or
// MapStateFailed once the state is not retried.
func (th *thread) attempt(ctx context.Context, st *State, input any, entered time.Time, retries int) (r stateResult, serr *stateError, branchFailed bool) {
	sc := th.scope(st, entered, retries, nil)
	if st.JSONata {
		sc = th.jscope(st, entered, retries, nil, input)
	}
	eff, serr := th.effectiveInput(st, input, sc)
	if serr != nil {
		return r, serr, false
	}
	var result any
	switch st.Type {
	case "Task":
		result, serr = th.task(ctx, st, eff, input, sc)
	case "Parallel":
		result, serr, branchFailed = th.parallel(ctx, st, eff)
	case "Map":
		result, serr, branchFailed = th.mapState(ctx, st, eff, sc)
	}
	if serr != nil {
		return r, serr, branchFailed
	}
	r, serr = th.process(st, input, result, sc)
	if serr != nil {
		return r, serr, false
	}
	if serr := checkSize(st.Name, r.out); serr != nil {
		return r, serr, false
	}
	return r, nil, false
}

// mapItems is a Map state's items and concurrency limit: from ItemsPath and MaxConcurrency
// (or …Path) over the effective input, or a JSONata state's Items and MaxConcurrency.
func (th *thread) mapItems(st *State, input any, sc *scope) ([]any, int, *stateError) {
	itemsVal := input
	limit := st.MaxConcurrency
	if st.JSONata {
		if st.Items != nil {
			sc.field = "Items"
			v, err := st.Items.eval(sc)
			if err != nil {
				return nil, 0, asStateError(err)
			}
			itemsVal = v
		}
		items, ok := itemsVal.([]any)
		if !ok {
			return nil, 0, queryTypeError(st, "Items", "an array", itemsVal)
		}
		n, serr := queryInt(st, st.MaxConcExpr, st.MaxConcurrency, "MaxConcurrency", 0, sc)
		return items, n, serr
	}
	if st.ItemsPath.set {
		v, ok := th.evalPath(st.ItemsPath.path, input)
		if !ok {
			return nil, 0, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("Invalid path '%s' : No results for path: %s", st.ItemsPath.path.text, st.ItemsPath.path.text)}
		}
		itemsVal = v
	}
	items, ok := itemsVal.([]any)
	if !ok {
		return nil, 0, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("Map state input must be an array, got %s", encodeJSON(itemsVal))}
	}
	if st.MaxConcPath != nil {
		v, ok := th.evalPath(st.MaxConcPath, input)
		n, isInt := toInt(v)
		if !ok || !isInt || n < 0 {
			return nil, 0, &stateError{Name: ErrRuntime, Cause: fmt.Sprintf("MaxConcurrencyPath %s does not reference a non-negative integer", st.MaxConcPath.text)}
		}
		limit = n
	}
	return items, limit, nil
}

// fanOut runs n children with at most limit at a time (0 = all), and returns the first
// failure after every child has stopped; a failure cancels the others. Each running child
// holds the clock; the parent holds it only while not waiting, until a child fails: from
// then on it keeps its hold while the cut children stop, so that a child asleep (whose hold
// lapsed) cannot let a FakeClock fire its timer before it sees the cancellation. A cut child
// needs no time to pass to stop.
func (th *thread) fanOut(ctx context.Context, n, limit int, child func(ctx context.Context, i int) *stateError) *stateError {
	e := th.ex.eng
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if limit <= 0 || limit > n {
		limit = n
	}
	type result struct{ err *stateError }
	finished := make(chan result, n)
	next, running := 0, 0
	launch := func() {
		i := next
		next++
		running++
		e.act.hold()
		go func() { finished <- result{child(ctx, i)} }()
	}
	for running < limit && next < n {
		launch()
	}
	var first *stateError
	for running > 0 {
		cut := first != nil
		if !cut {
			e.act.release()
		}
		r := <-finished // inherits the finished child's hold
		if cut {
			e.act.release() // the parent still holds its own
		}
		running--
		if r.err != nil && first == nil {
			first = r.err
			cancel()
		}
		if first == nil && next < n {
			launch()
		}
	}
	return first
}

func (th *thread) parallel(ctx context.Context, st *State, input any) (any, *stateError, bool) {
	th.emit("ParallelStateStarted", nil)
	start := th.prev
	results := make([]any, len(st.Branches))
	serr := th.fanOut(ctx, len(st.Branches), 0, func(ctx context.Context, i int) *stateError {
		bt := &thread{ex: th.ex, prev: start, vars: newVarScope(th.vars)}
		out, err := bt.runMachine(ctx, st.Branches[i], deepCopy(input), nil)
		if err != nil && bt.taskFailed {
			// AWS records TaskFailed (or LambdaFunctionFailed, …TimedOut), then
			// TaskStateAborted, when a Task's failure ends a branch.
			bt.emit("TaskStateAborted", nil)
		}
		results[i] = out
		return err
	})
	if serr != nil {
		return nil, serr, serr != errCancelled
	}
	th.emit("ParallelStateSucceeded", nil)
	return results, nil, false
}

func (th *thread) mapState(ctx context.Context, st *State, input any, sc *scope) (any, *stateError, bool) {
	items, limit, serr := th.mapItems(st, input, sc)
	if serr != nil {
		return nil, serr, false
	}
	th.emit("MapStateStarted", map[string]any{"length": len(items)})
	start := th.prev
	results := make([]any, len(items))
	serr = th.fanOut(ctx, len(items), limit, func(ctx context.Context, i int) *stateError {
		it := &thread{ex: th.ex, prev: start, vars: newVarScope(th.vars)}
		det := map[string]any{"name": st.Name, "index": i}
		it.emit("MapIterationStarted", det)
		itemInput := deepCopy(items[i])
		if st.ItemSelector != nil {
			isc := &scope{exec: th.ex, input: input, field: "ItemSelector", ctx: deepCopy(sc.ctx).(map[string]any), vars: th.vars, state: st.Name}
			isc.ctx["Map"] = map[string]any{"Item": map[string]any{"Index": intNumber(i), "Value": deepCopy(items[i])}}
			if st.JSONata {
				isc.states = map[string]any{"input": sc.states["input"], "context": isc.ctx}
			}
			v, err := st.ItemSelector.eval(isc)
			if err != nil {
				it.emit("MapIterationFailed", det)
				return asStateError(err)
			}
			itemInput = v
		}
		out, err := it.runMachine(ctx, st.ItemProcessor, itemInput, nil)
		switch {
		case err == errCancelled:
			it.emit("MapIterationAborted", det)
		case err != nil:
			it.emit("MapIterationFailed", det)
			if it.taskFailed {
				// As on AWS, the failed Task of an iteration is aborted after MapIterationFailed.
				it.emit("TaskStateAborted", nil)
			}
		default:
			results[i] = out
			it.emit("MapIterationSucceeded", det)
		}
		return err
	})
	if serr != nil {
		return nil, serr, serr != errCancelled
	}
	th.emit("MapStateSucceeded", nil)
	return results, nil, false
}
