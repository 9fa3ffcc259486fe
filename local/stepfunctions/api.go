package stepfunctions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Handler returns the Step Functions API (AWS JSON 1.0 protocol, X-Amz-Target
// AWSStepFunctions.<Operation>) as the aws-sdk-go-v2 sfn client speaks it.
func (e *Engine) Handler() http.Handler {
	return http.HandlerFunc(e.serveAPI)
}

// Serve serves the Step Functions API on addr until ctx is done.
func (e *Engine) Serve(ctx context.Context, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return e.ServeListener(ctx, l)
}

// ServeListener serves the Step Functions API on l until ctx is done.
func (e *Engine) ServeListener(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: e.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type apiOp func(e *Engine, body []byte) (any, error)

var apiOps = map[string]apiOp{
	"CreateStateMachine":               opCreateStateMachine,
	"DescribeStateMachine":             opDescribeStateMachine,
	"DescribeStateMachineForExecution": opDescribeStateMachineForExecution,
	"ListStateMachines":                opListStateMachines,
	"DeleteStateMachine":               opDeleteStateMachine,
	"UpdateStateMachine":               opUpdateStateMachine,
	"StartExecution":                   opStartExecution,
	"DescribeExecution":                opDescribeExecution,
	"StopExecution":                    opStopExecution,
	"ListExecutions":                   opListExecutions,
	"GetExecutionHistory":              opGetExecutionHistory,
}

func (e *Engine) serveAPI(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "AWSStepFunctions.")
	if r.Method != http.MethodPost || !ok {
		writeAPIError(w, http.StatusBadRequest, &APIError{Type: "UnknownOperationException", Message: fmt.Sprintf("unknown target %q", target)})
		return
	}
	fn, ok := apiOps[op]
	if !ok {
		writeAPIError(w, http.StatusBadRequest, &APIError{Type: "UnknownOperationException", Message: fmt.Sprintf("operation %s is not implemented by sfnlocal", op)})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, &APIError{Type: "SerializationException", Message: err.Error()})
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	out, err := fn(e, body)
	if err != nil {
		var ae *APIError
		if !errors.As(err, &ae) {
			ae = &APIError{Type: "InternalFailure", Message: err.Error()}
			writeAPIError(w, http.StatusInternalServerError, ae)
			return
		}
		writeAPIError(w, http.StatusBadRequest, ae)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(encodeJSON(out)))
}

func writeAPIError(w http.ResponseWriter, status int, e *APIError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", e.Type)
	w.WriteHeader(status)
	w.Write([]byte(encodeJSON(map[string]any{"__type": e.Type, "message": e.Message})))
}

func decodeRequest(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &APIError{Type: "SerializationException", Message: err.Error()}
	}
	return nil
}

// validation collects a request's constraint violations, worded as the service words them,
// and reports them together as one ValidationException.
type validation []string

// notNull requires a member the service model marks required.
func (v *validation) notNull(field, val string) {
	if val == "" {
		*v = append(*v, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", field))
	}
}

// pageSize checks a maxResults member: 0 to 1000, 0 meaning the default.
func (v *validation) pageSize(field string, n int) {
	switch {
	case n < 0:
		*v = append(*v, fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to 0", n, field))
	case n > 1000:
		*v = append(*v, fmt.Sprintf("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to 1000", n, field))
	}
}

// oneOf checks an enum member, when it is set.
func (v *validation) oneOf(field, val string, allowed ...string) {
	if val != "" && !slices.Contains(allowed, val) {
		*v = append(*v, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]", val, field, strings.Join(allowed, ", ")))
	}
}

// required is notNull for a request with one required member.
func required(field, val string) error {
	var v validation
	v.notNull(field, val)
	return v.err()
}

func (v validation) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return apiErr("ValidationException", "1 validation error detected: %s", v[0])
	}
	return apiErr("ValidationException", "%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}

func opCreateStateMachine(e *Engine, body []byte) (any, error) {
	var in struct {
		Name, Definition, RoleArn, Type string
	}
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.notNull("name", in.Name)
	v.notNull("definition", in.Definition)
	v.notNull("roleArn", in.RoleArn)
	if err := v.err(); err != nil {
		return nil, err
	}
	typ := in.Type
	if typ == "" {
		typ = "STANDARD"
	}
	if typ != "STANDARD" {
		return nil, apiErr("ValidationException", "state machine type %s is not implemented by sfnlocal (only STANDARD)", typ)
	}
	arn, err := e.createStateMachine(in.Name, []byte(in.Definition), in.RoleArn, typ)
	if err != nil {
		return nil, err
	}
	info, err := e.DescribeStateMachine(arn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"stateMachineArn": arn, "creationDate": epochSeconds(info.CreationDate)}, nil
}

func describeMachine(info StateMachineInfo) map[string]any {
	return map[string]any{
		"stateMachineArn": info.ARN, "name": info.Name, "status": "ACTIVE",
		"definition": info.Definition, "roleArn": info.RoleARN, "type": info.Type,
		"creationDate":         epochSeconds(info.CreationDate),
		"loggingConfiguration": map[string]any{"level": "OFF", "includeExecutionData": false},
		"tracingConfiguration": map[string]any{"enabled": false},
	}
}

func opDescribeStateMachine(e *Engine, body []byte) (any, error) {
	var in struct{ StateMachineArn string }
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := required("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	info, err := e.DescribeStateMachine(in.StateMachineArn)
	if err != nil {
		return nil, err
	}
	return describeMachine(info), nil
}

func opDescribeStateMachineForExecution(e *Engine, body []byte) (any, error) {
	var in struct{ ExecutionArn string }
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := required("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	ex, err := e.executionByARN(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	m := ex.machine
	out := describeMachine(StateMachineInfo{ARN: m.arn, Name: m.name, Definition: m.definition, RoleARN: m.roleArn, Type: m.typ, CreationDate: m.created})
	delete(out, "status")
	delete(out, "type")
	delete(out, "creationDate")
	out["updateDate"] = epochSeconds(m.updated)
	return out, nil
}

// page cuts items[offset:offset+max] and returns the next token, or "" on the last page.
// maxResults is 1 to 1000, or 0 for the default of 100 (validation.pageSize).
func page(n int, maxResults int, token string) (lo, hi int, next string, err error) {
	if maxResults == 0 {
		maxResults = 100
	}
	if token != "" {
		lo, err = strconv.Atoi(token)
		if err != nil || lo < 0 || lo > n {
			return 0, 0, "", apiErr("InvalidToken", "Invalid Token: '%s'", token)
		}
	}
	hi = min(n, lo+maxResults)
	if hi < n {
		next = strconv.Itoa(hi)
	}
	return lo, hi, next, nil
}

func opListStateMachines(e *Engine, body []byte) (any, error) {
	var in struct {
		MaxResults int
		NextToken  string
	}
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.pageSize("maxResults", in.MaxResults)
	if err := v.err(); err != nil {
		return nil, err
	}
	all := e.ListStateMachines()
	lo, hi, next, err := page(len(all), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	items := []any{}
	for _, m := range all[lo:hi] {
		items = append(items, map[string]any{"stateMachineArn": m.ARN, "name": m.Name, "type": m.Type, "creationDate": epochSeconds(m.CreationDate)})
	}
	out := map[string]any{"stateMachines": items}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func opDeleteStateMachine(e *Engine, body []byte) (any, error) {
	var in struct{ StateMachineArn string }
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := required("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	return map[string]any{}, e.DeleteStateMachine(in.StateMachineArn)
}

func opUpdateStateMachine(e *Engine, body []byte) (any, error) {
	var in struct {
		StateMachineArn      string
		Definition           *string
		RoleArn              string
		LoggingConfiguration *json.RawMessage
		TracingConfiguration *json.RawMessage
	}
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := required("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	if in.Definition == nil && in.RoleArn == "" && in.LoggingConfiguration == nil && in.TracingConfiguration == nil {
		return nil, apiErr("MissingRequiredParameter", "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified")
	}
	var def []byte
	if in.Definition != nil {
		def = []byte(*in.Definition)
	}
	t, err := e.UpdateStateMachine(in.StateMachineArn, def, in.RoleArn)
	if err != nil {
		return nil, err
	}
	return map[string]any{"updateDate": epochSeconds(t)}, nil
}

func opStartExecution(e *Engine, body []byte) (any, error) {
	var in struct {
		StateMachineArn, Name string
		Input                 *string
	}
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := required("stateMachineArn", in.StateMachineArn); err != nil {
		return nil, err
	}
	input := "{}"
	if in.Input != nil {
		input = *in.Input
	}
	arn, start, err := e.StartExecution(in.StateMachineArn, in.Name, input)
	if err != nil {
		return nil, err
	}
	return map[string]any{"executionArn": arn, "startDate": epochSeconds(start)}, nil
}

func describeExecution(x Execution) map[string]any {
	out := map[string]any{
		"executionArn": x.ARN, "stateMachineArn": x.StateMachineARN, "name": x.Name,
		"status": x.Status, "startDate": epochSeconds(x.StartDate),
		"input": x.Input, "inputDetails": map[string]any{"included": true},
		"redriveCount": 0, "redriveStatus": "NOT_REDRIVABLE",
	}
	if x.Status != StatusRunning {
		out["stopDate"] = epochSeconds(x.StopDate)
	}
	if x.Output != nil {
		out["output"] = *x.Output
		out["outputDetails"] = map[string]any{"included": true}
	}
	if x.Error != "" {
		out["error"] = x.Error
	}
	if x.Cause != "" {
		out["cause"] = x.Cause
	}
	return out
}

func opDescribeExecution(e *Engine, body []byte) (any, error) {
	var in struct{ ExecutionArn string }
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := required("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	x, err := e.DescribeExecution(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	return describeExecution(x), nil
}

func opStopExecution(e *Engine, body []byte) (any, error) {
	var in struct{ ExecutionArn, Error, Cause string }
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	if err := required("executionArn", in.ExecutionArn); err != nil {
		return nil, err
	}
	t, err := e.StopExecution(in.ExecutionArn, in.Error, in.Cause)
	if err != nil {
		return nil, err
	}
	return map[string]any{"stopDate": epochSeconds(t)}, nil
}

func opListExecutions(e *Engine, body []byte) (any, error) {
	var in struct {
		StateMachineArn, MapRunArn, StatusFilter, RedriveFilter, NextToken string
		MaxResults                                                         int
	}
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.oneOf("statusFilter", in.StatusFilter, StatusRunning, StatusSucceeded, StatusFailed, StatusTimedOut, StatusAborted, "PENDING_REDRIVE")
	v.oneOf("redriveFilter", in.RedriveFilter, "REDRIVEN", "NOT_REDRIVEN")
	v.pageSize("maxResults", in.MaxResults)
	switch {
	case in.StateMachineArn == "" && in.MapRunArn == "":
		v = append(v, "Must provide a StateMachine ARN or MapRun ARN")
	case in.StateMachineArn != "" && in.MapRunArn != "":
		v = append(v, "Provide either a StateMachine ARN or a MapRun ARN, not both")
	case in.StateMachineArn != "" && in.StatusFilter == "PENDING_REDRIVE":
		v = append(v, "The PENDING_REDRIVE statusFilter needs a MapRun ARN, not a StateMachine ARN")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.MapRunArn != "" {
		// Map Runs belong to distributed Map states, which the engine refuses at load time.
		return nil, apiErr("ResourceNotFound", "Resource not found: '%s'", in.MapRunArn)
	}
	list, err := e.ListExecutions(in.StateMachineArn, in.StatusFilter)
	if err != nil {
		return nil, err
	}
	if in.RedriveFilter == "REDRIVEN" {
		list = nil // the engine never redrives an execution
	}
	lo, hi, next, err := page(len(list), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	items := []any{}
	for _, x := range list[lo:hi] {
		item := map[string]any{"executionArn": x.ARN, "stateMachineArn": x.StateMachineARN, "name": x.Name, "status": x.Status, "startDate": epochSeconds(x.StartDate)}
		if x.Status != StatusRunning {
			item["stopDate"] = epochSeconds(x.StopDate)
		}
		items = append(items, item)
	}
	out := map[string]any{"executions": items}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func opGetExecutionHistory(e *Engine, body []byte) (any, error) {
	var in struct {
		ExecutionArn, NextToken string
		MaxResults              int
		ReverseOrder            bool
		IncludeExecutionData    *bool
	}
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v validation
	v.notNull("executionArn", in.ExecutionArn)
	v.pageSize("maxResults", in.MaxResults)
	if err := v.err(); err != nil {
		return nil, err
	}
	events, err := e.History(in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if in.ReverseOrder {
		for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
			events[i], events[j] = events[j], events[i]
		}
	}
	lo, hi, next, err := page(len(events), in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	events = events[lo:hi]
	if in.IncludeExecutionData != nil && !*in.IncludeExecutionData {
		for i, ev := range events {
			events[i].Details = withoutData(ev.Details)
		}
	}
	out := map[string]any{"events": events}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

// withoutData drops input, output and parameters from event details, as
// includeExecutionData=false asks.
func withoutData(d map[string]any) map[string]any {
	if d == nil {
		return nil
	}
	out := make(map[string]any, len(d))
	for k, v := range d {
		switch k {
		case "input", "output", "parameters", "inputDetails", "outputDetails":
		default:
			out[k] = v
		}
	}
	return out
}
