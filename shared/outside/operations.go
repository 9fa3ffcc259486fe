package outside

import (
	"maps"
	"slices"
)

// System names an outside system. Its value is the lower-case path segment the simulator
// serves it under and the middle word of its environment variables (OUTSIDE_<SYSTEM>_URL).
type System string

// The outside systems.
const (
	KMS     System = "kms"     // key management
	CRM     System = "crm"     // Salesforce
	Billing System = "billing" // Zuora
)

// Systems lists every outside system.
var Systems = []System{KMS, CRM, Billing}

// String is the name shown to clients in error messages ("CRM refused …").
func (s System) String() string {
	switch s {
	case KMS:
		return "KMS"
	case CRM:
		return "CRM"
	case Billing:
		return "Billing"
	}
	return string(s)
}

// Valid reports whether s is one of [Systems].
func (s System) Valid() bool { return slices.Contains(Systems, s) }

// The operations, named exactly as the steps and compensations that call them.
const (
	CreateKmsDomain   = "CreateKmsDomain"
	DeleteKmsDomain   = "DeleteKmsDomain"
	CreateKmsUser     = "CreateKmsUser"
	DeleteKmsUser     = "DeleteKmsUser"
	CreateKmsUserKeys = "CreateKmsUserKeys"
	DeleteKmsUserKeys = "DeleteKmsUserKeys"

	CreateSalesforceAccount = "CreateSalesforceAccount"
	DeleteSalesforceAccount = "DeleteSalesforceAccount"
	CreateSalesforceContact = "CreateSalesforceContact"
	DeleteSalesforceContact = "DeleteSalesforceContact"

	CreateZuoraDomainAccount = "CreateZuoraDomainAccount"
	DeleteZuoraDomainAccount = "DeleteZuoraDomainAccount"
	CreateZuoraSubscription  = "CreateZuoraSubscription"
	DeleteZuoraSubscription  = "DeleteZuoraSubscription"
	// SetZuoraAccountState is undone by calling it again with the state it replaced, under
	// an idempotency key of its own (the same key would replay the first answer).
	SetZuoraAccountState = "SetZuoraAccountState"
)

var operationSystem = map[string]System{
	CreateKmsDomain:   KMS,
	DeleteKmsDomain:   KMS,
	CreateKmsUser:     KMS,
	DeleteKmsUser:     KMS,
	CreateKmsUserKeys: KMS,
	DeleteKmsUserKeys: KMS,

	CreateSalesforceAccount: CRM,
	DeleteSalesforceAccount: CRM,
	CreateSalesforceContact: CRM,
	DeleteSalesforceContact: CRM,

	CreateZuoraDomainAccount: Billing,
	DeleteZuoraDomainAccount: Billing,
	CreateZuoraSubscription:  Billing,
	DeleteZuoraSubscription:  Billing,
	SetZuoraAccountState:     Billing,
}

// SystemOf tells which system serves an operation.
func SystemOf(operation string) (System, bool) {
	s, ok := operationSystem[operation]
	return s, ok
}

// Operations lists every operation the outside systems serve, sorted.
func Operations() []string {
	return slices.Sorted(maps.Keys(operationSystem))
}

// The result keys the systems answer with, and the params their compensations take to name
// what they undo. Result keys of the first three are those of the seed's createDomain ticket.
const (
	KeyKmsTenant         = "KMS_TENANT"         // CreateKmsDomain → DeleteKmsDomain
	KeyKmsUser           = "KMS_USER"           // CreateKmsUser → DeleteKmsUser
	KeyKmsAccessKey      = "KMS_ACCESS_KEY"     // CreateKmsUserKeys → DeleteKmsUserKeys
	KeySalesforceAccount = "SALESFORCE_ACCOUNT" // CreateSalesforceAccount → DeleteSalesforceAccount
	KeySalesforceContact = "SALESFORCE_CONTACT" // CreateSalesforceContact → DeleteSalesforceContact
	KeyZuoraAccount      = "zuoraDomainAcct"    // CreateZuoraDomainAccount → DeleteZuoraDomainAccount, SetZuoraAccountState
	KeyZuoraSubscription = "zuoraSubscription"  // CreateZuoraSubscription → DeleteZuoraSubscription
	// SetZuoraAccountState takes zuoraDomainAcct and "state", answers "state" (now) and
	// "previousState" (what to set to undo it).
	KeyState         = "state"
	KeyPreviousState = "previousState"
)
