package stack_test

// The Domains API (API.md §3, seed 001) end to end over real HTTP against the local stack:
// every route in JSON and XML, each error status the seed lists, paging by Link, every filter
// and each mutually exclusive pair, the authorization matrix of API.md §4, consistency with
// the actions — and no DynamoDB Scan anywhere.

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/identity"
)

// realm is a domain with two users, a tenant with an activated service, and its default
// roles and groups, made as a client would (POST /domains) and by the identity steps.
type realm struct {
	name, domain, owner, user, tenant, subscription string
	roles, groups                                   map[string]string // by name
}

var realmSteps int

func (e *e2e) makeRealm(name string) realm {
	e.t.Helper()
	ctx := context.Background()
	r := e.do("POST", "/domains", e.stack.AdminToken, map[string]string{"Content-Type": "application/json"},
		fmt.Sprintf(`{"domain":{"name":%q,"city":"Los Angeles","phone":"1-800-555-1212"}}`, name))
	expectStatus(e.t, r, http.StatusCreated)
	var doc struct {
		Domain struct {
			DomainID string `json:"domainId"`
		} `json:"domain"`
	}
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		e.t.Fatal(err)
	}
	w := realm{name: name, domain: doc.Domain.DomainID, roles: map[string]string{}, groups: map[string]string{}}
	roles, _ := e.stack.Identity.ListRoles(ctx, w.domain, identity.ListOptions{})
	for _, rl := range roles.Items {
		w.roles[rl.Name] = rl.RoleID
	}
	groups, _ := e.stack.Identity.ListGroups(ctx, w.domain, identity.GroupFilter{}, identity.ListOptions{})
	for _, g := range groups.Items {
		w.groups[g.Name] = g.GroupID
	}
	step := func() string { realmSteps++; return fmt.Sprintf("realm/%d", realmSteps) }
	owner, err := e.stack.Identity.CreateUser(ctx, step(), identity.User{DomainID: w.domain, Username: "owner@" + name, FirstName: "Larry", LastName: "King",
		Groups: []string{w.groups["Administrators"]}, Roles: []identity.Grant{{RoleID: w.roles["domainadmin"]}}})
	if err != nil {
		e.t.Fatal(err)
	}
	user, err := e.stack.Identity.CreateUser(ctx, step(), identity.User{DomainID: w.domain, Username: "user@" + name,
		Groups: []string{w.groups["Users"]}, Roles: []identity.Grant{{RoleID: w.roles["member"]}}})
	if err != nil {
		e.t.Fatal(err)
	}
	tn, err := e.stack.Identity.CreateTenant(ctx, step(), identity.Tenant{DomainID: w.domain, Name: "Sales Tenant"})
	if err != nil {
		e.t.Fatal(err)
	}
	sub, err := e.stack.Identity.CreateSubscription(ctx, step(), identity.Subscription{DomainID: w.domain, TenantID: tn.TenantID, EndpointTemplateID: "100"})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.stack.Identity.TransferOwnership(ctx, w.domain, owner.UserID); err != nil {
		e.t.Fatal(err)
	}
	w.owner, w.user, w.tenant, w.subscription = owner.UserID, user.UserID, tn.TenantID, sub.SubscriptionID
	return w
}

// startDomains is a stack whose requests must never Scan.
func startDomains(t *testing.T) *e2e {
	t.Helper()
	e := start(t)
	t.Cleanup(func() {
		if n := e.stack.DynamoDBRequests()["Scan"]; n != 0 {
			t.Errorf("the Domains API used %d DynamoDB Scans; every list must Query", n)
		}
	})
	return e
}

// domainRoute is a request to one Domains route; {d}, {u}, {t} are filled from a realm.
type domainRoute struct {
	name, path, body string
	// root is the JSON envelope's key and the XML root element.
	root string
}

var domainRoutes = []domainRoute{
	{name: "list-domains", path: "/domains", root: "domains"},
	{name: "get-domain", path: "/domains/{d}", root: "domain"},
	{name: "update-domain", path: "/domains/{d}", body: `{"domain":{"phone":"1-800-NO-DISNEY"}}`, root: "domain"},
	{name: "list-domain-users", path: "/domains/{d}/users", root: "users"},
	{name: "list-domain-tenants", path: "/domains/{d}/tenants", root: "tenants"},
	{name: "list-domain-groups", path: "/domains/{d}/groups", root: "groups"},
	{name: "list-domain-roles", path: "/domains/{d}/roles", root: "roles"},
	{name: "list-subscribeable-services", path: "/domains/{d}/subscribeableServices", root: "subscribeableServices"},
	{name: "list-activated-services", path: "/domains/{d}/services", root: "activatedServices"},
	{name: "transfer-domain-ownership", path: "/domains/{d}/owner/{u}", root: "user"},
}

func (rt domainRoute) route(t *testing.T) httpapi.Route {
	t.Helper()
	r, ok := httpapi.RouteNamed(rt.name)
	if !ok {
		t.Fatalf("no route %s", rt.name)
	}
	return r
}

func (rt domainRoute) at(w realm) string {
	return strings.NewReplacer("{d}", w.domain, "{u}", w.owner, "{t}", w.tenant).Replace(rt.path)
}

func headers(media string, body bool) map[string]string {
	h := map[string]string{}
	if media != "" {
		h["Accept"] = media
	}
	if body {
		h["Content-Type"] = "application/json"
	}
	return h
}

func TestEveryDomainRouteHasARowInTheDomainMatrix(t *testing.T) {
	rows := map[string]bool{"check-domain-name": true, "create-domain": true, "delete-domain": true} // their own tests
	for _, rw := range domainRoutes {
		rows[rw.name] = true
		rw.route(t)
	}
	for _, rt := range httpapi.Routes {
		if strings.HasPrefix(rt.Path, "/domains") && rt.Path != "/domains/{domainId}/jobs" && !rows[rt.Name] {
			t.Errorf("Domains route %s (%s) has no row in domainRoutes", rt.Name, rt.Pattern())
		}
	}
}

func TestEveryDomainRouteSucceedsInJSONAndXMLWithTheSeedsEnvelope(t *testing.T) {
	e := startDomains(t)
	w := e.makeRealm(uniqueName("realm"))
	for _, rw := range domainRoutes {
		t.Run(rw.name, func(t *testing.T) {
			e := &e2e{t: t, stack: e.stack}
			method := rw.route(t).Method
			j := e.do(method, rw.at(w), e.stack.AdminToken, headers("", rw.body != ""), rw.body)
			expectStatus(t, j, http.StatusOK)
			var doc map[string]json.RawMessage
			if err := json.Unmarshal([]byte(j.body), &doc); err != nil || len(doc) != 1 || doc[rw.root] == nil {
				t.Fatalf("JSON %s: want the envelope {%q:…}: %v", j.body, rw.root, err)
			}
			x := e.do(method, rw.at(w), e.stack.AdminToken, headers("application/xml", rw.body != ""), rw.body)
			expectStatus(t, x, http.StatusOK)
			var root struct{ XMLName xml.Name }
			if err := xml.Unmarshal([]byte(x.body), &root); err != nil || root.XMLName.Local != rw.root || x.header.Get("Content-Type") != "application/xml" {
				t.Fatalf("XML %s %s: want root <%s>: %v", x.header.Get("Content-Type"), x.body, rw.root, err)
			}
		})
	}
}

func TestEveryDomainRouteRefusesMissingOrInvalidTokensWith401AndDisabledCallersWith403(t *testing.T) {
	e := startDomains(t)
	w := e.makeRealm(uniqueName("realm"))
	disabled := e.tokenFor(auth.Principal{UserID: w.owner, AccountID: "000000008001", DomainID: w.domain, Roles: []string{auth.RoleAdmin}, Status: auth.StatusDisabled})
	for _, rw := range append(domainRoutes, domainRoute{name: "create-domain", path: "/domains", body: `{"domain":{"name":"x"}}`},
		domainRoute{name: "delete-domain", path: "/domains/{d}"}) {
		t.Run(rw.name, func(t *testing.T) {
			e := &e2e{t: t, stack: e.stack}
			method := rw.route(t).Method
			for _, tok := range []string{"", "HPAuth_not_a_token"} {
				expectProblem(t, e.do(method, rw.at(w), tok, headers("", rw.body != ""), rw.body), http.StatusUnauthorized)
			}
			expectProblem(t, e.do(method, rw.at(w), disabled, headers("", rw.body != ""), rw.body), http.StatusForbidden)
		})
	}
	if d, err := e.stack.Identity.GetDomain(context.Background(), w.domain); err != nil || d.Phone != "1-800-555-1212" {
		t.Errorf("a refused request changed the domain: %+v %v", d, err)
	}
}

func TestDomainRoutesAnswer404ForAnUnknownDomainUserTenantOrMarker(t *testing.T) {
	e := startDomains(t)
	w := e.makeRealm(uniqueName("realm"))
	for _, rw := range domainRoutes {
		if rw.name == "list-domains" {
			continue
		}
		t.Run(rw.name, func(t *testing.T) {
			e := &e2e{t: t, stack: e.stack}
			method := rw.route(t).Method
			// "abc" and 65 digits break the contract's id pattern on purpose.
			for _, id := range []string{"99999999999999", "abc", strings.Repeat("9", 65)} {
				expectProblem(t, e.doMalformed(method, strings.Replace(rw.at(w), w.domain, id, 1), e.stack.AdminToken, headers("", rw.body != ""), rw.body), http.StatusNotFound)
			}
		})
	}
	for _, path := range []string{
		"/domains?marker=99999999999999", "/domains/{d}/users?marker=99999999999999", "/domains/{d}/tenants?marker=99999999999999",
		"/domains/{d}/groups?marker=99999999999999", "/domains/{d}/roles?marker=99999999999999",
		"/domains/{d}/subscribeableServices?marker=999", "/domains/{d}/services?marker=99999999999999",
		"/domains/{d}/services?tenantId=99999999999999",
	} {
		expectProblem(t, e.get(strings.ReplaceAll(path, "{d}", w.domain)), http.StatusNotFound)
	}
	expectProblem(t, e.do("PUT", "/domains/"+w.domain+"/owner/99999999999999", e.stack.AdminToken, nil, ""), http.StatusNotFound)
	other := e.makeRealm(uniqueName("other"))
	expectProblem(t, e.do("PUT", "/domains/"+w.domain+"/owner/"+other.user, e.stack.AdminToken, nil, ""), http.StatusNotFound)
}

func TestDomainRoutesAnswer400ForBadQueriesAndEachMutuallyExclusivePair(t *testing.T) {
	e := startDomains(t)
	w := e.makeRealm(uniqueName("realm"))
	for _, q := range []string{
		"/domains?limit=0", "/domains?limit=abc", "/domains?limit=1001", "/domains?limt=5", "/domains?name=a&name=b",
		"/domains?name=%01x", "/domains?name=" + strings.Repeat("n", 256),
		"/domains/{d}?x=1",
		"/domains/{d}/users?userId=1&userName=bob", "/domains/{d}/users?limit=-1", "/domains/{d}/users?excludeGroup=1",
		"/domains/{d}/groups?groupId=1&groupName=Users", "/domains/{d}/tenants?limit=x",
		"/domains/{d}/roles?limit=0",
		"/domains/{d}/subscribeableServices?serviceName=Compute&endpointTemplateId=100",
		"/domains/{d}/subscribeableServices?endpointTemplateId=abc", "/domains/{d}/subscribeableServices?endpointTemplateId=",
		"/domains/{d}/subscribeableServices?endpointTemplateId=999", "/domains/{d}/subscribeableServices?serviceName=Teleportation",
		"/domains/{d}/services?tenant=1",
	} {
		t.Run(q, func(t *testing.T) {
			expectProblem(t, (&e2e{t: t, stack: e.stack}).getMalformed(strings.ReplaceAll(q, "{d}", w.domain)), http.StatusBadRequest)
		})
	}
}

// names decodes a list's items and answers field of each.
func names(t *testing.T, r response, outer, inner, field string) []string {
	t.Helper()
	expectStatus(t, r, http.StatusOK)
	var doc map[string]map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	out := []string{}
	for _, it := range doc[outer][inner] {
		out = append(out, fmt.Sprint(it[field]))
	}
	return out
}

func TestDomainListFiltersKeepAndExcludeWhatTheSeedSays(t *testing.T) {
	e := startDomains(t)
	w := e.makeRealm(uniqueName("realm"))
	users := func(q string) []string {
		got := names(t, e.get("/domains/"+w.domain+"/users"+q), "users", "user", "userId")
		slices.Sort(got)
		return got
	}
	both := []string{w.owner, w.user}
	slices.Sort(both)
	for q, want := range map[string][]string{
		"":                  both,
		"?userId=" + w.user: {w.user},
		"?userName=USER@" + strings.ToUpper(w.domain[:0]) + "x":                     {},
		"?excludeGroups=" + w.groups["Users"]:                                       {w.owner},
		"?excludeGroups=" + w.groups["Users"] + ",%20" + w.groups["Administrators"]: {},
		"?excludeRoles=domainadmin":                                                 {w.user},
		"?excludeRoles=" + w.roles["member"] + ",%20domainadmin":                    {},
		"?excludeTenantId=" + w.tenant:                                              both,
	} {
		if got := users(q); !slices.Equal(got, want) {
			t.Errorf("users%s = %v, want %v", q, got, want)
		}
	}
	if got := names(t, e.get("/domains/"+w.domain+"/groups?groupName=users"), "groups", "group", "name"); !slices.Equal(got, []string{"Users"}) {
		t.Errorf("groupName: %v", got)
	}
	if got := names(t, e.get("/domains/"+w.domain+"/groups?groupId="+w.groups["Administrators"]), "groups", "group", "name"); !slices.Equal(got, []string{"Administrators"}) {
		t.Errorf("groupId: %v", got)
	}
	if got := names(t, e.get("/domains/"+w.domain+"/groups?excludeRoles=member"), "groups", "group", "name"); !slices.Equal(got, []string{"Administrators"}) {
		t.Errorf("excludeRoles: %v", got)
	}
	if got := names(t, e.get("/domains/"+w.domain+"/subscribeableServices?serviceName=Compute"), "subscribeableServices", "subscribeableService", "id"); !slices.Equal(got, []string{"100", "110", "111"}) {
		t.Errorf("serviceName: %v", got)
	}
	if got := names(t, e.get("/domains/"+w.domain+"/subscribeableServices?endpointTemplateId=120"), "subscribeableServices", "subscribeableService", "name"); !slices.Equal(got, []string{"Object Storage"}) {
		t.Errorf("endpointTemplateId: %v", got)
	}
	if got := names(t, e.get("/domains/"+w.domain+"/services?tenantId="+w.tenant), "activatedServices", "activatedService", "serviceName"); !slices.Equal(got, []string{"Compute"}) {
		t.Errorf("services of the tenant: %v", got)
	}
	other := e.makeRealm(uniqueName("other"))
	if got := names(t, e.get("/domains?name="+strings.ToUpper(other.name)), "domains", "domain", "domainId"); !slices.Equal(got, []string{other.domain}) {
		t.Errorf("domains by name: %v", got)
	}
}

func TestDomainListsPageByFollowingLinkInJSONAndXML(t *testing.T) {
	e := startDomains(t)
	w := e.makeRealm(uniqueName("realm"))
	for i := range 3 {
		ctx := context.Background()
		if _, err := e.stack.Identity.CreateUser(ctx, fmt.Sprintf("page/%d", i), identity.User{DomainID: w.domain, Username: fmt.Sprintf("p%d", i)}); err != nil {
			t.Fatal(err)
		}
		tn, err := e.stack.Identity.CreateTenant(ctx, fmt.Sprintf("page/%d/t", i), identity.Tenant{DomainID: w.domain, Name: fmt.Sprintf("t%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.stack.Identity.CreateSubscription(ctx, fmt.Sprintf("page/%d/s", i), identity.Subscription{DomainID: w.domain, TenantID: tn.TenantID, EndpointTemplateID: "130"}); err != nil {
			t.Fatal(err)
		}
		e.makeRealm(uniqueName("paged"))
	}
	for _, c := range []struct{ path, outer, inner, field string }{
		{"/domains?limit=2", "domains", "domain", "domainId"},
		{"/domains/" + w.domain + "/users?limit=2", "users", "user", "userId"},
		{"/domains/" + w.domain + "/groups?limit=1", "groups", "group", "id"},
		{"/domains/" + w.domain + "/roles?limit=1", "roles", "role", "roleId"},
		{"/domains/" + w.domain + "/subscribeableServices?limit=5", "subscribeableServices", "subscribeableService", "id"},
		{"/domains/" + w.domain + "/tenants?limit=3", "tenants", "tenant", "tenantId"},
		{"/domains/" + w.domain + "/services?limit=2", "activatedServices", "activatedService", "id"},
	} {
		t.Run(c.path, func(t *testing.T) {
			e := &e2e{t: t, stack: e.stack}
			var seen []string
			path, pages := c.path, 0
			for path != "" {
				r := e.get(path)
				got := names(t, r, c.outer, c.inner, c.field)
				for _, id := range got {
					if slices.Contains(seen, id) {
						t.Fatalf("%s listed twice", id)
					}
				}
				seen = append(seen, got...)
				pages++
				if path = nextLink(t, r); path != "" {
					x := e.do("GET", path, e.stack.AdminToken, map[string]string{"Accept": "application/xml"}, "")
					expectStatus(t, x, http.StatusOK)
				}
			}
			all := names(t, e.get(strings.Split(c.path, "?")[0]+"?limit=1000"), c.outer, c.inner, c.field)
			if !slices.Equal(seen, all) || pages < 2 {
				t.Errorf("%d pages gave %v; one page of 1000 gives %v", pages, seen, all)
			}
		})
	}
}

func TestHeadDomainsAnswers200404And204WithoutTokenOrBody(t *testing.T) {
	e := startDomains(t)
	name := uniqueName("domain_2012_08_21")
	e.makeRealm(name)
	for q, want := range map[string]int{
		"?name=" + name: http.StatusOK, "?name=" + strings.ToUpper(name): http.StatusOK, "?name=DoMaiN_2012_08_21565": http.StatusNotFound,
		"": http.StatusNoContent, "?name=": http.StatusNoContent, "?name=%20": http.StatusNoContent,
	} {
		for _, accept := range []string{"application/xml", "application/json"} {
			r := e.do("HEAD", "/domains"+q, "", map[string]string{"Accept": accept}, "")
			if r.status != want || r.body != "" {
				t.Errorf("HEAD /domains%s (%s): %d %q, want %d and no body", q, accept, r.status, r.body, want)
			}
		}
	}
	if r := e.do("GET", "/domains?name="+name, "", nil, ""); r.status != http.StatusUnauthorized {
		t.Errorf("GET /domains without a token: %d, want 401 (only HEAD is public)", r.status)
	}
}

func TestCreateUpdateAndDeleteDomainsInJSONAndXMLAsTheSeedSends(t *testing.T) {
	e := startDomains(t)
	adm := e.stack.AdminToken
	jsonBody := `{"domain":{"addressLine1":"128, Market Blvd","city":"San Francisco","country":"USA","description":"See's Candies Domain",
		"emailAddress":"owner@sees.com","name":"Sees Candies","phone":"1-800-555-1212","state":"CA","status":"enabled","website":"www.sees.com","zip":"90210"}}`
	r := e.do("POST", "/domains", adm, map[string]string{"Content-Type": "application/json"}, jsonBody)
	expectStatus(t, r, http.StatusCreated)
	var created struct {
		Domain map[string]any `json:"domain"`
	}
	if err := json.Unmarshal([]byte(r.body), &created); err != nil {
		t.Fatal(err)
	}
	id, _ := created.Domain["domainId"].(string)
	if created.Domain["description"] != "See's Candies Domain" || created.Domain["company"] != nil || r.header.Get("Location") != "/domains/"+id {
		t.Errorf("created %s, Location %q", r.body, r.header.Get("Location"))
	}
	xmlBody := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<domain xmlns="http://docs.openstack.org/identity/api/ext/hp/v1.0" xmlns:ns2="http://www.hp.com/identity/api/ext/HP-IDM/v1.0" xmlns:ns3="http://docs.openstack.org/identity/api/v2.0" xmlns:ns4="http://www.w3.org/2005/Atom" xmlns:ns5="http://docs.openstack.org/common/api/v1.0" name="HP Private Cloud Domain" emailAddress="hp-private-cloud-6@hp.com" addressLine1="1, HP Way" city="Cupertino" state="CA" zip="90210" country="USA" website="www.hp.com" company="HP" phone="1-888-555-1212" status="enabled">
  <description>Hp's Private Cloud Domain</description>
</domain>`
	x := e.do("POST", "/domains", adm, map[string]string{"Content-Type": "application/xml", "Accept": "application/xml"}, xmlBody)
	expectStatus(t, x, http.StatusCreated)
	if !strings.Contains(x.body, `company="HP"`) || !strings.Contains(x.body, "<description>Hp&#39;s Private Cloud Domain</description>") {
		t.Errorf("XML create: %s", x.body)
	}
	for _, dup := range []string{`{"domain":{"name":"SEES CANDIES"}}`, `{"domain":{"name":"sees candies "}}`} {
		expectProblem(t, e.do("POST", "/domains", adm, map[string]string{"Content-Type": "application/json"}, dup), http.StatusConflict)
	}
	for _, bad := range []string{`{"domain":{}}`, `{"domain":{"name":"a","name":"b"}}`, `{"Domain":{"name":"a"}}`, `{"domain":{"name":"a","domainId":"1"}}`,
		`{"domain":{"name":"a","owners":{}}}`, `{"domain":{"name":5}}`, `{"domain":{"name":"a"}} {}`, `{"domain":{"name":"a\u0000"}}`, `{"domain":{"name":"a","status":"purged"}}`} {
		expectProblem(t, e.doMalformed("POST", "/domains", adm, map[string]string{"Content-Type": "application/json"}, bad), http.StatusBadRequest)
	}
	for _, bad := range []string{`<!DOCTYPE d><domain name="a"/>`, `<domain name="a" name="b"/>`, `<domain name="a"/><domain/>`, `<domain name="a" bogus="1"/>`, `<other name="a"/>`} {
		expectStatus(t, e.doMalformed("POST", "/domains", adm, map[string]string{"Content-Type": "application/xml"}, bad), http.StatusBadRequest)
	}
	// PUT merges: the seed's XML request sets phone and addressLine2, the rest stays.
	put := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<domain xmlns="http://docs.openstack.org/identity/api/ext/hp/v1.0" xmlns:ns2="http://www.hp.com/identity/api/ext/HP-IDM/v1.0" phone="1-800-NO-DISNEY" addressLine2="Studio Lanes"/>`
	x = e.do("PUT", "/domains/"+id, adm, map[string]string{"Content-Type": "application/xml", "Accept": "application/xml"}, put)
	expectStatus(t, x, http.StatusOK)
	if !strings.Contains(x.body, `phone="1-800-NO-DISNEY"`) || !strings.Contains(x.body, `addressLine2="Studio Lanes"`) || !strings.Contains(x.body, `city="San Francisco"`) {
		t.Errorf("merged: %s", x.body)
	}
	r = e.do("PUT", "/domains/"+id, adm, map[string]string{"Content-Type": "application/json"}, `{"domain":{"phone":"1-800-555-0000","addressLine2":null}}`)
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `"addressLine2":null`) || !strings.Contains(r.body, `"city":"San Francisco"`) {
		t.Errorf("JSON merge: %s", r.body)
	}
	expectProblem(t, e.do("PUT", "/domains/"+id, adm, map[string]string{"Content-Type": "application/json"}, `{"domain":{"name":"hp private cloud domain"}}`), http.StatusConflict)
	expectProblem(t, e.do("PUT", "/domains/"+id, adm, map[string]string{"Content-Type": "application/json"}, `{"domain":{"domainId":"12345678901234"}}`), http.StatusBadRequest)
	expectStatus(t, e.do("PUT", "/domains/"+id, adm, map[string]string{"Content-Type": "application/json"}, `{"domain":{"domainId":"`+id+`","name":"Sees Candies Inc"}}`), http.StatusOK)
	expectStatus(t, e.do("HEAD", "/domains?name=sees%20candies%20inc", "", nil, ""), http.StatusOK)
	expectStatus(t, e.do("HEAD", "/domains?name=sees%20candies", "", nil, ""), http.StatusNotFound)

	// DELETE: 403 while services or outside accounts remain, then 204 and nothing is left.
	w := e.makeRealm(uniqueName("doomed"))
	refused := e.do("DELETE", "/domains/"+w.domain, adm, nil, "")
	expectProblem(t, refused, http.StatusForbidden)
	if !strings.Contains(refused.body, "purgeDomain") {
		t.Errorf("the refusal does not say purgeDomain removes them: %s", refused.body)
	}
	if err := e.stack.Identity.DeleteSubscription(context.Background(), w.domain, w.subscription); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, e.do("DELETE", "/domains/"+w.domain, adm, nil, ""), http.StatusNoContent)
	for _, path := range []string{"/domains/" + w.domain, "/domains/" + w.domain + "/users", "/domains/" + w.domain + "/tenants"} {
		expectProblem(t, e.get(path), http.StatusNotFound)
	}
	expectProblem(t, e.do("DELETE", "/domains/"+w.domain, adm, nil, ""), http.StatusNotFound)
	if _, err := e.stack.Identity.GetUser(context.Background(), w.user); !identity.IsNotFound(err) {
		t.Errorf("a deleted domain's user: %v", err)
	}
}

func TestConcurrentPostsOfOneNameIgnoringCaseGiveOne201AndThe409s(t *testing.T) {
	e := startDomains(t)
	name := uniqueName("race")
	statuses := make([]int, 8)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := name
			if i%2 == 1 {
				n = strings.ToUpper(name)
			}
			statuses[i] = e.do("POST", "/domains", e.stack.AdminToken, map[string]string{"Content-Type": "application/json"}, `{"domain":{"name":"`+n+`"}}`).status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("status %d, want 201 or 409", s)
		}
	}
	if created != 1 {
		t.Errorf("%d of %d concurrent creates answered 201: %v", created, len(statuses), statuses)
	}
}

func TestTransferOwnershipAnswersTheNewOwner(t *testing.T) {
	e := startDomains(t)
	w := e.makeRealm(uniqueName("realm"))
	r := e.do("PUT", "/domains/"+w.domain+"/owner/"+w.user, e.stack.AdminToken, nil, "")
	expectStatus(t, r, http.StatusOK)
	if !strings.Contains(r.body, `"userId":"`+w.user+`"`) || !strings.HasPrefix(r.body, `{"user":`) {
		t.Errorf("owner transfer: %s", r.body)
	}
	x := e.do("GET", "/domains/"+w.domain+"/users?userId="+w.user, e.stack.AdminToken, map[string]string{"Accept": "application/xml"}, "")
	if !strings.Contains(x.body, `isDomainOwner="true"`) {
		t.Errorf("the new owner is not marked: %s", x.body)
	}
	d := e.get("/domains/" + w.domain)
	if !strings.Contains(d.body, `"owners":{"owner":[{"userId":"`+w.user+`"}]}`) {
		t.Errorf("domain owners: %s", d.body)
	}
}

// TestDomainsPolicyMatrixOverEveryRouteRoleAndTarget is API.md §4's Domains column over real
// HTTP: every route × {admin, domainadmin of D, member of D, an unknown role in D, no domain,
// no account} × {D, another domain, a nonexistent one}. Another domain answers as a nonexistent one does, byte for byte apart
// from ids and request ids.
func TestDomainsPolicyMatrixOverEveryRouteRoleAndTarget(t *testing.T) {
	e := startDomains(t)
	own, other := e.makeRealm(uniqueName("own")), e.makeRealm(uniqueName("other"))
	none := realm{domain: "99999999999999", owner: "99999999999998", user: "99999999999997", tenant: "99999999999996"}
	principals := map[string]auth.Principal{
		"domainadmin": {UserID: own.owner, AccountID: "000000009001", DomainID: own.domain, Roles: []string{auth.RoleDomainAdmin}},
		"member":      {UserID: own.user, AccountID: "000000009002", DomainID: own.domain},
		"other-role":  {UserID: own.user, AccountID: "000000009004", DomainID: own.domain, Roles: []string{"superuser"}},
		"no-domain":   {UserID: own.user, AccountID: "000000009003", Roles: []string{auth.RoleDomainAdmin}},
		"no-account":  {UserID: own.user, DomainID: own.domain, Roles: []string{auth.RoleDomainAdmin}},
	}
	tokens := map[string]string{"admin": e.stack.AdminToken}
	for name, p := range principals {
		p.Status = auth.StatusEnabled
		tokens[name] = e.tokenFor(p)
	}
	memberMay := []string{"get-domain", "list-domain-users", "list-domain-tenants", "list-activated-services"}
	routes := append(slices.Clone(domainRoutes), domainRoute{name: "delete-domain", path: "/domains/{d}"})
	ids := regexp.MustCompile(`[0-9]{14}|"requestId":"[^"]*"`)
	for _, rw := range routes {
		if rw.name == "list-domains" {
			continue
		}
		for who, tok := range tokens {
			t.Run(rw.name+"/"+who, func(t *testing.T) {
				e := &e2e{t: t, stack: e.stack}
				method := rw.route(t).Method
				call := func(w realm) response { return e.do(method, rw.at(w), tok, headers("", rw.body != ""), rw.body) }
				missing := call(none)
				expectProblem(t, missing, http.StatusNotFound)
				if who != "admin" {
					theirs := call(other)
					expectProblem(t, theirs, http.StatusNotFound)
					if ids.ReplaceAllString(theirs.body, "«id»") != ids.ReplaceAllString(missing.body, "«id»") {
						t.Errorf("another domain answers otherwise than a nonexistent one:\n%s\n%s", theirs.body, missing.body)
					}
				}
				want := http.StatusOK
				switch {
				case rw.name == "delete-domain" && who == "admin":
					return // TestCreateUpdateAndDeleteDomainsInJSONAndXMLAsTheSeedSends deletes
				case who == "no-domain", who == "no-account":
					want = http.StatusNotFound
				case (who == "member" || who == "other-role") && !slices.Contains(memberMay, rw.name), who == "domainadmin" && rw.name == "delete-domain":
					want = http.StatusForbidden
				}
				mine := call(own)
				if want == http.StatusOK {
					expectStatus(t, mine, want)
				} else {
					expectProblem(t, mine, want)
				}
			})
		}
	}
	list := func(who, q string) []string {
		got := names(t, e.do("GET", "/domains"+q, tokens[who], nil, ""), "domains", "domain", "domainId")
		slices.Sort(got)
		return got
	}
	for who, want := range map[string][]string{"domainadmin": {own.domain}, "member": {own.domain}, "other-role": {own.domain}, "no-domain": {}, "no-account": {}} {
		if got := list(who, ""); !slices.Equal(got, want) {
			t.Errorf("GET /domains as %s: %v, want %v", who, got, want)
		}
		if len(want) > 0 {
			expectStatus(t, e.do("GET", "/domains?marker="+own.domain, tokens[who], nil, ""), http.StatusOK)
		}
		expectProblem(t, e.do("GET", "/domains?marker="+other.domain, tokens[who], nil, ""), http.StatusNotFound)
		expectProblem(t, e.do("POST", "/domains", tokens[who], map[string]string{"Content-Type": "application/json"}, `{"domain":{"name":"`+uniqueName("x")+`"}}`), http.StatusForbidden)
	}
	if got := list("admin", "?limit=1000"); !slices.Contains(got, own.domain) || !slices.Contains(got, other.domain) {
		t.Errorf("an admin's list lacks a domain: %v", got)
	}
	if got := names(t, e.do("GET", "/domains/"+own.domain+"/users", tokens["member"], nil, ""), "users", "user", "userId"); !slices.Equal(got, []string{own.user}) {
		t.Errorf("a member sees %v among its domain's users, want itself alone", got)
	}
	expectProblem(t, e.do("GET", "/domains/"+own.domain+"/users?marker="+own.owner, tokens["member"], nil, ""), http.StatusNotFound)
	// A domainadmin edits its domain but changes its status no more than domainState lets it.
	asJSON := map[string]string{"Content-Type": "application/json"}
	expectProblem(t, e.do("PUT", "/domains/"+own.domain, tokens["domainadmin"], asJSON, `{"domain":{"status":"suspended"}}`), http.StatusForbidden)
	expectStatus(t, e.do("PUT", "/domains/"+own.domain, tokens["domainadmin"], asJSON, `{"domain":{"status":"enabled","city":"Burbank"}}`), http.StatusOK)
	expectStatus(t, e.do("PUT", "/domains/"+own.domain, tokens["admin"], asJSON, `{"domain":{"status":"suspended"}}`), http.StatusOK)
	if d, _ := e.stack.Identity.GetDomain(context.Background(), other.domain); d.Phone != "1-800-555-1212" {
		t.Errorf("the other domain changed: %+v", d)
	}
}

func TestTheSampleDomainShowsOnEveryDomainReadAndLoadsOnce(t *testing.T) {
	e := startDomains(t)
	d := e.stack.SampleDomain
	for path, list := range map[string][3]string{
		"/domains?name=" + strings.ReplaceAll(stack.SampleDomainName, " ", "%20"): {"domains", "domain", "domainId"},
		"/domains/" + d + "/users":                 {"users", "user", "userId"},
		"/domains/" + d + "/tenants":               {"tenants", "tenant", "tenantId"},
		"/domains/" + d + "/groups":                {"groups", "group", "id"},
		"/domains/" + d + "/roles":                 {"roles", "role", "roleId"},
		"/domains/" + d + "/services":              {"activatedServices", "activatedService", "serviceName"},
		"/domains/" + d + "/subscribeableServices": {"subscribeableServices", "subscribeableService", "id"},
	} {
		if got := names(t, e.get(path), list[0], list[1], list[2]); len(got) == 0 {
			t.Errorf("%s shows nothing", path)
		}
	}
	if got := names(t, e.get("/domains/"+d+"/users"), "users", "user", "userId"); len(got) != 2 {
		t.Errorf("sample users %v, want 2", got)
	}
	again, err := stack.LoadDomainSamples(context.Background(), e.stack.Identity)
	if err != nil || again != d {
		t.Errorf("loading the samples again: %s %v, want the same domain %s", again, err, d)
	}
	if got := names(t, e.get("/domains/"+d+"/tenants"), "tenants", "tenant", "tenantId"); len(got) != 2 {
		t.Errorf("after a second load, %d tenants, want 2", len(got))
	}
}

func TestDomainRoutesAnswer406ForAnAcceptTheyCannotServe415ForAnUnreadableBodyAnd413ForOneOver64KiB(t *testing.T) {
	e := startDomains(t)
	w := e.makeRealm(uniqueName("realm"))
	for _, rw := range domainRoutes {
		t.Run(rw.name, func(t *testing.T) {
			e := &e2e{t: t, stack: e.stack}
			r := e.do(rw.route(t).Method, rw.at(w), e.stack.AdminToken, map[string]string{"Accept": "text/csv", "Content-Type": "application/json"}, rw.body)
			expectProblem(t, r, http.StatusNotAcceptable)
		})
	}
	adm := e.stack.AdminToken
	for _, path := range []string{"/domains", "/domains/" + w.domain} {
		method := map[string]string{"/domains": "POST"}[path]
		if method == "" {
			method = "PUT"
		}
		expectProblem(t, e.doMalformed(method, path, adm, map[string]string{"Content-Type": "text/plain"}, "name=x"), http.StatusUnsupportedMediaType)
		huge := `{"domain":{"description":"` + strings.Repeat("x", 70<<10) + `"}}`
		expectProblem(t, e.do(method, path, adm, map[string]string{"Content-Type": "application/json"}, huge), http.StatusRequestEntityTooLarge)
	}
	x := e.do("GET", "/domains/99999999999999", adm, map[string]string{"Accept": "application/xml"}, "")
	if x.status != http.StatusNotFound || x.header.Get("Content-Type") != "application/problem+xml" {
		t.Errorf("an XML client's 404: %d %s", x.status, x.header.Get("Content-Type"))
	}
}
