package ticket

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"time"
)

// XMLTimeLayout is ISO-8601 with milliseconds and offset, as the seed's XML shows.
const XMLTimeLayout = "2006-01-02T15:04:05.000-07:00"

// View is the wire form of a ticket, shared by JSON and XML. Field order follows the seed:
// XML elements in the seed's JAXB order (the struct's), JSON keys alphabetically (MarshalJSON).
type View struct {
	XMLName          xml.Name    `json:"-" xml:"JobTicket"`
	AccountID        string      `json:"accountId" xml:"-"`
	Action           string      `json:"action" xml:"-"`
	ActionParams     StringMap   `json:"actionParams" xml:"actionParams"`
	StepStatus       StringMap   `json:"stepStatus" xml:"stepStatus"`
	ActionResults    StringMap   `json:"actionResults" xml:"actionResults"`
	XMLAccountID     string      `json:"-" xml:"accountId,omitempty"`
	XMLAction        string      `json:"-" xml:"action"`
	Completion       *EpochMilli `json:"completion" xml:"completion,omitempty"`
	ErrorCategory    string      `json:"errorCategory" xml:"errorCategory"`
	ErrorDescription string      `json:"errorDescription" xml:"errorDescription"`
	Status           Status      `json:"status" xml:"status"`
	Submission       *EpochMilli `json:"submission" xml:"submission"`
	TicketID         string      `json:"ticketId" xml:"ticketId"`
}

// ViewOf renders a ticket for a client. actionParams is always empty: parameters are
// write-only.
func ViewOf(t *Ticket) View {
	v := View{
		AccountID:     t.AccountID,
		Action:        t.Action,
		ActionParams:  StringMap{},
		StepStatus:    StringMap{},
		ActionResults: StringMap{},
		XMLAccountID:  t.AccountID,
		XMLAction:     t.Action,
		Status:        t.Status,
		Submission:    epochMilli(t.Submission),
		TicketID:      t.ID,
	}
	for k, s := range t.Steps {
		v.StepStatus[k] = string(s)
	}
	maps.Copy(v.ActionResults, t.Results)
	// A step records what failed as it fails; the client sees it once the job has failed.
	if t.Status.Failed() {
		v.ErrorCategory, v.ErrorDescription = string(t.ErrorCategory), t.ErrorDescription
	}
	if !t.Completion.IsZero() {
		v.Completion = epochMilli(t.Completion)
	}
	return v
}

// MarshalJSON writes the keys in the seed's order, which is alphabetical.
func (v View) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		AccountID        string      `json:"accountId"`
		Action           string      `json:"action"`
		ActionParams     StringMap   `json:"actionParams"`
		ActionResults    StringMap   `json:"actionResults"`
		Completion       *EpochMilli `json:"completion"`
		ErrorCategory    string      `json:"errorCategory"`
		ErrorDescription string      `json:"errorDescription"`
		Status           Status      `json:"status"`
		StepStatus       StringMap   `json:"stepStatus"`
		Submission       *EpochMilli `json:"submission"`
		TicketID         string      `json:"ticketId"`
	}{
		v.AccountID, v.Action, v.ActionParams, v.ActionResults, v.Completion, v.ErrorCategory,
		v.ErrorDescription, v.Status, v.StepStatus, v.Submission, v.TicketID,
	})
}

// Document is the single-ticket envelope: {"JobTicket":{…}} in JSON, <JobTicket> in XML.
type Document struct {
	JobTicket View `json:"JobTicket"`
}

// MarshalXML writes the ticket as the root element.
func (d Document) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.Encode(d.JobTicket)
}

// List is the list envelope: {"TicketList":{"Tickets":[…]}} in JSON,
// <TicketList><Tickets><JobTicket>… in XML.
type List struct {
	XMLName    xml.Name    `json:"-" xml:"TicketList"`
	TicketList ListTickets `json:"TicketList" xml:"-"`
	Tickets    []View      `json:"-" xml:"Tickets>JobTicket"`
}

// ListTickets is the inner object of the JSON list envelope.
type ListTickets struct {
	Tickets []View `json:"Tickets"`
}

// ListOf renders tickets as a list document.
func ListOf(ts []*Ticket) List {
	views := make([]View, 0, len(ts))
	for _, t := range ts {
		views = append(views, ViewOf(t))
	}
	return List{TicketList: ListTickets{Tickets: views}, Tickets: views}
}

// Submission is what a client sends to submit an action, in XML: only actionParams is read
// (ParseSubmissionXML; ParseSubmissionJSON reads the JSON form).
type Submission struct {
	XMLName      xml.Name  `json:"-" xml:"JobTicket"`
	ActionParams StringMap `json:"actionParams" xml:"actionParams"`
}

// EpochMilli is a time that is a number of milliseconds in JSON and ISO-8601 in XML.
type EpochMilli time.Time

func epochMilli(t time.Time) *EpochMilli {
	e := EpochMilli(t)
	return &e
}

// MarshalJSON writes epoch milliseconds.
func (e EpochMilli) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Time(e).UnixMilli())
}

// UnmarshalJSON reads epoch milliseconds.
func (e *EpochMilli) UnmarshalJSON(b []byte) error {
	var ms int64
	if err := json.Unmarshal(b, &ms); err != nil {
		return err
	}
	*e = EpochMilli(time.UnixMilli(ms))
	return nil
}

// MarshalText writes ISO-8601 with milliseconds and offset (used by XML).
func (e EpochMilli) MarshalText() ([]byte, error) {
	return []byte(time.Time(e).Format(XMLTimeLayout)), nil
}

// UnmarshalText reads ISO-8601 with milliseconds and offset.
func (e *EpochMilli) UnmarshalText(b []byte) error {
	t, err := time.Parse(XMLTimeLayout, string(b))
	if err != nil {
		return err
	}
	*e = EpochMilli(t)
	return nil
}

// StringMap is a string map that is an object in JSON and a list of
// <entry><key/><value/></entry> in XML, as JAXB writes maps.
type StringMap map[string]string

type xmlEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// MarshalXML writes the entries sorted by key, so output is stable.
func (m StringMap) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := e.EncodeElement(xmlEntry{Key: k, Value: m[k]}, xml.StartElement{Name: xml.Name{Local: "entry"}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// UnmarshalXML reads <entry> elements; anything else inside the map, and a key twice, is
// refused.
func (m *StringMap) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	out := StringMap{}
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "entry" {
				return fmt.Errorf("unexpected <%s> in <%s>: a map holds only <entry><key/><value/></entry>", t.Name.Local, start.Name.Local)
			}
			var en xmlEntry
			if err := d.DecodeElement(&en, &t); err != nil {
				return err
			}
			if _, dup := out[en.Key]; dup {
				return fmt.Errorf("duplicate key %q in <%s>", en.Key, start.Name.Local)
			}
			out[en.Key] = en.Value
		case xml.EndElement:
			*m = out
			return nil
		}
	}
}
