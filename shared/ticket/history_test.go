package ticket

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"testing"
)

// TestJSONHistoryMatchesSeedExample renders seed 003's operation history (three operations
// of user 1234567: complete, failed with "validation error", still processing) as ticket
// history: newest first, each ticket's fields and who ran it, userId.
func TestJSONHistoryMatchesSeedExample(t *testing.T) {
	const account = "000000003002"
	got, err := json.Marshal(HistoryOf([]*Ticket{
		{ID: "55bc0c000000000000000200", Action: "purgeDomain", AccountID: account, SubmitterID: "1234567",
			Status: Running, Steps: map[string]StepStatus{"PurgeUmsSubscriptions": StepRunning}, Submission: ms(1438387200000)},
		{ID: "55a5a2000000000000000150", Action: "createUser", AccountID: account, SubmitterID: "1234567",
			Status: Error, ErrorCategory: UserInput, ErrorDescription: "validation error",
			Submission: ms(1436918400000), Completion: ms(1436918400001)},
		{ID: "558e2e800000000000000100", Action: "createDomain", AccountID: account, SubmitterID: "1234567",
			Status: Complete, Results: map[string]string{"domainId": "38995611887804"},
			Steps: map[string]StepStatus{"CreateUmsDomain": StepComplete}, Submission: ms(1435708800000), Completion: ms(1435708801000)},
	}))
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, got, "testdata/seed_history.json")
}

// TestXMLHistoryMatchesSeedExample renders seed 002's list of actions run against one
// resource (two operations by ZOSMFAD, its ran-at-time the submission) in XML, newest first.
func TestXMLHistoryMatchesSeedExample(t *testing.T) {
	got, err := xml.MarshalIndent(HistoryOf([]*Ticket{
		{ID: "ae3ec9cc9be342b498f5aa64", Action: "purgeDomain", SubmitterID: "ZOSMFAD", Status: Complete,
			Submission: ms(1445956467186).UTC(), Completion: ms(1445956468186).UTC()},
		{ID: "f5c4df98f9fd4fcaa5e0d1b7", Action: "createDomain", SubmitterID: "ZOSMFAD", Status: Complete,
			Submission: ms(1445884160949).UTC(), Completion: ms(1445884161949).UTC()},
	}), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/seed_history.xml")
	if err != nil {
		t.Fatal(err)
	}
	if normalizeXML(xml.Header+string(got)) != normalizeXML(string(want)) {
		t.Errorf("XML differs from the seed\n got:\n%s\nwant:\n%s", got, want)
	}
}
