package httpapi

import (
	"encoding/xml"
	"slices"
	"time"

	"github.com/actionservice/actionservice/shared/identity"
)

// The XML namespaces of seed 001's documents.
const (
	nsIdentityExt = "http://docs.openstack.org/identity/api/ext/hp/v1.0"
	nsHPIDM       = "http://www.hp.com/identity/api/ext/HP-IDM/v1.0"
	nsRoles       = "http://hpcloud.hp.com/identity/api/ext/hp/v1.0"
)

// The Domains API's documents, as seed 001's examples show them. One type serves JSON and
// XML where the two agree: in JSON an absent optional field is null (a nil pointer), in XML
// it is left out; the root element of the XML is the JSON envelope's key. The seed's JAXB
// artefacts (anies, otherAttributes) are not reproduced.

// opt is an optional field: nil, so null in JSON and absent in XML, when empty.
func opt(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

type ownerDoc struct {
	UserID string `json:"userId" xml:"userId,attr"`
}

type ownersDoc struct {
	Owner []ownerDoc `json:"owner" xml:"owner"`
}

type domainDoc struct {
	XMLName      xml.Name   `json:"-" xml:"http://docs.openstack.org/identity/api/ext/hp/v1.0 domain"`
	DomainID     string     `json:"domainId" xml:"domainId,attr"`
	Name         string     `json:"name" xml:"name,attr"`
	Description  *string    `json:"description" xml:"description,omitempty"`
	Company      *string    `json:"company" xml:"company,attr,omitempty"`
	EmailAddress *string    `json:"emailAddress" xml:"emailAddress,attr,omitempty"`
	AddressLine1 *string    `json:"addressLine1" xml:"addressLine1,attr,omitempty"`
	AddressLine2 *string    `json:"addressLine2" xml:"addressLine2,attr,omitempty"`
	City         *string    `json:"city" xml:"city,attr,omitempty"`
	State        *string    `json:"state" xml:"state,attr,omitempty"`
	Zip          *string    `json:"zip" xml:"zip,attr,omitempty"`
	Country      *string    `json:"country" xml:"country,attr,omitempty"`
	Phone        *string    `json:"phone" xml:"phone,attr,omitempty"`
	Website      *string    `json:"website" xml:"website,attr,omitempty"`
	Status       string     `json:"status" xml:"status,attr"`
	BillingID    *string    `json:"billingId" xml:"billingId,attr,omitempty"`
	ContactID    *string    `json:"contactId" xml:"contactId,attr,omitempty"`
	Owners       *ownersDoc `json:"owners" xml:"owners,omitempty"`
}

func domainDocOf(d identity.Domain) domainDoc {
	doc := domainDoc{
		DomainID: d.DomainID, Name: d.Name, Description: opt(d.Description), Company: opt(d.Company),
		EmailAddress: opt(d.EmailAddress), AddressLine1: opt(d.AddressLine1), AddressLine2: opt(d.AddressLine2),
		City: opt(d.City), State: opt(d.State), Zip: opt(d.Zip), Country: opt(d.Country), Phone: opt(d.Phone),
		Website: opt(d.Website), Status: d.Status, BillingID: opt(d.BillingID), ContactID: opt(d.ContactID),
	}
	if len(d.Owners) > 0 {
		doc.Owners = &ownersDoc{}
		for _, o := range d.Owners {
			doc.Owners.Owner = append(doc.Owners.Owner, ownerDoc{UserID: o})
		}
	}
	return doc
}

type domainsXML struct {
	XMLName xml.Name    `xml:"http://docs.openstack.org/identity/api/ext/hp/v1.0 domains"`
	Domain  []domainDoc `xml:"domain"`
}

// userJSON is seed 001's JSON user; password is never returned.
type userJSON struct {
	Roles        *rolesRefDoc `json:"roles"`
	AddressLine1 *string      `json:"addressLine1"`
	AddressLine2 *string      `json:"addressLine2"`
	City         *string      `json:"city"`
	Company      *string      `json:"company"`
	Country      *string      `json:"country"`
	DomainID     string       `json:"domainId"`
	EmailAddress *string      `json:"emailAddress"`
	FirstName    *string      `json:"firstName"`
	LastName     *string      `json:"lastName"`
	Password     *string      `json:"password"`
	Phone        *string      `json:"phone"`
	State        *string      `json:"state"`
	Status       string       `json:"status"`
	UserID       string       `json:"userId"`
	Username     string       `json:"username"`
	Website      *string      `json:"website"`
	Zip          *string      `json:"zip"`
}

type roleRefDoc struct {
	RoleID   string  `json:"roleId" xml:"roleId,attr"`
	RoleName string  `json:"roleName" xml:"roleName,attr"`
	TenantID *string `json:"tenantId" xml:"tenantId,attr,omitempty"`
}

type rolesRefDoc struct {
	Role []roleRefDoc `json:"role" xml:"role"`
}

func rolesRefOf(grants []identity.Grant) *rolesRefDoc {
	if len(grants) == 0 {
		return nil
	}
	doc := &rolesRefDoc{}
	for _, g := range grants {
		doc.Role = append(doc.Role, roleRefDoc{RoleID: g.RoleID, RoleName: g.RoleName, TenantID: opt(g.TenantID)})
	}
	return doc
}

// userXML is seed 001's XML user: its id is both userId and accountId (the id userState's
// accountId names), and name is the full name.
type userXML struct {
	XMLName       xml.Name     `xml:"http://docs.openstack.org/identity/api/ext/hp/v1.0 user"`
	Name          *string      `xml:"name,attr,omitempty"`
	Username      string       `xml:"username,attr"`
	UserID        string       `xml:"userId,attr"`
	AccountID     string       `xml:"accountId,attr"`
	AddressLine1  *string      `xml:"addressLine1,attr,omitempty"`
	AddressLine2  *string      `xml:"addressLine2,attr,omitempty"`
	City          *string      `xml:"city,attr,omitempty"`
	State         *string      `xml:"state,attr,omitempty"`
	Country       *string      `xml:"country,attr,omitempty"`
	Zip           *string      `xml:"zip,attr,omitempty"`
	Phone         *string      `xml:"phone,attr,omitempty"`
	Company       *string      `xml:"company,attr,omitempty"`
	Website       *string      `xml:"website,attr,omitempty"`
	EmailAddress  *string      `xml:"emailAddress,attr,omitempty"`
	IsDomainOwner bool         `xml:"isDomainOwner,attr,omitempty"`
	Status        string       `xml:"status,attr"`
	DomainID      string       `xml:"domainId,attr"`
	Roles         *rolesRefDoc `xml:"roles,omitempty"`
}

func userJSONOf(u identity.User) userJSON {
	return userJSON{
		Roles: rolesRefOf(u.Roles), AddressLine1: opt(u.AddressLine1), AddressLine2: opt(u.AddressLine2), City: opt(u.City),
		Company: opt(u.Company), Country: opt(u.Country), DomainID: u.DomainID, EmailAddress: opt(u.EmailAddress),
		FirstName: opt(u.FirstName), LastName: opt(u.LastName), Phone: opt(u.Phone), State: opt(u.State), Status: u.Status,
		UserID: u.UserID, Username: u.Username, Website: opt(u.Website), Zip: opt(u.Zip),
	}
}

func userXMLOf(u identity.User, owners []string) userXML {
	name := u.FirstName
	if u.LastName != "" {
		name = joinNonEmpty(u.FirstName, u.LastName)
	}
	return userXML{
		Name: opt(name), Username: u.Username, UserID: u.UserID, AccountID: u.UserID, AddressLine1: opt(u.AddressLine1),
		AddressLine2: opt(u.AddressLine2), City: opt(u.City), State: opt(u.State), Country: opt(u.Country), Zip: opt(u.Zip),
		Phone: opt(u.Phone), Company: opt(u.Company), Website: opt(u.Website), EmailAddress: opt(u.EmailAddress),
		IsDomainOwner: slices.Contains(owners, u.UserID), Status: u.Status, DomainID: u.DomainID, Roles: rolesRefOf(u.Roles),
	}
}

func joinNonEmpty(a, b string) string {
	if a == "" {
		return b
	}
	return a + " " + b
}

type usersXML struct {
	XMLName xml.Name  `xml:"http://docs.openstack.org/identity/api/ext/hp/v1.0 users"`
	User    []userXML `xml:"user"`
}

type tenantDoc struct {
	XMLName     xml.Name `json:"-" xml:"http://docs.openstack.org/identity/api/ext/hp/v1.0 tenant"`
	Description *string  `json:"description" xml:"description,attr,omitempty"`
	DomainID    string   `json:"domainId" xml:"domainId,attr"`
	Name        string   `json:"name" xml:"name,attr"`
	Status      string   `json:"status" xml:"status,attr"`
	TenantID    string   `json:"tenantId" xml:"tenantId,attr"`
}

func tenantDocOf(t identity.Tenant) tenantDoc {
	status := t.Status
	if status == "" { // tenants made before tenants had a status
		status = "enabled"
	}
	return tenantDoc{Description: opt(t.Description), DomainID: t.DomainID, Name: t.Name, Status: status, TenantID: t.TenantID}
}

type tenantsXML struct {
	XMLName xml.Name    `xml:"http://docs.openstack.org/identity/api/ext/hp/v1.0 tenants"`
	Tenant  []tenantDoc `xml:"tenant"`
}

type groupDoc struct {
	XMLName     xml.Name `json:"-" xml:"http://docs.openstack.org/identity/api/ext/hp/v1.0 group"`
	ID          string   `json:"id" xml:"id,attr"`
	Name        string   `json:"name" xml:"name,attr"`
	Description *string  `json:"description" xml:"description,omitempty"`
}

type groupsXML struct {
	XMLName xml.Name   `xml:"http://docs.openstack.org/identity/api/ext/hp/v1.0 groups"`
	Group   []groupDoc `xml:"group"`
}

type roleDoc struct {
	XMLName     xml.Name `json:"-" xml:"http://hpcloud.hp.com/identity/api/ext/hp/v1.0 role"`
	RoleID      string   `json:"roleId" xml:"roleId"`
	RoleName    string   `json:"roleName" xml:"roleName"`
	Description *string  `json:"description" xml:"description,omitempty"`
	ServiceID   *string  `json:"serviceId" xml:"serviceId,omitempty"`
	DomainID    string   `json:"domainId" xml:"domainId"`
	TenantID    *string  `json:"tenantId" xml:"tenantId,omitempty"`
}

type rolesXML struct {
	XMLName xml.Name  `xml:"http://hpcloud.hp.com/identity/api/ext/hp/v1.0 roles"`
	Role    []roleDoc `xml:"role"`
}

type versionDoc struct {
	ID   string  `json:"id" xml:"id,attr"`
	Info *string `json:"info" xml:"info,attr,omitempty"`
	List *string `json:"list" xml:"list,attr,omitempty"`
}

type subscribedInfoDoc struct {
	Status       string `json:"status" xml:"status,attr"`
	SubscribedOn string `json:"subscribedOn" xml:"subscribedOn,attr"`
	TenantID     string `json:"tenantId" xml:"tenantId,attr"`
}

type subscribeableDoc struct {
	XMLName              xml.Name `json:"-" xml:"http://www.hp.com/identity/api/ext/HP-IDM/v1.0 subscribeableService"`
	AdminURL             *string  `json:"adminURL" xml:"adminURL,attr,omitempty"`
	CanSubscribe         bool     `json:"canSubscribe" xml:"canSubscribe,attr"`
	Enabled              bool     `json:"enabled" xml:"enabled,attr"`
	Global               bool     `json:"global" xml:"global,attr"`
	ID                   string   `json:"id" xml:"id,attr"`
	InternalURL          *string  `json:"internalURL" xml:"internalURL,attr,omitempty"`
	Name                 string   `json:"name" xml:"name,attr"`
	PublicURL            *string  `json:"publicURL" xml:"publicURL,attr,omitempty"`
	PublicURL2           *string  `json:"publicURL2" xml:"publicURL2,attr,omitempty"`
	Region               string   `json:"region" xml:"region,attr"`
	ReleaseState         string   `json:"releaseState" xml:"releaseState,attr"`
	EndpointReleaseState string   `json:"endpointReleaseState" xml:"endpointReleaseState,attr"`
	Type                 string   `json:"type" xml:"type,attr"`
	// In XML, <version> comes before the <subscribedInfo>s, as in the seed.
	Version        *versionDoc         `json:"version" xml:"version,omitempty"`
	SubscribedInfo []subscribedInfoDoc `json:"subscribedInfo,omitempty" xml:"subscribedInfo"`
}

// subscribedOn is a subscription's time as the seed writes it: UTC, milliseconds, Z.
func subscribedOn(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

func subscribeableDocOf(t identity.EndpointTemplate, subs []identity.Subscription) subscribeableDoc {
	doc := subscribeableDoc{
		AdminURL: opt(t.AdminURL), CanSubscribe: t.Subscribeable(), Enabled: t.Enabled, Global: t.Global, ID: t.ID,
		InternalURL: opt(t.InternalURL), Name: t.Name, PublicURL: opt(t.PublicURL), PublicURL2: opt(t.PublicURL2),
		Region: t.Region, ReleaseState: t.ReleaseState, EndpointReleaseState: t.EndpointReleaseState, Type: t.Type,
	}
	if t.VersionID != "" {
		doc.Version = &versionDoc{ID: t.VersionID, Info: opt(t.VersionInfo), List: opt(t.VersionList)}
	}
	for _, s := range subs {
		doc.SubscribedInfo = append(doc.SubscribedInfo, subscribedInfoDoc{Status: statusOr(s.Status), SubscribedOn: subscribedOn(s.Created), TenantID: s.TenantID})
	}
	return doc
}

func statusOr(s string) string {
	if s == "" { // subscriptions made before subscriptions had a status
		return "enabled"
	}
	return s
}

type subscribeablesXML struct {
	XMLName xml.Name           `xml:"http://www.hp.com/identity/api/ext/HP-IDM/v1.0 subscribeableServices"`
	Service []subscribeableDoc `xml:"subscribeableService"`
}

type activatedDoc struct {
	XMLName      xml.Name `json:"-" xml:"http://www.hp.com/identity/api/ext/HP-IDM/v1.0 activatedService"`
	ID           *string  `json:"id" xml:"id,attr,omitempty"`
	Region       *string  `json:"region" xml:"region,attr,omitempty"`
	ServiceName  *string  `json:"serviceName" xml:"serviceName,attr,omitempty"`
	ServiceType  *string  `json:"serviceType" xml:"serviceType,attr,omitempty"`
	Status       string   `json:"status" xml:"status,attr"`
	SubscribedOn string   `json:"subscribedOn" xml:"subscribedOn,attr"`
	TenantID     string   `json:"tenantId" xml:"tenantId,attr"`
}

// activatedDocOf is a subscription with its template's service (t is zero when the
// catalogue no longer holds it).
func activatedDocOf(s identity.Subscription, t identity.EndpointTemplate) activatedDoc {
	return activatedDoc{ID: opt(s.SubscriptionID), Region: opt(t.Region), ServiceName: opt(t.Name), ServiceType: opt(t.Type),
		Status: statusOr(s.Status), SubscribedOn: subscribedOn(s.Created), TenantID: s.TenantID}
}

type activatedsXML struct {
	XMLName xml.Name       `xml:"http://www.hp.com/identity/api/ext/HP-IDM/v1.0 activatedServices"`
	Service []activatedDoc `xml:"activatedService"`
}

// envelope is a JSON document {"outer":{"inner":items}}, as the seed's lists are.
func envelope[T any](outer, inner string, items []T) map[string]map[string][]T {
	if items == nil {
		items = []T{}
	}
	return map[string]map[string][]T{outer: {inner: items}}
}
