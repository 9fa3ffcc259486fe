package stepfunctions

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Registry holds the Lambda functions that Task states invoke in process, by function name.
type Registry struct {
	mu  sync.RWMutex
	fns map[string]*function
}

// function is one registered Lambda function.
type function struct {
	// handler is safe to invoke concurrently; Lookup returns it.
	handler lambda.Handler
	// timeout is the function's own timeout (Lambda's Timeout setting).
	timeout time.Duration
}

// MaxFunctionTimeout is Lambda's upper bound on a function's timeout (15 minutes). A
// function registered without WithTimeout gets it: no invocation of a Lambda function runs
// longer, so it never cuts short an invocation that AWS would let finish.
const MaxFunctionTimeout = 900 * time.Second

// FunctionOption configures a registered function.
type FunctionOption func(*function)

// WithTimeout sets the function's timeout, as its Timeout property does in a SAM or
// CloudFormation template: an invocation still running after d fails with errorType
// Sandbox.Timedout, as Lambda reports it, and the handler's context is cancelled. Lambda
// accepts whole seconds from 1 to 900; anything else panics, as a bad template would fail
// to deploy.
func WithTimeout(d time.Duration) FunctionOption {
	if d < time.Second || d > MaxFunctionTimeout || d%time.Second != 0 {
		panic(fmt.Sprintf("sfnlocal: function timeout %v is not a whole number of seconds from 1 to 900", d))
	}
	return func(f *function) { f.timeout = d }
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry { return &Registry{fns: map[string]*function{}} }

// RegisterFunc makes fn answer invocations of the function name (or name:qualifier). fn is
// any handler function lambda.Start accepts, e.g. func(context.Context, In) (Out, error).
// Each concurrent invocation gets its own handler instance (lambda.NewHandler(fn)), as each
// concurrent Lambda invocation gets its own execution environment, and an instance whose
// invocation timed out or was cancelled is never used again.
func (r *Registry) RegisterFunc(name string, fn any, opts ...FunctionOption) {
	if t := reflect.TypeOf(fn); t == nil || t.Kind() != reflect.Func {
		panic(fmt.Sprintf("sfnlocal: RegisterFunc(%q): handler is a %T, not a function", name, fn))
	}
	r.register(name, &handlerPool{fn: fn}, opts)
}

// RegisterFunction makes h answer invocations of the function name (or name:qualifier).
// h must be safe to invoke concurrently (lambdafn handlers are), with one exception: a
// handler made by lambda.NewHandler returns a slice of an output buffer that its next
// invocation reuses, so its invocations run one at a time, and one that times out or is
// cancelled makes way for the next at once. Prefer RegisterFunc for such handlers: it runs
// concurrent invocations concurrently, as Lambda does.
func (r *Registry) RegisterFunction(name string, h lambda.Handler, opts ...FunctionOption) {
	if t := reflect.TypeOf(h); t != nil && t.String() == "*lambda.handlerOptions" {
		h = &oneLiveCall{h: h, slot: make(chan struct{}, 1)}
	}
	r.register(name, h, opts)
}

func (r *Registry) register(name string, h lambda.Handler, opts []FunctionOption) {
	f := &function{handler: h, timeout: MaxFunctionTimeout}
	for _, o := range opts {
		o(f)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fns[name] = f
}

// Lookup finds the handler for a function reference: a name, a partial or full function
// ARN, with or without a qualifier. The handler is safe to invoke concurrently.
func (r *Registry) Lookup(ref string) (lambda.Handler, bool) {
	f, ok := r.lookup(ref)
	if !ok {
		return nil, false
	}
	return f.handler, true
}

func (r *Registry) lookup(ref string) (*function, bool) {
	name, qualifier := splitFunctionRef(ref)
	r.mu.RLock()
	defer r.mu.RUnlock()
	if qualifier != "" {
		if f, ok := r.fns[name+":"+qualifier]; ok {
			return f, true
		}
	}
	f, ok := r.fns[name]
	return f, ok
}

// handlerPool invokes a handler function on an instance of its own per concurrent
// invocation. An instance goes back to the pool only when its invocation ended normally:
// one whose context was done may still be running, like a Lambda execution environment
// that timed out, which Lambda never reuses as it was.
type handlerPool struct {
	fn   any
	mu   sync.Mutex
	idle []lambda.Handler
}

func (p *handlerPool) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	p.mu.Lock()
	var h lambda.Handler
	if n := len(p.idle); n > 0 {
		h, p.idle = p.idle[n-1], p.idle[:n-1]
	}
	p.mu.Unlock()
	if h == nil {
		h = lambda.NewHandler(p.fn)
	}
	out, err := h.Invoke(ctx, payload)
	// The instance's next invocation reuses the buffer out points into.
	out = bytes.Clone(out)
	if ctx.Err() == nil {
		p.mu.Lock()
		p.idle = append(p.idle, h)
		p.mu.Unlock()
	}
	return out, err
}

// oneLiveCall runs one live invocation at a time of a single lambda.NewHandler instance and
// copies its output before the next may start. An invocation whose context is done
// (timed out, cancelled) gives up its turn at once and its output is never read, so a
// handler that never returns blocks no later invocation. That is safe: the instance takes
// its output buffer from its pool when an invocation starts and only puts it back at the end.
type oneLiveCall struct {
	h    lambda.Handler
	slot chan struct{}
}

func (s *oneLiveCall) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	select {
	case s.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var mu sync.Mutex
	given := false
	giveUp := func() {
		mu.Lock()
		defer mu.Unlock()
		if !given {
			given = true
			<-s.slot
		}
	}
	stop := context.AfterFunc(ctx, giveUp)
	defer stop()
	defer giveUp() // a panicking handler gives up its turn too
	out, err := s.h.Invoke(ctx, payload)
	mu.Lock()
	defer mu.Unlock()
	if given {
		return nil, ctx.Err()
	}
	out = bytes.Clone(out)
	given = true
	<-s.slot
	return out, err
}

// splitFunctionRef reduces "arn:aws:lambda:r:acct:function:NAME:Q", "acct:function:NAME"
// or "NAME:Q" to the name and the qualifier.
func splitFunctionRef(ref string) (name, qualifier string) {
	parts := strings.Split(ref, ":")
	for i, p := range parts {
		if p == "function" && i+1 < len(parts) {
			parts = parts[i+1:]
			break
		}
	}
	name = parts[0]
	if len(parts) > 1 {
		qualifier = parts[1]
	}
	return name, qualifier
}

// invocation is the outcome of one Lambda invoke: a payload, a function error payload, or a
// service error (function not found, endpoint unreachable).
type invocation struct {
	payload  []byte
	fnError  bool
	svcError *stateError
}

// callHandler invokes h the way the Go Lambda runtime does: an error becomes
// {"errorMessage","errorType"} with the error's type name, a panic is recovered and
// reported with its value's type name and a stack trace.
func callHandler(ctx context.Context, h lambda.Handler, payload []byte) (inv invocation) {
	defer func() {
		if v := recover(); v != nil {
			inv = invocation{fnError: true, payload: panicPayload(v)}
		}
	}()
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		return invocation{fnError: true, payload: errorPayload(err)}
	}
	// A handler may reuse its output buffer for its next invocation: keep a copy.
	return invocation{payload: bytes.Clone(out)}
}

func errorTypeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return ""
	}
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

func errorPayload(err error) []byte {
	if ive, ok := err.(messages.InvokeResponse_Error); ok {
		b, _ := json.Marshal(ive)
		return b
	}
	b, _ := json.Marshal(messages.InvokeResponse_Error{Message: err.Error(), Type: errorTypeName(err)})
	return b
}

func panicPayload(v any) []byte {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(4, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var stack []*messages.InvokeResponse_Error_StackFrame
	for {
		f, more := frames.Next()
		stack = append(stack, &messages.InvokeResponse_Error_StackFrame{Path: f.File, Line: int32(f.Line), Label: f.Function})
		if !more {
			break
		}
	}
	b, _ := json.Marshal(messages.InvokeResponse_Error{Message: fmt.Sprintf("%v", v), Type: errorTypeName(v), StackTrace: stack})
	return b
}

// functionErrorName is the ASL error name of a function error payload: its errorType.
func functionErrorName(payload []byte) string {
	var e struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(payload, &e) == nil && e.ErrorType != "" {
		return e.ErrorType
	}
	return "Lambda.Unknown"
}

func (e *Engine) functionARN(ref string) string {
	if strings.HasPrefix(ref, "arn:") {
		return ref
	}
	name, q := splitFunctionRef(ref)
	arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", e.region, e.account, name)
	if q != "" {
		arn += ":" + q
	}
	return arn
}

func (e *Engine) notFound(ref string) *stateError {
	return &stateError{Name: "Lambda.ResourceNotFoundException", Cause: fmt.Sprintf("Function not found: %s (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: %s)", e.functionARN(ref), e.newUUID())}
}

// invokeLocal runs a registered function's handler with the context a Lambda invocation has.
func (e *Engine) invokeLocal(ctx context.Context, f *function, ref, requestID string, payload []byte) invocation {
	lc := &lambdacontext.LambdaContext{AwsRequestID: requestID, InvokedFunctionArn: e.functionARN(ref)}
	return callHandler(lambdacontext.NewContext(ctx, lc), f.handler, payload)
}

// sandboxTimedOut is the function error Lambda answers for an invocation that ran past the
// function's timeout: errorType Sandbox.Timedout (runtimes such as provided.al2023 report
// it; older ones left errorType out, which Step Functions names Lambda.Unknown).
func sandboxTimedOut(requestID string, timeout time.Duration) invocation {
	b, _ := json.Marshal(messages.InvokeResponse_Error{
		Message: fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", requestID, timeout.Seconds()),
		Type:    "Sandbox.Timedout",
	})
	return invocation{fnError: true, payload: b}
}

func (e *Engine) invokeHTTP(ctx context.Context, ref string, payload []byte) invocation {
	name, q := splitFunctionRef(ref)
	u := strings.TrimRight(e.lambdaEndpoint, "/") + "/2015-03-31/functions/" + url.PathEscape(name) + "/invocations"
	if q != "" {
		u += "?Qualifier=" + url.QueryEscape(q)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return invocation{svcError: &stateError{Name: "Lambda.SdkClientException", Cause: err.Error()}}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Invocation-Type", "RequestResponse")
	resp, err := e.httpClient.Do(req)
	if err != nil {
		return invocation{svcError: &stateError{Name: "Lambda.SdkClientException", Cause: err.Error()}}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return invocation{svcError: &stateError{Name: "Lambda.SdkClientException", Cause: err.Error()}}
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return invocation{svcError: e.notFound(ref)}
	case resp.StatusCode >= 300:
		typ := resp.Header.Get("X-Amzn-ErrorType")
		if i := strings.IndexByte(typ, ':'); i >= 0 {
			typ = typ[:i]
		}
		if typ == "" {
			typ = "ServiceException"
		}
		return invocation{svcError: &stateError{Name: "Lambda." + typ, Cause: string(body)}}
	case resp.Header.Get("X-Amz-Function-Error") != "":
		return invocation{fnError: true, payload: body}
	}
	return invocation{payload: body}
}

// LambdaInvokeHandler serves the Lambda Invoke API (POST
// /2015-03-31/functions/{name}/invocations) from a Registry: the handler's payload, or its
// error JSON with X-Amz-Function-Error: Unhandled, as AWS Lambda answers. An invocation that
// outlives its function's timeout (real time) is answered with a Sandbox.Timedout error.
func LambdaInvokeHandler(reg *Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", func(w http.ResponseWriter, r *http.Request) {
		ref := r.PathValue("name")
		if q := r.URL.Query().Get("Qualifier"); q != "" {
			ref += ":" + q
		}
		f, ok := reg.lookup(ref)
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"Type":"User","Message":"Function not found: %s"}`, ref)
			return
		}
		payload, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if len(payload) == 0 {
			payload = []byte("{}")
		}
		requestID := randomUUID()
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel() // abandons a handler that outlived the function's timeout
		lctx := lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: requestID})
		results := make(chan invocation, 1)
		go func() { results <- callHandler(lctx, f.handler, payload) }()
		timer := time.NewTimer(f.timeout)
		defer timer.Stop()
		var inv invocation
		select {
		case inv = <-results:
		case <-timer.C:
			inv = sandboxTimedOut(requestID, f.timeout)
		case <-r.Context().Done():
			return
		}
		w.Header().Set("X-Amzn-RequestId", requestID)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amz-Executed-Version", "$LATEST")
		if inv.fnError {
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
		}
		w.WriteHeader(http.StatusOK)
		w.Write(inv.payload)
	})
	return mux
}

// randomUUID returns a version 4 UUID for request ids outside an engine.
func randomUUID() string { return formatUUID(rand.Uint64(), rand.Uint64()) }
