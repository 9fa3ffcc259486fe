package ticket

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func ms(v int64) time.Time { return time.UnixMilli(v) }

// The seed's createDomain response, plus the two fields the contract adds (accountId,
// errorCategory).
func seedCreateDomain() *Ticket {
	return &Ticket{
		ID: "4e89f121318cd70066d68c31", Action: "createDomain", AccountID: "000000003002",
		Params: map[string]string{"name": "TestDom_1317663010554", "company": "ArvindCo"},
		Results: map[string]string{
			"SALESFORCE_ACCOUNT": "001V0000003cerDIAQ", "KMS_TENANT": "38995611887804",
			"domainId": "38995611887804", "zuoraDomainAcct": "4028e69632bcaec40132cad5f62a1416",
		},
		Steps: map[string]StepStatus{
			"CreateZuoraDomainAccount": StepComplete, "CreateKmsDomain": StepComplete,
			"CreateSalesforceAccount": StepComplete, "CreateUmsDomain": StepComplete,
		},
		Status: Complete, Submission: ms(1317663009960), Completion: ms(1317663013245),
	}
}

func assertSameJSON(t *testing.T, got []byte, goldenFile string) {
	t.Helper()
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("golden %s: %v", goldenFile, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON differs from %s\n got: %s\nwant: %s", goldenFile, got, want)
	}
	if gk, wk := keyOrder(t, got), keyOrder(t, want); !slices.Equal(gk, wk) {
		t.Errorf("JSON keys in another order than %s\n got: %v\nwant: %v", goldenFile, gk, wk)
	}
}

// keyOrder lists a document's object keys in the order they are written, except the keys of
// the string maps, whose order the seed leaves to its hash maps.
func keyOrder(t *testing.T, doc []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	var keys []string
	// Per open object or array: whether the next string token is a key, and whether the
	// object is one of the string maps.
	type frame struct{ object, expectKey, stringMap bool }
	var stack []frame
	lastKey := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return keys
		}
		if err != nil {
			t.Fatalf("keyOrder: %v", err)
		}
		top := len(stack) - 1
		switch tok {
		case json.Delim('{'), json.Delim('['):
			inMap := top >= 0 && stack[top].stringMap
			stack = append(stack, frame{object: tok == json.Delim('{'), expectKey: tok == json.Delim('{'),
				stringMap: inMap || slices.Contains([]string{"actionParams", "actionResults", "stepStatus"}, lastKey)})
			lastKey = ""
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:top]
		default:
			if top >= 0 && stack[top].object && stack[top].expectKey {
				lastKey = tok.(string)
				if !stack[top].stringMap {
					keys = append(keys, lastKey)
				}
				stack[top].expectKey = false
				continue
			}
		}
		if top = len(stack) - 1; top >= 0 && stack[top].object {
			stack[top].expectKey = true
		}
	}
}

func TestJSONTicketMatchesSeedExampleWithParamsHidden(t *testing.T) {
	got, err := json.Marshal(Document{JobTicket: ViewOf(seedCreateDomain())})
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, got, "testdata/seed_create_domain.json")
	if strings.Contains(string(got), "ArvindCo") {
		t.Error("actionParams leaked into the representation")
	}
}

func TestJSONTicketListMatchesSeedExample(t *testing.T) {
	mk := func(id, desc string, sub, done int64) *Ticket {
		tk := &Ticket{ID: id, Action: "createSwiftAccount", AccountID: "000000003002", Submission: ms(sub)}
		tk.Fail(Error, UserInput, desc, ms(done))
		return tk
	}
	got, err := json.Marshal(ListOf([]*Ticket{
		mk("4e6e41edb760291563f2a4ca", "Missing required parameter [regionCode]", 1315848685142, 1315848685171),
		mk("4e6e41eeb760291563f2a4cd", "Missing required parameter [productRatePlan]", 1315848686283, 1315848686306),
	}))
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, got, "testdata/seed_ticket_list.json")
}

func TestJSONCompletionIsNullUntilTerminal(t *testing.T) {
	got, _ := json.Marshal(ViewOf(&Ticket{ID: "x", Status: Running, Submission: ms(1)}))
	if !strings.Contains(string(got), `"completion":null`) {
		t.Errorf("want completion null, got %s", got)
	}
}

func TestXMLTicketMatchesSeedExample(t *testing.T) {
	mdt := time.FixedZone("MDT", -6*3600)
	tk := &Ticket{
		ID: "4e8cb8d2318cf2e142e7715a", Action: "createDomain",
		Params: map[string]string{"name": "TestDom_1317845202814"},
		Results: map[string]string{
			"SALESFORCE_ACCOUNT": "001V0000003ePc5IAE", "KMS_TENANT": "47161213735800",
			"domainId": "47161213735800", "zuoraDomainAcct": "4028e69632bcaec40132d5b204781340",
		},
		Steps: map[string]StepStatus{
			"CreateZuoraDomainAccount": StepComplete, "CreateKmsDomain": StepComplete,
			"CreateSalesforceAccount": StepComplete, "CreateUmsDomain": StepComplete,
		},
		Status:     Complete,
		Submission: time.Date(2011, 10, 5, 14, 6, 42, 707e6, mdt),
		Completion: time.Date(2011, 10, 5, 14, 6, 46, 983e6, mdt),
	}
	got, err := xml.MarshalIndent(Document{JobTicket: ViewOf(tk)}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("testdata/seed_create_domain.xml")
	if normalizeXML(string(got)) != normalizeXML(string(want)) {
		t.Errorf("XML differs from seed\n got:\n%s\nwant:\n%s", got, want)
	}
}

// normalizeXML drops the whitespace between elements so indentation does not matter.
func normalizeXML(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		b.WriteString(strings.TrimSpace(line))
	}
	return b.String()
}

func TestXMLListUsesTicketListTicketsJobTicket(t *testing.T) {
	tk := &Ticket{ID: "a", Action: "createTenant", Status: Pending, Submission: ms(0).UTC()}
	got, err := xml.Marshal(ListOf([]*Ticket{tk}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), "<TicketList><Tickets><JobTicket><actionParams></actionParams>") {
		t.Errorf("unexpected list shape: %s", got)
	}
	if strings.Contains(string(got), "<completion>") {
		t.Errorf("completion must be absent until terminal: %s", got)
	}
	if !strings.Contains(string(got), "<submission>1970-01-01T00:00:00.000+00:00</submission>") {
		t.Errorf("submission not ISO-8601 with offset: %s", got)
	}
}

func TestSubmissionReadsSeedJSONAndXMLRequests(t *testing.T) {
	params, err := ParseSubmissionJSON([]byte(`{ "JobTicket" : { "actionParams" : { "name" : "TestDom_1317663010554", "company" : "ArvindCo" } } }`))
	if err != nil {
		t.Fatal(err)
	}
	if params["company"] != "ArvindCo" {
		t.Errorf("json params: %v", params)
	}
	params, err = ParseSubmissionXML([]byte(`<JobTicket>
  <actionParams>
    <entry><key>name</key><value>TestDom_1317845202814</value></entry>
    <entry><key>company</key><value>ArvindCo</value></entry>
  </actionParams>
</JobTicket>`))
	if err != nil {
		t.Fatal(err)
	}
	if params["name"] != "TestDom_1317845202814" || len(params) != 2 {
		t.Errorf("xml params: %v", params)
	}
}

func TestXMLMapRejectsForeignElements(t *testing.T) {
	var sub Submission
	err := xml.Unmarshal([]byte(`<JobTicket><actionParams><bogus/></actionParams></JobTicket>`), &sub)
	if err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("want an error naming the element, got %v", err)
	}
}

func TestIDsSortBySubmissionTime(t *testing.T) {
	a, b := NewID(ms(1317663009960)), NewID(ms(1317663009961))
	if !(a < b) || !ValidID(a) || ValidID("nothex-nothex-nothex-xxx") || ValidID("abc") {
		t.Errorf("ids %s %s", a, b)
	}
}

func TestParseStatusAndCategoryRefuseUnknownValues(t *testing.T) {
	if _, err := ParseStatus("DONE"); err == nil {
		t.Error("DONE accepted")
	}
	if s, err := ParseStatus("TIMEDOUT"); err != nil || !s.Failed() || !s.Terminal() {
		t.Error("TIMEDOUT")
	}
	if _, err := ParseCategory("user_input"); err == nil {
		t.Error("lower-case category accepted")
	}
	if Retry.Terminal() || Pending.Failed() {
		t.Error("RETRY/PENDING")
	}
}
