package client_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/actionservice/actionservice/cmd/asvc/internal/client"
)

const domainDoc = `{"domain":{"domainId":"1234","name":"Acme","city":null,"status":"enabled"}}`

func answerDomain(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(domainDoc))
}

func TestADomainCreateOrDeleteIsNeverRetriedButAnUpdateIs(t *testing.T) {
	ctx := context.Background()
	for name, c := range map[string]struct {
		call func(*client.Client) error
		want int
	}{
		"create": {func(c *client.Client) error {
			_, err := c.CreateDomain(ctx, client.DomainBody{Fields: map[string]string{"name": "Acme"}})
			return err
		}, 1},
		"delete": {func(c *client.Client) error { return c.DeleteDomain(ctx, "1234") }, 1},
		"update": {func(c *client.Client) error {
			_, err := c.UpdateDomain(ctx, "1234", client.DomainBody{Fields: map[string]string{"city": ""}})
			return err
		}, 2},
		"owner": {func(c *client.Client) error {
			_, err := c.TransferOwnership(ctx, "1234", "5678")
			return err
		}, 2},
	} {
		f := &flaky{drops: 1, answer: answerDomain}
		cl := serve(t, f, "")
		err := c.call(cl)
		if n := len(f.requests()); n != c.want {
			t.Errorf("%s: %d requests (err %v); want %d", name, n, err, c.want)
		}
	}
}

func TestADomainBodyOfFieldsIsTheSeedsJSONEnvelope(t *testing.T) {
	var body, ctype string
	f := &flaky{answer: func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body, ctype = string(b), r.Header.Get("Content-Type")
		answerDomain(w, r)
	}}
	d, err := serve(t, f, "").UpdateDomain(context.Background(), "1234", client.DomainBody{Fields: map[string]string{"city": "", "name": "Acme"}})
	if err != nil || d.Value.DomainID != "1234" || d.Value.City != "" || string(d.Raw) != domainDoc {
		t.Fatalf("UpdateDomain: %v, %+v", err, d)
	}
	if body != `{"domain":{"city":"","name":"Acme"}}` || ctype != "application/json" {
		t.Errorf("sent %s %q", ctype, body)
	}
}

func TestNameTakenIs200TakenAnd404FreeAndAnyOtherAnswerAnError(t *testing.T) {
	for status, want := range map[int]string{200: "taken", 404: "free", 204: "error", 503: "error"} {
		f := &flaky{answer: func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodHead || r.URL.Query().Get("name") != "Time Warner Inc" {
				t.Errorf("%s %s", r.Method, r.URL)
			}
			w.WriteHeader(status)
		}}
		c := serve(t, f, "")
		c.Attempts = 1
		taken, err := c.DomainNameTaken(context.Background(), "Time Warner Inc")
		got := map[bool]string{true: "taken", false: "free"}[taken]
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("HEAD answered %d: %s (%v); want %s", status, got, err, want)
		}
	}
}

func TestDomainListsJoinTheirPagesInOneEnvelope(t *testing.T) {
	f := &flaky{answer: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("marker") == "" {
			w.Header().Set("Link", `</dev/domains/1234/tenants?limit=1&marker=1>; rel="next"`)
			_, _ = w.Write([]byte(`{"tenants":{"tenant":[{"tenantId":"1","name":"a"}]}}`))
			return
		}
		_, _ = w.Write([]byte(`{"tenants":{"tenant":[{"tenantId":"2","name":"b"}]}}`))
	}}
	c := serve(t, f, "/dev")
	first, err := c.DomainItems(context.Background(), "1234", client.Tenants, nil, client.Paging{Limit: 1})
	if err != nil || first.Next == "" {
		t.Fatalf("first page: %v, %+v", err, first)
	}
	next, err := c.Next(context.Background(), first)
	if err != nil || next.Next != "" {
		t.Fatalf("next page: %v, %+v", err, next)
	}
	first.Items = append(first.Items, next.Items...)
	tenants, err := client.Items[client.Tenant](first)
	if err != nil || len(tenants) != 2 || tenants[1].Name != "b" {
		t.Errorf("tenants %+v, %v", tenants, err)
	}
	if reqs := f.requests(); reqs[0].URL.String() != "/dev/domains/1234/tenants?limit=1" || reqs[1].URL.Path != "/dev/domains/1234/tenants" {
		t.Errorf("requested %s, %s", reqs[0].URL, reqs[1].URL)
	}
}
