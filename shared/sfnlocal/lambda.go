package sfnlocal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Registry holds the Lambda handlers that Task states invoke in process, by function name.
type Registry struct {
	mu  sync.RWMutex
	fns map[string]lambda.Handler
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry { return &Registry{fns: map[string]lambda.Handler{}} }

// serialHandler runs one invocation at a time. Handlers made by lambda.NewHandler return
// a slice of a pooled buffer that the next invocation may overwrite (the Lambda runtime
// never invokes concurrently), so their invocations are serialised and the payload copied.
type serialHandler struct {
	mu sync.Mutex
	h  lambda.Handler
}

func (s *serialHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, err := s.h.Invoke(ctx, payload)
	return bytes.Clone(out), err
}

// RegisterFunction makes h answer invocations of the function name (or name:qualifier).
// A step is registered as RegisterFunction("kms-step", lambda.NewHandler(handle)).
func (r *Registry) RegisterFunction(name string, h lambda.Handler) {
	if t := reflect.TypeOf(h); t != nil && t.String() == "*lambda.handlerOptions" {
		h = &serialHandler{h: h}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fns[name] = h
}

// Lookup finds the handler for a function reference: a name, a partial or full function
// ARN, with or without a qualifier.
func (r *Registry) Lookup(ref string) (lambda.Handler, bool) {
	name, qualifier := splitFunctionRef(ref)
	r.mu.RLock()
	defer r.mu.RUnlock()
	if qualifier != "" {
		if h, ok := r.fns[name+":"+qualifier]; ok {
			return h, true
		}
	}
	h, ok := r.fns[name]
	return h, ok
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
	// aws-lambda-go reuses its output buffer for the next invocation: keep a copy.
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

// invoke runs a function from the registry, or over HTTP at the configured Lambda endpoint.
func (e *Engine) invoke(ctx context.Context, ref string, payload []byte) invocation {
	if h, ok := e.reg.Lookup(ref); ok {
		lc := &lambdacontext.LambdaContext{AwsRequestID: e.newUUID(), InvokedFunctionArn: e.functionARN(ref)}
		lctx := lambdacontext.NewContext(ctx, lc)
		return callHandler(lctx, h, payload)
	}
	if e.lambdaEndpoint == "" {
		return invocation{svcError: e.notFound(ref)}
	}
	return e.invokeHTTP(ctx, ref, payload)
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
// error JSON with X-Amz-Function-Error: Unhandled, as AWS Lambda answers.
func LambdaInvokeHandler(reg *Registry) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", func(w http.ResponseWriter, r *http.Request) {
		ref := r.PathValue("name")
		if q := r.URL.Query().Get("Qualifier"); q != "" {
			ref += ":" + q
		}
		h, ok := reg.Lookup(ref)
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
		inv := callHandler(r.Context(), h, payload)
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
