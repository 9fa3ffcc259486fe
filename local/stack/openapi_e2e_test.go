package stack_test

import (
	"bytes"
	"net/http"
	"regexp"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/actionservice/actionservice/api"
	"github.com/actionservice/actionservice/shared/actions"
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

// The catalogue is paged by action name like every list: each page is checked against the
// contract by e.do, in JSON and in XML (by both its names), and the Link header walks it to
// its end.
func TestCatalogueIsPagedByLinkInJSONAndXML(t *testing.T) {
	e := start(t)
	for _, media := range []string{"application/json", "application/xml", "text/xml"} {
		t.Run(media, func(t *testing.T) {
			pages, path := 0, "/action?limit=3"
			for path != "" {
				r := e.do("GET", path, e.stack.AdminToken, map[string]string{"Accept": media}, "")
				expectStatus(t, r, http.StatusOK)
				if ct := r.header.Get("Content-Type"); ct != media {
					t.Fatalf("Content-Type %q, want %s", ct, media)
				}
				pages++
				path = ""
				if m := regexp.MustCompile(`^<([^>]+)>; rel="next"$`).FindStringSubmatch(r.header.Get("Link")); m != nil {
					path = m[1]
				}
			}
			if want := (len(actions.Catalogue()) + 2) / 3; pages != want {
				t.Errorf("%d pages of 3, want %d for %d actions", pages, want, len(actions.Catalogue()))
			}
		})
	}
}
