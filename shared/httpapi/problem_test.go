package httpapi_test

import (
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/actionservice/actionservice/shared/httpapi"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the current output")

// normalizeProblem blanks what differs from request to request: the request id and the
// instance (the path asked for).
func normalizeProblem(body string) string {
	for _, re := range []struct{ pattern, replacement string }{
		{`"requestId":"[^"]*"`, `"requestId":"REQUEST-ID"`},
		{`"instance":"[^"]*"`, `"instance":"INSTANCE"`},
		{`<requestId>[^<]*</requestId>`, `<requestId>REQUEST-ID</requestId>`},
		{`<instance>[^<]*</instance>`, `<instance>INSTANCE</instance>`},
	} {
		body = regexp.MustCompile(re.pattern).ReplaceAllString(body, re.replacement)
	}
	return body
}

func TestProblemDocumentsMatchGoldenFilesByteForByte(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct {
		accept, contentType, golden string
	}{
		{"application/json", "application/problem+json", "problem.json"},
		{"application/xml", "application/problem+xml", "problem.xml"},
	} {
		t.Run(c.golden, func(t *testing.T) {
			r := h.call("get-job", gatewayEvent(alice, "GET", "/job/0123456789abcdef01234567", "Accept", c.accept))
			expectStatus(t, r, http.StatusNotFound)
			if got := r.header("Content-Type"); got != c.contentType {
				t.Errorf("Content-Type %q, want %q", got, c.contentType)
			}
			if !strings.Contains(r.Body, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef") || !strings.Contains(r.Body, "/dev/job/0123456789abcdef01234567") {
				t.Errorf("the problem does not name the request id and the path the client called (stage included): %s", r.Body)
			}
			golden := filepath.Join("testdata", c.golden)
			got := normalizeProblem(r.Body)
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("problem differs from %s\n got: %q\nwant: %q", golden, got, want)
			}
		})
	}
}

func TestHandlerPanicAnswers500ProblemWithoutStackTrace(t *testing.T) {
	h := newHarness(t)
	// An API without its store panics on the first read: a programming error, as a panic is.
	h.api = &httpapi.API{Log: h.api.Log}
	r := h.call("get-job", gatewayEvent(alice, "GET", "/job/0123456789abcdef01234567"))
	p := expectProblem(t, r, http.StatusInternalServerError)
	if p.RequestID != "c6af9ac6-7b61-11e6-9a41-93e8deadbeef" {
		t.Errorf("the problem does not carry the request id: %+v", p)
	}
	if containsAny(r.Body, "goroutine", "runtime", ".go:", "nil pointer", "panic") {
		t.Errorf("the client sees internals: %s", r.Body)
	}
	log := h.log.String()
	if !strings.Contains(log, `"message":"panic in handler"`) || !strings.Contains(log, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef") || !strings.Contains(log, "goroutine") {
		t.Errorf("the panic is not logged with its request id and stack: %s", log)
	}
}
