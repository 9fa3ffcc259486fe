package httpapi

import "strings"

// Access is what a route may do to the tables; the template's policies follow it.
type Access int

const (
	// ReadOnly routes get read-only table access.
	ReadOnly Access = iota
	// ReadWrite routes may change tickets.
	ReadWrite
	// ReadDelete routes read tickets and delete terminal ones; they write nothing else.
	ReadDelete
)

// Route is one operation of the REST contract. The list below is the only place routes are
// declared: the local server, the per-route Lambdas and the test against template.yaml all
// read it.
type Route struct {
	// Name is the Lambda's directory under functions/api and the key of its handler.
	Name   string
	Method string
	// Path is the API Gateway resource path; Go's ServeMux reads the same {name} syntax.
	Path   string
	Access Access
	// StartsExecutions routes start state machines (and seal action parameters).
	StartsExecutions bool
	// Public routes need no X-Auth-Token.
	Public bool
	// Identity routes work on the identity table, and Access says how, instead of on the
	// tickets table.
	Identity bool
}

// Pattern is the route as a net/http ServeMux pattern.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// LogicalID is the route's function in template.yaml, e.g. get-job → GetJobFunction.
func (r Route) LogicalID() string {
	var b strings.Builder
	for _, part := range strings.Split(r.Name, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String() + "Function"
}

// Routes is the routing table: every route the API serves.
var Routes = []Route{
	{Name: "list-actions", Method: "GET", Path: "/action"},
	{Name: "submit-action", Method: "POST", Path: "/action/{action}", Access: ReadWrite, StartsExecutions: true},
	{Name: "list-jobs", Method: "GET", Path: "/job"},
	{Name: "list-error-jobs", Method: "GET", Path: "/job/error"},
	{Name: "count-error-jobs", Method: "GET", Path: "/job/error/count"},
	{Name: "list-error-jobs-by-category", Method: "GET", Path: "/job/error/{category}"},
	{Name: "count-error-jobs-by-category", Method: "GET", Path: "/job/error/{category}/count"},
	{Name: "delete-error-jobs-by-category", Method: "DELETE", Path: "/job/error/{category}", Access: ReadDelete},
	{Name: "list-jobs-by-status", Method: "GET", Path: "/job/status/{status}"},
	{Name: "count-jobs-by-status", Method: "GET", Path: "/job/status/{status}/count"},
	{Name: "get-job", Method: "GET", Path: "/job/{ticketId}"},
	{Name: "restart-job", Method: "PUT", Path: "/job/{ticketId}", Access: ReadWrite, StartsExecutions: true},
	{Name: "delete-job", Method: "DELETE", Path: "/job/{ticketId}", Access: ReadDelete},
	{Name: "list-domains", Method: "GET", Path: "/domains", Identity: true},
	// The seed protects it by client certificate at the edge, not by token.
	{Name: "check-domain-name", Method: "HEAD", Path: "/domains", Identity: true, Public: true},
	{Name: "create-domain", Method: "POST", Path: "/domains", Access: ReadWrite, Identity: true},
	{Name: "get-domain", Method: "GET", Path: "/domains/{domainId}", Identity: true},
	{Name: "update-domain", Method: "PUT", Path: "/domains/{domainId}", Access: ReadWrite, Identity: true},
	{Name: "delete-domain", Method: "DELETE", Path: "/domains/{domainId}", Access: ReadWrite, Identity: true},
	{Name: "list-domain-users", Method: "GET", Path: "/domains/{domainId}/users", Identity: true},
	{Name: "list-domain-tenants", Method: "GET", Path: "/domains/{domainId}/tenants", Identity: true},
	{Name: "list-domain-groups", Method: "GET", Path: "/domains/{domainId}/groups", Identity: true},
	{Name: "list-domain-roles", Method: "GET", Path: "/domains/{domainId}/roles", Identity: true},
	{Name: "list-subscribeable-services", Method: "GET", Path: "/domains/{domainId}/subscribeableServices", Identity: true},
	{Name: "list-activated-services", Method: "GET", Path: "/domains/{domainId}/services", Identity: true},
	{Name: "transfer-domain-ownership", Method: "PUT", Path: "/domains/{domainId}/owner/{userId}", Access: ReadWrite, Identity: true},
}

// RouteNamed finds a route by name.
func RouteNamed(name string) (Route, bool) {
	for _, r := range Routes {
		if r.Name == name {
			return r, true
		}
	}
	return Route{}, false
}
