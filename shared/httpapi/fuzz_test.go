package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/httpapi"
	"github.com/actionservice/actionservice/shared/identity"
)

// FuzzJobRoutesAnswerAProblemNeverA5xx feeds the job routes arbitrary path values and query
// strings, as the handlers receive them (decoded), and holds the invariant of API.md §1: an
// answer is a success or a 4xx problem document — never a 5xx, a redirect or a panic.
func FuzzJobRoutesAnswerAProblemNeverA5xx(f *testing.F) {
	h := newHarness(f)
	tk := h.create("acct-a", "ERROR", "USER_INPUT")
	handler := h.api.Handler(httpapi.Routes...)
	for _, s := range [][2]string{
		{"/job/" + tk.ID, "timeOut=10"}, {"/job/error/USER_INPUT", "limit=2&marker=" + tk.ID}, {"/job", "accountId=acct-a&skip=1"},
		{"/job/error/count", "limit=-1"}, {"/job/status/RUNNING", "limit=1001"}, {"/job/\x00", ""}, {"/job/..", "a=%zz"},
		{"/job/error/USER_INPUT/count", "marker=zz"}, {"/job", "accountId=acct-a&status=NOPE&action=x"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, path, rawQuery string) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			r := httptest.NewRequest(method, "/", nil)
			r.URL = &url.URL{Path: path, RawQuery: rawQuery}
			r = r.WithContext(httpapi.WithPrincipal(r.Context(), alice))
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, r)
			switch st := w.Code; {
			case st >= 500, st >= 300 && st < 400:
				t.Fatalf("%s %q ?%q: %d %s", method, path, rawQuery, st, w.Body)
			case st >= 400 && method == http.MethodGet && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+"):
				t.Fatalf("%s %q ?%q: %d without a problem document: %s", method, path, rawQuery, st, w.Body)
			}
		}
	})
}

// FuzzDomainRoutesAnswerAProblemNeverA5xx holds the same invariant on the Domains API, for
// an admin (who reaches every domain) and a member (whose view the policy narrows).
func FuzzDomainRoutesAnswerAProblemNeverA5xx(f *testing.F) {
	h := newHarness(f)
	ids := h.api.Identity
	d, err := ids.CreateDomain(context.Background(), "", identity.Domain{Name: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	u, err := ids.CreateUser(context.Background(), "fuzz/user", identity.User{DomainID: d.DomainID, Username: "bob"})
	if err != nil {
		f.Fatal(err)
	}
	member := alice
	member.DomainID, member.UserID = d.DomainID, u.UserID
	handler := h.api.Handler(httpapi.Routes...)
	dom := "/domains/" + d.DomainID
	for _, s := range [][2]string{
		{"/domains", "limit=2&name=FUZZ"}, {"/domains", "marker=" + d.DomainID}, {dom, ""}, {dom + "/users", "userId=" + u.UserID + "&excludeRoles=a,%20b"},
		{dom + "/users", "userName=BOB&excludeGroups=1,2&excludeTenantId=3"}, {dom + "/groups", "groupId=1&groupName=x"},
		{dom + "/roles", "limit=1&marker=zz"}, {dom + "/subscribeableServices", "endpointTemplateId=12a"},
		{dom + "/subscribeableServices", "serviceName=Compute&marker=100"}, {dom + "/services", "tenantId=%00"},
		{dom + "/tenants", "limit=0"}, {"/domains/%ZZ/users", ""}, {"/domains/" + strings.Repeat("9", 70), ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, path, rawQuery string) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		for _, p := range []auth.Principal{admin, member} {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				r := httptest.NewRequest(method, "/", nil)
				r.URL = &url.URL{Path: path, RawQuery: rawQuery}
				r = r.WithContext(httpapi.WithPrincipal(r.Context(), p))
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, r)
				switch st := w.Code; {
				case st >= 500, st >= 300 && st < 400:
					t.Fatalf("%s %q ?%q: %d %s", method, path, rawQuery, st, w.Body)
				case st >= 400 && method == http.MethodGet && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+"):
					t.Fatalf("%s %q ?%q: %d without a problem document: %s", method, path, rawQuery, st, w.Body)
				}
			}
		}
	})
}
