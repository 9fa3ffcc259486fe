package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/actionservice/actionservice/shared/ticket"
)

// CreateDomain creates a domain, with the default role definitions and groups
// (DefaultRoles, DefaultGroups), for the step stepKey ("<ticketId>/<step>"): a repeat of the
// same step answers the domain the first one made. An empty stepKey (POST /domains, which
// has no ticket) records nothing to repeat. A name taken by another domain (ignoring case) is
// a CONFLICT; a missing name is USER_INPUT.
func (s *Store) CreateDomain(ctx context.Context, stepKey string, d Domain) (Domain, error) {
	d.Name = strings.TrimSpace(d.Name)
	if d.Name == "" {
		return Domain{}, refuse(ticket.UserInput, "Missing required parameter [name]")
	}
	if d.Status == "" {
		d.Status = "enabled"
	}
	d.CreatedBy, d.Created = stepKey, s.now().UnixMilli()
	for attempt := 0; attempt < 3; attempt++ {
		d.DomainID = NewID()
		meta, err := domainItem(d)
		if err != nil {
			return Domain{}, err
		}
		name, _ := item(struct {
			DomainID string `dynamodbav:"domainId"`
			Name     string `dynamodbav:"name"`
		}{d.DomainID, d.Name}, domainNamePK(d.Name), skMeta, "", "")
		items := []types.TransactWriteItem{put(s.table, meta, true), put(s.table, name, true)}
		defaults, err := s.defaultItems(d.DomainID)
		if err != nil {
			return Domain{}, err
		}
		items = append(items, defaults...)
		if stepKey != "" {
			mark, err := s.doneItem(stepKey, done{ID: d.DomainID})
			if err != nil {
				return Domain{}, err
			}
			items = append(items, mark)
		}
		cancelled, err := s.transact(ctx, "create domain", items)
		if err != nil {
			return Domain{}, err
		}
		if !cancelled {
			return d, nil
		}
		// Why was it refused? A concurrent run of the same step, the name, or (rarely) the id.
		if prev, err := s.doneOfStep(ctx, stepKey); err != nil || prev != nil {
			if err != nil {
				return Domain{}, err
			}
			return s.createdDomain(ctx, prev.ID)
		}
		if taken, err := s.get(ctx, domainNamePK(d.Name), skMeta, nil); err != nil || taken {
			if err != nil {
				return Domain{}, err
			}
			return Domain{}, refuse(ticket.Conflict, "a domain named %q already exists", d.Name)
		}
	}
	return Domain{}, unavailable("create domain", fmt.Errorf("could not allocate a domain id"))
}

// doneOfStep is doneOf for a step key, nothing for the empty one.
func (s *Store) doneOfStep(ctx context.Context, stepKey string) (*done, error) {
	if stepKey == "" {
		return nil, nil
	}
	return s.doneOf(ctx, stepKey)
}

// domainItem is a domain's META item, indexed in gsi1 by name.
func domainItem(d Domain) (map[string]types.AttributeValue, error) {
	meta, err := item(d, domainPK(d.DomainID), skMeta, DomainsPartition, domainsSK(d))
	if err != nil {
		return nil, err
	}
	meta["nameLower"] = &types.AttributeValueMemberS{Value: strings.ToLower(d.Name)}
	return meta, nil
}

func domainsSK(d Domain) string { return strings.ToLower(d.Name) + "#" + d.DomainID }

func (s *Store) createdDomain(ctx context.Context, id string) (Domain, error) {
	d, err := s.GetDomain(ctx, id)
	if IsNotFound(err) { // made, then undone: report the id the step made
		return Domain{DomainID: id}, nil
	}
	return d, err
}

// GetDomain reads a domain; a missing one is NOT_FOUND.
func (s *Store) GetDomain(ctx context.Context, id string) (Domain, error) {
	var d Domain
	ok, err := s.get(ctx, domainPK(id), skMeta, &d)
	if err != nil {
		return Domain{}, err
	}
	if !ok || id == "" {
		return Domain{}, refuse(ticket.NotFound, "domain %s not found", id)
	}
	return d, nil
}

// DomainNameExists reports whether a domain has this name, ignoring case.
func (s *Store) DomainNameExists(ctx context.Context, name string) (bool, error) {
	return s.get(ctx, domainNamePK(strings.TrimSpace(name)), skMeta, nil)
}

// DeleteDomain deletes a domain record, its name reservation, its role definitions and its
// groups (not its users, tenants and subscriptions: see Purge). A missing domain is NOT_FOUND.
func (s *Store) DeleteDomain(ctx context.Context, id string) error {
	d, err := s.GetDomain(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.Purge(ctx, id, "GROUP#", "ROLE#"); err != nil {
		return err
	}
	cancelled, err := s.transact(ctx, "delete domain", []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(domainPK(id), skMeta), ConditionExpression: aws.String("attribute_exists(pk)")}},
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(domainNamePK(d.Name), skMeta)}},
	})
	if err != nil {
		return err
	}
	if cancelled {
		return refuse(ticket.NotFound, "domain %s not found", id)
	}
	return nil
}

// SetDomainOutsideIDs notes outside systems' ids on a domain: attrs are billingId, contactId,
// kmsTenant. A missing domain is NOT_FOUND.
func (s *Store) SetDomainOutsideIDs(ctx context.Context, id string, attrs map[string]string) error {
	if len(attrs) == 0 {
		return nil
	}
	names := map[string]string{}
	values := map[string]types.AttributeValue{}
	var sets []string
	i := 0
	for k, v := range attrs {
		switch k {
		case "billingId", "contactId", "kmsTenant":
		default:
			return fmt.Errorf("set domain outside ids: unknown attribute %q", k)
		}
		names[fmt.Sprintf("#a%d", i)] = k
		values[fmt.Sprintf(":v%d", i)] = &types.AttributeValueMemberS{Value: v}
		sets = append(sets, fmt.Sprintf("#a%d = :v%d", i, i))
		i++
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(domainPK(id), skMeta),
		UpdateExpression:          aws.String("SET " + strings.Join(sets, ", ")),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	if isCondition(err) {
		return refuse(ticket.NotFound, "domain %s not found", id)
	}
	if err != nil {
		return unavailable("update domain "+id, err)
	}
	return nil
}

func isCondition(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return err != nil && asErr(err, &ccf)
}

// setState sets the status of the item at pk/sk for the step stepKey and answers the status it
// replaced; a repeat of the step answers the first one's previous status.
func (s *Store) setState(ctx context.Context, stepKey, what, pk, sk, state string) (string, error) {
	var cur struct {
		Status string `dynamodbav:"status"`
	}
	ok, err := s.get(ctx, pk, sk, &cur)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", refuse(ticket.NotFound, "%s not found", what)
	}
	mark, err := s.doneItem(stepKey, done{Previous: cur.Status})
	if err != nil {
		return "", err
	}
	cancelled, err := s.transact(ctx, "set state of "+what, []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: aws.String(s.table), Key: key(pk, sk),
			UpdateExpression:          aws.String("SET #st = :new"),
			ConditionExpression:       aws.String("attribute_exists(pk) AND #st = :cur"),
			ExpressionAttributeNames:  map[string]string{"#st": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":new": &types.AttributeValueMemberS{Value: state}, ":cur": &types.AttributeValueMemberS{Value: cur.Status}},
		}},
		mark,
	})
	if err != nil {
		return "", err
	}
	if cancelled {
		if prev, err := s.doneOf(ctx, stepKey); err != nil || prev != nil {
			if err != nil {
				return "", err
			}
			return prev.Previous, nil
		}
		return "", unavailable("set state of "+what, fmt.Errorf("changed concurrently"))
	}
	return cur.Status, nil
}

// restoreState puts back a status (the undo of setState). A missing item is NOT_FOUND.
func (s *Store) restoreState(ctx context.Context, what, pk, sk, state string) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(pk, sk),
		UpdateExpression:          aws.String("SET #st = :st"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeNames:  map[string]string{"#st": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":st": &types.AttributeValueMemberS{Value: state}},
	})
	if isCondition(err) {
		return refuse(ticket.NotFound, "%s not found", what)
	}
	if err != nil {
		return unavailable("restore state of "+what, err)
	}
	return nil
}

// SetDomainState sets a domain's status for a step and answers the status it replaced.
func (s *Store) SetDomainState(ctx context.Context, stepKey, id, state string) (string, error) {
	if !oneOf(state, DomainStates) {
		return "", refuse(ticket.UserInput, "invalid domain state %q (want one of %s)", state, strings.Join(DomainStates, ", "))
	}
	return s.setState(ctx, stepKey, "domain "+id, domainPK(id), skMeta, state)
}

// RestoreDomainState puts back a domain's status.
func (s *Store) RestoreDomainState(ctx context.Context, id, state string) error {
	return s.restoreState(ctx, "domain "+id, domainPK(id), skMeta, state)
}

// CreateUser creates a user in an existing domain (else NOT_FOUND); the username is unique in
// the domain ignoring case (else CONFLICT). Idempotent per stepKey.
func (s *Store) CreateUser(ctx context.Context, stepKey string, u User) (User, error) {
	u.Username = strings.TrimSpace(u.Username)
	switch {
	case u.DomainID == "":
		return User{}, refuse(ticket.UserInput, "Missing required parameter [domainId]")
	case u.Username == "":
		return User{}, refuse(ticket.UserInput, "Missing required parameter [username]")
	}
	if u.Status == "" {
		u.Status = "enabled"
	}
	checks, err := s.resolveMembership(ctx, &u)
	if err != nil {
		return User{}, err
	}
	u.CreatedBy, u.Created = stepKey, s.now().UnixMilli()
	u.UserID = NewID()
	it, err := item(u, domainPK(u.DomainID), "USER#"+u.UserID, "USER#"+u.UserID, domainPK(u.DomainID))
	if err != nil {
		return User{}, err
	}
	name, _ := item(struct {
		UserID string `dynamodbav:"userId"`
	}{u.UserID}, domainPK(u.DomainID), "USERNAME#"+strings.ToLower(u.Username), "", "")
	entry, _ := item(userEntry{UserID: u.UserID, DomainID: u.DomainID, CreatedBy: stepKey}, userPK(u.UserID), skMeta, "", "")
	mark, err := s.doneItem(stepKey, done{ID: u.UserID})
	if err != nil {
		return User{}, err
	}
	cancelled, err := s.transact(ctx, "create user", append([]types.TransactWriteItem{
		mustExist(s.table, domainPK(u.DomainID), skMeta), put(s.table, it, true), put(s.table, name, true),
		put(s.table, entry, true), mark,
	}, checks...))
	if err != nil || !cancelled {
		return u, err
	}
	if prev, err := s.doneOf(ctx, stepKey); err != nil || prev != nil {
		if err != nil {
			return User{}, err
		}
		got, err := s.GetUser(ctx, prev.ID)
		if IsNotFound(err) { // made, then undone: report the id the step made
			return User{UserID: prev.ID, DomainID: u.DomainID}, nil
		}
		return got, err
	}
	if _, err := s.GetDomain(ctx, u.DomainID); err != nil {
		return User{}, err
	}
	if taken, err := s.get(ctx, domainPK(u.DomainID), "USERNAME#"+strings.ToLower(u.Username), nil); err != nil || !taken {
		if err != nil {
			return User{}, err
		}
		// A group or role named went meanwhile: the user would hold a dangling membership.
		return User{}, refuse(ticket.UserInput, "a group or role of the user was removed from domain %s meanwhile", u.DomainID)
	}
	return User{}, refuse(ticket.Conflict, "a user named %q already exists in domain %s", u.Username, u.DomainID)
}

// userEntry is a user's directory entry: where to find the user by id alone.
type userEntry struct {
	UserID    string `dynamodbav:"userId"`
	DomainID  string `dynamodbav:"domainId"`
	CreatedBy string `dynamodbav:"createdBy,omitempty"`
}

// GetUser finds a user by id alone: its directory entry, then the user, both read
// consistently. A missing one is NOT_FOUND.
func (s *Store) GetUser(ctx context.Context, userID string) (User, error) {
	var e userEntry
	ok, err := s.get(ctx, userPK(userID), skMeta, &e)
	if err != nil {
		return User{}, err
	}
	var u User
	if ok {
		ok, err = s.get(ctx, domainPK(e.DomainID), "USER#"+userID, &u)
		if err != nil {
			return User{}, err
		}
	}
	if !ok {
		return User{}, refuse(ticket.NotFound, "user %s not found", userID)
	}
	return u, nil
}

// DeleteUser deletes a user, its username reservation and its directory entry. A missing
// user is NOT_FOUND.
func (s *Store) DeleteUser(ctx context.Context, userID string) error {
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	_, err = s.transact(ctx, "delete user", []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(domainPK(u.DomainID), "USER#"+u.UserID)}},
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(domainPK(u.DomainID), "USERNAME#"+strings.ToLower(u.Username))}},
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(userPK(u.UserID), skMeta)}},
	})
	return err
}

// SetUserState sets a user's status for a step and answers the status it replaced.
func (s *Store) SetUserState(ctx context.Context, stepKey, userID, state string) (string, error) {
	if !oneOf(state, UserStates) {
		return "", refuse(ticket.UserInput, "invalid user state %q (want one of %s)", state, strings.Join(UserStates, ", "))
	}
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return "", err
	}
	return s.setState(ctx, stepKey, "user "+userID, domainPK(u.DomainID), "USER#"+userID, state)
}

// RestoreUserState puts back a user's status.
func (s *Store) RestoreUserState(ctx context.Context, userID, state string) error {
	u, err := s.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	return s.restoreState(ctx, "user "+userID, domainPK(u.DomainID), "USER#"+userID, state)
}

// CreateTenant creates a tenant in an existing domain (else NOT_FOUND). Idempotent per stepKey.
func (s *Store) CreateTenant(ctx context.Context, stepKey string, tn Tenant) (Tenant, error) {
	switch {
	case tn.DomainID == "":
		return Tenant{}, refuse(ticket.UserInput, "Missing required parameter [domainId]")
	case strings.TrimSpace(tn.Name) == "":
		return Tenant{}, refuse(ticket.UserInput, "Missing required parameter [name]")
	}
	if tn.Status == "" {
		tn.Status = "enabled"
	}
	tn.CreatedBy, tn.Created = stepKey, s.now().UnixMilli()
	tn.TenantID = NewID()
	it, err := item(tn, domainPK(tn.DomainID), "TENANT#"+tn.TenantID, "TENANT#"+tn.TenantID, domainPK(tn.DomainID))
	if err != nil {
		return Tenant{}, err
	}
	mark, err := s.doneItem(stepKey, done{ID: tn.TenantID})
	if err != nil {
		return Tenant{}, err
	}
	cancelled, err := s.transact(ctx, "create tenant", []types.TransactWriteItem{
		mustExist(s.table, domainPK(tn.DomainID), skMeta), put(s.table, it, true), mark,
	})
	if err != nil || !cancelled {
		return tn, err
	}
	if prev, err := s.doneOf(ctx, stepKey); err != nil || prev != nil {
		if err != nil {
			return Tenant{}, err
		}
		return Tenant{TenantID: prev.ID, DomainID: tn.DomainID, Name: tn.Name}, nil
	}
	return Tenant{}, refuse(ticket.NotFound, "domain %s not found", tn.DomainID)
}

// GetTenant reads a tenant of a domain; a missing one is NOT_FOUND.
func (s *Store) GetTenant(ctx context.Context, domainID, tenantID string) (Tenant, error) {
	var tn Tenant
	ok, err := s.get(ctx, domainPK(domainID), "TENANT#"+tenantID, &tn)
	if err != nil {
		return Tenant{}, err
	}
	if !ok || tenantID == "" {
		return Tenant{}, refuse(ticket.NotFound, "tenant %s not found in domain %s", tenantID, domainID)
	}
	return tn, nil
}

// DeleteTenant deletes a tenant; a missing one is NOT_FOUND.
func (s *Store) DeleteTenant(ctx context.Context, domainID, tenantID string) error {
	return s.deleteChild(ctx, "tenant "+tenantID, domainID, "TENANT#"+tenantID)
}

func (s *Store) deleteChild(ctx context.Context, what, domainID, sk string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: key(domainPK(domainID), sk),
		ConditionExpression: aws.String("attribute_exists(pk)"),
	})
	if isCondition(err) {
		return refuse(ticket.NotFound, "%s not found", what)
	}
	if err != nil {
		return unavailable("delete "+what, err)
	}
	return nil
}

// CheckSubscribeable checks that the domain and its tenant exist (NOT_FOUND) and that the
// endpoint template id is numeric and names a template of the catalogue that may be
// subscribed to (USER_INPUT).
func (s *Store) CheckSubscribeable(ctx context.Context, domainID, tenantID, endpointTemplateID string) error {
	if !numeric(endpointTemplateID) {
		return refuse(ticket.UserInput, "endpointTemplateId %q is not numeric", endpointTemplateID)
	}
	tpl, err := s.EndpointTemplate(ctx, endpointTemplateID)
	if err != nil {
		return err
	}
	if !tpl.Subscribeable() {
		return refuse(ticket.UserInput, "endpoint template %s (%s, %s) cannot be subscribed to", tpl.ID, tpl.Name, tpl.ReleaseState)
	}
	if _, err := s.GetDomain(ctx, domainID); err != nil {
		return err
	}
	_, err = s.GetTenant(ctx, domainID, tenantID)
	return err
}

func numeric(v string) bool {
	if v == "" {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// CreateSubscription activates a service for a tenant of a domain (both must exist, else
// NOT_FOUND). Idempotent per stepKey.
func (s *Store) CreateSubscription(ctx context.Context, stepKey string, sub Subscription) (Subscription, error) {
	if err := s.CheckSubscribeable(ctx, sub.DomainID, sub.TenantID, sub.EndpointTemplateID); err != nil {
		return Subscription{}, err
	}
	if sub.Status == "" {
		sub.Status = "enabled"
	}
	sub.CreatedBy, sub.Created = stepKey, s.now().UnixMilli()
	sub.SubscriptionID = NewID()
	it, err := item(sub, domainPK(sub.DomainID), "SUB#"+sub.SubscriptionID, "SUB#"+sub.SubscriptionID, domainPK(sub.DomainID))
	if err != nil {
		return Subscription{}, err
	}
	mark, err := s.doneItem(stepKey, done{ID: sub.SubscriptionID})
	if err != nil {
		return Subscription{}, err
	}
	cancelled, err := s.transact(ctx, "create subscription", []types.TransactWriteItem{
		mustExist(s.table, domainPK(sub.DomainID), "TENANT#"+sub.TenantID), put(s.table, it, true), mark,
		// Not while DELETE /domains is removing the domain (RemoveDomain): it has looked for
		// subscriptions already and would leave this one behind.
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(s.table), Key: key(domainPK(sub.DomainID), skMeta),
			ConditionExpression:       aws.String("attribute_exists(pk) AND (attribute_not_exists(#rm) OR #rm = :no)"),
			ExpressionAttributeNames:  map[string]string{"#rm": attrRemoving},
			ExpressionAttributeValues: map[string]types.AttributeValue{":no": &types.AttributeValueMemberBOOL{Value: false}}}},
	})
	if err != nil || !cancelled {
		return sub, err
	}
	if prev, err := s.doneOf(ctx, stepKey); err != nil || prev != nil {
		if err != nil {
			return Subscription{}, err
		}
		sub.SubscriptionID = prev.ID
		return sub, nil
	}
	if _, err := s.GetTenant(ctx, sub.DomainID, sub.TenantID); err != nil {
		return Subscription{}, err
	}
	return Subscription{}, refuse(ticket.Conflict, "domain %s is being deleted", sub.DomainID)
}

// DeleteSubscription deletes a subscription; a missing one is NOT_FOUND.
func (s *Store) DeleteSubscription(ctx context.Context, domainID, subscriptionID string) error {
	return s.deleteChild(ctx, "subscription "+subscriptionID, domainID, "SUB#"+subscriptionID)
}

// Children lists the sort keys of a domain's items with a prefix (USER#, TENANT#, SUB#, …),
// paging with LastEvaluatedKey.
func (s *Store) children(ctx context.Context, domainID, prefix string) ([]string, error) {
	var sks []string
	var start map[string]types.AttributeValue
	for {
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			KeyConditionExpression:    aws.String("#pk = :pk AND begins_with(#sk, :p)"),
			ExpressionAttributeNames:  map[string]string{"#pk": AttrPK, "#sk": AttrSK},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: domainPK(domainID)}, ":p": &types.AttributeValueMemberS{Value: prefix}},
			ProjectionExpression:      aws.String("#sk"),
			ExclusiveStartKey:         start,
			ConsistentRead:            aws.Bool(true),
		})
		if err != nil {
			return nil, unavailable("list "+prefix+" of domain "+domainID, err)
		}
		for _, it := range res.Items {
			if v, ok := it[AttrSK].(*types.AttributeValueMemberS); ok {
				sks = append(sks, v.Value)
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return sks, nil
		}
		start = res.LastEvaluatedKey
	}
}

// Purge deletes every item of a domain whose sort key starts with one of the prefixes
// (USER#/USERNAME# for users, TENANT#, SUB#) and answers how many went. Idempotent.
func (s *Store) Purge(ctx context.Context, domainID string, prefixes ...string) (int, error) {
	n := 0
	for _, p := range prefixes {
		sks, err := s.children(ctx, domainID, p)
		if err != nil {
			return n, err
		}
		for _, sk := range sks {
			var keys []map[string]types.AttributeValue
			if strings.HasPrefix(sk, "USER#") {
				// The user's directory entry (pk USER#<id>) goes first: were the step to stop
				// between the two, its retry still finds the user and with it the entry.
				keys = append(keys, key(sk, skMeta))
			}
			keys = append(keys, key(domainPK(domainID), sk))
			for _, k := range keys {
				if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: k}); err != nil {
					return n, unavailable("purge "+sk, err)
				}
			}
			n++
		}
	}
	return n, nil
}

// Users lists a domain's users.
func (s *Store) Users(ctx context.Context, domainID string) ([]string, error) {
	sks, err := s.children(ctx, domainID, "USER#")
	for i := range sks {
		sks[i] = strings.TrimPrefix(sks[i], "USER#")
	}
	return sks, err
}
