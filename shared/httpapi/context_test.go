package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/actionservice/actionservice/shared/httpapi"
)

// Without API Gateway a handler learns the caller, the request id and the base path from the
// context helpers alone.
func TestHandlersReadTheGatewaysValuesFromTheContextHelpers(t *testing.T) {
	h := newHarness(t)
	rt, _ := httpapi.RouteNamed("get-job")
	handler := h.api.Handler(rt)

	r := httptest.NewRequest(http.MethodGet, "/job/0123456789abcdef01234567", nil)
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("without a principal: status %d, want 401: %s", w.Code, w.Body)
	}

	ctx := httpapi.WithPrincipal(r.Context(), alice)
	ctx = httpapi.WithRequestID(ctx, "req-1")
	ctx = httpapi.WithBasePath(ctx, "/dev")
	w = httptest.NewRecorder()
	handler.ServeHTTP(w, r.WithContext(ctx))
	if body := w.Body.String(); w.Code != http.StatusNotFound || !strings.Contains(body, `"requestId":"req-1"`) ||
		!strings.Contains(body, `"instance":"/dev/job/0123456789abcdef01234567"`) {
		t.Errorf("status %d, want 404 naming req-1 and the path under /dev: %s", w.Code, body)
	}
}
