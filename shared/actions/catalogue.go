package actions

import "slices"

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
				identity("CreateUmsDomain", "DeleteUmsDomain", "domainId"),
				outside("CreateKmsDomain", KMS, "DeleteKmsDomain", "KMS_TENANT"),
				outside("CreateSalesforceAccount", CRM, "DeleteSalesforceAccount", "SALESFORCE_ACCOUNT"),
				outside("CreateZuoraDomainAccount", Billing, "DeleteZuoraDomainAccount", "zuoraDomainAcct"),
			},
			DomainResult: "domainId",
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
			}, postalContact()...),
			Steps: []Step{
				identity("CreateUmsUser", "DeleteUmsUser", "userId"),
				outside("CreateKmsUser", KMS, "DeleteKmsUser", "KMS_USER"),
				outside("CreateKmsUserKeys", KMS, "DeleteKmsUserKeys", "KMS_ACCESS_KEY"),
				outside("CreateSalesforceContact", CRM, "DeleteSalesforceContact", "SALESFORCE_CONTACT"),
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
				identity("CreateUmsTenant", "DeleteUmsTenant", "tenantId"),
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
				identity("CheckSubscribeable", ""),
				identity("CreateSubscription", "DeleteSubscription", "subscriptionId"),
				outside("CreateZuoraSubscription", Billing, "DeleteZuoraSubscription", "zuoraSubscription"),
			},
			DomainParam: "domainId",
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
				identity("SetUmsDomainState", "SetUmsDomainState"),
				outside("SetZuoraAccountState", Billing, "SetZuoraAccountState"),
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
				identity("SetUmsUserState", "SetUmsUserState"),
			},
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
				identity("PurgeUmsSubscriptions", ""),
				identity("PurgeUmsTenants", ""),
				identity("PurgeUmsUsers", ""),
				outside("DeleteZuoraDomainAccount", Billing, ""),
				outside("DeleteSalesforceAccount", CRM, ""),
				outside("DeleteKmsDomain", KMS, ""),
				identity("PurgeUmsDomain", ""),
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
	return Step{Name: name, System: Identity, Compensation: compensation, Retry: IdentityRetry, Results: results}
}

func outside(name string, sys System, compensation string, results ...string) Step {
	return Step{Name: name, System: sys, Compensation: compensation, Retry: OutsideRetry, Results: results}
}
