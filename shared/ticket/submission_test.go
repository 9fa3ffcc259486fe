package ticket

import (
	"maps"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSubmissionJSONIsReadStrictly(t *testing.T) {
	expectParsed(t, ParseSubmissionJSON, map[string]parseCase{
		"seed shape":              {`{"JobTicket":{"actionParams":{"name":"a","company":"b"}}}`, map[string]string{"name": "a", "company": "b"}},
		"no params":               {`{"JobTicket":{}}`, map[string]string{}},
		"white space around":      {" \n{\"JobTicket\":{\"actionParams\":{}}}\n ", map[string]string{}},
		"duplicate param":         {`{"JobTicket":{"actionParams":{"name":"a","name":"b"}}}`, nil},
		"duplicate envelope":      {`{"JobTicket":{},"JobTicket":{}}`, nil},
		"duplicate actionParams":  {`{"JobTicket":{"actionParams":{},"actionParams":{}}}`, nil},
		"envelope in other case":  {`{"jobticket":{"actionParams":{}}}`, nil},
		"field in other case":     {`{"JobTicket":{"ACTIONPARAMS":{"name":"a"}}}`, nil},
		"unknown field":           {`{"JobTicket":{"actionParams":{},"status":"COMPLETE"}}`, nil},
		"unknown envelope field":  {`{"JobTicket":{},"x":1}`, nil},
		"no envelope":             {`{}`, nil},
		"not an object":           {`[]`, nil},
		"null envelope":           {`{"JobTicket":null}`, nil},
		"number param":            {`{"JobTicket":{"actionParams":{"n":1}}}`, nil},
		"null param":              {`{"JobTicket":{"actionParams":{"n":null}}}`, nil},
		"nested param":            {`{"JobTicket":{"actionParams":{"n":{}}}}`, nil},
		"trailing data":           {`{"JobTicket":{}} {}`, nil},
		"trailing garbage":        {`{"JobTicket":{}}x`, nil},
		"invalid UTF-8":           {"{\"JobTicket\":{\"actionParams\":{\"n\":\"\xff\"}}}", nil},
		"truncated":               {`{"JobTicket":{"actionParams":{"n":"a"`, nil},
		"escaped key is the same": {`{"JobTicket":{"actionParams":{"n":"a","\u006e":"b"}}}`, nil},
	})
}

func TestSubmissionXMLIsReadStrictly(t *testing.T) {
	entry := func(k, v string) string { return "<entry><key>" + k + "</key><value>" + v + "</value></entry>" }
	expectParsed(t, ParseSubmissionXML, map[string]parseCase{
		"seed shape":         {"<JobTicket><actionParams>" + entry("name", "a") + "</actionParams></JobTicket>", map[string]string{"name": "a"}},
		"declaration":        {`<?xml version="1.0" encoding="UTF-8"?>` + "\n<JobTicket><actionParams/></JobTicket>\n", map[string]string{}},
		"comment after":      {"<JobTicket/><!-- fine -->", map[string]string{}},
		"duplicate key":      {"<JobTicket><actionParams>" + entry("name", "a") + entry("name", "b") + "</actionParams></JobTicket>", nil},
		"DTD":                {`<!DOCTYPE JobTicket [<!ENTITY x "y">]><JobTicket><actionParams>` + entry("name", "&x;") + "</actionParams></JobTicket>", nil},
		"second root":        {"<JobTicket/><JobTicket/>", nil},
		"trailing text":      {"<JobTicket/>trailing", nil},
		"other root":         {"<Ticket/>", nil},
		"foreign element":    {"<JobTicket><actionParams><bogus/></actionParams></JobTicket>", nil},
		"empty":              {"", nil},
		"invalid UTF-8":      {"<JobTicket><actionParams>" + entry("n", "\xff") + "</actionParams></JobTicket>", nil},
		"unclosed root":      {"<JobTicket><actionParams>", nil},
		"text before a root": {"x<JobTicket/>", nil},
	})
}

// parseCase is a body and the parameters it must parse to; nil: it must be refused.
type parseCase struct {
	body string
	want map[string]string
}

func expectParsed(t *testing.T, parse func([]byte) (map[string]string, error), cases map[string]parseCase) {
	t.Helper()
	for name, c := range cases {
		got, err := parse([]byte(c.body))
		switch {
		case c.want == nil && err == nil:
			t.Errorf("%s: accepted %v", name, got)
		case c.want != nil && (err != nil || !maps.Equal(got, c.want)):
			t.Errorf("%s: %v %v, want %v", name, got, err, c.want)
		}
	}
}

// The parsers never panic, and what they accept is a parameter map that reads back the same.
func FuzzParseSubmissionJSON(f *testing.F) {
	for _, s := range []string{`{"JobTicket":{"actionParams":{"name":"a"}}}`, `{"JobTicket":{}}`, `{"jobticket":{}}`, `{"JobTicket":{"actionParams":{"a":"1","a":"2"}}}`, "{\"JobTicket\":{\"actionParams\":{\"n\":\"\xff\"}}}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		params, err := ParseSubmissionJSON(body)
		if err != nil {
			return
		}
		if params == nil {
			t.Fatal("accepted without a parameter map")
		}
		for k, v := range params {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatalf("accepted invalid UTF-8 %q=%q", k, v)
			}
		}
	})
}

func FuzzParseSubmissionXML(f *testing.F) {
	for _, s := range []string{"<JobTicket><actionParams><entry><key>a</key><value>b</value></entry></actionParams></JobTicket>", "<JobTicket/>", `<!DOCTYPE x><JobTicket/>`, "<JobTicket/><JobTicket/>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		params, err := ParseSubmissionXML(body)
		if err != nil {
			return
		}
		if params == nil {
			t.Fatal("accepted without a parameter map")
		}
		if strings.Contains(string(body), "<!DOCTYPE") && !strings.Contains(string(body), "<!--") && !strings.Contains(string(body), "CDATA") {
			t.Fatalf("accepted a DTD: %q", body)
		}
	})
}
