package httpapi

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/logging"
	"github.com/actionservice/actionservice/shared/metrics"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// MaxBodyBytes is the largest request body accepted (413 beyond).
const MaxBodyBytes = 64 << 10

// DefaultWaitCap bounds how long a request waits for a job (below API Gateway's 29 s).
const DefaultWaitCap = 25 * time.Second

// API holds what the handlers need.
type API struct {
	Tickets *store.Store
	// Executions starts actions' state machines.
	Executions Executions
	// Directory resolves the targets of submitted actions (the identity records).
	Directory Directory
	// Identity is the identity store the Domains API reads and changes.
	Identity *identity.Store
	// Now is the clock (default time.Now).
	Now func() time.Time
	// WaitCap bounds every timeOut wait.
	WaitCap time.Duration
	Log     *slog.Logger
	// Metrics receives each route's Latency (none when nil).
	Metrics *metrics.Emitter
}

// handlers maps each route of the routing table to its handler.
func (a *API) handlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"list-jobs":                     a.listJobs,
		"list-error-jobs":               a.listErrorJobs,
		"count-error-jobs":              a.countErrorJobs,
		"list-error-jobs-by-category":   a.listErrorJobs,
		"count-error-jobs-by-category":  a.countErrorJobs,
		"delete-error-jobs-by-category": a.deleteErrorJobs,
		"list-jobs-by-status":           a.listJobsByStatus,
		"count-jobs-by-status":          a.countJobsByStatus,
		"get-job":                       a.getJob,
		"delete-job":                    a.deleteJob,
		"list-actions":                  a.listActions,
		"submit-action":                 a.submitAction,
		"restart-job":                   a.restartJob,
		"list-domain-jobs":              a.listDomainJobs,
		"list-domains":                  a.listDomains,
		"check-domain-name":             a.checkDomainName,
		"get-domain":                    a.getDomain,
		"create-domain":                 a.createDomain,
		"update-domain":                 a.updateDomain,
		"delete-domain":                 a.deleteDomain,
		"list-domain-users":             a.listDomainUsers,
		"list-domain-tenants":           a.listDomainTenants,
		"list-domain-groups":            a.listDomainGroups,
		"list-domain-roles":             a.listDomainRoles,
		"list-subscribeable-services":   a.listSubscribeableServices,
		"list-activated-services":       a.listActivatedServices,
		"transfer-domain-ownership":     a.transferOwnership,
	}
}

// Handler serves the given routes of the routing table (a Lambda serves one, the local
// stack all). Every request passes the same guards: panic recovery, body limit, principal.
func (a *API) Handler(routes ...Route) http.Handler {
	hs := a.handlers()
	mux := http.NewServeMux()
	for _, rt := range routes {
		h, ok := hs[rt.Name]
		if !ok {
			panic(fmt.Sprintf("route %s has no handler", rt.Name))
		}
		var next http.Handler = h
		if !rt.Public {
			next = requirePrincipal(next)
		}
		mux.Handle(rt.Pattern(), a.observe(rt, limitBody(next)))
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteProblem(w, r, http.StatusNotFound, "no resource at "+r.URL.Path)
	}))
	return strictPaths(logContext(a.recoverPanics(mux)))
}

// KeyAPIRequestID is the log key of API Gateway's request id, the one a client reads in a
// problem document and the X-Amzn-Requestid header (requestId is the Lambda invocation's).
const KeyAPIRequestID = "apiRequestId"

// logContext makes every log line of the request carry API Gateway's request id.
func logContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := RequestID(r); id != "" {
			r = r.WithContext(logging.With(r.Context(), slog.String(KeyAPIRequestID, id)))
		}
		next.ServeHTTP(w, r)
	})
}

// observe is what every route reports: its log lines carry the ticket id of its path, and
// each request ends with one "request" line and the route's Latency metric.
func (a *API) observe(rt Route, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if id := r.PathValue("ticketId"); ticket.ValidID(id) {
			r = r.WithContext(logging.With(r.Context(), slog.String("ticketId", id)))
		}
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		took := time.Since(start)
		a.logger().InfoContext(r.Context(), "request", "route", rt.Name, "method", r.Method, "status", sw.status(), "durationMs", metrics.Millis(took))
		a.Metrics.Put(r.Context(), metrics.Latency, metrics.Milliseconds, metrics.Millis(took),
			[]metrics.Dimension{{Name: "Route", Value: rt.Name}}, map[string]string{"status": strconv.Itoa(sw.status())})
	})
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the adapter's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

func (a *API) logger() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

func (a *API) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *API) waitCap() time.Duration {
	if a.WaitCap > 0 {
		return a.WaitCap
	}
	return DefaultWaitCap
}

// recoverPanics turns a panic into a logged 500 problem, never a stack trace to the client.
func (a *API) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				a.logger().ErrorContext(r.Context(), "panic in handler", "path", r.URL.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				WriteProblem(w, r, http.StatusInternalServerError, "unexpected error; quote the requestId when reporting it")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody refuses bodies over MaxBodyBytes with 413, and a body in a media type the API
// cannot read with 415 (on every route: a client that sends a body must send one we read).
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && r.Header.Get("Content-Type") != "" {
			if _, ok := bodyMedia(w, r); !ok {
				return
			}
		}
		if r.ContentLength > MaxBodyBytes {
			WriteProblem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is %d bytes; the limit is %d", r.ContentLength, MaxBodyBytes))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// requirePrincipal lets through a request whose caller the authorizer vouched for; without
// one the caller is unauthenticated (the authorizer ran nowhere).
func requirePrincipal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := principalOf(r); !ok {
			WriteProblem(w, r, http.StatusUnauthorized, "missing or invalid X-Auth-Token")
			return
		}
		// API Gateway's TOKEN authorizer judged one of several tokens, and the event carries
		// them all: ambiguity is no credential, whichever one was judged.
		if len(r.Header.Values("X-Auth-Token")) > 1 {
			WriteProblem(w, r, http.StatusUnauthorized, "more than one X-Auth-Token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writeStoreError maps a store failure to its status; unexpected ones are logged once here.
func (a *API) writeStoreError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, errDeletedWhileWaiting):
		WriteProblem(w, r, http.StatusNotFound, err.Error())
	case errors.Is(err, store.ErrNotFound):
		WriteProblem(w, r, http.StatusNotFound, "no job ticket "+r.PathValue("ticketId"))
	case errors.Is(err, store.ErrNotTerminal):
		WriteProblem(w, r, http.StatusConflict, "the job is still running; only a terminal ticket (COMPLETE, ERROR, TIMEDOUT, CANCELLED) can be deleted")
	case errors.Is(err, store.ErrConflict):
		WriteProblem(w, r, http.StatusConflict, "the job changed while the request ran; read it again")
	case errors.Is(err, store.ErrUnavailable):
		a.logger().ErrorContext(r.Context(), "ticket store unavailable", "err", err)
		WriteProblem(w, r, http.StatusServiceUnavailable, "the ticket store is unavailable; retry later")
	default:
		a.logger().ErrorContext(r.Context(), "request failed", "err", err)
		WriteProblem(w, r, http.StatusInternalServerError, "unexpected error; quote the requestId when reporting it")
	}
}

// setNextLink points the client at the next page: this path with the query next.
func setNextLink(w http.ResponseWriter, r *http.Request, next url.Values) {
	w.Header().Set("Link", fmt.Sprintf("<%s?%s>; rel=\"next\"", clientPath(r, r.URL.Path), next.Encode()))
}

// checkQuery refuses query parameters the route does not define, so a typo (limt=5) is an
// error rather than silently ignored.
func checkQuery(w http.ResponseWriter, r *http.Request, allowed ...string) (url.Values, bool) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		WriteProblem(w, r, http.StatusBadRequest, "malformed query string: "+err.Error())
		return nil, false
	}
	for name, vs := range q {
		known := false
		for _, a := range allowed {
			known = known || a == name
		}
		if !known {
			WriteProblem(w, r, http.StatusBadRequest, fmt.Sprintf("unknown query parameter %q (this route takes %v)", name, allowed))
			return nil, false
		}
		if len(vs) > 1 {
			WriteProblem(w, r, http.StatusBadRequest, fmt.Sprintf("query parameter %q given %d times", name, len(vs)))
			return nil, false
		}
	}
	return q, true
}

// timeOut reads the timeOut parameter in milliseconds: absent or 0 means do not wait.
func timeOut(w http.ResponseWriter, r *http.Request, q url.Values) (time.Duration, bool) {
	v := q.Get("timeOut")
	if v == "" {
		return 0, true
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms < 0 {
		WriteProblem(w, r, http.StatusBadRequest, fmt.Sprintf("timeOut must be a non-negative number of milliseconds, got %q", v))
		return 0, false
	}
	return time.Duration(min(ms, int64(time.Duration(1<<62)/time.Millisecond))) * time.Millisecond, true
}

// ticketRequest reads what every route answering with one ticket takes: the representation
// (JSON or XML) and the timeOut wait, its only query parameter.
func ticketRequest(w http.ResponseWriter, r *http.Request) (media string, wait time.Duration, ok bool) {
	if media, ok = representation(w, r, documentMedia...); !ok {
		return "", 0, false
	}
	v, ok := checkQuery(w, r, "timeOut")
	if !ok {
		return "", 0, false
	}
	wait, ok = timeOut(w, r, v)
	return media, wait, ok
}

// write sends a document as JSON or XML, labelled with the media type negotiated.
func write(w http.ResponseWriter, r *http.Request, media string, status int, doc any) {
	var body []byte
	var err error
	if isXML(media) {
		body, err = xml.Marshal(doc)
		body = append([]byte(xml.Header), body...)
	} else {
		body, err = json.Marshal(doc)
	}
	if err != nil {
		WriteProblem(w, r, http.StatusInternalServerError, "could not render the response")
		return
	}
	w.Header().Set("Content-Type", media)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
