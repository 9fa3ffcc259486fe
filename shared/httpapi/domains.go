package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/identity"
	"github.com/actionservice/actionservice/shared/ticket"
)

// The Domains API (API.md §3, seed 001). Every handler asks auth.Authorize before it reads
// anything of a domain: another domain's id is answered exactly as an id that names none.

// domainPaging are the query values of every Domains list.
var domainPaging = []string{"limit", "marker"}

// writeIdentityError maps an identity store failure to its status; unexpected ones are
// logged once here.
func (a *API) writeIdentityError(w http.ResponseWriter, r *http.Request, err error) {
	var refused *identity.Error
	var dependent *identity.DependentDataError
	var unavailable *identity.UnavailableError
	switch {
	case errors.As(err, &dependent):
		WriteProblem(w, r, http.StatusForbidden, dependent.Error())
	case errors.As(err, &refused) && refused.Category == ticket.NotFound:
		WriteProblem(w, r, http.StatusNotFound, refused.Message)
	case errors.As(err, &refused) && refused.Category == ticket.Conflict:
		WriteProblem(w, r, http.StatusConflict, refused.Message)
	case errors.As(err, &refused) && refused.Category == ticket.UserInput:
		WriteProblem(w, r, http.StatusBadRequest, refused.Message)
	case errors.As(err, &unavailable):
		a.logger().ErrorContext(r.Context(), "identity store unavailable", "err", err)
		WriteProblem(w, r, http.StatusServiceUnavailable, "the identity store is unavailable; retry later")
	default:
		a.logger().ErrorContext(r.Context(), "request failed", "err", err)
		WriteProblem(w, r, http.StatusInternalServerError, "unexpected error; quote the requestId when reporting it")
	}
}

// writeAny sends jsonDoc as JSON or xmlDoc as XML: the seed's JSON wraps in an envelope
// what its XML puts in the root element.
func writeAny(w http.ResponseWriter, r *http.Request, media string, status int, jsonDoc, xmlDoc any) {
	if isXML(media) {
		write(w, r, media, status, xmlDoc)
		return
	}
	write(w, r, media, status, jsonDoc)
}

// queryValues checks a Domains route's query: only the names allowed, each once, no value
// with a control character or longer than its limit (ids 64, anything else 255).
func queryValues(w http.ResponseWriter, r *http.Request, allowed ...string) (url.Values, bool) {
	v, ok := checkQuery(w, r, allowed...)
	if !ok {
		return nil, false
	}
	for name, vs := range v {
		limit := maxNameLen
		if strings.HasSuffix(name, "Id") || name == "marker" {
			limit = maxIDLen
		}
		if val := vs[0]; strings.IndexFunc(val, unicode.IsControl) >= 0 || utf8.RuneCountInString(val) > limit {
			WriteProblem(w, r, http.StatusBadRequest, fmt.Sprintf("query parameter %q holds a control character or is longer than %d characters", name, limit))
			return nil, false
		}
	}
	return v, true
}

// exclusive refuses two filters given together (seed 001: they are mutually exclusive).
func exclusive(w http.ResponseWriter, r *http.Request, v url.Values, a, b string) bool {
	if v.Get(a) != "" && v.Get(b) != "" {
		WriteProblem(w, r, http.StatusBadRequest, fmt.Sprintf("%s and %s are mutually exclusive: give one of them", a, b))
		return false
	}
	return true
}

// listOptions reads limit (API.md §1) and marker.
func listOptions(w http.ResponseWriter, r *http.Request, v url.Values) (identity.ListOptions, bool) {
	limit, ok := limitParam(w, r, v, DefaultLimit)
	return identity.ListOptions{Limit: limit, Marker: v.Get("marker")}, ok
}

// writeList answers a page with its Link to the next one.
func writeList(w http.ResponseWriter, r *http.Request, media, next string, limit int, jsonDoc, xmlDoc any) {
	if next != "" {
		q := r.URL.Query()
		q.Set("marker", next)
		q.Set("limit", strconv.Itoa(limit))
		setNextLink(w, r, q)
	}
	writeAny(w, r, media, http.StatusOK, jsonDoc, xmlDoc)
}

func domainNotFound(w http.ResponseWriter, r *http.Request, id string) {
	WriteProblem(w, r, http.StatusNotFound, fmt.Sprintf("domain %s not found", id))
}

// pathDomain reads the path's domain once the policy allows op on it. A malformed id, a
// missing domain and another domain's are 404 alike; an operation the caller's role may not
// do on its own domain is 403.
func (a *API) pathDomain(w http.ResponseWriter, r *http.Request, op auth.Operation, what string) (identity.Domain, bool) {
	id := r.PathValue("domainId")
	if len(id) > maxIDLen || !numericID(id) {
		domainNotFound(w, r, id)
		return identity.Domain{}, false
	}
	switch err := auth.Authorize(principal(r), op, &auth.Target{DomainID: id}); {
	case errors.Is(err, auth.ErrInvisible):
		domainNotFound(w, r, id)
		return identity.Domain{}, false
	case err != nil:
		WriteProblem(w, r, http.StatusForbidden, "this caller may not "+what)
		return identity.Domain{}, false
	}
	d, err := a.Identity.GetDomain(r.Context(), id)
	if err != nil {
		a.writeIdentityError(w, r, err)
		return identity.Domain{}, false
	}
	return d, true
}

// GET /domains?limit&marker&name
func (a *API) listDomains(w http.ResponseWriter, r *http.Request) {
	media, ok := representation(w, r, documentMedia...)
	if !ok {
		return
	}
	v, ok := queryValues(w, r, "limit", "marker", "name")
	if !ok {
		return
	}
	o, ok := listOptions(w, r, v)
	if !ok {
		return
	}
	var page identity.Page[identity.Domain]
	var err error
	switch own, all, scoped := auth.DomainScope(principal(r)); {
	case all:
		page, err = a.Identity.ListDomains(r.Context(), identity.DomainFilter{Name: v.Get("name")}, o)
	case scoped:
		// The caller sees its own domain alone: read it rather than page through them all.
		var d identity.Domain
		d, err = a.Identity.GetDomain(r.Context(), own)
		visible := err == nil && (v.Get("name") == "" || strings.EqualFold(d.Name, strings.TrimSpace(v.Get("name"))))
		if identity.IsNotFound(err) {
			err = nil
		}
		switch {
		case err != nil:
		case o.Marker != "" && !(visible && o.Marker == d.DomainID):
			err = &identity.Error{Category: ticket.NotFound, Message: fmt.Sprintf("marker %q names no item of this list", o.Marker)}
		case visible && o.Marker == "":
			page.Items = []identity.Domain{d}
		}
	case o.Marker != "":
		err = &identity.Error{Category: ticket.NotFound, Message: fmt.Sprintf("marker %q names no item of this list", o.Marker)}
	}
	if err != nil {
		a.writeIdentityError(w, r, err)
		return
	}
	docs := make([]domainDoc, 0, len(page.Items))
	for _, d := range page.Items {
		docs = append(docs, domainDocOf(d))
	}
	writeList(w, r, media, page.Next, o.Limit, envelope("domains", "domain", docs), domainsXML{Domain: docs})
}

// HEAD /domains?name=: 200 when a domain has the name (ignoring case, as the seed's example
// shows), 404 when none has, 204 when the name is missing or blank. No body, no token.
func (a *API) checkDomainName(w http.ResponseWriter, r *http.Request) {
	v, ok := queryValues(w, r, "name")
	if !ok {
		return
	}
	if auth.Authorize(principal(r), auth.CheckDomainName, nil) != nil {
		WriteProblem(w, r, http.StatusForbidden, "this caller may not check domain names")
		return
	}
	name := strings.TrimSpace(v.Get("name"))
	if name == "" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	exists, err := a.Identity.DomainNameExists(r.Context(), name)
	switch {
	case err != nil:
		a.writeIdentityError(w, r, err)
	case exists:
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
	default:
		WriteProblem(w, r, http.StatusNotFound, "no domain is named "+name)
	}
}

func (a *API) writeDomain(w http.ResponseWriter, r *http.Request, media string, status int, d identity.Domain) {
	doc := domainDocOf(d)
	writeAny(w, r, media, status, map[string]domainDoc{"domain": doc}, doc)
}

// GET /domains/{domainId}
func (a *API) getDomain(w http.ResponseWriter, r *http.Request) {
	media, ok := representation(w, r, documentMedia...)
	if !ok {
		return
	}
	if _, ok := queryValues(w, r); !ok {
		return
	}
	if d, ok := a.pathDomain(w, r, auth.ReadDomain, "read this domain"); ok {
		a.writeDomain(w, r, media, http.StatusOK, d)
	}
}

// POST /domains: the identity record alone (createDomain also makes its outside accounts).
func (a *API) createDomain(w http.ResponseWriter, r *http.Request) {
	if auth.Authorize(principal(r), auth.CreateDomain, nil) != nil {
		WriteProblem(w, r, http.StatusForbidden, "this caller may not create domains")
		return
	}
	media, ok := representation(w, r, documentMedia...)
	if !ok {
		return
	}
	if _, ok := queryValues(w, r); !ok {
		return
	}
	fields, ok := readDomainBody(w, r)
	if !ok {
		return
	}
	if _, ok := fields["domainId"]; ok {
		WriteProblem(w, r, http.StatusBadRequest, "domainId is made by the service: leave it out of the body")
		return
	}
	if strings.TrimSpace(fields["name"]) == "" {
		WriteProblem(w, r, http.StatusBadRequest, "a domain needs a name")
		return
	}
	var d identity.Domain
	if err := d.Apply(fields); err != nil {
		a.writeIdentityError(w, r, err)
		return
	}
	d, err := a.Identity.CreateDomain(r.Context(), "", d)
	if err != nil {
		a.writeIdentityError(w, r, err)
		return
	}
	a.logger().InfoContext(r.Context(), "domain created", "domainId", d.DomainID, "by", principal(r).UserID)
	w.Header().Set("Location", clientPath(r, "/domains/"+d.DomainID))
	a.writeDomain(w, r, media, http.StatusCreated, d)
}

// PUT /domains/{domainId}: the fields present replace, the absent ones stay.
func (a *API) updateDomain(w http.ResponseWriter, r *http.Request) {
	media, ok := representation(w, r, documentMedia...)
	if !ok {
		return
	}
	if _, ok := queryValues(w, r); !ok {
		return
	}
	d, ok := a.pathDomain(w, r, auth.UpdateDomain, "update this domain")
	if !ok {
		return
	}
	fields, ok := readDomainBody(w, r)
	if !ok {
		return
	}
	if id, ok := fields["domainId"]; ok {
		if id != d.DomainID {
			WriteProblem(w, r, http.StatusBadRequest, fmt.Sprintf("the body's domainId %q is not the path's %s: a domainId cannot change", id, d.DomainID))
			return
		}
		delete(fields, "domainId")
	}
	// A new status is what the domainState action sets, and the same rule decides it: a
	// domainadmin may edit its domain but not suspend, enable or delete it.
	if st, ok := fields["status"]; ok && st != d.Status {
		if auth.Authorize(principal(r), auth.RunAction("domainState"), &auth.Target{DomainID: d.DomainID}) != nil {
			WriteProblem(w, r, http.StatusForbidden, "this caller may not change the domain's status (the domainState action's rule)")
			return
		}
	}
	d, err := a.Identity.UpdateDomain(r.Context(), d.DomainID, fields)
	if err != nil {
		a.writeIdentityError(w, r, err)
		return
	}
	a.writeDomain(w, r, media, http.StatusOK, d)
}

// DELETE /domains/{domainId}: with its users, tenants, groups, roles and grants; 403 while
// it has activated services or outside accounts (purgeDomain removes those).
func (a *API) deleteDomain(w http.ResponseWriter, r *http.Request) {
	if _, ok := queryValues(w, r); !ok {
		return
	}
	d, ok := a.pathDomain(w, r, auth.DeleteDomain, "delete domains")
	if !ok {
		return
	}
	if err := a.Identity.RemoveDomain(r.Context(), d.DomainID); err != nil {
		a.writeIdentityError(w, r, err)
		return
	}
	a.logger().InfoContext(r.Context(), "domain deleted", "domainId", d.DomainID, "by", principal(r).UserID)
	w.WriteHeader(http.StatusNoContent)
}

// numericTemplateID refuses an endpointTemplateId given that is not numeric.
func numericTemplateID(w http.ResponseWriter, r *http.Request) func(url.Values) bool {
	return func(v url.Values) bool {
		if id, given := v["endpointTemplateId"]; given && !numericID(id[0]) {
			WriteProblem(w, r, http.StatusBadRequest, fmt.Sprintf("endpointTemplateId %q is not numeric", id[0]))
			return false
		}
		return true
	}
}

// listing is what a list under a domain reads before it lists: the representation asked for,
// the query, its paging, and the domain.
type listing struct {
	media  string
	query  url.Values
	paging identity.ListOptions
	domain identity.Domain
}

// domainListing reads a list's request under a domain, each failure answered in the order
// of precedence every such list keeps: the representation (406), the query's names (only
// those given, and not both of a mutually exclusive pair, then valid), the paging (400),
// then the domain as the caller may list it under op (404 or 403). pair may be nil, valid
// too.
func (a *API) domainListing(w http.ResponseWriter, r *http.Request, op auth.Operation, what string, names, pair []string, valid func(url.Values) bool) (listing, bool) {
	var l listing
	var ok bool
	if l.media, ok = representation(w, r, documentMedia...); !ok {
		return l, false
	}
	if l.query, ok = queryValues(w, r, names...); !ok {
		return l, false
	}
	if len(pair) == 2 && !exclusive(w, r, l.query, pair[0], pair[1]) {
		return l, false
	}
	if valid != nil && !valid(l.query) {
		return l, false
	}
	if l.paging, ok = listOptions(w, r, l.query); !ok {
		return l, false
	}
	l.domain, ok = a.pathDomain(w, r, op, what)
	return l, ok
}

// GET /domains/{domainId}/users
func (a *API) listDomainUsers(w http.ResponseWriter, r *http.Request) {
	l, ok := a.domainListing(w, r, auth.DomainUsers, "list this domain's users", []string{"limit", "marker", "userId", "userName", "excludeGroups", "excludeRoles", "excludeTenantId"}, []string{"userId", "userName"}, nil)
	if !ok {
		return
	}
	media, v, o, d := l.media, l.query, l.paging, l.domain
	p := principal(r)
	visible := func(userID string) bool {
		return auth.Authorize(p, auth.DomainUsers, &auth.Target{DomainID: d.DomainID, UserID: userID}) == nil
	}
	if o.Marker != "" && !visible(o.Marker) {
		a.writeIdentityError(w, r, &identity.Error{Category: ticket.NotFound, Message: fmt.Sprintf("marker %q names no item of this list", o.Marker)})
		return
	}
	page, err := a.Identity.ListUsers(r.Context(), d.DomainID, identity.UserFilter{
		UserID: v.Get("userId"), UserName: v.Get("userName"), ExcludeGroups: identity.SplitList(v.Get("excludeGroups")),
		ExcludeRoles: identity.SplitList(v.Get("excludeRoles")), ExcludeTenants: identity.SplitList(v.Get("excludeTenantId")),
		Visible: func(u identity.User) bool { return visible(u.UserID) },
	}, o)
	if err != nil {
		a.writeIdentityError(w, r, err)
		return
	}
	js, xs := []userJSON{}, []userXML{}
	for _, u := range page.Items {
		js, xs = append(js, userJSONOf(u)), append(xs, userXMLOf(u, d.Owners))
	}
	writeList(w, r, media, page.Next, o.Limit, envelope("users", "user", js), usersXML{User: xs})
}

// GET /domains/{domainId}/tenants
func (a *API) listDomainTenants(w http.ResponseWriter, r *http.Request) {
	l, ok := a.domainListing(w, r, auth.DomainTenants, "list this domain's tenants", domainPaging, nil, nil)
	if !ok {
		return
	}
	media, o, d := l.media, l.paging, l.domain
	page, err := a.Identity.ListTenants(r.Context(), d.DomainID, o)
	if err != nil {
		a.writeIdentityError(w, r, err)
		return
	}
	docs := []tenantDoc{}
	for _, t := range page.Items {
		docs = append(docs, tenantDocOf(t))
	}
	writeList(w, r, media, page.Next, o.Limit, envelope("tenants", "tenant", docs), tenantsXML{Tenant: docs})
}

// GET /domains/{domainId}/groups?groupId|groupName&excludeRoles
func (a *API) listDomainGroups(w http.ResponseWriter, r *http.Request) {
	l, ok := a.domainListing(w, r, auth.DomainGroups, "list this domain's groups", []string{"limit", "marker", "groupId", "groupName", "excludeRoles"}, []string{"groupId", "groupName"}, nil)
	if !ok {
		return
	}
	media, v, o, d := l.media, l.query, l.paging, l.domain
	page, err := a.Identity.ListGroups(r.Context(), d.DomainID, identity.GroupFilter{
		GroupID: v.Get("groupId"), Name: v.Get("groupName"), ExcludeRoles: identity.SplitList(v.Get("excludeRoles")),
	}, o)
	if err != nil {
		a.writeIdentityError(w, r, err)
		return
	}
	docs := []groupDoc{}
	for _, g := range page.Items {
		docs = append(docs, groupDoc{ID: g.GroupID, Name: g.Name, Description: opt(g.Description)})
	}
	writeList(w, r, media, page.Next, o.Limit, envelope("groups", "group", docs), groupsXML{Group: docs})
}

// GET /domains/{domainId}/roles
func (a *API) listDomainRoles(w http.ResponseWriter, r *http.Request) {
	l, ok := a.domainListing(w, r, auth.DomainRoles, "list this domain's roles", domainPaging, nil, nil)
	if !ok {
		return
	}
	media, o, d := l.media, l.paging, l.domain
	page, err := a.Identity.ListRoles(r.Context(), d.DomainID, o)
	if err != nil {
		a.writeIdentityError(w, r, err)
		return
	}
	docs := []roleDoc{}
	for _, rl := range page.Items {
		docs = append(docs, roleDoc{RoleID: rl.RoleID, RoleName: rl.Name, Description: opt(rl.Description),
			ServiceID: opt(rl.ServiceID), DomainID: rl.DomainID, TenantID: opt(rl.TenantID)})
	}
	writeList(w, r, media, page.Next, o.Limit, envelope("roles", "role", docs), rolesXML{Role: docs})
}

// GET /domains/{domainId}/subscribeableServices?serviceName|endpointTemplateId
func (a *API) listSubscribeableServices(w http.ResponseWriter, r *http.Request) {
	l, ok := a.domainListing(w, r, auth.DomainSubscribeableServices, "list this domain's subscribeable services", []string{"limit", "marker", "serviceName", "endpointTemplateId"}, []string{"serviceName", "endpointTemplateId"}, numericTemplateID(w, r))
	if !ok {
		return
	}
	media, v, o, d := l.media, l.query, l.paging, l.domain
	tplID := v.Get("endpointTemplateId")
	var page identity.Page[identity.EndpointTemplate]
	var err error
	if tplID != "" {
		var t identity.EndpointTemplate
		if t, err = a.Identity.EndpointTemplate(r.Context(), tplID); err == nil && o.Marker == "" {
			page.Items = []identity.EndpointTemplate{t}
		}
		if err == nil && o.Marker != "" && o.Marker != tplID {
			err = &identity.Error{Category: ticket.NotFound, Message: fmt.Sprintf("marker %q names no item of this list", o.Marker)}
		}
	} else {
		page, err = a.Identity.EndpointTemplates(r.Context(), v.Get("serviceName"), o)
	}
	var subs map[string][]identity.Subscription
	if err == nil {
		subs, err = a.Identity.Subscriptions(r.Context(), d.DomainID)
	}
	if err != nil {
		a.writeIdentityError(w, r, err)
		return
	}
	docs := []subscribeableDoc{}
	for _, t := range page.Items {
		docs = append(docs, subscribeableDocOf(t, subs[t.ID]))
	}
	writeList(w, r, media, page.Next, o.Limit, envelope("subscribeableServices", "subscribeableService", docs), subscribeablesXML{Service: docs})
}

// GET /domains/{domainId}/services?tenantId=
func (a *API) listActivatedServices(w http.ResponseWriter, r *http.Request) {
	l, ok := a.domainListing(w, r, auth.DomainActivatedServices, "list this domain's services", []string{"limit", "marker", "tenantId"}, nil, nil)
	if !ok {
		return
	}
	media, v, o, d := l.media, l.query, l.paging, l.domain
	page, err := a.Identity.ListSubscriptions(r.Context(), d.DomainID, v.Get("tenantId"), o)
	if err != nil {
		a.writeIdentityError(w, r, err)
		return
	}
	templates := map[string]identity.EndpointTemplate{}
	docs := []activatedDoc{}
	for _, s := range page.Items {
		t, seen := templates[s.EndpointTemplateID]
		if !seen {
			if t, err = a.Identity.EndpointTemplate(r.Context(), s.EndpointTemplateID); err != nil && !isRefusal(err) {
				a.writeIdentityError(w, r, err)
				return
			}
			templates[s.EndpointTemplateID] = t
		}
		docs = append(docs, activatedDocOf(s, t))
	}
	writeList(w, r, media, page.Next, o.Limit, envelope("activatedServices", "activatedService", docs), activatedsXML{Service: docs})
}

// isRefusal reports whether err is the identity store's refusal (a template the catalogue
// no longer holds), rather than its failure.
func isRefusal(err error) bool {
	var refused *identity.Error
	return errors.As(err, &refused)
}

// PUT /domains/{domainId}/owner/{userId}: the new owner's user document.
func (a *API) transferOwnership(w http.ResponseWriter, r *http.Request) {
	media, ok := representation(w, r, documentMedia...)
	if !ok {
		return
	}
	if _, ok := queryValues(w, r); !ok {
		return
	}
	d, ok := a.pathDomain(w, r, auth.TransferOwnership, "transfer this domain's ownership")
	if !ok {
		return
	}
	userID := r.PathValue("userId")
	if len(userID) > maxIDLen || !numericID(userID) {
		WriteProblem(w, r, http.StatusNotFound, fmt.Sprintf("user %s not found in domain %s", userID, d.DomainID))
		return
	}
	u, err := a.Identity.TransferOwnership(r.Context(), d.DomainID, userID)
	if err != nil {
		a.writeIdentityError(w, r, err)
		return
	}
	a.logger().InfoContext(r.Context(), "domain ownership transferred", "domainId", d.DomainID, "owner", userID, "by", principal(r).UserID)
	writeAny(w, r, media, http.StatusOK, map[string]userJSON{"user": userJSONOf(u)}, userXMLOf(u, []string{u.UserID}))
}

// numericID reports whether s is a numeric id, as domain, user, tenant and template ids are.
func numericID(s string) bool {
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
