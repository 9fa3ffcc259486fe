package actions

import "slices"

// The steps and compensations of the catalogue, named as the seed names them: each is an
// operation of its system (Ums* identity, Kms* key management, Salesforce* CRM, Zuora*
// billing) and the name of its state in the action's state machine. The catalogue below is
// where a step is declared; the step runner, the outside adapter and the simulator read it.
const (
	CreateUmsDomain          = "CreateUmsDomain"
	DeleteUmsDomain          = "DeleteUmsDomain"
	CreateKmsDomain          = "CreateKmsDomain"
	DeleteKmsDomain          = "DeleteKmsDomain"
	CreateSalesforceAccount  = "CreateSalesforceAccount"
	DeleteSalesforceAccount  = "DeleteSalesforceAccount"
	CreateZuoraDomainAccount = "CreateZuoraDomainAccount"
	DeleteZuoraDomainAccount = "DeleteZuoraDomainAccount"
	CreateUmsUser            = "CreateUmsUser"
	DeleteUmsUser            = "DeleteUmsUser"
	CreateKmsUser            = "CreateKmsUser"
	DeleteKmsUser            = "DeleteKmsUser"
	CreateKmsUserKeys        = "CreateKmsUserKeys"
	DeleteKmsUserKeys        = "DeleteKmsUserKeys"
	CreateSalesforceContact  = "CreateSalesforceContact"
	DeleteSalesforceContact  = "DeleteSalesforceContact"
	CreateUmsTenant          = "CreateUmsTenant"
	DeleteUmsTenant          = "DeleteUmsTenant"
	CheckSubscribeable       = "CheckSubscribeable"
	CreateSubscription       = "CreateSubscription"
	DeleteSubscription       = "DeleteSubscription"
	CreateZuoraSubscription  = "CreateZuoraSubscription"
	DeleteZuoraSubscription  = "DeleteZuoraSubscription"
	SetUmsDomainState        = "SetUmsDomainState"
	SetZuoraAccountState     = "SetZuoraAccountState"
	SetUmsUserState          = "SetUmsUserState"
	PurgeUmsSubscriptions    = "PurgeUmsSubscriptions"
	PurgeUmsTenants          = "PurgeUmsTenants"
	PurgeUmsUsers            = "PurgeUmsUsers"
	PurgeUmsDomain           = "PurgeUmsDomain"
)

// The result keys the steps add to a ticket's actionResults. The ids of the first four
// outside ones are those of the seed's createDomain ticket. Compensations take them back
// as their params to name what they undo.
const (
	KeyDomainID          = "domainId"
	KeyUserID            = "userId"
	KeyTenantID          = "tenantId"
	KeySubscriptionID    = "subscriptionId"
	KeyKmsTenant         = "KMS_TENANT"
	KeyKmsUser           = "KMS_USER"
	KeyKmsAccessKey      = "KMS_ACCESS_KEY"
	KeySalesforceAccount = "SALESFORCE_ACCOUNT"
	KeySalesforceContact = "SALESFORCE_CONTACT"
	KeyZuoraAccount      = "zuoraDomainAcct"
	KeyZuoraSubscription = "zuoraSubscription"
	// The states replaced by domainState and userState, which their compensations set back.
	KeyPreviousDomainState = "previousDomainState"
	KeyPreviousUserState   = "previousUserState"
	// SetZuoraAccountState's account state now and before (what its compensation sets back).
	KeyBillingState         = "billingState"
	KeyPreviousBillingState = "previousBillingState"
)

// catalogue builds the actions afresh on each call, so no caller can change another's copy.
func catalogue() []Action {
	return []Action{
		{
			Name: "createDomain",
			Description: "Create a new Domain: its identity record, its key management tenant, " +
				"its CRM account and its billing account. A failure rolls back what was created.",
			Params: slices.Concat(
				[]Param{required("name", String), optional("company", String), optional("emailAddress", Email)},
				postalContact(),
				[]Param{optional("website", String), optional("description", String)},
			),
			Steps: []Step{
				identity(CreateUmsDomain, DeleteUmsDomain, KeyDomainID),
				outside(CreateKmsDomain, KMS, DeleteKmsDomain, KeyKmsTenant),
				outside(CreateSalesforceAccount, CRM, DeleteSalesforceAccount, KeySalesforceAccount),
				outside(CreateZuoraDomainAccount, Billing, DeleteZuoraDomainAccount, KeyZuoraAccount),
			},
			DomainResult: KeyDomainID,
		},
		{
			Name: "createUser",
			Description: "Create a new User within the specified Domain: its identity record, " +
				"its key management user and access keys, and its CRM contact. " +
				"A failure rolls back what was created.",
			Params: append([]Param{
				required("domainId", ID),
				required("username", String),
				required("emailAddress", Email),
				optional("firstName", String),
				optional("lastName", String),
				// Comma lists of ids of the domain's groups and role definitions.
				optional("groups", String),
				optional("roles", String),
			}, postalContact()...),
			Steps: []Step{
				identity(CreateUmsUser, DeleteUmsUser, KeyUserID),
				outside(CreateKmsUser, KMS, DeleteKmsUser, KeyKmsUser),
				outside(CreateKmsUserKeys, KMS, DeleteKmsUserKeys, KeyKmsAccessKey),
				outside(CreateSalesforceContact, CRM, DeleteSalesforceContact, KeySalesforceContact),
			},
			DomainParam: "domainId",
		},
		{
			Name:        "createTenant",
			Description: "Create a new Tenant within the specified Domain.",
			Params: []Param{
				required("domainId", ID),
				required("name", String),
			},
			Steps: []Step{
				identity(CreateUmsTenant, DeleteUmsTenant, KeyTenantID),
			},
			DomainParam: "domainId",
		},
		{
			Name: "activateService",
			Description: "Activate a service for a Tenant of the Domain: check that the service " +
				"can be subscribed to, record the subscription and subscribe in billing. " +
				"A failure rolls back what was created.",
			Params: []Param{
				required("domainId", ID),
				required("tenantId", ID),
				required("endpointTemplateId", ID),
			},
			Steps: []Step{
				identity(CheckSubscribeable, ""),
				identity(CreateSubscription, DeleteSubscription, KeySubscriptionID),
				outside(CreateZuoraSubscription, Billing, DeleteZuoraSubscription, KeyZuoraSubscription),
			},
			DomainParam: "domainId",
			TenantParam: "tenantId",
		},
		{
			Name: "domainState",
			Description: "Set the state for this Domain, in identity and in billing. " +
				"Valid states are: enabled, suspended, deleted, and purged. " +
				"A failure sets back the state it replaced.",
			Params: []Param{
				required("domainId", ID),
				enum("state", "enabled", "suspended", "deleted", "purged"),
			},
			Steps: []Step{
				identity(SetUmsDomainState, SetUmsDomainState),
				outside(SetZuoraAccountState, Billing, SetZuoraAccountState),
			},
			DomainParam: "domainId",
		},
		{
			Name: "userState",
			Description: "Set the state for this User. " +
				"Valid states are: enabled, disabled, suspended, deleted, and purged.",
			Params: []Param{
				required("accountId", ID),
				enum("state", "enabled", "disabled", "suspended", "deleted", "purged"),
			},
			Steps: []Step{
				identity(SetUmsUserState, SetUmsUserState),
			},
			UserParam: "accountId",
		},
		{
			Name: "purgeDomain",
			Description: "Purge the Domain: remove its subscriptions, tenants and users, its " +
				"billing, CRM and key management accounts, then the domain itself. Irreversible: " +
				"there is no rollback; a step that fails permanently ends the job ERROR with the " +
				"steps before it done, and a step whose transient failures outlast its retries " +
				"ends it TIMEDOUT, to be resumed there by a restart.",
			Params: []Param{
				required("domainId", ID),
			},
			Steps: []Step{
				identity(PurgeUmsSubscriptions, ""),
				identity(PurgeUmsTenants, ""),
				identity(PurgeUmsUsers, ""),
				outside(DeleteZuoraDomainAccount, Billing, ""),
				outside(DeleteSalesforceAccount, CRM, ""),
				outside(DeleteKmsDomain, KMS, ""),
				identity(PurgeUmsDomain, ""),
			},
			DomainParam: "domainId",
		},
	}
}

// postalContact are the optional address and phone parameters of domains and users.
func postalContact() []Param {
	return []Param{
		optional("addressLine1", String), optional("city", String), optional("state", String),
		optional("zip", String), optional("country", String), optional("phone", String),
	}
}

func required(name string, t ParamType) Param { return Param{Name: name, Required: true, Type: t} }

func optional(name string, t ParamType) Param { return Param{Name: name, Type: t} }

func enum(name string, values ...string) Param {
	return Param{Name: name, Required: true, Type: Enum, Values: values}
}

func identity(name, compensation string, results ...string) Step {
	return Step{Name: name, System: Identity, Compensation: compensation, Retry: IdentityRetry,
		TimeoutSeconds: Identity.TimeoutSeconds(), Results: results}
}

func outside(name string, sys System, compensation string, results ...string) Step {
	return Step{Name: name, System: sys, Compensation: compensation, Retry: OutsideRetry,
		TimeoutSeconds: sys.TimeoutSeconds(), Results: results}
}
