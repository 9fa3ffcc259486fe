package apitest

import (
	"net/http"
	"strings"
	"testing"
)

const (
	ticketJSON = `{"JobTicket":{"accountId":"1","action":"createTenant","actionParams":{},"actionResults":{},"completion":null,` +
		`"errorCategory":"","errorDescription":"","status":"PENDING","stepStatus":{"CreateUmsTenant":"PENDING"},` +
		`"submission":1317663009960,"ticketId":"4e89f121318cd70066d68c31"}}`
	problemJSON = `{"type":"urn:actionservice:problem:not-found","title":"Not Found","status":404,"detail":"d","instance":"/x","requestId":"r"}`
	token       = "tok"
)

func load(t *testing.T) *Contract {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func exchange(method, target string, reqHeader map[string]string, body string, status int, respHeader map[string]string, respBody string) Exchange {
	ex := Exchange{Method: method, Target: target, Header: http.Header{}, Body: []byte(body), Status: status, RespHeader: http.Header{}, RespBody: []byte(respBody)}
	for k, v := range reqHeader {
		ex.Header.Set(k, v)
	}
	for k, v := range respHeader {
		ex.RespHeader.Set(k, v)
	}
	return ex
}

func TestContractPassesExchangesTheDocumentDescribes(t *testing.T) {
	c := load(t)
	auth := map[string]string{"X-Auth-Token": token}
	for name, ex := range map[string]Exchange{
		"a JSON submit": exchange("POST", "/action/createTenant?timeOut=0",
			map[string]string{"X-Auth-Token": token, "Content-Type": "application/json"}, `{"JobTicket":{"actionParams":{"domainId":"1","name":"t"}}}`,
			201, map[string]string{"Content-Type": "application/json", "Location": "/job/4e89f121318cd70066d68c31"}, ticketJSON),
		"an XML submit": exchange("POST", "/action/createTenant",
			map[string]string{"X-Auth-Token": token, "Content-Type": "application/xml", "Accept": "application/xml"},
			`<JobTicket><actionParams><entry><key>name</key><value>t</value></entry></actionParams></JobTicket>`,
			201, map[string]string{"Content-Type": "application/xml", "Location": "/prod/job/4e89f121318cd70066d68c31"}, goodTicket),
		"a count":          exchange("GET", "/job/error/count", auth, "", 200, map[string]string{"Content-Type": "text/plain; charset=utf-8"}, "12"),
		"a delete":         exchange("DELETE", "/job/4e89f121318cd70066d68c31", auth, "", 204, nil, ""),
		"a public HEAD":    exchange("HEAD", "/domains?name=Acme", nil, "", 404, nil, ""),
		"a problem":        exchange("GET", "/job/4e89f121318cd70066d68c31", auth, "", 404, map[string]string{"Content-Type": "application/problem+json"}, problemJSON),
		"no token, 401":    exchange("GET", "/job", nil, "", 401, map[string]string{"Content-Type": "application/problem+json", "WWW-Authenticate": "X-Auth-Token"}, strings.Replace(problemJSON, "404", "401", 1)),
		"no route, 404":    exchange("PATCH", "/job", auth, "", 404, map[string]string{"Content-Type": "application/problem+json"}, problemJSON),
		"a page with Link": exchange("GET", "/job/status/PENDING?limit=1", auth, "", 200, map[string]string{"Content-Type": "application/json", "Link": `</job/status/PENDING?limit=1&marker=4e89f121318cd70066d68c31>; rel="next"`}, `{"TicketList":{"Tickets":[]}}`),
	} {
		if err := c.Check(ex); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestContractFailsExchangesTheDocumentDoesNotDescribe(t *testing.T) {
	c := load(t)
	auth := map[string]string{"X-Auth-Token": token}
	jsonType := map[string]string{"Content-Type": "application/json"}
	for name, ex := range map[string]Exchange{
		"a status the operation does not answer": exchange("GET", "/job", auth, "", 418, map[string]string{"Content-Type": "application/problem+json"}, problemJSON),
		"a media type it does not answer":        exchange("GET", "/job", auth, "", 200, map[string]string{"Content-Type": "text/html"}, "<html/>"),
		"a ticket with an unknown field":         exchange("GET", "/job/4e89f121318cd70066d68c31", auth, "", 200, jsonType, strings.Replace(ticketJSON, `"status"`, `"state":"x","status"`, 1)),
		"a ticket in the wrong XML":              exchange("GET", "/job/4e89f121318cd70066d68c31", auth, "", 200, map[string]string{"Content-Type": "application/xml"}, strings.Replace(goodTicket, "<status>", "<state>x</state><status>", 1)),
		"a 201 without Location":                 exchange("POST", "/action/createTenant", map[string]string{"X-Auth-Token": token, "Content-Type": "application/json"}, `{"JobTicket":{}}`, 201, jsonType, ticketJSON),
		"a count that is no number":              exchange("GET", "/job/error/count", auth, "", 200, map[string]string{"Content-Type": "text/plain"}, "twelve"),
		"a 204 with a body":                      exchange("DELETE", "/job/4e89f121318cd70066d68c31", auth, "", 204, jsonType, "{}"),
		"a problem without requestId":            exchange("GET", "/job", auth, "", 400, map[string]string{"Content-Type": "application/problem+json"}, strings.Replace(problemJSON, `,"requestId":"r"`, "", 1)),
		"a Link that is not rel=next":            exchange("GET", "/job", auth, "", 200, map[string]string{"Content-Type": "application/json", "Link": "</job?marker=x>; rel=prev"}, `{"TicketList":{"Tickets":[]}}`),
		"no token, yet answered 200":             exchange("GET", "/job", nil, "", 200, jsonType, `{"TicketList":{"Tickets":[]}}`),
		"a request with a bad query value":       exchange("GET", "/job?limit=0", auth, "", 200, jsonType, `{"TicketList":{"Tickets":[]}}`),
		"a request body in the wrong XML":        exchange("POST", "/action/createTenant", map[string]string{"X-Auth-Token": token, "Content-Type": "application/xml"}, `<JobTicket><params/></JobTicket>`, 201, map[string]string{"Content-Type": "application/json", "Location": "/job/4e89f121318cd70066d68c31"}, ticketJSON),
		"no route, yet answered 200":             exchange("GET", "/jobs", auth, "", 200, jsonType, `{"TicketList":{"Tickets":[]}}`),
		"the count resource has no DELETE":       exchange("DELETE", "/job/error/count", auth, "", 204, nil, ""),
		"a HEAD status not documented":           exchange("HEAD", "/domains?name=x", nil, "", 409, nil, ""),
		"a HEAD where only GET is documented":    exchange("HEAD", "/job", auth, "", 200, nil, ""),
	} {
		if err := c.Check(ex); err == nil {
			t.Errorf("%s: passed, want an error", name)
		}
	}
}

func TestCheckResponseSkipsOnlyTheRequest(t *testing.T) {
	c := load(t)
	auth := map[string]string{"X-Auth-Token": token}
	bad := exchange("GET", "/job?limit=0", auth, "", 400, map[string]string{"Content-Type": "application/problem+json"}, strings.Replace(problemJSON, "404", "400", 1))
	if err := c.CheckResponse(bad); err != nil {
		t.Errorf("a refused bad value: %v", err)
	}
	bad.RespBody = []byte(`{"error":"bad limit"}`)
	if err := c.CheckResponse(bad); err == nil {
		t.Error("an answer that is no problem document passed")
	}
}
