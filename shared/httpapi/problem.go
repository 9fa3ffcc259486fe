// Package httpapi is the REST layer of the Action Service: the routing table, content
// negotiation (JSON, XML, text/plain), RFC 9457 problem documents, paging, the caller's
// principal, and the handlers. The same handlers run behind API Gateway (one Lambda per
// route; package service adapts the gateway's event) and in the local stack.
package httpapi

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"slices"
	"strings"
)

// Problem is an RFC 9457 problem document, plus the request id that finds it in the logs.
type Problem struct {
	XMLName   xml.Name `json:"-" xml:"urn:ietf:rfc:7807 problem"`
	Type      string   `json:"type" xml:"type"`
	Title     string   `json:"title" xml:"title"`
	Status    int      `json:"status" xml:"status"`
	Detail    string   `json:"detail,omitempty" xml:"detail,omitempty"`
	Instance  string   `json:"instance" xml:"instance"`
	RequestID string   `json:"requestId" xml:"requestId"`
}

// problemTypes names each kind of problem; the URN's last part is stable for clients to test.
var problemTypes = map[int]string{
	http.StatusBadRequest:            "bad-request",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not-found",
	http.StatusMethodNotAllowed:      "method-not-allowed",
	http.StatusNotAcceptable:         "not-acceptable",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "content-too-large",
	http.StatusUnsupportedMediaType:  "unsupported-media-type",
	http.StatusInternalServerError:   "internal",
	http.StatusServiceUnavailable:    "unavailable",
}

// ProblemType is the type URI of a status's problem.
func ProblemType(status int) string {
	if t, ok := problemTypes[status]; ok {
		return "urn:actionservice:problem:" + t
	}
	return "about:blank"
}

// WriteProblem answers with a problem document, in XML when the client asked for XML.
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	p := Problem{
		Type: ProblemType(status), Title: http.StatusText(status), Status: status,
		Detail: detail, Instance: clientPath(r, r.URL.Path), RequestID: RequestID(r),
	}
	h := w.Header()
	h.Del("Link")
	h.Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		// A HEAD answer carries no body; the adapter still needs the status.
		w.WriteHeader(status)
		return
	}
	if prefersXML(r) {
		h.Set("Content-Type", "application/problem+xml")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(xml.Header))
		_ = xml.NewEncoder(w).Encode(p)
		return
	}
	h.Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// prefersXML reports whether the client's Accept puts XML above JSON.
func prefersXML(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	if accept == "" || !strings.Contains(accept, "xml") {
		return false
	}
	best, _ := negotiate(accept, slices.Concat(documentMedia, []string{"application/problem+json", "application/problem+xml"}))
	return strings.HasSuffix(best, "xml")
}
