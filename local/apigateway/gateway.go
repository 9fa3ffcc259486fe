// Package apigateway plays Amazon API Gateway on a laptop: it turns each HTTP request into a REST API
// proxy event, runs the TOKEN authorizer's decision for protected routes, and invokes the
// route's Lambda handler through the Lambda contract (JSON event in, JSON response out), the
// way `sam local start-api` does without Docker. So the api-proxy adapter, status codes and
// empty-body paths behave as they do on AWS.
package apigateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/actionservice/actionservice/local/invocation"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/httpapi"
)

// maxPayload is API Gateway's own request size limit; the handlers enforce the API's
// smaller one.
const maxPayload = 10 << 20

// Decider is the authorizer's verdict on a token (auth.Authorizer.Decide).
type Decider interface {
	Decide(ctx context.Context, token string) (auth.Principal, error)
}

// Gateway routes requests to per-route Lambda handlers.
type Gateway struct {
	mux      *http.ServeMux
	handlers map[string]lambda.Handler
	auth     Decider
	log      *slog.Logger
}

// New returns a gateway for the routes, each served by handlers[route.Name].
func New(routes []httpapi.Route, handlers map[string]lambda.Handler, authz Decider, log *slog.Logger) (*Gateway, error) {
	g := &Gateway{mux: http.NewServeMux(), handlers: handlers, auth: authz, log: log}
	// API Gateway finds the resource by path first, a literal segment before a {parameter}
	// (DELETE /job/error/count is the count resource, not /job/error/{category}), then the
	// method on it. Go's mux does the path part when the patterns carry no method.
	resources := map[string]map[string]httpapi.Route{}
	for _, rt := range routes {
		if handlers[rt.Name] == nil {
			return nil, fmt.Errorf("route %s has no Lambda handler", rt.Name)
		}
		// Every prefix of a path is a resource too (/job/status of /job/status/{status}), with
		// no methods unless a route gives it some.
		for i := range rt.Path {
			if i > 0 && rt.Path[i] == '/' && resources[rt.Path[:i]] == nil {
				resources[rt.Path[:i]] = map[string]httpapi.Route{}
			}
		}
		if resources[rt.Path] == nil {
			resources[rt.Path] = map[string]httpapi.Route{}
		}
		resources[rt.Path][rt.Method] = rt
	}
	for path, methods := range resources {
		g.mux.Handle(path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rt, ok := methods[r.Method]
			if !ok {
				g.noRoute(w, r)
				return
			}
			g.serve(w, r, rt)
		}))
	}
	// API Gateway answers a path or method it has no route for with MISSING_AUTHENTICATION_TOKEN,
	// which the template maps to 404.
	g.mux.Handle("/", http.HandlerFunc(g.noRoute))
	return g, nil
}

// ServeHTTP answers one request as API Gateway would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := invocation.NewRequestID()
	r.Header.Set("X-Request-Id", requestID)
	// A client's own trace header is continued, as API Gateway continues it.
	if r.Header.Get(traceHeader) == "" {
		r.Header.Set(traceHeader, invocation.NewTraceHeader(time.Now()))
	}
	w.Header().Set("X-Amzn-Requestid", requestID)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	// The mux would answer a path with dot or empty segments by a redirect to its cleaned
	// form; no route has such a path, and the handlers refuse control characters themselves.
	if httpapi.HasDotOrEmptySegment(r.URL.Path) {
		g.noRoute(w, r)
		return
	}
	g.mux.ServeHTTP(w, r)
}

func (g *Gateway) noRoute(w http.ResponseWriter, r *http.Request) {
	g.problem(w, r, http.StatusNotFound, fmt.Sprintf("no route %s %s", r.Method, r.URL.Path))
}

// serve answers a request that matched a route.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, rt httpapi.Route) {
	requestID := r.Header.Get("X-Request-Id")
	if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
		// The event carries decoded query values; one that cannot be decoded has no event.
		g.problem(w, r, http.StatusBadRequest, "malformed query string: "+err.Error())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPayload))
	if err != nil {
		g.problem(w, r, http.StatusRequestEntityTooLarge, "request body over API Gateway's 10 MB limit")
		return
	}
	event := g.event(r, rt, requestID, body)
	if !rt.Public {
		if len(r.Header.Values("X-Auth-Token")) > 1 {
			// Which of them would the authorizer judge? Neither: ambiguity is no credential.
			g.problem(w, r, http.StatusUnauthorized, "more than one X-Auth-Token")
			return
		}
		p, err := g.auth.Decide(invoked(r), r.Header.Get("X-Auth-Token"))
		switch {
		case err == nil:
			event.RequestContext.Authorizer = p.Context()
		case errors.Is(err, auth.ErrMissingToken), errors.Is(err, auth.ErrInvalidToken):
			g.problem(w, r, http.StatusUnauthorized, "missing or invalid X-Auth-Token")
			return
		case errors.Is(err, auth.ErrForbidden):
			g.problem(w, r, http.StatusForbidden, "the caller is disabled or suspended")
			return
		default:
			g.log.ErrorContext(r.Context(), "authorizer failed", httpapi.KeyAPIRequestID, requestID, "err", err)
			g.problem(w, r, http.StatusServiceUnavailable, "the authorizer could not judge the token; retry later")
			return
		}
	}
	g.invoke(w, r, rt, event)
}

// event builds the REST API proxy event API Gateway would send.
func (g *Gateway) event(r *http.Request, rt httpapi.Route, requestID string, body []byte) events.APIGatewayProxyRequest {
	e := events.APIGatewayProxyRequest{
		Resource:                        rt.Path,
		Path:                            r.URL.Path,
		HTTPMethod:                      r.Method,
		Headers:                         map[string]string{},
		MultiValueHeaders:               map[string][]string{},
		QueryStringParameters:           map[string]string{},
		MultiValueQueryStringParameters: map[string][]string{},
		PathParameters:                  map[string]string{},
		RequestContext: events.APIGatewayProxyRequestContext{
			RequestID:    requestID,
			Stage:        "local",
			ResourcePath: rt.Path,
			HTTPMethod:   r.Method,
			// The path as the client called it: on AWS it carries the stage or a custom
			// domain's base path; the local API is served at the root.
			Path:        r.URL.Path,
			DomainName:  r.Host,
			RequestTime: time.Now().UTC().Format("02/Jan/2006:15:04:05 -0700"),
		},
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		e.RequestContext.Identity.SourceIP = host
	}
	for k, vs := range r.Header {
		e.Headers[k] = vs[len(vs)-1]
		e.MultiValueHeaders[k] = vs
	}
	for k, vs := range r.URL.Query() {
		e.QueryStringParameters[k] = vs[len(vs)-1]
		e.MultiValueQueryStringParameters[k] = vs
	}
	for _, seg := range strings.Split(rt.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			e.PathParameters[name] = r.PathValue(name)
		}
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			e.Body = string(body)
		} else {
			e.Body, e.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return e
}

// invoke runs the route's handler through the Lambda contract and writes its response.
func (g *Gateway) invoke(w http.ResponseWriter, r *http.Request, rt httpapi.Route, e events.APIGatewayProxyRequest) {
	payload, err := json.Marshal(e)
	if err != nil {
		g.problem(w, r, http.StatusInternalServerError, "could not build the proxy event")
		return
	}
	out, err := g.handlers[rt.Name].Invoke(invoked(r), payload)
	if err != nil {
		// A Lambda that fails makes API Gateway answer 502.
		g.log.ErrorContext(r.Context(), "lambda failed", "route", rt.Name, httpapi.KeyAPIRequestID, e.RequestContext.RequestID, "err", err)
		g.problem(w, r, http.StatusBadGateway, "the route's function failed; quote the requestId when reporting it")
		return
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode < 100 {
		g.problem(w, r, http.StatusBadGateway, "the route's function returned a malformed response")
		return
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		w.Header()[http.CanonicalHeaderKey(k)] = vs
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			g.problem(w, r, http.StatusBadGateway, "the route's function returned malformed base64")
			return
		}
	}
	w.WriteHeader(resp.StatusCode)
	if r.Method != http.MethodHead && len(body) > 0 {
		_, _ = w.Write(body)
	}
}

// problem answers as the template's GatewayResponses do: an RFC 9457 document, always JSON,
// because API Gateway's own answers have one content type whatever the client accepts. (The
// route handlers' problems honour Accept.)
func (g *Gateway) problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", "X-Auth-Token")
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	_ = json.NewEncoder(w).Encode(httpapi.Problem{
		Type: httpapi.ProblemType(status), Title: http.StatusText(status), Status: status,
		Detail: detail, Instance: r.URL.Path, RequestID: r.Header.Get("X-Request-Id"),
	})
}

// invoked is the context of one Lambda invocation for the request: a Lambda request id of
// its own (not API Gateway's, which the event carries) and the request's trace.
func invoked(r *http.Request) context.Context {
	return invocation.Context(r.Context(), r.Header.Get(traceHeader))
}

// traceHeader is where API Gateway's active tracing passes a request's trace on.
const traceHeader = "X-Amzn-Trace-Id"
