package httpapi

// Golden tests of the Domains API's wire formats against seed 001's examples
// (testdata/seed001, README.md there says what was repaired). Each response example is read
// back into the identity records it shows; the document the handlers render from those
// records must then hold everything the example holds: in JSON every member with its value
// (a member the example lacks must be null), in XML every element in order and every
// attribute with its value (in the same namespaces). The JAXB artefacts anies and
// otherAttributes are not reproduced.

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/actionservice/actionservice/shared/identity"
)

// fields are one item of an example: its string members (or attributes, and the text of its
// child elements), and what it nests.
type fields struct {
	f      map[string]string
	owners []string
	infos  []map[string]string
}

func (f fields) s(name string) string { return f.f[name] }

func domainOf(f fields) identity.Domain {
	return identity.Domain{DomainID: f.s("domainId"), Name: f.s("name"), Description: f.s("description"), Company: f.s("company"),
		EmailAddress: f.s("emailAddress"), AddressLine1: f.s("addressLine1"), AddressLine2: f.s("addressLine2"), City: f.s("city"),
		State: f.s("state"), Zip: f.s("zip"), Country: f.s("country"), Phone: f.s("phone"), Website: f.s("website"), Status: f.s("status"),
		BillingID: f.s("billingId"), ContactID: f.s("contactId"), Owners: f.owners}
}

func userOf(f fields) identity.User {
	u := identity.User{UserID: f.s("userId"), DomainID: f.s("domainId"), Username: f.s("username"), EmailAddress: f.s("emailAddress"),
		FirstName: f.s("firstName"), LastName: f.s("lastName"), Company: f.s("company"), AddressLine1: f.s("addressLine1"),
		AddressLine2: f.s("addressLine2"), City: f.s("city"), State: f.s("state"), Zip: f.s("zip"), Country: f.s("country"),
		Phone: f.s("phone"), Website: f.s("website"), Status: f.s("status")}
	if u.UserID == "" {
		u.UserID = f.s("accountId")
	}
	if n := f.s("name"); n != "" {
		u.FirstName, u.LastName, _ = strings.Cut(n, " ")
	}
	return u
}

func ms(t *testing.T, iso string) int64 {
	t.Helper()
	at, err := time.Parse("2006-01-02T15:04:05.000Z", iso)
	if err != nil {
		t.Fatal(err)
	}
	return at.UnixMilli()
}

func catalogued(t *testing.T, match func(identity.EndpointTemplate) bool) identity.EndpointTemplate {
	t.Helper()
	for _, tpl := range identity.Catalogue() {
		if match(tpl) {
			return tpl
		}
	}
	t.Fatal("no catalogued template matches the example")
	return identity.EndpointTemplate{}
}

// render is the document the handlers send for the example's items, in JSON or XML.
func render(t *testing.T, kind string, items []fields, asXML bool) any {
	t.Helper()
	pick := func(j, x any) any {
		if asXML {
			return x
		}
		return j
	}
	switch kind {
	case "domains":
		docs := []domainDoc{}
		for _, it := range items {
			docs = append(docs, domainDocOf(domainOf(it)))
		}
		return pick(envelope("domains", "domain", docs), domainsXML{Domain: docs})
	case "domain":
		doc := domainDocOf(domainOf(items[0]))
		return pick(map[string]domainDoc{"domain": doc}, doc)
	case "users":
		js, xs := []userJSON{}, []userXML{}
		var owners []string
		for _, it := range items {
			u := userOf(it)
			if it.s("isDomainOwner") == "true" {
				owners = append(owners, u.UserID)
			}
			js = append(js, userJSONOf(u))
		}
		for _, it := range items {
			xs = append(xs, userXMLOf(userOf(it), owners))
		}
		return pick(envelope("users", "user", js), usersXML{User: xs})
	case "user":
		u := userOf(items[0])
		return pick(map[string]userJSON{"user": userJSONOf(u)}, userXMLOf(u, []string{u.UserID}))
	case "tenants":
		docs := []tenantDoc{}
		for _, it := range items {
			docs = append(docs, tenantDocOf(identity.Tenant{TenantID: it.s("tenantId"), DomainID: it.s("domainId"), Name: it.s("name"),
				Description: it.s("description"), Status: it.s("status")}))
		}
		return pick(envelope("tenants", "tenant", docs), tenantsXML{Tenant: docs})
	case "groups":
		docs := []groupDoc{}
		for _, it := range items {
			docs = append(docs, groupDoc{ID: it.s("id"), Name: it.s("name"), Description: opt(it.s("description"))})
		}
		return pick(envelope("groups", "group", docs), groupsXML{Group: docs})
	case "roles":
		docs := []roleDoc{}
		for _, it := range items {
			docs = append(docs, roleDoc{RoleID: it.s("roleId"), RoleName: it.s("roleName"), Description: opt(it.s("description")),
				ServiceID: opt(it.s("serviceId")), DomainID: it.s("domainId"), TenantID: opt(it.s("tenantId"))})
		}
		return pick(envelope("roles", "role", docs), rolesXML{Role: docs})
	case "subscribeableServices":
		docs := []subscribeableDoc{}
		for _, it := range items {
			tpl := catalogued(t, func(c identity.EndpointTemplate) bool { return c.ID == it.s("id") })
			var subs []identity.Subscription
			for _, info := range it.infos {
				subs = append(subs, identity.Subscription{TenantID: info["tenantId"], Status: info["status"], Created: ms(t, info["subscribedOn"])})
			}
			docs = append(docs, subscribeableDocOf(tpl, subs))
		}
		return pick(envelope("subscribeableServices", "subscribeableService", docs), subscribeablesXML{Service: docs})
	case "activatedServices":
		docs := []activatedDoc{}
		for _, it := range items {
			tpl := catalogued(t, func(c identity.EndpointTemplate) bool {
				return c.Name == it.s("serviceName") && c.Region == it.s("region")
			})
			docs = append(docs, activatedDocOf(identity.Subscription{TenantID: it.s("tenantId"), EndpointTemplateID: tpl.ID,
				Status: it.s("status"), Created: ms(t, it.s("subscribedOn"))}, tpl))
		}
		return pick(envelope("activatedServices", "activatedService", docs), activatedsXML{Service: docs})
	}
	t.Fatalf("no rendering of %s", kind)
	return nil
}

// singles are the kinds whose document is one item rather than a list.
var singles = map[string]bool{"domain": true, "user": true}

// jsonItems reads the items of a JSON example: {"kind":{…}} or {"kind":{"item":[…]}}.
func jsonItems(t *testing.T, kind string, doc map[string]any) []fields {
	t.Helper()
	body, _ := doc[kind].(map[string]any)
	var raw []any
	if singles[kind] {
		raw = []any{body}
	} else {
		for k, v := range body {
			if list, ok := v.([]any); ok && k != "anies" {
				raw = list
			}
		}
	}
	var out []fields
	for _, r := range raw {
		m, _ := r.(map[string]any)
		f := fields{f: map[string]string{}}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				f.f[k] = v
			case bool:
				f.f[k] = fmt.Sprint(v)
			}
		}
		if owners, _ := m["owners"].(map[string]any); owners != nil {
			for _, o := range owners["owner"].([]any) {
				f.owners = append(f.owners, o.(map[string]any)["userId"].(string))
			}
		}
		infos, _ := m["subscribedInfo"].([]any)
		for _, i := range infos {
			info := map[string]string{}
			for k, v := range i.(map[string]any) {
				info[k], _ = v.(string)
			}
			f.infos = append(f.infos, info)
		}
		out = append(out, f)
	}
	return out
}

// node is an XML element, namespace-aware, without its namespace declarations.
type node struct {
	name     xml.Name
	attrs    map[string]string
	children []*node
	text     string
}

func parseXML(t *testing.T, b []byte) *node {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return root
		}
		if err != nil {
			t.Fatalf("%v in %s", err, b)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{name: tk.Name, attrs: map[string]string{}}
			for _, a := range tk.Attr {
				if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
					n.attrs[a.Name.Local] = a.Value
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += strings.TrimSpace(string(tk))
			}
		}
	}
}

func xmlItems(root *node, kind string) []fields {
	items := root.children
	if singles[kind] {
		items = []*node{root}
	}
	var out []fields
	for _, n := range items {
		f := fields{f: map[string]string{}}
		for k, v := range n.attrs {
			f.f[k] = v
		}
		for _, c := range n.children {
			switch c.name.Local {
			case "owners":
				for _, o := range c.children {
					f.owners = append(f.owners, o.attrs["userId"])
				}
			case "subscribedInfo":
				f.infos = append(f.infos, c.attrs)
			case "version":
			default:
				f.f[c.name.Local] = c.text
			}
		}
		out = append(out, f)
	}
	return out
}

// jsonHolds checks that ours holds everything seed holds, and nulls where seed has nothing.
func jsonHolds(t *testing.T, path string, seed, ours any) {
	t.Helper()
	switch s := seed.(type) {
	case map[string]any:
		o, ok := ours.(map[string]any)
		if !ok {
			t.Errorf("%s: %v, want an object", path, ours)
			return
		}
		for k, v := range s {
			if k == "anies" || k == "otherAttributes" {
				continue
			}
			ov, present := o[k]
			if !present {
				t.Errorf("%s.%s is missing (the seed has %v)", path, k, v)
				continue
			}
			jsonHolds(t, path+"."+k, v, ov)
		}
		for k, v := range o {
			if _, inSeed := s[k]; !inSeed && v != nil {
				t.Errorf("%s.%s = %v, which the seed's example does not show: want null", path, k, v)
			}
		}
	case []any:
		o, ok := ours.([]any)
		if !ok || len(o) != len(s) {
			t.Errorf("%s: %v, want %d items", path, ours, len(s))
			return
		}
		for i := range s {
			jsonHolds(t, fmt.Sprintf("%s[%d]", path, i), s[i], o[i])
		}
	default:
		if !reflect.DeepEqual(seed, ours) {
			t.Errorf("%s = %v, the seed has %v", path, ours, seed)
		}
	}
}

func xmlHolds(t *testing.T, path string, seed, ours *node) {
	t.Helper()
	path += "/" + seed.name.Local
	if seed.name != ours.name {
		t.Errorf("%s: element {%s}%s, the seed has {%s}%s", path, ours.name.Space, ours.name.Local, seed.name.Space, seed.name.Local)
		return
	}
	for k, v := range seed.attrs {
		if ours.attrs[k] != v {
			t.Errorf("%s@%s = %q, the seed has %q", path, k, ours.attrs[k], v)
		}
	}
	if seed.text != ours.text {
		t.Errorf("%s text %q, the seed has %q", path, ours.text, seed.text)
	}
	if len(seed.children) != len(ours.children) {
		t.Errorf("%s has %d child elements, the seed %d", path, len(ours.children), len(seed.children))
		return
	}
	for i := range seed.children {
		xmlHolds(t, path, seed.children[i], ours.children[i])
	}
}

// goldenKinds maps each response example to the kind of document it is.
var goldenKinds = map[string]string{
	"list-domains": "domains", "get-domain": "domain", "create-domain": "domain", "update-domain": "domain",
	"list-domain-users": "users", "transfer-domain-ownership": "user", "list-domain-tenants": "tenants",
	"list-domain-groups": "groups", "list-domain-roles": "roles", "list-subscribeable-services": "subscribeableServices",
	"list-activated-services": "activatedServices",
}

func TestDomainsDocumentsHoldEverySeed001ResponseExample(t *testing.T) {
	files, _ := filepath.Glob("testdata/seed001/*.response.*")
	if len(files) != 21 {
		t.Fatalf("%d response examples in testdata/seed001, want seed 001's 21", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			route, _, _ := strings.Cut(filepath.Base(file), ".")
			kind := goldenKinds[route]
			seed, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := RouteNamed(route); !ok {
				t.Fatalf("%s names no route", file)
			}
			if strings.HasSuffix(file, ".xml") {
				root := parseXML(t, seed)
				ours, err := xml.Marshal(render(t, kind, xmlItems(root, kind), true))
				if err != nil {
					t.Fatal(err)
				}
				xmlHolds(t, "", root, parseXML(t, ours))
				return
			}
			var doc map[string]any
			if err := json.Unmarshal(seed, &doc); err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(render(t, kind, jsonItems(t, kind, doc), false))
			if err != nil {
				t.Fatal(err)
			}
			var ours any
			if err := json.Unmarshal(b, &ours); err != nil {
				t.Fatal(err)
			}
			jsonHolds(t, "$", doc, ours)
		})
	}
}

func TestDomainBodiesReadSeed001RequestExamples(t *testing.T) {
	sees := map[string]string{"addressLine1": "128, Market Blvd", "city": "San Francisco", "country": "USA", "description": "See's Candies Domain",
		"emailAddress": "owner@sees.com", "name": "Sees Candies", "phone": "1-800-555-1212", "state": "CA", "status": "enabled",
		"website": "www.sees.com", "zip": "90210"}
	hp := map[string]string{"name": "HP Private Cloud Domain", "emailAddress": "hp-private-cloud-6@hp.com", "addressLine1": "1, HP Way",
		"city": "Cupertino", "state": "CA", "zip": "90210", "country": "USA", "website": "www.hp.com", "company": "HP", "phone": "1-888-555-1212",
		"status": "enabled", "description": "Hp's Private Cloud Domain"}
	for file, want := range map[string]map[string]string{
		"create-domain.request.json": sees,
		"create-domain.request.xml":  hp,
		"update-domain.request.json": {"phone": "1-800-NO-DISNEY"},
		"update-domain.request.xml":  {"phone": "1-800-NO-DISNEY", "addressLine2": "Studio Lanes"},
	} {
		body, err := os.ReadFile(filepath.Join("testdata/seed001", file))
		if err != nil {
			t.Fatal(err)
		}
		parse := parseDomainJSON
		if strings.HasSuffix(file, ".xml") {
			parse = parseDomainXML
		}
		got, err := parse(body)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v %v, want %v", file, got, err, want)
		}
	}
}
