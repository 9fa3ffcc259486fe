// Package apitest holds the API's contract as a test oracle: it validates requests and the
// responses they got against api/openapi.yaml with kin-openapi's openapi3filter, XML bodies
// included (DecodeXML), so that an end-to-end test fails when the service and its document
// disagree.
package apitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/actionservice/actionservice/api"
)

func init() {
	for _, media := range []string{"application/xml", "text/xml", "application/problem+xml"} {
		openapi3filter.RegisterBodyDecoder(media, DecodeXML)
	}
}

// Contract is the loaded document and a router over its paths.
type Contract struct {
	Doc *openapi3.T
	// mux finds an exchange's operation by the document's paths, which are net/http
	// ServeMux patterns too, so an exchange meets the operation the API's own mux would pick.
	mux *http.ServeMux
	// noRoute answers for paths the document has no operation for (the gateway's 404, and
	// the 400 of a path with control characters).
	noRoute *openapi3.Operation
}

// Load reads and validates api/openapi.yaml.
func Load() (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	c := &Contract{Doc: doc, mux: http.NewServeMux()}
	// As API Gateway (and OpenAPI: concrete paths before templated ones) does, the path finds
	// the resource first, then the method finds the operation on it: DELETE /job/error/count
	// is the count resource's, which has no DELETE, not /job/error/{category}'s. Every prefix
	// of a path is a resource too, with no operations unless the document gives it some.
	resources := map[string]map[string]*routers.Route{}
	for path, item := range doc.Paths.Map() {
		for i := range path {
			if i > 0 && path[i] == '/' && resources[path[:i]] == nil {
				resources[path[:i]] = map[string]*routers.Route{}
			}
		}
		if resources[path] == nil {
			resources[path] = map[string]*routers.Route{}
		}
		for method, op := range item.Operations() {
			resources[path][method] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	for path, ops := range resources {
		c.mux.Handle(path, resource{path, ops})
	}
	c.noRoute = openapi3.NewOperation()
	c.noRoute.Responses = openapi3.NewResponses(
		openapi3.WithStatus(http.StatusBadRequest, doc.Components.Responses["BadRequest"]),
		openapi3.WithStatus(http.StatusNotFound, doc.Components.Responses["NotFound"]))
	return c, nil
}

// resource is a mux handler that only reports which operation of a path matched, with its
// path values.
type resource struct {
	path string
	ops  map[string]*routers.Route
}

func (res resource) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, ok := res.ops[r.Method]
	if !ok {
		return
	}
	params := map[string]string{}
	for _, seg := range strings.Split(res.path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			name = strings.TrimSuffix(name, "}")
			params[name] = r.PathValue(name)
		}
	}
	*(w.(*finder).found) = found{rt, params}
}

type found struct {
	route  *routers.Route
	params map[string]string
}

type finder struct {
	*httptest.ResponseRecorder
	found *found
}

// find returns the operation the request is for; nil when the document has none.
func (c *Contract) find(r *http.Request) found {
	var f found
	c.mux.ServeHTTP(&finder{httptest.NewRecorder(), &f}, r)
	return f
}

// Exchange is one request and the response it got, as a client saw them.
type Exchange struct {
	Method string
	// Target is the request's path and query, e.g. /job?limit=5.
	Target     string
	Header     http.Header
	Body       []byte
	Status     int
	RespHeader http.Header
	RespBody   []byte
}

// ErrNoCredential is a request to an operation that needs X-Auth-Token sent without one.
var ErrNoCredential = errors.New("no X-Auth-Token for an operation that requires one")

// Check validates the request and then its response. A request without a token that the
// operation requires is valid only if it was answered 401; one for a path or method the
// document has no operation for only if it was answered a 404 (or 400) problem document.
func (c *Contract) Check(ex Exchange) error {
	return c.check(ex, true)
}

// CheckResponse validates only the response: for a request a test makes malformed on
// purpose (a bad path, a bad body, a value out of the document's limits), whose answer must
// still be one the document describes — a problem document.
func (c *Contract) CheckResponse(ex Exchange) error {
	return c.check(ex, false)
}

func (c *Contract) check(ex Exchange, validateRequest bool) error {
	req, err := http.NewRequest(ex.Method, "http://api.test"+ex.Target, bytes.NewReader(ex.Body))
	if err != nil {
		return fmt.Errorf("request %s %s: %w", ex.Method, ex.Target, err)
	}
	req.Header = ex.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	f := c.find(req)
	route := f.route
	if route == nil {
		route = &routers.Route{Spec: c.Doc, Path: req.URL.Path, Method: ex.Method, Operation: c.noRoute}
	}
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: f.params, Route: route,
		Options: &openapi3filter.Options{
			SkipSettingDefaults: true, MultiError: true,
			AuthenticationFunc: func(_ context.Context, a *openapi3filter.AuthenticationInput) error {
				if a.SecurityScheme.Type == "apiKey" && a.SecurityScheme.In == "header" && req.Header.Get(a.SecurityScheme.Name) == "" {
					return ErrNoCredential
				}
				return nil
			},
		},
	}
	where := fmt.Sprintf("%s %s (answered %d)", ex.Method, ex.Target, ex.Status)
	// A request for an operation the document does not have is no request of the contract:
	// its answer must be the gateway's 404 (or the 400 of a path with control characters).
	if validateRequest && f.route != nil {
		err := openapi3filter.ValidateRequest(context.Background(), in)
		var sec *openapi3filter.SecurityRequirementsError
		switch {
		case errors.As(err, &sec) && ex.Status == http.StatusUnauthorized:
		case err != nil:
			return fmt.Errorf("%s: the request does not match openapi.yaml: %w", where, err)
		}
	}
	// openapi3filter passes every HEAD answer; the document still says which statuses one has.
	if ex.Method == http.MethodHead {
		if route.Operation.Responses.Status(ex.Status) == nil {
			return fmt.Errorf("%s: openapi.yaml gives this operation no %d response", where, ex.Status)
		}
		if len(ex.RespBody) > 0 {
			return fmt.Errorf("%s: a HEAD answer has a body, %q", where, ex.RespBody)
		}
		return nil
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: ex.Status, Header: ex.RespHeader,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	out.SetBodyBytes(ex.RespBody)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("%s: the response does not match openapi.yaml: %w; body %s", where, err, ex.RespBody)
	}
	if r := route.Operation.Responses.Status(ex.Status); r != nil && r.Value != nil && len(r.Value.Content) == 0 && len(ex.RespBody) > 0 {
		return fmt.Errorf("%s: openapi.yaml gives this response no body, but it has %q", where, ex.RespBody)
	}
	return nil
}
