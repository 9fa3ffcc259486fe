package stack_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/actionservice/actionservice/api"
)

func TestLocalStackServesTheOpenAPIDocumentWithoutAToken(t *testing.T) {
	e := start(t)
	r := e.do("GET", "/openapi.yaml", "", nil, "")
	expectStatus(t, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("Content-Type %q, want application/yaml", ct)
	}
	if !bytes.Equal([]byte(r.body), api.OpenAPI) {
		t.Error("the document served is not api/openapi.yaml")
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(r.body))
	if err != nil {
		t.Fatalf("the served document does not load: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("the served document is OpenAPI %q, want 3.0.3", doc.OpenAPI)
	}
	// It is the local stack's, not a route of the API: other methods meet the gateway's 404.
	expectProblem(t, e.do("POST", "/openapi.yaml", e.stack.AdminToken, nil, ""), http.StatusNotFound)
}
