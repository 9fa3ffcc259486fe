package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"unicode/utf8"

	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/store"
	"github.com/actionservice/actionservice/shared/ticket"
)

// MaxActionPattern bounds the history's action filter, a regular expression (API.md §3).
const MaxActionPattern = 256

// historyFilter is what a history request asks for beyond its page.
type historyFilter struct {
	// actions are the catalogue's actions the action pattern matches; nil when there is no
	// pattern (every action).
	actions []string
	status  ticket.Status
	latest  bool
}

// readHistoryFilter reads action (an RE2 regular expression, unanchored, on the action name),
// status and latest; each bad value is 400.
func readHistoryFilter(w http.ResponseWriter, r *http.Request, v url.Values) (historyFilter, bool) {
	var f historyFilter
	get := v.Get
	if p := get("action"); p != "" {
		if utf8.RuneCountInString(p) > MaxActionPattern {
			WriteProblem(w, r, http.StatusBadRequest, fmt.Sprintf("action must be a regular expression of at most %d characters", MaxActionPattern))
			return f, false
		}
		re, err := regexp.Compile(p)
		if err != nil {
			WriteProblem(w, r, http.StatusBadRequest, "action is not a valid regular expression (RE2 syntax): "+err.Error())
			return f, false
		}
		f.actions = []string{}
		for _, a := range actions.Catalogue() {
			if re.MatchString(a.Name) {
				f.actions = append(f.actions, a.Name)
			}
		}
	}
	if s := get("status"); s != "" {
		st, err := ticket.ParseStatus(s)
		if err != nil {
			WriteProblem(w, r, http.StatusBadRequest, err.Error())
			return f, false
		}
		f.status = st
	}
	switch l := get("latest"); l {
	case "", "false":
	case "true":
		f.latest = true
	default:
		WriteProblem(w, r, http.StatusBadRequest, fmt.Sprintf("latest must be true or false, got %q", l))
		return f, false
	}
	return f, true
}

// visibleDomain answers whether the caller may read the path's domain's history: 404 for a
// domain that does not exist or that the caller may not see (alike), 403 for a caller of
// the domain whose role may not read its history.
func (a *API) visibleDomain(w http.ResponseWriter, r *http.Request, op auth.Operation) (string, bool) {
	id := r.PathValue("domainId")
	noSuch := func() (string, bool) {
		WriteProblem(w, r, http.StatusNotFound, "no domain "+strconv.Quote(id))
		return "", false
	}
	if len(id) > 19 || !identityID(id) {
		return noSuch()
	}
	switch err := auth.Authorize(principal(r), op, &auth.Target{DomainID: id}); {
	case errors.Is(err, auth.ErrInvisible):
		return noSuch()
	case err != nil:
		WriteProblem(w, r, http.StatusForbidden, "this caller may not read the operation history of its domain; a domainadmin may")
		return "", false
	}
	if _, err := a.Directory.GetDomain(r.Context(), id); identity.IsNotFound(err) {
		return noSuch()
	} else if err != nil {
		a.logger().ErrorContext(r.Context(), "could not read the domain", "domainId", id, "err", err)
		WriteProblem(w, r, http.StatusServiceUnavailable, "the identity records could not be read; retry later")
		return "", false
	}
	return id, true
}

// identityID reports whether s has the shape of a domain, user or tenant id: digits.
func identityID(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// GET /domains/{domainId}/jobs?action=&status=&latest=&limit=&marker=: the domain's
// operation history, newest first — every ticket whose action targeted the domain, with who
// ran it. A Query on the byDomain index (latest: one single-item Query per action on
// byDomainAction), never a Scan.
func (a *API) listDomainJobs(w http.ResponseWriter, r *http.Request) {
	media, ok := representation(w, r, documentMedia...)
	if !ok {
		return
	}
	v, ok := checkQuery(w, r, "action", "status", "latest", "limit", "marker")
	if !ok {
		return
	}
	limit, ok := limitParam(w, r, v, DefaultLimit)
	if !ok {
		return
	}
	f, ok := readHistoryFilter(w, r, v)
	if !ok {
		return
	}
	domain, ok := a.visibleDomain(w, r, auth.DomainJobs)
	if !ok {
		return
	}
	q := store.Query{Domain: domain, Status: f.status, Actions: f.actions, Limit: limit}
	if f.actions != nil && len(f.actions) == 0 {
		// The pattern matches no action: the history is empty and holds no marker.
		if m := v.Get("marker"); m != "" {
			writeUnknownMarker(w, r, m)
			return
		}
		writeHistory(w, r, media, nil, "", limit)
		return
	}
	if !a.markerParam(w, r, v, &q) {
		return
	}
	if !f.latest {
		p, err := a.Tickets.List(r.Context(), q)
		if err != nil {
			a.writeStoreError(w, r, err)
			return
		}
		writeHistory(w, r, media, p.Tickets, p.Next, limit)
		return
	}
	names := f.actions
	if names == nil {
		for _, act := range actions.Catalogue() {
			names = append(names, act.Name)
		}
	}
	newest, err := a.Tickets.Latest(r.Context(), domain, names)
	if err != nil {
		a.writeStoreError(w, r, err)
		return
	}
	// The newest ticket of each action, then the status filter: latest=true&status=ERROR
	// lists the actions whose latest run failed.
	var page []*ticket.Ticket
	next := ""
	for _, t := range newest {
		if (f.status != "" && t.Status != f.status) || (q.Marker != "" && t.ID >= q.Marker) {
			continue
		}
		if len(page) == limit {
			next = page[limit-1].ID
			break
		}
		page = append(page, t)
	}
	writeHistory(w, r, media, page, next, limit)
}

// writeHistory answers a page of history with its Link to the next page.
func writeHistory(w http.ResponseWriter, r *http.Request, media string, ts []*ticket.Ticket, next string, limit int) {
	if next != "" {
		q := r.URL.Query()
		q.Set("marker", next)
		q.Set("limit", strconv.Itoa(limit))
		setNextLink(w, r, q)
	}
	write(w, r, media, http.StatusOK, ticket.HistoryOf(ts))
}
