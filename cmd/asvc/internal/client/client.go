// Package client speaks the Action Service's REST API (API.md §1–2) for the asvc command:
// one method per route, problem documents as errors, paging by the Link header, and retries
// of the calls that are safe to repeat.
package client

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/actionservice/actionservice/shared/ticket"
)

// RequestIDHeader is where API Gateway (and the local gateway) names the request, so that an
// answer without a problem document can still be found in the logs.
const RequestIDHeader = "X-Amzn-Requestid"

// Client calls one deployment of the API as one caller.
type Client struct {
	// Endpoint is the API's base URL, stage included (https://…/dev, http://127.0.0.1:3000).
	Endpoint *url.URL
	Token    string
	HTTP     *http.Client
	// Attempts bounds the tries of a call that may be repeated (1: no retry).
	Attempts int
	// Backoff is the wait before the second try; it doubles for each further one.
	Backoff time.Duration
}

// New is a client of the API at endpoint.
func New(endpoint, token string) (*Client, error) {
	if endpoint == "" {
		return nil, errors.New("no endpoint: set --endpoint or ACTION_SERVICE_URL")
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q is not an http(s) URL", endpoint)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	// A request that hangs is a network error like any other, so it has an end: beyond the
	// longest wait the API holds an answer (its wait cap, under API Gateway's 29 s).
	return &Client{Endpoint: u, Token: token, HTTP: &http.Client{Timeout: time.Minute}, Attempts: 4, Backoff: 250 * time.Millisecond}, nil
}

// Problem is an answer that is not a success: the API's RFC 9457 problem document, or what
// stands for one when something before the API (a proxy, the gateway) answered.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Instance  string `json:"instance"`
	RequestID string `json:"requestId"`
	// RetryAfter is the answer's Retry-After header: the API sets it on a 503 that asks for
	// the request again (a bulk delete that ran out of time).
	RetryAfter string `json:"-"`
}

// Error is the problem in one line, with the request id that finds it in the service's logs.
func (p *Problem) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", p.Status, p.Title)
	if p.Detail != "" {
		b.WriteString(": " + p.Detail)
	}
	if p.RequestID != "" {
		b.WriteString(" (request id " + p.RequestID + ")")
	}
	return b.String()
}

// request is one call: what to send, and whether sending it twice does no harm.
type request struct {
	method     string
	url        *url.URL
	header     http.Header
	body       []byte
	repeatable bool
}

// at is the URL of the API path made of segments (each escaped), under the endpoint.
func (c *Client) at(q url.Values, segments ...string) *url.URL {
	u := *c.Endpoint
	raw := u.EscapedPath()
	for _, s := range segments {
		u.Path += "/" + s
		raw += "/" + url.PathEscape(s)
	}
	u.RawPath, u.RawQuery = raw, q.Encode()
	return &u
}

// follow is the URL a Link's target names, resolved against the endpoint (the API writes an
// absolute path, stage included). A target on another origin is refused: the token would go
// with the request.
func (c *Client) follow(target string) (*url.URL, error) {
	ref, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("Link target %q: %w", target, err)
	}
	u := c.Endpoint.ResolveReference(ref)
	if u.Scheme != c.Endpoint.Scheme || u.Host != c.Endpoint.Host {
		return nil, fmt.Errorf("Link target %q is not on %s://%s: not followed", target, c.Endpoint.Scheme, c.Endpoint.Host)
	}
	return u, nil
}

// response is a success's status, headers and body.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends r, retrying a repeatable call whose answer was lost (a network error) or that met
// an unavailable service (502, 503, 504) with backoff and jitter; any other answer is final.
// A success is a 2xx; anything else is a *Problem.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	attempts := 1
	if r.repeatable {
		attempts = max(c.Attempts, 1)
	}
	wait := c.Backoff
	for try := 1; ; try++ {
		resp, err := c.once(ctx, r)
		retry := err != nil && ctx.Err() == nil
		var p *Problem
		if errors.As(err, &p) {
			retry = p.Status == http.StatusBadGateway || p.Status == http.StatusServiceUnavailable || p.Status == http.StatusGatewayTimeout
		}
		if !retry || try >= attempts {
			if try > 1 && err != nil {
				err = fmt.Errorf("%w (after %d attempts)", err, try)
			}
			return resp, err
		}
		// Full jitter: many clients that met one outage do not come back in step.
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait/2 + rand.N(wait/2+1)):
		}
		wait *= 2
	}
}

func (c *Client) once(ctx context.Context, r request) (*response, error) {
	u := r.url
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	if c.Token != "" {
		req.Header.Set("X-Auth-Token", c.Token)
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		// The *url.Error names the method and the URL already.
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", r.method, u.Redacted(), err)
	}
	if resp.StatusCode/100 != 2 {
		p := problemOf(resp, b)
		p.RetryAfter = resp.Header.Get("Retry-After")
		return nil, p
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// problemOf reads a failed answer: its problem document, or, when something other than the
// API answered (a proxy's HTML, API Gateway's {"message":…}), the status and the text.
func problemOf(resp *http.Response, body []byte) *Problem {
	p := &Problem{}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") && json.Unmarshal(body, p) == nil && p.Status != 0 {
		if p.RequestID == "" {
			p.RequestID = resp.Header.Get(RequestIDHeader)
		}
		return p
	}
	p = &Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode), RequestID: resp.Header.Get(RequestIDHeader)}
	var gateway struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &gateway) == nil && gateway.Message != "" {
		p.Detail = gateway.Message
	} else if line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n"); len(line) <= 200 {
		p.Detail = line
	}
	return p
}

// Action is one entry of the catalogue. In JSON it has the catalogue's shape, the seed's tree:
// {"name","description","parameters":{"parameter":[…]},"steps":{"step":[…]}}.
type Action struct {
	Name        string
	Description string
	Parameters  []Parameter
	Steps       []string
}

// actionJSON is an Action as the catalogue document holds it.
type actionJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Parameters  struct {
		Parameter []Parameter `json:"parameter"`
	} `json:"parameters"`
	Steps struct {
		Step []string `json:"step"`
	} `json:"steps"`
}

// MarshalJSON writes the action in the catalogue's shape.
func (a Action) MarshalJSON() ([]byte, error) {
	var w actionJSON
	w.Name, w.Description = a.Name, a.Description
	w.Parameters.Parameter, w.Steps.Step = a.Parameters, a.Steps
	return json.Marshal(w)
}

// UnmarshalJSON reads the action from the catalogue's shape.
func (a *Action) UnmarshalJSON(b []byte) error {
	var w actionJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*a = Action{Name: w.Name, Description: w.Description, Parameters: w.Parameters.Parameter, Steps: w.Steps.Step}
	return nil
}

// Parameter is one of an action's parameters.
type Parameter struct {
	Name     string `json:"name"`
	Required bool   `json:"required"`
	Type     string `json:"type"`
}

// Actions is the whole catalogue, every page of it.
func (c *Client) Actions(ctx context.Context) ([]Action, error) {
	var all []Action
	next := c.at(nil, "action")
	for next != nil {
		resp, err := c.do(ctx, request{method: http.MethodGet, url: next, repeatable: true})
		if err != nil {
			return nil, err
		}
		var doc struct {
			ActionList struct {
				Action []Action `json:"action"`
			} `json:"actionList"`
		}
		if err := json.Unmarshal(resp.body, &doc); err != nil {
			return nil, fmt.Errorf("GET %s: unreadable catalogue: %w", next, err)
		}
		all = append(all, doc.ActionList.Action...)
		next = nil
		if target := nextLink(resp.header); target != "" {
			if next, err = c.follow(target); err != nil {
				return nil, err
			}
		}
	}
	return all, nil
}

// Submission is what submit sends: parameters, or a body the caller wrote (JSON or XML).
type Submission struct {
	Params map[string]string
	// Body and ContentType, when Body is set, are sent as they are instead of Params.
	Body        []byte
	ContentType string
	// Deadline, when positive, is the job's timeOut: the service cancels the job and rolls it
	// back if it is not done by then. The API holds the answer up to its wait cap meanwhile.
	Deadline time.Duration
	// IdempotencyKey names the submission: a repeat with the same key returns the first
	// ticket, which is what makes retrying a submit safe. Empty: the client makes one.
	IdempotencyKey string
}

// Submit runs an action and returns its ticket.
func (c *Client) Submit(ctx context.Context, action string, s Submission) (*ticket.View, error) {
	body, ctype := s.Body, s.ContentType
	if body == nil {
		params := ticket.StringMap(s.Params)
		if params == nil {
			params = ticket.StringMap{}
		}
		var err error
		if body, err = json.Marshal(map[string]ticket.Submission{"JobTicket": {ActionParams: params}}); err != nil {
			return nil, err
		}
		ctype = "application/json"
	}
	key := s.IdempotencyKey
	if key == "" {
		key = NewIdempotencyKey()
	}
	q := url.Values{}
	if s.Deadline > 0 {
		q.Set("timeOut", strconv.FormatInt(s.Deadline.Milliseconds(), 10))
	}
	resp, err := c.do(ctx, request{
		method: http.MethodPost, url: c.at(q, "action", action), body: body,
		header: http.Header{"Content-Type": {ctype}, "Idempotency-Key": {key}}, repeatable: true,
	})
	if err != nil {
		return nil, err
	}
	return decodeTicket(resp)
}

// NewIdempotencyKey is a fresh random key.
func NewIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}

// Job is one ticket as it is now.
func (c *Client) Job(ctx context.Context, id string) (*ticket.View, error) {
	return c.getJob(ctx, id, 0)
}

// Await is the ticket once it is terminal, or as it is when the API's wait cap (at most
// wait) ran out first: one long-poll (GET /job/{id}?timeOut=).
func (c *Client) Await(ctx context.Context, id string, wait time.Duration) (*ticket.View, error) {
	return c.getJob(ctx, id, wait)
}

func (c *Client) getJob(ctx context.Context, id string, wait time.Duration) (*ticket.View, error) {
	q := url.Values{}
	if wait > 0 {
		q.Set("timeOut", strconv.FormatInt(wait.Milliseconds(), 10))
	}
	resp, err := c.do(ctx, request{method: http.MethodGet, url: c.at(q, "job", id), repeatable: true})
	if err != nil {
		return nil, err
	}
	return decodeTicket(resp)
}

// Restart resumes a TIMEDOUT job at its timed-out step. It is never retried: once a restart
// has applied, a repeat answers 409 (the job is RETRY or RUNNING), which would report a
// success as a failure.
func (c *Client) Restart(ctx context.Context, id string) (*ticket.View, error) {
	resp, err := c.do(ctx, request{method: http.MethodPut, url: c.at(nil, "job", id)})
	if err != nil {
		return nil, err
	}
	return decodeTicket(resp)
}

// Delete removes a terminal ticket.
func (c *Client) Delete(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, url: c.at(nil, "job", id), repeatable: true})
	return err
}

// DeleteErrors deletes every error job of a category. The API deletes as many as it can
// within its wait cap and answers 503 with Retry-After when more remain; each repeat deletes
// more, so it is repeated until none remain.
func (c *Client) DeleteErrors(ctx context.Context, category ticket.Category) error {
	for {
		_, err := c.do(ctx, request{method: http.MethodDelete, url: c.at(nil, "job", "error", string(category)), repeatable: true})
		var p *Problem
		if !errors.As(err, &p) || p.Status != http.StatusServiceUnavailable || p.RetryAfter == "" {
			return err
		}
	}
}

// Filter chooses a job list (or count) among the routes that serve one.
type Filter struct {
	// Account, Action and Status (with Account or Action) list GET /job.
	Account, Action string
	Status          ticket.Status
	// Errors lists the failed jobs (GET /job/error), of Category when it is set.
	Errors   bool
	Category ticket.Category
}

// Check refuses a filter no route serves: the error lists filter by category only.
func (f Filter) Check() error {
	if (f.Errors || f.Category != "") && (f.Account != "" || f.Action != "" || f.Status != "") {
		return errors.New("the error lists filter by category only: --errors and --category do not go with --account, --action or --status")
	}
	return nil
}

// route is the path segments of the filter's list and its query values.
func (f Filter) route() ([]string, url.Values, error) {
	if err := f.Check(); err != nil {
		return nil, nil, err
	}
	q := url.Values{}
	byJob := f.Account != "" || f.Action != ""
	switch {
	case f.Category != "":
		return []string{"job", "error", string(f.Category)}, q, nil
	case f.Errors:
		return []string{"job", "error"}, q, nil
	case f.Status != "" && !byJob:
		return []string{"job", "status", string(f.Status)}, q, nil
	}
	if f.Account != "" {
		q.Set("accountId", f.Account)
	}
	if f.Action != "" {
		q.Set("action", f.Action)
	}
	if f.Status != "" {
		q.Set("status", string(f.Status))
	}
	return []string{"job"}, q, nil
}

// Page is one page of a job list; Next is the Link's target of the following one ("" on the
// last), for NextJobs.
type Page struct {
	Tickets []ticket.View
	Next    string
}

// Paging is where a list starts and how much of it one page holds (0: the API's defaults).
type Paging struct {
	Limit, Skip int
	Marker      string
}

// Jobs is the first page of the list f chooses.
func (c *Client) Jobs(ctx context.Context, f Filter, p Paging) (*Page, error) {
	path, q, err := f.route()
	if err != nil {
		return nil, err
	}
	return c.page(ctx, c.at(pagingQuery(q, p), path...))
}

// NextJobs is the page a previous page's Next links to.
func (c *Client) NextJobs(ctx context.Context, next string) (*Page, error) {
	u, err := c.follow(next)
	if err != nil {
		return nil, err
	}
	return c.page(ctx, u)
}

func (c *Client) page(ctx context.Context, u *url.URL) (*Page, error) {
	resp, err := c.do(ctx, request{method: http.MethodGet, url: u, repeatable: true})
	if err != nil {
		return nil, err
	}
	var doc ticket.List
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		return nil, fmt.Errorf("GET %s: unreadable ticket list: %w", u.Path, err)
	}
	return &Page{Tickets: doc.TicketList.Tickets, Next: nextLink(resp.header)}, nil
}

// Count is how many jobs the filter's count route counts: the error jobs (of a category) or
// the jobs of a status; the API has no count of GET /job's lists.
func (c *Client) Count(ctx context.Context, f Filter) (int, error) {
	path, q, err := f.route()
	if err != nil {
		return 0, err
	}
	if len(path) == 1 {
		return 0, errors.New("the API counts error jobs (--errors, --category) and jobs by status (--status) only")
	}
	u := c.at(q, append(path, "count")...)
	resp, err := c.do(ctx, request{method: http.MethodGet, url: u,
		header: http.Header{"Accept": {"text/plain"}}, repeatable: true})
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(resp.body)))
	if err != nil {
		return 0, fmt.Errorf("GET %s: the answer %q is not a number", u.Path, resp.body)
	}
	return n, nil
}

func decodeTicket(resp *response) (*ticket.View, error) {
	var doc ticket.Document
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		return nil, fmt.Errorf("unreadable job ticket: %w", err)
	}
	return &doc.JobTicket, nil
}

// nextLink is the target of the header's Link rel="next" (RFC 8288), "" when there is none.
func nextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, link := range strings.Split(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(link), ";")
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, p := range strings.Split(params, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "rel") && slices.ContainsFunc(strings.Fields(strings.Trim(v, `"`)), isNext) {
					return strings.TrimSuffix(strings.TrimPrefix(target, "<"), ">")
				}
			}
		}
	}
	return ""
}

func isNext(rel string) bool { return strings.EqualFold(rel, "next") }
