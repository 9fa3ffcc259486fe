package api_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/actionservice/actionservice/api/apitest"
	"github.com/actionservice/actionservice/local/samtemplate"
	"github.com/actionservice/actionservice/shared/httpapi"
)

// operationID is the route's operationId in openapi.yaml: its name in lower camel case
// (get-job → getJob), so a generated client's methods read as the routing table.
func operationID(r httpapi.Route) string {
	id := strings.TrimSuffix(r.LogicalID(), "Function")
	return strings.ToLower(id[:1]) + id[1:]
}

// TestOpenAPIRoutingTableAndTemplateDeclareTheSameRoutes is the three-way cross-check: every
// route of httpapi.Routes is an operation of openapi.yaml (same path, method, operationId,
// path parameters, and security: none for a public route, X-Auth-Token otherwise) and an Api
// event of its function in template.yaml (public there too), and the document has no
// operation the routing table lacks.
func TestOpenAPIRoutingTableAndTemplateDeclareTheSameRoutes(t *testing.T) {
	c, err := apitest.Load()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := samtemplate.Load()
	if err != nil {
		t.Fatal(err)
	}
	doc := c.Doc
	scheme := doc.Components.SecuritySchemes["XAuthToken"]
	if scheme == nil || scheme.Value.Type != "apiKey" || scheme.Value.In != "header" || scheme.Value.Name != "X-Auth-Token" {
		t.Fatalf("securitySchemes.XAuthToken = %+v, want an apiKey in the X-Auth-Token header", scheme)
	}
	if len(doc.Security) != 1 || doc.Security[0]["XAuthToken"] == nil {
		t.Fatalf("the document's security = %v, want [XAuthToken] for every operation not marked public", doc.Security)
	}
	documented := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = op
		}
	}
	for _, r := range httpapi.Routes {
		op, ok := documented[r.Pattern()]
		if !ok {
			t.Errorf("route %s (%s) is not in openapi.yaml", r.Name, r.Pattern())
			continue
		}
		delete(documented, r.Pattern())
		if op.OperationID != operationID(r) {
			t.Errorf("%s: operationId %q, want %q", r.Pattern(), op.OperationID, operationID(r))
		}
		public := op.Security != nil && len(*op.Security) == 0
		if public != r.Public {
			t.Errorf("%s: public in openapi.yaml (security: []) is %v, in the routing table %v", r.Pattern(), public, r.Public)
		}
		if op.Security != nil && !public && (len(*op.Security) != 1 || (*op.Security)[0]["XAuthToken"] == nil) {
			t.Errorf("%s: security %v, want the document's (XAuthToken) or none at all", r.Pattern(), *op.Security)
		}
		var inPath, declared []string
		for _, seg := range strings.Split(r.Path, "/") {
			if name, ok := strings.CutPrefix(seg, "{"); ok {
				inPath = append(inPath, strings.TrimSuffix(name, "}"))
			}
		}
		params := slices.Concat(doc.Paths.Value(r.Path).Parameters, op.Parameters)
		for _, p := range params {
			if p.Value.In == openapi3.ParameterInPath {
				declared = append(declared, p.Value.Name)
			}
		}
		slices.Sort(inPath)
		slices.Sort(declared)
		if !slices.Equal(inPath, declared) {
			t.Errorf("%s: openapi.yaml declares path parameters %v, the path has %v", r.Pattern(), declared, inPath)
		}

		f, ok := tm.Functions[r.LogicalID()]
		if !ok {
			t.Errorf("%s: template.yaml has no function %s", r.Pattern(), r.LogicalID())
			continue
		}
		i := slices.IndexFunc(f.Events, func(ev samtemplate.APIEvent) bool { return ev.Method+" "+ev.Path == r.Pattern() })
		if i < 0 {
			t.Errorf("%s: %s has no Api event %s (its events: %+v)", r.Pattern(), r.LogicalID(), r.Pattern(), f.Events)
			continue
		}
		if templatePublic := f.Events[i].Authorizer == "NONE"; templatePublic != public {
			t.Errorf("%s: public in template.yaml (Authorizer: NONE) is %v, in openapi.yaml %v", r.Pattern(), templatePublic, public)
		}
	}
	for key, op := range documented {
		t.Errorf("openapi.yaml documents %s (%s), which is not in httpapi.Routes", key, op.OperationID)
	}
}
