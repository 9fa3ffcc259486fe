package identity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/actionservice/actionservice/shared/ticket"
)

// The role definitions and groups every domain starts with (API.md §3).
const (
	RoleDomainAdmin      = "domainadmin"
	RoleMember           = "member"
	GroupAdministrators  = "Administrators"
	GroupUsers           = "Users"
	maxQueryPage         = 1000
	defaultListLimit     = 100
	dependentDataMessage = "run the purgeDomain action, which removes them"
)

// ListOptions page a list: at most Limit items after the one whose id is Marker.
type ListOptions struct {
	Limit  int
	Marker string
}

// Page is one page of a list; Next is the id of its last item when more items follow.
type Page[T any] struct {
	Items []T
	Next  string
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// unknownMarker is a marker that names no item of the list: NOT_FOUND (API.md §1).
func unknownMarker(m string) error {
	return refuse(ticket.NotFound, "marker %q names no item of this list", m)
}

// queryPage runs a Query page after page until it holds limit items that keep accepts and
// knows whether one more follows; keep answers an item's id and whether the list shows it.
// A filter that leaves most items out reads more of the partition: docs/identity-table.md.
func queryPage[T any](ctx context.Context, s *Store, in *dynamodb.QueryInput, limit int, keep func(*T) (string, bool)) (Page[T], error) {
	if limit <= 0 {
		limit = defaultListLimit
	}
	if in.IndexName == nil {
		in.ConsistentRead = aws.Bool(true)
	}
	var p Page[T]
	var ids []string
	for {
		in.Limit = aws.Int32(int32(min(limit+1, maxQueryPage)))
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return Page[T]{}, unavailable("query "+aws.ToString(in.TableName), err)
		}
		for _, it := range res.Items {
			var v T
			if err := attributevalue.UnmarshalMap(it, &v); err != nil {
				return Page[T]{}, fmt.Errorf("decode list item: %w", err)
			}
			id, ok := keep(&v)
			if !ok {
				continue
			}
			if len(p.Items) == limit {
				p.Next = ids[limit-1]
				return p, nil
			}
			p.Items, ids = append(p.Items, v), append(ids, id)
		}
		if len(res.LastEvaluatedKey) == 0 {
			return p, nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}

// children is the Query of a domain's items whose sort key starts with prefix, after the
// item sk (when not empty).
func (s *Store) childQuery(domainID, prefix, after string) *dynamodb.QueryInput {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :p)"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#sk": AttrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(domainPK(domainID)), ":p": str(prefix)},
	}
	if after != "" {
		in.ExclusiveStartKey = key(domainPK(domainID), after)
	}
	return in
}

// markerChild checks that the marker names an item of the domain under prefix.
func (s *Store) markerChild(ctx context.Context, domainID, prefix, marker string) (string, error) {
	if marker == "" {
		return "", nil
	}
	ok, err := s.get(ctx, domainPK(domainID), prefix+marker, nil)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", unknownMarker(marker)
	}
	return prefix + marker, nil
}

// defaultItems are the new domain's default role definitions and groups: Administrators
// hold domainadmin, Users hold member.
func (s *Store) defaultItems(domainID string) ([]types.TransactWriteItem, error) {
	admin := Role{RoleID: NewID(), DomainID: domainID, Name: RoleDomainAdmin, Description: "Manages the domain: its users, tenants and services"}
	member := Role{RoleID: NewID(), DomainID: domainID, Name: RoleMember, Description: "A member of the domain"}
	groups := []Group{
		{GroupID: NewID(), DomainID: domainID, Name: GroupAdministrators, Description: "The domain's administrators", Roles: []Grant{admin.grant()}},
		{GroupID: NewID(), DomainID: domainID, Name: GroupUsers, Description: "The domain's users", Roles: []Grant{member.grant()}},
	}
	var out []types.TransactWriteItem
	for _, r := range []Role{admin, member} {
		it, err := item(r, domainPK(domainID), "ROLE#"+r.RoleID, "", "")
		if err != nil {
			return nil, err
		}
		out = append(out, put(s.table, it, true))
	}
	for _, g := range groups {
		it, err := item(g, domainPK(domainID), "GROUP#"+g.GroupID, "", "")
		if err != nil {
			return nil, err
		}
		out = append(out, put(s.table, it, true))
	}
	return out, nil
}

func (r Role) grant() Grant { return Grant{RoleID: r.RoleID, RoleName: r.Name, TenantID: r.TenantID} }

// resolveMembership checks that u's groups and roles (ids) are the domain's, fills in its
// grants from the role definitions, and answers the condition checks that keep them there
// while the user is created. An id that names none is USER_INPUT.
func (s *Store) resolveMembership(ctx context.Context, u *User) ([]types.TransactWriteItem, error) {
	// A transaction may name an item once: an id given twice is one membership.
	slices.Sort(u.Groups)
	u.Groups = slices.Compact(u.Groups)
	u.Roles = slices.CompactFunc(slices.SortedFunc(slices.Values(u.Roles), func(a, b Grant) int { return strings.Compare(a.RoleID, b.RoleID) }),
		func(a, b Grant) bool { return a.RoleID == b.RoleID })
	var checks []types.TransactWriteItem
	for _, g := range u.Groups {
		ok, err := s.get(ctx, domainPK(u.DomainID), "GROUP#"+g, nil)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, refuse(ticket.UserInput, "Invalid parameter [groups]: %s is not a group of domain %s", g, u.DomainID)
		}
		checks = append(checks, mustExist(s.table, domainPK(u.DomainID), "GROUP#"+g))
	}
	for i, gr := range u.Roles {
		var r Role
		ok, err := s.get(ctx, domainPK(u.DomainID), "ROLE#"+gr.RoleID, &r)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, refuse(ticket.UserInput, "Invalid parameter [roles]: %s is not a role of domain %s", gr.RoleID, u.DomainID)
		}
		u.Roles[i] = r.grant()
		checks = append(checks, mustExist(s.table, domainPK(u.DomainID), "ROLE#"+gr.RoleID))
	}
	return checks, nil
}

// DomainFilter selects the domains a list shows.
type DomainFilter struct {
	// Name keeps the domain of that name, ignoring case.
	Name string
}

// ListDomains lists every domain in the order of their names (ignoring case), from gsi1's
// DOMAINS partition, after the marker (a domainId).
func (s *Store) ListDomains(ctx context.Context, f DomainFilter, o ListOptions) (Page[Domain], error) {
	prefix := ""
	if f.Name != "" {
		prefix = strings.ToLower(strings.TrimSpace(f.Name)) + "#"
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrGSIPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(DomainsPartition)},
	}
	if prefix != "" { // DynamoDB refuses an empty begins_with operand
		in.KeyConditionExpression = aws.String("#pk = :pk AND begins_with(#sk, :p)")
		in.ExpressionAttributeNames["#sk"] = AttrGSISK
		in.ExpressionAttributeValues[":p"] = str(prefix)
	}
	if o.Marker != "" {
		m, err := s.GetDomain(ctx, o.Marker)
		if IsNotFound(err) || (err == nil && !strings.HasPrefix(domainsSK(m), prefix)) {
			return Page[Domain]{}, unknownMarker(o.Marker)
		}
		if err != nil {
			return Page[Domain]{}, err
		}
		in.ExclusiveStartKey = key(domainPK(m.DomainID), skMeta)
		in.ExclusiveStartKey[AttrGSIPK], in.ExclusiveStartKey[AttrGSISK] = str(DomainsPartition), str(domainsSK(m))
	}
	return queryPage(ctx, s, in, o.Limit, func(d *Domain) (string, bool) { return d.DomainID, true })
}

// DomainFields are the fields of a domain a client may set, by their names in the contract.
var DomainFields = []string{"name", "description", "company", "emailAddress", "addressLine1", "addressLine2",
	"city", "state", "zip", "country", "phone", "website", "status"}

// ClientStates are the statuses a client may give a domain (API.md §3); purged is what
// purgeDomain leaves, never set by hand.
var ClientStates = []string{"enabled", "disabled", "suspended", "deleted"}

// Apply sets the fields of changes on d (names of DomainFields; an empty value clears the
// field). A blank name or an unknown status is USER_INPUT.
func (d *Domain) Apply(changes map[string]string) error {
	fields := map[string]*string{"name": &d.Name, "description": &d.Description, "company": &d.Company,
		"emailAddress": &d.EmailAddress, "addressLine1": &d.AddressLine1, "addressLine2": &d.AddressLine2, "city": &d.City,
		"state": &d.State, "zip": &d.Zip, "country": &d.Country, "phone": &d.Phone, "website": &d.Website, "status": &d.Status}
	for k, v := range changes {
		f, ok := fields[k]
		if !ok {
			return refuse(ticket.UserInput, "unknown domain field %q", k)
		}
		*f = v
	}
	d.Name = strings.TrimSpace(d.Name)
	if _, ok := changes["name"]; ok && d.Name == "" {
		return refuse(ticket.UserInput, "a domain's name cannot be blank")
	}
	if _, ok := changes["status"]; ok && !oneOf(d.Status, ClientStates) {
		return refuse(ticket.UserInput, "invalid domain status %q (want one of %s)", d.Status, strings.Join(ClientStates, ", "))
	}
	return nil
}

// UpdateDomain merges changes into a domain (Domain.Apply) and answers the result. A new
// name moves the name reservation in the same transaction, so a name another domain holds
// (ignoring case) is a CONFLICT. A missing domain is NOT_FOUND.
func (s *Store) UpdateDomain(ctx context.Context, id string, changes map[string]string) (Domain, error) {
	for attempt := 0; attempt < 3; attempt++ {
		cur, err := s.GetDomain(ctx, id)
		if err != nil {
			return Domain{}, err
		}
		next := cur
		if err := next.Apply(changes); err != nil {
			return Domain{}, err
		}
		meta, err := domainItem(next)
		if err != nil {
			return Domain{}, err
		}
		p := put(s.table, meta, false)
		// Written only over the version read: a concurrent rename must not be lost.
		p.Put.ConditionExpression = aws.String("attribute_exists(pk) AND #n = :n AND #s = :s")
		p.Put.ExpressionAttributeNames = map[string]string{"#n": "name", "#s": "status"}
		p.Put.ExpressionAttributeValues = map[string]types.AttributeValue{":n": str(cur.Name), ":s": str(cur.Status)}
		items := []types.TransactWriteItem{p}
		renamed := !strings.EqualFold(cur.Name, next.Name)
		if renamed {
			name, _ := item(struct {
				DomainID string `dynamodbav:"domainId"`
				Name     string `dynamodbav:"name"`
			}{id, next.Name}, domainNamePK(next.Name), skMeta, "", "")
			items = append(items, put(s.table, name, true),
				types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(domainNamePK(cur.Name), skMeta)}})
		}
		cancelled, err := s.transact(ctx, "update domain", items)
		if err != nil {
			return Domain{}, err
		}
		if !cancelled {
			return next, nil
		}
		if renamed {
			if taken, err := s.get(ctx, domainNamePK(next.Name), skMeta, nil); err != nil || taken {
				if err != nil {
					return Domain{}, err
				}
				return Domain{}, refuse(ticket.Conflict, "a domain named %q already exists", next.Name)
			}
		}
	}
	return Domain{}, unavailable("update domain "+id, errors.New("changed concurrently"))
}

// DependentDataError is a domain that DELETE /domains cannot remove yet: it has activated
// services or accounts in outside systems, which only purgeDomain removes.
type DependentDataError struct {
	DomainID string
	Services int
	Outside  []string
}

func (e *DependentDataError) Error() string {
	var what []string
	if e.Services > 0 {
		what = append(what, fmt.Sprintf("%d activated service(s)", e.Services))
	}
	if len(e.Outside) > 0 {
		what = append(what, "accounts in outside systems ("+strings.Join(e.Outside, ", ")+")")
	}
	return fmt.Sprintf("domain %s still has %s; %s", e.DomainID, strings.Join(what, " and "), dependentDataMessage)
}

// attrRemoving marks a domain that RemoveDomain is deleting: no subscription may be added
// to it, so that what RemoveDomain found when it looked is all there is.
const attrRemoving = "removing"

// RemoveDomain deletes a domain with its users, tenants, groups, roles and grants (DELETE
// /domains/{id}). A domain that still has activated services or outside accounts is a
// *DependentDataError and nothing is deleted; a missing one is NOT_FOUND. It marks the domain
// first, which CreateSubscription's transaction refuses, so that no subscription can slip in
// between its look and the deletion; a refusal takes the mark away again.
func (s *Store) RemoveDomain(ctx context.Context, id string) error {
	if err := s.markRemoving(ctx, id, true); err != nil {
		return err
	}
	err := s.removeMarked(ctx, id)
	var dep *DependentDataError
	if errors.As(err, &dep) {
		if err := s.markRemoving(ctx, id, false); err != nil {
			return err
		}
	}
	return err
}

// markRemoving sets or clears the mark. It clears it by setting false, not by REMOVE: the
// embedded DynamoDB (minidyn v0.8.2) answers an UpdateItem REMOVE with success and leaves the
// attribute in place.
func (s *Store) markRemoving(ctx context.Context, id string, on bool) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(domainPK(id), skMeta),
		UpdateExpression: aws.String("SET #rm = :v"), ConditionExpression: aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames:  map[string]string{"#rm": attrRemoving},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberBOOL{Value: on}},
	})
	if isCondition(err) {
		return refuse(ticket.NotFound, "domain %s not found", id)
	}
	if err != nil {
		return unavailable("mark domain "+id, err)
	}
	return nil
}

func (s *Store) removeMarked(ctx context.Context, id string) error {
	d, err := s.GetDomain(ctx, id)
	if err != nil {
		return err
	}
	dep := &DependentDataError{DomainID: id}
	for name, v := range map[string]string{"billing": d.BillingID, "CRM": d.ContactID, "key management": d.KmsTenant} {
		if v != "" {
			dep.Outside = append(dep.Outside, name)
		}
	}
	slices.Sort(dep.Outside)
	subs, err := s.children(ctx, id, "SUB#")
	if err != nil {
		return err
	}
	if dep.Services = len(subs); dep.Services > 0 || len(dep.Outside) > 0 {
		return dep
	}
	if _, err := s.Purge(ctx, id, "USER#", "USERNAME#", "TENANT#"); err != nil {
		return err
	}
	return s.DeleteDomain(ctx, id)
}

// DomainUser reads a user of a domain; one that is not the domain's is NOT_FOUND.
func (s *Store) DomainUser(ctx context.Context, domainID, userID string) (User, error) {
	var u User
	ok, err := s.get(ctx, domainPK(domainID), "USER#"+userID, &u)
	if err != nil {
		return User{}, err
	}
	if !ok || userID == "" {
		return User{}, refuse(ticket.NotFound, "user %s not found in domain %s", userID, domainID)
	}
	return u, nil
}

// TransferOwnership makes a user of the domain its owner, in place of the previous one,
// and answers the user. A missing domain or a user not of the domain is NOT_FOUND.
func (s *Store) TransferOwnership(ctx context.Context, domainID, userID string) (User, error) {
	if _, err := s.GetDomain(ctx, domainID); err != nil {
		return User{}, err
	}
	u, err := s.DomainUser(ctx, domainID, userID)
	if err != nil {
		return User{}, err
	}
	owners, err := attributevalue.Marshal([]string{userID})
	if err != nil {
		return User{}, err
	}
	cancelled, err := s.transact(ctx, "transfer ownership", []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String(s.table), Key: key(domainPK(domainID), skMeta),
			UpdateExpression: aws.String("SET #o = :o"), ConditionExpression: aws.String("attribute_exists(pk)"),
			ExpressionAttributeNames: map[string]string{"#o": "owners"}, ExpressionAttributeValues: map[string]types.AttributeValue{":o": owners}}},
		mustExist(s.table, domainPK(domainID), "USER#"+userID),
	})
	if err != nil {
		return User{}, err
	}
	if cancelled {
		return User{}, refuse(ticket.NotFound, "user %s not found in domain %s", userID, domainID)
	}
	return u, nil
}

// UserFilter selects the users a list shows (seed 001's filters).
type UserFilter struct {
	// UserID or UserName (ignoring case) keeps that user alone.
	UserID, UserName string
	// Users in any of these groups (ids), holding any of these roles (ids or names) or any
	// role in these tenants are left out.
	ExcludeGroups, ExcludeRoles, ExcludeTenants []string
	// Visible, when set, is the caller's view: users it answers false for are left out.
	Visible func(User) bool
}

func (f UserFilter) keeps(u User) bool {
	for _, g := range u.Groups {
		if slices.Contains(f.ExcludeGroups, g) {
			return false
		}
	}
	return !excludedByRoles(u.Roles, f.ExcludeRoles, f.ExcludeTenants) && (f.Visible == nil || f.Visible(u))
}

func excludedByRoles(grants []Grant, roles, tenants []string) bool {
	for _, g := range grants {
		if slices.Contains(roles, g.RoleID) || slices.Contains(roles, g.RoleName) || (g.TenantID != "" && slices.Contains(tenants, g.TenantID)) {
			return true
		}
	}
	return false
}

// ListUsers lists a domain's users in the order of their ids, after the marker (a userId).
func (s *Store) ListUsers(ctx context.Context, domainID string, f UserFilter, o ListOptions) (Page[User], error) {
	after, err := s.markerChild(ctx, domainID, "USER#", o.Marker)
	if err != nil {
		return Page[User]{}, err
	}
	if f.UserName != "" {
		var r struct {
			UserID string `dynamodbav:"userId"`
		}
		ok, err := s.get(ctx, domainPK(domainID), "USERNAME#"+strings.ToLower(strings.TrimSpace(f.UserName)), &r)
		if err != nil || !ok {
			return Page[User]{}, err
		}
		f.UserID = r.UserID
	}
	in := s.childQuery(domainID, "USER#", after)
	if f.UserID != "" {
		if after != "" && after >= "USER#"+f.UserID {
			return Page[User]{}, nil // the one user was on an earlier page
		}
		in = s.childQuery(domainID, "USER#"+f.UserID, "")
	}
	return queryPage(ctx, s, in, o.Limit, func(u *User) (string, bool) {
		return u.UserID, (f.UserID == "" || u.UserID == f.UserID) && f.keeps(*u)
	})
}

// ListTenants lists a domain's tenants in the order of their ids, after the marker.
func (s *Store) ListTenants(ctx context.Context, domainID string, o ListOptions) (Page[Tenant], error) {
	after, err := s.markerChild(ctx, domainID, "TENANT#", o.Marker)
	if err != nil {
		return Page[Tenant]{}, err
	}
	return queryPage(ctx, s, s.childQuery(domainID, "TENANT#", after), o.Limit, func(t *Tenant) (string, bool) { return t.TenantID, true })
}

// GroupFilter selects the groups a list shows.
type GroupFilter struct {
	// GroupID or Name (ignoring case) keeps that group alone.
	GroupID, Name string
	// Groups holding any of these roles (ids or names) are left out.
	ExcludeRoles []string
}

// ListGroups lists a domain's groups in the order of their ids, after the marker.
func (s *Store) ListGroups(ctx context.Context, domainID string, f GroupFilter, o ListOptions) (Page[Group], error) {
	after, err := s.markerChild(ctx, domainID, "GROUP#", o.Marker)
	if err != nil {
		return Page[Group]{}, err
	}
	in := s.childQuery(domainID, "GROUP#", after)
	if f.GroupID != "" {
		if after != "" && after >= "GROUP#"+f.GroupID {
			return Page[Group]{}, nil
		}
		in = s.childQuery(domainID, "GROUP#"+f.GroupID, "")
	}
	return queryPage(ctx, s, in, o.Limit, func(g *Group) (string, bool) {
		return g.GroupID, (f.GroupID == "" || g.GroupID == f.GroupID) &&
			(f.Name == "" || strings.EqualFold(g.Name, strings.TrimSpace(f.Name))) && !excludedByRoles(g.Roles, f.ExcludeRoles, nil)
	})
}

// ListRoles lists a domain's role definitions in the order of their ids, after the marker.
func (s *Store) ListRoles(ctx context.Context, domainID string, o ListOptions) (Page[Role], error) {
	after, err := s.markerChild(ctx, domainID, "ROLE#", o.Marker)
	if err != nil {
		return Page[Role]{}, err
	}
	return queryPage(ctx, s, s.childQuery(domainID, "ROLE#", after), o.Limit, func(r *Role) (string, bool) { return r.RoleID, true })
}

// ListSubscriptions lists a domain's activated services in the order of their ids, after the
// marker; tenantID, when set, keeps that tenant's (a tenant not of the domain is NOT_FOUND).
func (s *Store) ListSubscriptions(ctx context.Context, domainID, tenantID string, o ListOptions) (Page[Subscription], error) {
	if tenantID != "" {
		if _, err := s.GetTenant(ctx, domainID, tenantID); err != nil {
			return Page[Subscription]{}, err
		}
	}
	after, err := s.markerChild(ctx, domainID, "SUB#", o.Marker)
	if err != nil {
		return Page[Subscription]{}, err
	}
	return queryPage(ctx, s, s.childQuery(domainID, "SUB#", after), o.Limit, func(sub *Subscription) (string, bool) {
		return sub.SubscriptionID, tenantID == "" || sub.TenantID == tenantID
	})
}

// Subscriptions are all of a domain's subscriptions, by endpoint template id.
func (s *Store) Subscriptions(ctx context.Context, domainID string) (map[string][]Subscription, error) {
	out := map[string][]Subscription{}
	in := s.childQuery(domainID, "SUB#", "")
	for {
		p, err := queryPage(ctx, s, in, maxQueryPage, func(sub *Subscription) (string, bool) { return sub.SubscriptionID, true })
		if err != nil {
			return nil, err
		}
		for _, sub := range p.Items {
			out[sub.EndpointTemplateID] = append(out[sub.EndpointTemplateID], sub)
		}
		if p.Next == "" {
			return out, nil
		}
		in = s.childQuery(domainID, "SUB#", "SUB#"+p.Next)
	}
}
