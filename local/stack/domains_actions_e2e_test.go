package stack_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
)

// keysOf is the sorted member names of the document's envelope content.
func keysOf(t *testing.T, r response, root string) []string {
	t.Helper()
	expectStatus(t, r, http.StatusOK)
	var doc map[string]map[string]any
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range doc[root] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func members(t *testing.T, r response, outer, inner string) []map[string]any {
	t.Helper()
	expectStatus(t, r, http.StatusOK)
	var doc map[string]map[string][]map[string]any
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return doc[outer][inner]
}

func byName(items []map[string]any, key, id string) map[string]string {
	out := map[string]string{}
	for _, it := range items {
		out[it[key].(string)], _ = it[id].(string)
	}
	return out
}

// TestWhatActionsMakeAndRemoveShowsAtOnceInTheDomainsAPI is API.md §3's consistency: a domain
// made by createDomain reads as one made by POST /domains; what createUser, createTenant,
// activateService, userState and domainState do shows at once; DELETE refuses a domain with
// outside accounts and services; purgeDomain leaves nothing the routes can find.
func TestWhatActionsMakeAndRemoveShowsAtOnceInTheDomainsAPI(t *testing.T) {
	e := startActions(t, true)
	scans := e.stack.DynamoDBRequests()["Scan"]
	t.Cleanup(func() {
		if n := e.stack.DynamoDBRequests()["Scan"] - scans; n != 0 {
			t.Errorf("the actions and the Domains API used %d DynamoDB Scans", n)
		}
	})
	adm := e.stack.AdminToken
	name := uniqueName("ByAction")
	made := e.submit("createDomain", map[string]string{"name": name, "company": "ArvindCo"}, 20000)
	if made.Status != "COMPLETE" {
		t.Fatalf("createDomain: %+v", made)
	}
	d := made.ActionResults["domainId"]
	posted := e.do("POST", "/domains", adm, map[string]string{"Content-Type": "application/json"}, `{"domain":{"name":"`+uniqueName("ByPost")+`","company":"ArvindCo"}}`)
	expectStatus(t, posted, http.StatusCreated)
	var p struct {
		Domain struct {
			DomainID string `json:"domainId"`
		} `json:"domain"`
	}
	_ = json.Unmarshal([]byte(posted.body), &p)
	if a, b := keysOf(t, e.get("/domains/"+d), "domain"), keysOf(t, e.get("/domains/"+p.Domain.DomainID), "domain"); !slices.Equal(a, b) {
		t.Errorf("createDomain's domain has %v, POST's %v", a, b)
	}
	if !strings.Contains(e.get("/domains/"+d).body, `"billingId":"`) {
		t.Errorf("createDomain's billing account is not shown: %s", e.get("/domains/"+d).body)
	}
	for _, id := range []string{d, p.Domain.DomainID} {
		roles := byName(members(t, e.get("/domains/"+id+"/roles"), "roles", "role"), "roleName", "roleId")
		groups := byName(members(t, e.get("/domains/"+id+"/groups"), "groups", "group"), "name", "id")
		if len(roles) != 2 || roles["domainadmin"] == "" || roles["member"] == "" || len(groups) != 2 || groups["Administrators"] == "" || groups["Users"] == "" {
			t.Errorf("domain %s: roles %v, groups %v; want the defaults", id, roles, groups)
		}
	}
	roles := byName(members(t, e.get("/domains/"+d+"/roles"), "roles", "role"), "roleName", "roleId")
	groups := byName(members(t, e.get("/domains/"+d+"/groups"), "groups", "group"), "name", "id")

	u := e.submit("createUser", map[string]string{"domainId": d, "username": uniqueName("larry"), "emailAddress": "l@example.com",
		"firstName": "Larry", "city": "Los Angeles", "groups": groups["Users"], "roles": roles["member"]}, 20000)
	if u.Status != "COMPLETE" {
		t.Fatalf("createUser: %+v", u)
	}
	user := u.ActionResults["userId"]
	users := members(t, e.get("/domains/"+d+"/users?userId="+user), "users", "user")
	if len(users) != 1 || users[0]["city"] != "Los Angeles" || users[0]["status"] != "enabled" {
		t.Errorf("the new user: %v", users)
	}
	if got := members(t, e.get("/domains/"+d+"/users?excludeGroups="+groups["Users"]), "users", "user"); len(got) != 0 {
		t.Errorf("excludeGroups keeps a member of the group: %v", got)
	}
	if got := members(t, e.get("/domains/"+d+"/users?excludeRoles=member"), "users", "user"); len(got) != 0 {
		t.Errorf("excludeRoles keeps a holder of the role: %v", got)
	}
	bad := e.submit("createUser", map[string]string{"domainId": d, "username": uniqueName("ghost"), "emailAddress": "g@example.com", "groups": "12345678901234"}, 20000)
	if bad.Status != "ERROR" || bad.ErrorCategory != "USER_INPUT" {
		t.Errorf("createUser with a group not of the domain: %s %s %q", bad.Status, bad.ErrorCategory, bad.ErrorDescription)
	}

	tn := e.submit("createTenant", map[string]string{"domainId": d, "name": "Sales Tenant"}, 20000)
	tenant := tn.ActionResults["tenantId"]
	if got := byName(members(t, e.get("/domains/"+d+"/tenants"), "tenants", "tenant"), "tenantId", "name"); got[tenant] != "Sales Tenant" {
		t.Errorf("tenants: %v", got)
	}
	if j := e.submit("activateService", map[string]string{"domainId": d, "tenantId": tenant, "endpointTemplateId": "110"}, 20000); j.Status != "COMPLETE" {
		t.Fatalf("activateService: %+v", j)
	}
	services := members(t, e.get("/domains/"+d+"/services?tenantId="+tenant), "activatedServices", "activatedService")
	if len(services) != 1 || services[0]["serviceName"] != "Compute" || services[0]["region"] != "az-2.region-a.geo-1" {
		t.Errorf("activated services: %v", services)
	}
	sub := members(t, e.get("/domains/"+d+"/subscribeableServices?endpointTemplateId=110"), "subscribeableServices", "subscribeableService")
	if infos, _ := sub[0]["subscribedInfo"].([]any); len(infos) != 1 || infos[0].(map[string]any)["tenantId"] != tenant {
		t.Errorf("subscribedInfo: %v", sub)
	}

	e.submit("userState", map[string]string{"accountId": user, "state": "disabled"}, 20000)
	if got := members(t, e.get("/domains/"+d+"/users?userId="+user), "users", "user"); got[0]["status"] != "disabled" {
		t.Errorf("userState: %v", got)
	}
	e.submit("domainState", map[string]string{"domainId": d, "state": "suspended"}, 20000)
	if !strings.Contains(e.get("/domains/"+d).body, `"status":"suspended"`) {
		t.Errorf("domainState: %s", e.get("/domains/"+d).body)
	}

	refused := e.do("DELETE", "/domains/"+d, adm, nil, "")
	expectProblem(t, refused, http.StatusForbidden)
	if !strings.Contains(refused.body, "activated service") || !strings.Contains(refused.body, "outside systems") {
		t.Errorf("the refusal does not name what remains: %s", refused.body)
	}
	if j := e.submit("purgeDomain", map[string]string{"domainId": d}, 20000); j.Status != "COMPLETE" {
		t.Fatalf("purgeDomain: %+v", j)
	}
	for _, path := range []string{"/domains/" + d, "/domains/" + d + "/users", "/domains/" + d + "/tenants", "/domains/" + d + "/groups",
		"/domains/" + d + "/roles", "/domains/" + d + "/services", "/domains/" + d + "/subscribeableServices"} {
		expectProblem(t, e.get(path), http.StatusNotFound)
	}
	expectStatus(t, e.do("HEAD", "/domains?name="+url.QueryEscape(name), "", nil, ""), http.StatusNotFound)
	if got := members(t, e.get("/domains?name="+url.QueryEscape(name)), "domains", "domain"); len(got) != 0 {
		t.Errorf("a purged domain is listed: %v", got)
	}
}
