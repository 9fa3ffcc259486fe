package ticket

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
)

// HistoryView is a ticket as a domain's operation history shows it (GET
// /domains/{domainId}/jobs, seeds 002–004): the ticket's view and who ran it, userId (seed
// 002's ran-by-user, seed 003's user_id). The other fields of those seeds are the ticket's:
// action-id/operation_id is ticketId, name/operation_type is action, state/status is
// status, ran-at-time/reciept_date is submission, error_messages is errorDescription, and
// operation_body/request_body is actionParams, write-only and so always empty.
type HistoryView struct {
	View
	UserID string
}

// MarshalJSON writes the ticket's keys, then userId: alphabetical, as every ticket's.
func (h HistoryView) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(h.View)
	if err != nil {
		return nil, err
	}
	user, err := json.Marshal(h.UserID)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSuffix(b, []byte("}"))
	return append(append(append(b, `,"userId":`...), user...), '}'), nil
}

// MarshalXML writes <JobTicket> with the ticket's elements, then <userId>.
func (h HistoryView) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	return e.Encode(struct {
		View
		UserID string `xml:"userId"`
	}{h.View, h.UserID})
}

// History is the operation history's envelope, the ticket list's: {"TicketList":{"Tickets":
// […]}} in JSON, <TicketList><Tickets><JobTicket>… in XML.
type History struct {
	XMLName    xml.Name       `json:"-" xml:"TicketList"`
	TicketList HistoryTickets `json:"TicketList" xml:"-"`
	Tickets    []HistoryView  `json:"-" xml:"Tickets>JobTicket"`
}

// HistoryTickets is the inner object of the JSON history envelope.
type HistoryTickets struct {
	Tickets []HistoryView `json:"Tickets"`
}

// HistoryOf renders tickets, newest first as given, as an operation history.
func HistoryOf(ts []*Ticket) History {
	views := make([]HistoryView, 0, len(ts))
	for _, t := range ts {
		views = append(views, HistoryView{View: ViewOf(t), UserID: t.SubmitterID})
	}
	return History{TicketList: HistoryTickets{Tickets: views}, Tickets: views}
}
