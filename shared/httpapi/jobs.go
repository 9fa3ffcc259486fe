package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// Paging limits (API.md §1).
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// pagingParams are the list routes' query values; countParams the count routes', which the
// seed gives limit and marker.
var (
	pagingParams = []string{"limit", "marker", "skip"}
	countParams  = []string{"limit", "marker"}
)

// limitParam reads limit, def when absent; non-numeric, non-positive or over MaxLimit is 400.
func limitParam(w http.ResponseWriter, r *http.Request, v url.Values, def int) (int, bool) {
	s := v.Get("limit")
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > MaxLimit {
		WriteProblem(w, r, http.StatusBadRequest, fmt.Sprintf("limit must be a whole number from 1 to %d, got %q", MaxLimit, s))
		return 0, false
	}
	return n, true
}

// skipParam reads skip, the seed WADL's offset after the marker; 0 when absent.
func skipParam(w http.ResponseWriter, r *http.Request, v url.Values) (int, bool) {
	s := v.Get("skip")
	if s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 100000 {
		WriteProblem(w, r, http.StatusBadRequest, fmt.Sprintf("skip must be a whole number from 0 to 100000, got %q", s))
		return 0, false
	}
	return n, true
}

// markerParam sets q.Marker when the marker marks a position in the list q selects, q being
// already restricted to what the caller may see. Any other marker is 404 (API.md §1: a
// marker that names no item): an unknown ticket, another account's, or one the list's
// account, action or domain leaves out. A ticket that has since changed status or category
// still marks its page's end (store.MarksPosition), so paging a busy status list never
// breaks.
func (a *API) markerParam(w http.ResponseWriter, r *http.Request, v url.Values, q *store.Query) bool {
	m := v.Get("marker")
	if m == "" {
		return true
	}
	in, err := a.Tickets.MarksPosition(r.Context(), *q, m)
	if err != nil {
		a.writeStoreError(w, r, err)
		return false
	}
	if !in {
		writeUnknownMarker(w, r, m)
		return false
	}
	q.Marker = m
	return true
}

func writeUnknownMarker(w http.ResponseWriter, r *http.Request, marker string) {
	WriteProblem(w, r, http.StatusNotFound, fmt.Sprintf("marker %q names no job ticket of this list", marker))
}

// scoped restricts q to what the caller may see (auth.JobScope): every account for an admin,
// its own for a scoped principal. It is false when the caller may see none of q's tickets —
// it named another account, or it has no account or domain — so the answer is empty.
func scoped(r *http.Request, q *store.Query) bool {
	account, all, ok := auth.JobScope(principal(r))
	switch {
	case all:
		return true
	case !ok, q.Account != "" && q.Account != account:
		return false
	}
	q.Account = account
	return true
}

// writePage answers a list with its Link to the next page.
func writePage(w http.ResponseWriter, r *http.Request, media string, p store.Page, limit int) {
	if p.Next != "" {
		next := r.URL.Query()
		next.Set("marker", p.Next)
		next.Set("limit", strconv.Itoa(limit))
		next.Del("skip")
		setNextLink(w, r, next)
	}
	write(w, r, media, http.StatusOK, ticket.ListOf(p.Tickets))
}

// list runs a list query for the caller, restricted to its account unless it is an admin.
func (a *API) list(w http.ResponseWriter, r *http.Request, v url.Values, q store.Query) {
	media, ok := representation(w, r, documentMedia...)
	if !ok {
		return
	}
	if q.Limit, ok = limitParam(w, r, v, DefaultLimit); !ok {
		return
	}
	if q.Skip, ok = skipParam(w, r, v); !ok {
		return
	}
	if !scoped(r, &q) {
		// Another account's jobs are invisible: its list is empty, and holds no marker.
		if m := v.Get("marker"); m != "" {
			writeUnknownMarker(w, r, m)
			return
		}
		write(w, r, media, http.StatusOK, ticket.ListOf(nil))
		return
	}
	if !a.markerParam(w, r, v, &q) {
		return
	}
	p, err := a.Tickets.List(r.Context(), q)
	if err != nil {
		a.writeStoreError(w, r, err)
		return
	}
	writePage(w, r, media, p, q.Limit)
}

// count answers, as text/plain, how many tickets the route's list would yield for the same
// limit and marker: those after the marker (exclusive), at most limit when one is given,
// all of them when not. The seed names limit and marker as the count routes' query values
// without saying what they do; giving them the list's meaning lets a client ask "how many
// remain after this page" or "are there at least N", and refuses the same values the list
// refuses (a bad limit is 400, a marker not in the list 404).
func (a *API) count(w http.ResponseWriter, r *http.Request, q store.Query) {
	if _, ok := representation(w, r, mediaText); !ok {
		return
	}
	v, ok := checkQuery(w, r, countParams...)
	if !ok {
		return
	}
	if q.Limit, ok = limitParam(w, r, v, 0); !ok {
		return
	}
	visible := scoped(r, &q)
	if !visible && v.Get("marker") != "" {
		writeUnknownMarker(w, r, v.Get("marker"))
		return
	}
	if visible && !a.markerParam(w, r, v, &q) {
		return
	}
	var n int
	var err error
	if visible {
		n, err = a.Tickets.Count(r.Context(), q)
	}
	if err != nil {
		a.writeStoreError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = fmt.Fprintf(w, "%d", n)
	}
}

// pathStatus and pathCategory validate path values: unknown ones are 400.
func pathStatus(w http.ResponseWriter, r *http.Request) (ticket.Status, bool) {
	s, err := ticket.ParseStatus(r.PathValue("status"))
	if err != nil {
		WriteProblem(w, r, http.StatusBadRequest, err.Error())
	}
	return s, err == nil
}

func pathCategory(w http.ResponseWriter, r *http.Request) (ticket.Category, bool) {
	if r.PathValue("category") == "" {
		return "", true
	}
	c, err := ticket.ParseCategory(r.PathValue("category"))
	if err != nil {
		WriteProblem(w, r, http.StatusBadRequest, err.Error())
	}
	return c, err == nil
}

// GET /job?accountId=&action=&status=
func (a *API) listJobs(w http.ResponseWriter, r *http.Request) {
	v, ok := checkQuery(w, r, append([]string{"accountId", "action", "status"}, pagingParams...)...)
	if !ok {
		return
	}
	q := store.Query{Account: v.Get("accountId"), Action: v.Get("action")}
	if s := v.Get("status"); s != "" {
		st, err := ticket.ParseStatus(s)
		if err != nil {
			WriteProblem(w, r, http.StatusBadRequest, err.Error())
			return
		}
		q.Status = st
	}
	if q.Account == "" {
		if p := principal(r); p.IsAdmin() {
			WriteProblem(w, r, http.StatusBadRequest, "accountId is required: name the account whose jobs to list")
			return
		} else {
			q.Account = p.AccountID
		}
	}
	a.list(w, r, v, q)
}

// GET /job/error and GET /job/error/{category}
func (a *API) listErrorJobs(w http.ResponseWriter, r *http.Request) {
	c, ok := pathCategory(w, r)
	if !ok {
		return
	}
	v, ok := checkQuery(w, r, pagingParams...)
	if !ok {
		return
	}
	a.list(w, r, v, store.Query{Errors: true, Category: c})
}

// GET /job/error/count and GET /job/error/{category}/count
func (a *API) countErrorJobs(w http.ResponseWriter, r *http.Request) {
	if c, ok := pathCategory(w, r); ok {
		a.count(w, r, store.Query{Errors: true, Category: c})
	}
}

// DELETE /job/error/{category}
func (a *API) deleteErrorJobs(w http.ResponseWriter, r *http.Request) {
	c, ok := pathCategory(w, r)
	if !ok {
		return
	}
	if _, ok := checkQuery(w, r); !ok {
		return
	}
	// The work stops within the wait cap, so that a huge category ends in an honest answer
	// rather than API Gateway's 504 with nobody knowing how far it got. The store deletes
	// each page as it lists it, so every repeat deletes more until none remain.
	ctx, cancel := context.WithTimeout(r.Context(), a.waitCap())
	defer cancel()
	q := store.Query{Errors: true, Category: c}
	var n int
	var err error
	if scoped(r, &q) {
		n, err = a.Tickets.DeleteAll(ctx, q)
	}
	a.logger().InfoContext(r.Context(), "deleted error jobs", "category", c, "count", n, "by", principal(r).UserID, "err", err)
	switch {
	case errors.Is(err, context.DeadlineExceeded) && r.Context().Err() == nil:
		w.Header().Set("Retry-After", "0")
		WriteProblem(w, r, http.StatusServiceUnavailable, fmt.Sprintf(
			"deleted %d %s error jobs before this request's time ran out; more remain: repeat the request", n, c))
	case err != nil:
		a.writeStoreError(w, r, err)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// GET /job/status/{status}
func (a *API) listJobsByStatus(w http.ResponseWriter, r *http.Request) {
	s, ok := pathStatus(w, r)
	if !ok {
		return
	}
	v, ok := checkQuery(w, r, pagingParams...)
	if !ok {
		return
	}
	a.list(w, r, v, store.Query{Status: s})
}

// GET /job/status/{status}/count
func (a *API) countJobsByStatus(w http.ResponseWriter, r *http.Request) {
	if s, ok := pathStatus(w, r); ok {
		a.count(w, r, store.Query{Status: s})
	}
}

// visibleTicket reads the path's ticket; a malformed id, an unknown one and another
// account's are all 404.
func (a *API) visibleTicket(w http.ResponseWriter, r *http.Request) (*ticket.Ticket, bool) {
	id := r.PathValue("ticketId")
	if !ticket.ValidID(id) {
		WriteProblem(w, r, http.StatusNotFound, "no job ticket "+id)
		return nil, false
	}
	t, err := a.Tickets.Get(r.Context(), id)
	if err == nil && !maySee(principal(r), t.AccountID) {
		err = store.ErrNotFound
	}
	if err != nil {
		a.writeStoreError(w, r, err)
		return nil, false
	}
	return t, true
}

// GET /job/{ticketId}?timeOut=ms
func (a *API) getJob(w http.ResponseWriter, r *http.Request) {
	media, wait, ok := ticketRequest(w, r)
	if !ok {
		return
	}
	t, ok := a.visibleTicket(w, r)
	if !ok {
		return
	}
	t, err := a.awaitTerminal(r.Context(), t, wait)
	if err != nil {
		a.writeStoreError(w, r, err)
		return
	}
	write(w, r, media, http.StatusOK, ticket.Document{JobTicket: ticket.ViewOf(t)})
}

// errDeletedWhileWaiting: the ticket a request waited for was deleted meanwhile (404).
var errDeletedWhileWaiting = errors.New("the job ticket was deleted while the request waited for it")

// awaitTerminal polls the ticket with backoff until it is terminal or the wait (capped by
// the API's wait cap) is over, and returns its latest state; errDeletedWhileWaiting when it
// is gone.
func (a *API) awaitTerminal(ctx context.Context, t *ticket.Ticket, wait time.Duration) (*ticket.Ticket, error) {
	wait = min(wait, a.waitCap())
	if wait <= 0 || t.Status.Terminal() {
		return t, nil
	}
	deadline := time.Now().Add(wait)
	interval := 25 * time.Millisecond
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return t, nil
		}
		select {
		case <-ctx.Done():
			return t, nil
		case <-time.After(min(interval, left)):
		}
		next, err := a.Tickets.Get(ctx, t.ID)
		if errors.Is(err, store.ErrNotFound) {
			// Answering with the state last read would show a ticket that no longer exists.
			return nil, fmt.Errorf("ticket %s: %w", t.ID, errDeletedWhileWaiting)
		}
		if err != nil {
			return nil, err
		}
		t = next
		if t.Status.Terminal() {
			return t, nil
		}
		interval = min(interval*3/2, time.Second)
	}
}

// DELETE /job/{ticketId}
func (a *API) deleteJob(w http.ResponseWriter, r *http.Request) {
	if _, ok := checkQuery(w, r); !ok {
		return
	}
	t, ok := a.visibleTicket(w, r)
	if !ok {
		return
	}
	if err := a.Tickets.Delete(r.Context(), t.ID); err != nil {
		a.writeStoreError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
