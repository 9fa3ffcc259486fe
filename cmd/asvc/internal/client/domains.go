package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/actionservice/actionservice/shared/ticket"
)

// The Domains API (API.md §3, seed 001) and a domain's operation history. Every list comes
// in an envelope {"<outer>":{"<inner>":[…]}}; a List keeps its items as the API wrote them,
// so that --output json prints every field, and Items decodes them for a table.

// List is one page of a Domains list, or of a domain's history.
type List struct {
	// Outer and Inner are the envelope's keys: "domains" and "domain", "TicketList" and
	// "Tickets", ….
	Outer, Inner string
	// Items are the page's items as the API wrote them.
	Items []json.RawMessage
	// Next is the Link rel="next" target of the following page ("" on the last), for Next.
	Next string
}

// Document is the list's items in its envelope, as the API writes one page: several pages'
// items joined read as one page of all of them.
func (l *List) Document() map[string]map[string][]json.RawMessage {
	items := l.Items
	if items == nil {
		items = []json.RawMessage{}
	}
	return map[string]map[string][]json.RawMessage{l.Outer: {l.Inner: items}}
}

// Items decodes a list's items as T.
func Items[T any](l *List) ([]T, error) {
	out := make([]T, 0, len(l.Items))
	for _, raw := range l.Items {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("unreadable %s item: %w", l.Inner, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// DomainList is one of the lists under a domain: its path segment, its envelope and the
// filters (query parameters) it takes beside limit and marker.
type DomainList struct {
	Segment, Outer, Inner string
	Filters               []string
}

// The lists under a domain (GET /domains/{domainId}/…).
var (
	Users                 = DomainList{"users", "users", "user", []string{"userId", "userName", "excludeGroups", "excludeRoles", "excludeTenantId"}}
	Tenants               = DomainList{"tenants", "tenants", "tenant", nil}
	Groups                = DomainList{"groups", "groups", "group", []string{"groupId", "groupName", "excludeRoles"}}
	Roles                 = DomainList{"roles", "roles", "role", nil}
	SubscribeableServices = DomainList{"subscribeableServices", "subscribeableServices", "subscribeableService", []string{"serviceName", "endpointTemplateId"}}
	ActivatedServices     = DomainList{"services", "activatedServices", "activatedService", []string{"tenantId"}}
)

// pagingQuery adds p's limit, skip and marker to q (a Domains list refuses skip: leave it 0).
func pagingQuery(q url.Values, p Paging) url.Values {
	if q == nil {
		q = url.Values{}
	}
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Skip > 0 {
		q.Set("skip", strconv.Itoa(p.Skip))
	}
	if p.Marker != "" {
		q.Set("marker", p.Marker)
	}
	return q
}

// Domains is the first page of the domains the caller sees, in name order; name, when set,
// chooses the one of that name (ignoring case).
func (c *Client) Domains(ctx context.Context, name string, p Paging) (*List, error) {
	q := url.Values{}
	if name != "" {
		q.Set("name", name)
	}
	return c.list(ctx, c.at(pagingQuery(q, p), "domains"), "domains", "domain")
}

// DomainItems is the first page of one of the lists under a domain, filtered by filters
// (names of which.Filters).
func (c *Client) DomainItems(ctx context.Context, domainID string, which DomainList, filters url.Values, p Paging) (*List, error) {
	return c.list(ctx, c.at(pagingQuery(filters, p), "domains", domainID, which.Segment), which.Outer, which.Inner)
}

// HistoryFilter chooses among a domain's operations (GET /domains/{domainId}/jobs).
type HistoryFilter struct {
	// Action is an RE2 regular expression matched unanchored against the action's name.
	Action string
	Status ticket.Status
	// Latest keeps the newest ticket of each action, before Status applies.
	Latest bool
}

// History is the first page of a domain's operation history, newest first.
func (c *Client) History(ctx context.Context, domainID string, f HistoryFilter, p Paging) (*List, error) {
	q := url.Values{}
	if f.Action != "" {
		q.Set("action", f.Action)
	}
	if f.Status != "" {
		q.Set("status", string(f.Status))
	}
	if f.Latest {
		q.Set("latest", "true")
	}
	return c.list(ctx, c.at(pagingQuery(q, p), "domains", domainID, "jobs"), "TicketList", "Tickets")
}

// HistoryEntry is one operation of a domain's history: the job ticket and who submitted it.
// It is for reading: it marshals as its View would, without userId (print the List's items).
type HistoryEntry struct {
	ticket.View
	UserID string `json:"userId"`
}

// Next is the page l's Link names; l must have one.
func (c *Client) Next(ctx context.Context, l *List) (*List, error) {
	if l.Next == "" {
		return nil, errors.New("the last page has no next")
	}
	u, err := c.follow(l.Next)
	if err != nil {
		return nil, err
	}
	return c.list(ctx, u, l.Outer, l.Inner)
}

func (c *Client) list(ctx context.Context, u *url.URL, outer, inner string) (*List, error) {
	resp, err := c.do(ctx, request{method: http.MethodGet, url: u, repeatable: true})
	if err != nil {
		return nil, err
	}
	var doc map[string]map[string][]json.RawMessage
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		return nil, fmt.Errorf("GET %s: unreadable %s list: %w", u.Path, inner, err)
	}
	items, ok := doc[outer][inner]
	if !ok {
		return nil, fmt.Errorf(`GET %s: the answer is not {"%s":{"%s":[…]}}`, u.Path, outer, inner)
	}
	return &List{Outer: outer, Inner: inner, Items: items, Next: nextLink(resp.header)}, nil
}

// Domain is one domain as the API shows it; an absent optional field (null) is "".
type Domain struct {
	DomainID     string `json:"domainId"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	Company      string `json:"company"`
	EmailAddress string `json:"emailAddress"`
	AddressLine1 string `json:"addressLine1"`
	AddressLine2 string `json:"addressLine2"`
	City         string `json:"city"`
	State        string `json:"state"`
	Zip          string `json:"zip"`
	Country      string `json:"country"`
	Phone        string `json:"phone"`
	Website      string `json:"website"`
	Status       string `json:"status"`
	BillingID    string `json:"billingId"`
	ContactID    string `json:"contactId"`
	Owners       *struct {
		Owner []struct {
			UserID string `json:"userId"`
		} `json:"owner"`
	} `json:"owners"`
}

// OwnerIDs are the ids of the domain's owners.
func (d *Domain) OwnerIDs() []string {
	if d.Owners == nil {
		return nil
	}
	var ids []string
	for _, o := range d.Owners.Owner {
		ids = append(ids, o.UserID)
	}
	return ids
}

// Single is one document the API answered: decoded, and as it was written ({"domain":{…}},
// {"user":{…}}) for --output json.
type Single[T any] struct {
	Value T
	Raw   json.RawMessage
}

// single decodes a document {"<key>":{…}}.
func single[T any](resp *response, key string) (*Single[T], error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(resp.body, &doc); err != nil {
		return nil, fmt.Errorf("unreadable %s document: %w", key, err)
	}
	inner, ok := doc[key]
	if !ok {
		return nil, fmt.Errorf(`the answer is not {"%s":{…}}`, key)
	}
	out := &Single[T]{Raw: resp.body}
	if err := json.Unmarshal(inner, &out.Value); err != nil {
		return nil, fmt.Errorf("unreadable %s document: %w", key, err)
	}
	return out, nil
}

// GetDomain is one domain.
func (c *Client) GetDomain(ctx context.Context, id string) (*Single[Domain], error) {
	resp, err := c.do(ctx, request{method: http.MethodGet, url: c.at(nil, "domains", id), repeatable: true})
	if err != nil {
		return nil, err
	}
	return single[Domain](resp, "domain")
}

// DomainBody is a domain request: fields to set (an empty value clears one), or a body the
// caller wrote, {"domain":{…}} or <domain …/>.
type DomainBody struct {
	Fields map[string]string
	// Body and ContentType, when Body is set, are sent as they are instead of Fields.
	Body        []byte
	ContentType string
}

func (b DomainBody) encode() ([]byte, string, error) {
	if b.Body != nil {
		return b.Body, b.ContentType, nil
	}
	fields := b.Fields
	if fields == nil {
		fields = map[string]string{}
	}
	body, err := json.Marshal(map[string]map[string]string{"domain": fields})
	return body, "application/json", err
}

// CreateDomain makes a domain's identity record (the createDomain action also makes its
// outside accounts). It is never retried: a create that applied answers a repeat 409 (the
// name is taken), which would report a success as a failure.
func (c *Client) CreateDomain(ctx context.Context, b DomainBody) (*Single[Domain], error) {
	body, ctype, err := b.encode()
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, request{method: http.MethodPost, url: c.at(nil, "domains"), body: body,
		header: http.Header{"Content-Type": {ctype}}})
	if err != nil {
		return nil, err
	}
	return single[Domain](resp, "domain")
}

// UpdateDomain sets the fields the body carries and leaves the others. Setting the same
// fields twice is the same as once, so it is retried.
func (c *Client) UpdateDomain(ctx context.Context, id string, b DomainBody) (*Single[Domain], error) {
	body, ctype, err := b.encode()
	if err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, request{method: http.MethodPut, url: c.at(nil, "domains", id), body: body,
		header: http.Header{"Content-Type": {ctype}}, repeatable: true})
	if err != nil {
		return nil, err
	}
	return single[Domain](resp, "domain")
}

// DeleteDomain removes a domain with its users, tenants, groups, roles and grants. It is
// never retried: a delete that applied answers a repeat 404.
func (c *Client) DeleteDomain(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, url: c.at(nil, "domains", id)})
	return err
}

// DomainNameTaken reports whether a domain has the name, ignoring case (HEAD
// /domains?name=: 200 taken, 404 free). A blank name is refused: the API answers it 204,
// which says neither.
func (c *Client) DomainNameTaken(ctx context.Context, name string) (bool, error) {
	if strings.TrimSpace(name) == "" {
		return false, errors.New("a blank name is neither taken nor free")
	}
	resp, err := c.do(ctx, request{method: http.MethodHead, url: c.at(url.Values{"name": {name}}, "domains"), repeatable: true})
	var p *Problem
	switch {
	case errors.As(err, &p) && p.Status == http.StatusNotFound:
		return false, nil
	case err != nil:
		return false, err
	case resp.status == http.StatusOK:
		return true, nil
	}
	return false, fmt.Errorf("HEAD /domains?name=: answered %d, neither taken (200) nor free (404)", resp.status)
}

// User is a domain's user as the Domains API shows it; an absent optional field is "".
type User struct {
	UserID       string `json:"userId"`
	Username     string `json:"username"`
	DomainID     string `json:"domainId"`
	Status       string `json:"status"`
	EmailAddress string `json:"emailAddress"`
	FirstName    string `json:"firstName"`
	LastName     string `json:"lastName"`
	Roles        *struct {
		Role []struct {
			RoleID   string `json:"roleId"`
			RoleName string `json:"roleName"`
			TenantID string `json:"tenantId"`
		} `json:"role"`
	} `json:"roles"`
}

// RoleNames are the names of the roles the user holds.
func (u *User) RoleNames() []string {
	if u.Roles == nil {
		return nil
	}
	var out []string
	for _, r := range u.Roles.Role {
		out = append(out, r.RoleName)
	}
	return out
}

// TransferOwnership makes the user, one of the domain's, its owner, and answers the new
// owner's user document. Making the same user owner twice is the same as once, so it is
// retried.
func (c *Client) TransferOwnership(ctx context.Context, domainID, userID string) (*Single[User], error) {
	resp, err := c.do(ctx, request{method: http.MethodPut, url: c.at(nil, "domains", domainID, "owner", userID), repeatable: true})
	if err != nil {
		return nil, err
	}
	return single[User](resp, "user")
}

// Tenant, Group, Role, SubscribeableService and ActivatedService are the other lists' items,
// with the fields a table shows.
type (
	Tenant struct {
		TenantID    string `json:"tenantId"`
		Name        string `json:"name"`
		Status      string `json:"status"`
		Description string `json:"description"`
	}
	Group struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	Role struct {
		RoleID      string `json:"roleId"`
		RoleName    string `json:"roleName"`
		ServiceID   string `json:"serviceId"`
		TenantID    string `json:"tenantId"`
		Description string `json:"description"`
	}
	SubscribeableService struct {
		ID             string `json:"id"`
		Name           string `json:"name"`
		Type           string `json:"type"`
		Region         string `json:"region"`
		ReleaseState   string `json:"releaseState"`
		CanSubscribe   bool   `json:"canSubscribe"`
		SubscribedInfo []struct {
			TenantID string `json:"tenantId"`
			Status   string `json:"status"`
		} `json:"subscribedInfo"`
	}
	ActivatedService struct {
		ID           string `json:"id"`
		ServiceName  string `json:"serviceName"`
		ServiceType  string `json:"serviceType"`
		Region       string `json:"region"`
		TenantID     string `json:"tenantId"`
		Status       string `json:"status"`
		SubscribedOn string `json:"subscribedOn"`
	}
)
