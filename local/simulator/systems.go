package simulator

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"

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

var specs = map[string]spec{
	outside.CreateKmsDomain:   {create, "tenant", outside.KeyKmsTenant, digits14},
	outside.DeleteKmsDomain:   {remove, "tenant", outside.KeyKmsTenant, nil},
	outside.CreateKmsUser:     {create, "user", outside.KeyKmsUser, digits14},
	outside.DeleteKmsUser:     {remove, "user", outside.KeyKmsUser, nil},
	outside.CreateKmsUserKeys: {create, "accessKey", outside.KeyKmsAccessKey, accessKey},
	outside.DeleteKmsUserKeys: {remove, "accessKey", outside.KeyKmsAccessKey, nil},

	outside.CreateSalesforceAccount: {create, "account", outside.KeySalesforceAccount, salesforceID("001")},
	outside.DeleteSalesforceAccount: {remove, "account", outside.KeySalesforceAccount, nil},
	outside.CreateSalesforceContact: {create, "contact", outside.KeySalesforceContact, salesforceID("003")},
	outside.DeleteSalesforceContact: {remove, "contact", outside.KeySalesforceContact, nil},

	outside.CreateZuoraDomainAccount: {create, "account", outside.KeyZuoraAccount, zuoraID("4028e696")},
	outside.DeleteZuoraDomainAccount: {remove, "account", outside.KeyZuoraAccount, nil},
	outside.CreateZuoraSubscription:  {create, "subscription", outside.KeyZuoraSubscription, zuoraID("2c92c0f9")},
	outside.DeleteZuoraSubscription:  {remove, "subscription", outside.KeyZuoraSubscription, nil},
	outside.SetZuoraAccountState:     {setState, "account", outside.KeyZuoraAccount, nil},
}

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
		if sys == outside.Billing && sp.kind == "account" {
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

// find looks up the record an operation's params name.
func (s *Simulator) find(sys outside.System, sp spec, params map[string]string) (*Record, answer) {
	id := params[sp.key]
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
