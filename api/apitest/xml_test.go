package apitest

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func schema(t *testing.T, name string) *openapi3.SchemaRef {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	s, ok := c.Doc.Components.Schemas[name]
	if !ok {
		t.Fatalf("openapi.yaml has no schema %s", name)
	}
	return s
}

// decodeAndValidate is what ValidateResponse does with an XML body: decode, then validate.
func decodeAndValidate(t *testing.T, s *openapi3.SchemaRef, doc string) error {
	t.Helper()
	v, err := DecodeXML(strings.NewReader(doc), nil, s, nil)
	if err != nil {
		return err
	}
	return s.Value.VisitJSON(v)
}

const goodTicket = `<?xml version="1.0" encoding="UTF-8"?>
<JobTicket>
  <actionParams></actionParams>
  <stepStatus><entry><key>CreateUmsDomain</key><value>COMPLETE</value></entry><entry><key>CreateKmsDomain</key><value>ROLLED_BACK</value></entry></stepStatus>
  <actionResults><entry><key>domainId</key><value>38995611887804</value></entry></actionResults>
  <accountId>000000000001</accountId>
  <action>createDomain</action>
  <completion>2011-10-03T11:30:13.245-06:00</completion>
  <errorCategory></errorCategory>
  <errorDescription></errorDescription>
  <status>COMPLETE</status>
  <submission>2011-10-03T11:30:09.960-06:00</submission>
  <ticketId>4e89f121318cd70066d68c31</ticketId>
</JobTicket>`

func TestXMLDecoderReadsTheSeedsTicketOntoItsSchema(t *testing.T) {
	s := schema(t, "TicketXML")
	v, err := DecodeXML(strings.NewReader(goodTicket), nil, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Value.VisitJSON(v); err != nil {
		t.Fatalf("the seed's ticket does not validate: %v", err)
	}
	steps := v.(map[string]any)["stepStatus"].(map[string]any)["entry"].([]any)
	if len(steps) != 2 || steps[1].(map[string]any)["value"] != "ROLLED_BACK" {
		t.Errorf("stepStatus entries = %v, want the two steps", steps)
	}
}

func TestXMLDecoderFailsADocumentTheSchemaDoesNotDescribe(t *testing.T) {
	s := schema(t, "TicketXML")
	for name, doc := range map[string]string{
		"wrong root element":     strings.Replace(strings.Replace(goodTicket, "<JobTicket>", "<Ticket>", 1), "</JobTicket>", "</Ticket>", 1),
		"root in a namespace":    strings.Replace(goodTicket, "<JobTicket>", `<JobTicket xmlns="urn:x">`, 1),
		"unknown element":        strings.Replace(goodTicket, "<status>", "<state>RUNNING</state><status>", 1),
		"unknown attribute":      strings.Replace(goodTicket, "<ticketId>", `<ticketId kind="hex">`, 1),
		"element twice":          strings.Replace(goodTicket, "<status>COMPLETE</status>", "<status>COMPLETE</status><status>ERROR</status>", 1),
		"map without entries":    strings.Replace(goodTicket, "<entry><key>domainId</key>", "<item><key>domainId</key>", 1),
		"text beside elements":   strings.Replace(goodTicket, "<actionResults>", "<actionResults>oops", 1),
		"value out of its enum":  strings.Replace(goodTicket, "<status>COMPLETE</status>", "<status>DONE</status>", 1),
		"a step status unknown":  strings.Replace(goodTicket, "<value>ROLLED_BACK</value>", "<value>UNDONE</value>", 1),
		"required element gone":  strings.Replace(goodTicket, "<ticketId>4e89f121318cd70066d68c31</ticketId>", "", 1),
		"time not ISO-8601":      strings.Replace(goodTicket, "2011-10-03T11:30:09.960-06:00", "1317663009960", 1),
		"params not write-only":  strings.Replace(goodTicket, "<actionParams></actionParams>", "<actionParams><entry><key>k</key><value>v</value></entry></actionParams>", 1),
		"a DTD":                  strings.Replace(goodTicket, "<JobTicket>", "<!DOCTYPE JobTicket []><JobTicket>", 1),
		"trailing root element":  goodTicket + "<JobTicket/>",
		"trailing text":          goodTicket + "x",
		"not well-formed":        strings.Replace(goodTicket, "</status>", "", 1),
		"element in a text leaf": strings.Replace(goodTicket, "<action>createDomain</action>", "<action><name>createDomain</name></action>", 1),
	} {
		if err := decodeAndValidate(t, s, doc); err == nil {
			t.Errorf("%s: passed, want an error", name)
		}
	}
}

func TestXMLDecoderReadsAttributesWrappedListsAndNamespaces(t *testing.T) {
	catalogue := schema(t, "ActionCatalogueXML")
	good := `<actions><action name="createTenant"><description>d</description>` +
		`<parameters><parameter name="domainId" required="true" type="id"></parameter></parameters>` +
		`<steps><step>CreateUmsTenant</step></steps></action></actions>`
	if err := decodeAndValidate(t, catalogue, good); err != nil {
		t.Fatalf("a good catalogue: %v", err)
	}
	for name, doc := range map[string]string{
		"attribute as element":      strings.Replace(good, `<action name="createTenant">`, `<action><name>createTenant</name>`, 1),
		"boolean not a boolean":     strings.Replace(good, `required="true"`, `required="yes"`, 1),
		"unknown wrapped item":      strings.Replace(good, "<step>CreateUmsTenant</step>", "<stage>CreateUmsTenant</stage>", 1),
		"missing required attr":     strings.Replace(good, ` type="id"`, "", 1),
		"namespaced attribute":      strings.Replace(good, `name="createTenant"`, `xmlns:x="urn:x" x:name="createTenant"`, 1),
		"wrapped list given twice":  strings.Replace(good, "</steps>", "</steps><steps></steps>", 1),
		"item outside its wrapper":  strings.Replace(good, "<steps>", "<step>x</step><steps>", 1),
		"enum attribute unknown":    strings.Replace(good, `type="id"`, `type="uuid"`, 1),
		"an element for an unknown": strings.Replace(good, "<description>", "<summary>s</summary><description>", 1),
	} {
		if err := decodeAndValidate(t, catalogue, doc); err == nil {
			t.Errorf("%s: passed, want an error", name)
		}
	}

	problem := schema(t, "ProblemXML")
	goodProblem := `<problem xmlns="urn:ietf:rfc:7807"><type>urn:actionservice:problem:not-found</type><title>Not Found</title>` +
		`<status>404</status><detail>d</detail><instance>/job/x</instance><requestId>r</requestId></problem>`
	if err := decodeAndValidate(t, problem, goodProblem); err != nil {
		t.Fatalf("a good problem: %v", err)
	}
	for name, doc := range map[string]string{
		"no namespace":            strings.Replace(goodProblem, ` xmlns="urn:ietf:rfc:7807"`, "", 1),
		"child in another ns":     strings.Replace(goodProblem, "<detail>d</detail>", `<detail xmlns="urn:other">d</detail>`, 1),
		"status not a number":     strings.Replace(goodProblem, "<status>404</status>", "<status>Not Found</status>", 1),
		"status not an HTTP code": strings.Replace(goodProblem, "<status>404</status>", "<status>200</status>", 1),
	} {
		if err := decodeAndValidate(t, problem, doc); err == nil {
			t.Errorf("%s: passed, want an error", name)
		}
	}
}
