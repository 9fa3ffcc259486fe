package simulator

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"

	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/outside"
)

type verb int

const (
	create verb = iota
	remove
	setState
)

// spec says what an operation does to its system's records.
type spec struct {
	verb  verb
	kind  string        // the kind of record made, removed or changed
	key   string        // create: the result key of the new id; remove, setState: the param naming the record
	newID func() string // create only
}

// records says, per result key of a create, what the system calls the records it makes and
// how their ids look, as the real systems make them. A create whose key is not here makes
// records of that key's name, with ids in its system's usual format (systemIDs).
var records = map[string]struct {
	kind  string
	newID func() string
}{
	actions.KeyKmsTenant:         {"tenant", digits14},
	actions.KeyKmsUser:           {"user", digits14},
	actions.KeyKmsAccessKey:      {"accessKey", accessKey},
	actions.KeySalesforceAccount: {"account", salesforceID("001")},
	actions.KeySalesforceContact: {"contact", salesforceID("003")},
	actions.KeyZuoraAccount:      {"account", zuoraID("4028e696")},
	actions.KeyZuoraSubscription: {"subscription", zuoraID("2c92c0f9")},
}

// systemIDs are each system's id format for records not described in records.
var systemIDs = map[outside.System]func() string{
	actions.KMS:     digits14,
	actions.CRM:     salesforceID("a00"), // the key prefix of custom objects
	actions.Billing: zuoraID("8a80"),
}

// specs say what every operation of the catalogue does, derived from its step: a step that
// produces an id creates a record of that id's kind, and its compensation removes it; a step
// that is its own compensation (Set…State) changes the state of a record its system made,
// named by the params as the system's first create names it.
var specs = func() map[string]spec {
	out := map[string]spec{}
	first := map[outside.System]spec{} // each system's first create
	var setters []actions.Step
	for _, st := range actions.Steps() {
		switch {
		case !st.System.Outside():
		case st.Compensation == st.Name:
			setters = append(setters, st)
		case len(st.Results) > 0:
			key := st.Results[0]
			r, ok := records[key]
			if !ok {
				r.kind, r.newID = key, systemIDs[st.System]
			}
			out[st.Name] = spec{create, r.kind, key, r.newID}
			if _, ok := first[st.System]; !ok {
				first[st.System] = out[st.Name]
			}
			if st.Compensable() {
				out[st.Compensation] = spec{remove, r.kind, key, nil}
			}
		}
	}
	for _, st := range setters {
		out[st.Name] = spec{setState, first[st.System].kind, first[st.System].key, nil}
	}
	return out
}()

// accountStates are the states SetZuoraAccountState accepts: those of the domainState and
// userState actions.
var accountStates = []string{"enabled", "disabled", "suspended", "deleted", "purged"}

// apply runs an operation on the records; s.mu is held. A string body is a problem detail.
func (s *Simulator) apply(sys outside.System, op, key string, params map[string]string) answer {
	sp := specs[op]
	recs := s.records[sys]
	switch sp.verb {
	case create:
		id := sp.newID()
		for recs[id] != nil {
			id = sp.newID()
		}
		s.seq++
		rec := &Record{ID: id, Kind: sp.kind, Operation: op, IdempotencyKey: key, Params: params, seq: s.seq}
		if sys == actions.Billing && sp.kind == "account" {
			rec.State = "enabled"
		}
		recs[id] = rec
		return answer{status: http.StatusOK, body: map[string]string{sp.key: id}}
	case remove:
		rec, bad := s.find(sys, sp, params)
		if bad.status != 0 {
			return bad
		}
		delete(recs, rec.ID)
		s.cascade(sys, sp.key, rec.ID)
		return answer{status: http.StatusOK, body: map[string]string{}}
	default: // setState
		if under := params[outside.KeyChangedUnder]; under != "" {
			return s.setBack(sys, op, sp, under)
		}
		rec, bad := s.find(sys, sp, params)
		if bad.status != 0 {
			return bad
		}
		state := params[outside.KeyState]
		if !slices.Contains(accountStates, state) {
			return answer{status: http.StatusBadRequest, body: fmt.Sprintf("param %q must be one of %v, got %q", outside.KeyState, accountStates, state)}
		}
		prev := rec.State
		rec.State = state
		return answer{status: http.StatusOK, body: map[string]string{outside.KeyState: state, outside.KeyPreviousState: prev}}
	}
}

// setBack undoes the state change op made under the idempotency key under: the record it
// changed gets back the state it replaced. Nothing changed under the key (never called, or
// refused) is NOT_FOUND; s.mu is held.
func (s *Simulator) setBack(sys outside.System, op string, sp spec, under string) answer {
	nothing := answer{status: http.StatusNotFound, body: fmt.Sprintf("no %s %s state changed under %q", sys, sp.kind, under)}
	first := s.answers[op+"\x00"+under]
	changed, ok := first.body.(map[string]string)
	var params map[string]string
	if !ok || json.Unmarshal([]byte(first.params), &params) != nil {
		return nothing
	}
	rec, bad := s.find(sys, sp, params)
	if bad.status != 0 {
		return nothing
	}
	rec.State = changed[outside.KeyPreviousState]
	return answer{status: http.StatusOK, body: map[string]string{outside.KeyState: rec.State, outside.KeyPreviousState: changed[outside.KeyState]}}
}

// find looks up the record an operation's params name: by its id, or — for a compensation
// that never learnt the id — by the idempotency key its create was called under.
func (s *Simulator) find(sys outside.System, sp spec, params map[string]string) (*Record, answer) {
	id := params[sp.key]
	if under := params[outside.KeyCreatedUnder]; id == "" && under != "" {
		for _, rec := range s.records[sys] {
			if rec.Kind == sp.kind && rec.IdempotencyKey == under {
				return rec, answer{}
			}
		}
		return nil, answer{status: http.StatusNotFound, body: fmt.Sprintf("no %s %s created under %q", sys, sp.kind, under)}
	}
	if id == "" {
		return nil, answer{status: http.StatusBadRequest, body: fmt.Sprintf("missing required param %q", sp.key)}
	}
	rec := s.records[sys][id]
	if rec == nil || rec.Kind != sp.kind {
		return nil, answer{status: http.StatusNotFound, body: fmt.Sprintf("no %s %s %q", sys, sp.kind, id)}
	}
	return rec, answer{}
}

const (
	base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	hex    = "0123456789abcdef"
	upper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)

func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

// digits14 is a KMS id: 14 digits, as the seed's KMS_TENANT "38995611887804".
func digits14() string { return string("123456789"[rand.IntN(9)]) + randomFrom("0123456789", 13) }

// accessKey is a KMS access key id: 20 upper-case letters and digits.
func accessKey() string { return randomFrom(upper, 20) }

// salesforceID makes 18-character ids like the seed's "001V0000003cerDIAQ": a 3-character
// key prefix (001 account, 003 contact), 12 more case-sensitive characters, and the 3-character
// suffix Salesforce derives from the case of the first 15.
func salesforceID(prefix string) func() string {
	return func() string {
		id := prefix + "V0000" + randomFrom(base62, 7)
		return id + salesforceSuffix(id)
	}
}

// salesforceSuffix is the case checksum of a 15-character Salesforce id: per 5-character
// chunk, the bit pattern of its upper-case letters picks one of 32 characters.
func salesforceSuffix(id15 string) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	suffix := make([]byte, 3)
	for chunk := range 3 {
		flags := 0
		for j := range 5 {
			if c := id15[chunk*5+j]; c >= 'A' && c <= 'Z' {
				flags |= 1 << j
			}
		}
		suffix[chunk] = chars[flags]
	}
	return string(suffix)
}

// zuoraID makes 32-hex-digit ids like the seed's "4028e69632bcaec40132cad5f62a1416".
func zuoraID(prefix string) func() string {
	return func() string { return prefix + randomFrom(hex, 32-len(prefix)) }
}

// cascade removes what was made under a removed record, as the systems do when a parent
// goes: a KMS tenant's users and their access keys, a CRM account's contacts, a billing
// account's subscriptions. A child names its parent in the params of its create, under the
// parent's result key (CreateKmsUser is sent KMS_TENANT, CreateKmsUserKeys KMS_USER, …).
// s.mu is held.
func (s *Simulator) cascade(sys outside.System, parentKey, parentID string) {
	for id, r := range s.records[sys] {
		if r.Params[parentKey] != parentID {
			continue
		}
		delete(s.records[sys], id)
		if sp := specs[r.Operation]; sp.verb == create {
			s.cascade(sys, sp.key, id)
		}
	}
}
