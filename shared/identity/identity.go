// Package identity keeps the identity records the Ums* steps write and the Domains API reads:
// domains, users, tenants, groups, roles, subscriptions and the catalogue of endpoint
// templates, in one DynamoDB table. docs/identity-table.md says what each query reads.
//
// # Table
//
//	pk                          sk                      item
//	DOMAIN#<domainId>           META                    the domain (gsi1: DOMAINS / <lower(name)>#<domainId>)
//	DOMAINNAME#<lower(name)>    META                    name reservation: domain names are unique ignoring case
//	DOMAIN#<domainId>           USER#<userId>           a user (gsi1: USER#<userId> / DOMAIN#<domainId>)
//	DOMAIN#<domainId>           USERNAME#<lower(name)>  username reservation within the domain
//	USER#<userId>               META                    user directory: the user's domain, read consistently by id
//	DOMAIN#<domainId>           TENANT#<tenantId>       a tenant (gsi1: TENANT#<tenantId> / DOMAIN#<domainId>)
//	DOMAIN#<domainId>           SUB#<subscriptionId>    a subscription (gsi1: SUB#<id> / DOMAIN#<domainId>)
//	DOMAIN#<domainId>           ROLE#<roleId>           a role definition
//	DOMAIN#<domainId>           GROUP#<groupId>         a group
//	CATALOGUE                   TEMPLATE#<id, 10 digits> an endpoint template (gsi1: SERVICE#<lower(name)> / TEMPLATE#<id>)
//	DONE#<ticketId>/<step>      META                    what a step did (id created, state replaced)
//
// Ids are 14-digit numeric strings. Every create is one TransactWriteItems that also writes
// the step's DONE item, so a retried or duplicated step (same ticket and step) answers what the
// first one made and creates nothing twice. A domain's users, tenants and subscriptions are a
// Query on its pk; a user by id alone is two consistent reads (its directory entry, then the
// user), because an action may act on a user a moment after creating it and an index is only
// eventually consistent; a tenant or subscription by id alone is a Query on gsi1; domains by
// name are a Query on gsi1 pk DOMAINS; a service's endpoint templates a Query on gsi1 pk
// SERVICE#<name>. Nothing scans.
package identity

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/actionservice/actionservice/shared/ticket"
)

// Key attributes and the index.
const (
	AttrPK    = "pk"
	AttrSK    = "sk"
	AttrGSIPK = "gsi1pk"
	AttrGSISK = "gsi1sk"
	IndexGSI1 = "gsi1"
	// DomainsPartition is the gsi1 pk of every domain (list by name).
	DomainsPartition = "DOMAINS"
	skMeta           = "META"
)

// IdentityTable is the identity table's schema; the template, the local stack and the tests
// create it from here.
func IdentityTable(name string) *dynamodb.CreateTableInput {
	s := types.ScalarAttributeTypeS
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrPK), AttributeType: s},
			{AttributeName: aws.String(AttrSK), AttributeType: s},
			{AttributeName: aws.String(AttrGSIPK), AttributeType: s},
			{AttributeName: aws.String(AttrGSISK), AttributeType: s},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrSK), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(IndexGSI1),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(AttrGSIPK), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(AttrGSISK), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	}
}

// Error is a refusal by the identity store: retrying will not help. Its category is the
// ticket's errorCategory.
type Error struct {
	Category ticket.Category
	Message  string
}

func (e *Error) Error() string                  { return e.Message }
func (e *Error) ErrorCategory() ticket.Category { return e.Category }

func refuse(c ticket.Category, format string, a ...any) error {
	return &Error{Category: c, Message: fmt.Sprintf(format, a...)}
}

// UnavailableError is a failure of DynamoDB that may pass (a throttle, a 5xx, a broken
// connection, a deadline): transient.
type UnavailableError struct {
	Op  string
	Err error
}

func (e *UnavailableError) Error() string {
	return "identity store unavailable: " + e.Op + ": " + e.Err.Error()
}
func (e *UnavailableError) Unwrap() error   { return e.Err }
func (e *UnavailableError) Transient() bool { return true }

// unavailable classifies a DynamoDB failure of op. No answer at all, an answer the SDK counts
// as retryable (a throttle, a 5xx) or one DynamoDB's documentation says to retry (a
// transaction conflict, say) is transient. Any other answer (access denied, a missing table, a
// rejected request) will come again the same way: a permanent INTERNAL refusal, which rolls
// the job back instead of retrying it.
func unavailable(op string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) && retryable.IsErrorRetryable(err) != aws.TrueTernary {
		return refuse(ticket.Internal, "the identity store refused to %s: %s", op, api.ErrorCode())
	}
	return &UnavailableError{Op: op, Err: err}
}

// retryable is the SDK's judgement, plus the 400 errors that DynamoDB's error handling guide
// marks "OK to retry" and the SDK leaves alone.
var retryable = retry.IsErrorRetryables(append([]retry.IsErrorRetryable{retry.RetryableErrorCode{Codes: map[string]struct{}{
	"TransactionConflictException":             {},
	"TransactionInProgressException":           {},
	"ItemCollectionSizeLimitExceededException": {},
	"LimitExceededException":                   {},
	"UnrecognizedClientException":              {},
}}}, retry.DefaultRetryables...))

// IsNotFound reports whether err is a NOT_FOUND refusal.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Category == ticket.NotFound
}

// Domain states and user states.
var (
	DomainStates = []string{"enabled", "disabled", "suspended", "deleted", "purged"}
	UserStates   = []string{"enabled", "disabled", "suspended", "deleted", "purged"}
)

// Domain is a domain record (API.md §3 fields).
type Domain struct {
	DomainID     string   `dynamodbav:"domainId" json:"domainId"`
	Name         string   `dynamodbav:"name" json:"name"`
	Description  string   `dynamodbav:"description,omitempty" json:"description,omitempty"`
	Company      string   `dynamodbav:"company,omitempty" json:"company,omitempty"`
	EmailAddress string   `dynamodbav:"emailAddress,omitempty" json:"emailAddress,omitempty"`
	AddressLine1 string   `dynamodbav:"addressLine1,omitempty" json:"addressLine1,omitempty"`
	AddressLine2 string   `dynamodbav:"addressLine2,omitempty" json:"addressLine2,omitempty"`
	City         string   `dynamodbav:"city,omitempty" json:"city,omitempty"`
	State        string   `dynamodbav:"state,omitempty" json:"state,omitempty"`
	Zip          string   `dynamodbav:"zip,omitempty" json:"zip,omitempty"`
	Country      string   `dynamodbav:"country,omitempty" json:"country,omitempty"`
	Phone        string   `dynamodbav:"phone,omitempty" json:"phone,omitempty"`
	Website      string   `dynamodbav:"website,omitempty" json:"website,omitempty"`
	Status       string   `dynamodbav:"status" json:"status"`
	BillingID    string   `dynamodbav:"billingId,omitempty" json:"billingId,omitempty"` // zuoraDomainAcct
	ContactID    string   `dynamodbav:"contactId,omitempty" json:"contactId,omitempty"` // SALESFORCE_ACCOUNT
	KmsTenant    string   `dynamodbav:"kmsTenant,omitempty" json:"-"`                   // KMS_TENANT
	Owners       []string `dynamodbav:"owners,omitempty" json:"owners,omitempty"`
	// CreatedBy is "<ticketId>/<step>" of the step that created the record, if any.
	CreatedBy string `dynamodbav:"createdBy,omitempty" json:"-"`
	Created   int64  `dynamodbav:"created,omitempty" json:"-"`
}

// User is a user of a domain.
type User struct {
	UserID       string `dynamodbav:"userId" json:"userId"`
	DomainID     string `dynamodbav:"domainId" json:"domainId"`
	Username     string `dynamodbav:"username" json:"userName"`
	EmailAddress string `dynamodbav:"emailAddress,omitempty" json:"emailAddress,omitempty"`
	FirstName    string `dynamodbav:"firstName,omitempty" json:"firstName,omitempty"`
	LastName     string `dynamodbav:"lastName,omitempty" json:"lastName,omitempty"`
	Company      string `dynamodbav:"company,omitempty" json:"company,omitempty"`
	AddressLine1 string `dynamodbav:"addressLine1,omitempty" json:"addressLine1,omitempty"`
	AddressLine2 string `dynamodbav:"addressLine2,omitempty" json:"addressLine2,omitempty"`
	City         string `dynamodbav:"city,omitempty" json:"city,omitempty"`
	State        string `dynamodbav:"state,omitempty" json:"state,omitempty"`
	Zip          string `dynamodbav:"zip,omitempty" json:"zip,omitempty"`
	Country      string `dynamodbav:"country,omitempty" json:"country,omitempty"`
	Phone        string `dynamodbav:"phone,omitempty" json:"phone,omitempty"`
	Website      string `dynamodbav:"website,omitempty" json:"website,omitempty"`
	Status       string `dynamodbav:"status" json:"status"`
	// Groups are the ids of the domain's groups the user belongs to.
	Groups []string `dynamodbav:"groups,omitempty" json:"groups,omitempty"`
	// Roles are the user's role grants.
	Roles     []Grant `dynamodbav:"roles,omitempty" json:"roles,omitempty"`
	CreatedBy string  `dynamodbav:"createdBy,omitempty" json:"-"`
	Created   int64   `dynamodbav:"created,omitempty" json:"-"`
}

// Grant is a role granted to a user or a group. It copies the role's name and tenant from
// its definition, so that a list can leave out the holders of a role (by id or name) or of
// any role in a tenant without reading the definitions again.
type Grant struct {
	RoleID   string `dynamodbav:"roleId" json:"roleId"`
	RoleName string `dynamodbav:"roleName" json:"roleName"`
	TenantID string `dynamodbav:"tenantId,omitempty" json:"tenantId,omitempty"`
}

// Tenant is a tenant of a domain.
type Tenant struct {
	TenantID    string `dynamodbav:"tenantId" json:"tenantId"`
	DomainID    string `dynamodbav:"domainId" json:"domainId"`
	Name        string `dynamodbav:"name" json:"name"`
	Description string `dynamodbav:"description,omitempty" json:"description,omitempty"`
	Status      string `dynamodbav:"status,omitempty" json:"status,omitempty"`
	CreatedBy   string `dynamodbav:"createdBy,omitempty" json:"-"`
	Created     int64  `dynamodbav:"created,omitempty" json:"-"`
}

// Subscription is an activated service of a tenant.
type Subscription struct {
	SubscriptionID     string `dynamodbav:"subscriptionId" json:"subscriptionId"`
	DomainID           string `dynamodbav:"domainId" json:"domainId"`
	TenantID           string `dynamodbav:"tenantId" json:"tenantId"`
	EndpointTemplateID string `dynamodbav:"endpointTemplateId" json:"endpointTemplateId"`
	Status             string `dynamodbav:"status,omitempty" json:"status,omitempty"`
	CreatedBy          string `dynamodbav:"createdBy,omitempty" json:"-"`
	Created            int64  `dynamodbav:"created,omitempty" json:"-"`
}

// Role is a role definition of a domain.
type Role struct {
	RoleID      string `dynamodbav:"roleId" json:"roleId"`
	DomainID    string `dynamodbav:"domainId" json:"domainId"`
	Name        string `dynamodbav:"roleName" json:"roleName"`
	Description string `dynamodbav:"description,omitempty" json:"description,omitempty"`
	ServiceID   string `dynamodbav:"serviceId,omitempty" json:"serviceId,omitempty"`
	TenantID    string `dynamodbav:"tenantId,omitempty" json:"tenantId,omitempty"`
}

// Group is a group of a domain's users.
type Group struct {
	GroupID     string  `dynamodbav:"groupId" json:"groupId"`
	DomainID    string  `dynamodbav:"domainId" json:"domainId"`
	Name        string  `dynamodbav:"name" json:"name"`
	Description string  `dynamodbav:"description,omitempty" json:"description,omitempty"`
	Roles       []Grant `dynamodbav:"roles,omitempty" json:"roles,omitempty"`
}

// Store is the identity table.
type Store struct {
	db    *dynamodb.Client
	table string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// New returns the store on the named table.
func New(db *dynamodb.Client, table string) *Store { return &Store{db: db, table: table} }

func (s *Store) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// NewID returns a fresh 14-digit numeric id (no leading zero), like the seed's 47161213735800.
func NewID() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9e13))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%d", n.Int64()+1e13)
}

func domainPK(id string) string       { return "DOMAIN#" + id }
func domainNamePK(name string) string { return "DOMAINNAME#" + strings.ToLower(name) }
func donePK(key string) string        { return "DONE#" + key }
func userPK(id string) string         { return "USER#" + id }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrPK: &types.AttributeValueMemberS{Value: pk},
		AttrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

// item marshals v and adds the keys.
func item(v any, pk, sk, gpk, gsk string) (map[string]types.AttributeValue, error) {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		return nil, err
	}
	m[AttrPK] = &types.AttributeValueMemberS{Value: pk}
	m[AttrSK] = &types.AttributeValueMemberS{Value: sk}
	if gpk != "" {
		m[AttrGSIPK] = &types.AttributeValueMemberS{Value: gpk}
		m[AttrGSISK] = &types.AttributeValueMemberS{Value: gsk}
	}
	return m, nil
}

func (s *Store) get(ctx context.Context, pk, sk string, out any) (bool, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, unavailable("get "+pk, err)
	}
	if len(res.Item) == 0 {
		return false, nil
	}
	if out != nil {
		if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
			return false, fmt.Errorf("decode %s/%s: %w", pk, sk, err)
		}
	}
	return true, nil
}

// done is the record of what a step did.
type done struct {
	ID       string `dynamodbav:"id,omitempty"`
	Previous string `dynamodbav:"previous,omitempty"`
}

func (s *Store) doneOf(ctx context.Context, stepKey string) (*done, error) {
	var d done
	ok, err := s.get(ctx, donePK(stepKey), skMeta, &d)
	if err != nil || !ok {
		return nil, err
	}
	return &d, nil
}

func put(table string, it map[string]types.AttributeValue, mustBeNew bool) types.TransactWriteItem {
	p := &types.Put{TableName: aws.String(table), Item: it}
	if mustBeNew {
		p.ConditionExpression = aws.String("attribute_not_exists(pk)")
	}
	return types.TransactWriteItem{Put: p}
}

func mustExist(table, pk, sk string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: aws.String(table), Key: key(pk, sk), ConditionExpression: aws.String("attribute_exists(pk)"),
	}}
}

func (s *Store) doneItem(stepKey string, d done) (types.TransactWriteItem, error) {
	it, err := item(d, donePK(stepKey), skMeta, "", "")
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return put(s.table, it, true), nil
}

// transact runs a transaction; cancelled answers whether it was cancelled by a condition.
func (s *Store) transact(ctx context.Context, op string, items []types.TransactWriteItem) (cancelled bool, err error) {
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		return false, nil
	}
	var tc *types.TransactionCanceledException
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &tc) || errors.As(err, &ccf) {
		for _, r := range reasons(tc) {
			if r != "" && r != "None" && r != "ConditionalCheckFailed" {
				// e.g. TransactionConflict, ThrottlingError: the SDK does not retry a cancelled
				// transaction, but the step may.
				return false, &UnavailableError{Op: op, Err: err}
			}
		}
		return true, nil
	}
	return false, unavailable(op, err)
}

func reasons(tc *types.TransactionCanceledException) []string {
	if tc == nil {
		return nil
	}
	var out []string
	for _, r := range tc.CancellationReasons {
		out = append(out, aws.ToString(r.Code))
	}
	return out
}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }
