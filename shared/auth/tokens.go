package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Outcomes of Authenticate. The HTTP layer maps them: missing and invalid → 401, forbidden →
// 403, store unavailable → 503. Any other error is internal (500).
var (
	// ErrMissingToken: the request carried no token.
	ErrMissingToken = errors.New("missing token")
	// ErrInvalidToken: the token is unknown, expired, or its principal no longer exists.
	ErrInvalidToken = errors.New("invalid token")
	// ErrForbidden: the token is valid but its principal is disabled or suspended.
	ErrForbidden = errors.New("principal is disabled or suspended")
	// ErrStoreUnavailable: the token store could not be reached, so the token was not judged.
	// It must never be answered as 401: the caller's token may be perfectly good.
	ErrStoreUnavailable = errors.New("token store unavailable")
)

// TokenPrefix starts every issued token, so a leaked one is recognisable (secret scanners,
// logs) as an Action Service token.
const TokenPrefix = "ast_"

// tokenBytes is the entropy of an issued token.
const tokenBytes = 32

// ExpiresAtAttribute holds a token's expiry in epoch seconds. It is the table's DynamoDB TTL
// attribute (TimeToLiveSpecification in the template), which only tidies up: DynamoDB deletes
// expired items lazily, so Authenticate checks the expiry itself.
const ExpiresAtAttribute = "expiresAt"

// TokensTable is the schema of the tokens table: one item per token, keyed by the SHA-256 hex
// of the token, on-demand.
func TokensTable(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("tokenHash"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("tokenHash"), KeyType: types.KeyTypeHash}},
	}
}

// tokenItem is a token as stored: never the token itself, only its hash.
type tokenItem struct {
	TokenHash string   `dynamodbav:"tokenHash"`
	UserID    string   `dynamodbav:"userId"`
	AccountID string   `dynamodbav:"accountId,omitempty"`
	DomainID  string   `dynamodbav:"domainId,omitempty"`
	Roles     []string `dynamodbav:"roles,omitempty"`
	Status    string   `dynamodbav:"status"`
	// ExpiresAt is absent for a token that never expires.
	ExpiresAt int64 `dynamodbav:"expiresAt,omitempty"`
	CreatedAt int64 `dynamodbav:"createdAt"`
}

// Tokens stores tokens in DynamoDB and checks them.
type Tokens struct {
	db    *dynamodb.Client
	table string
	now   func() time.Time
}

// Option adjusts Tokens.
type Option func(*Tokens)

// WithClock replaces time.Now, so tests can move time past a token's expiry.
func WithClock(now func() time.Time) Option { return func(t *Tokens) { t.now = now } }

// NewTokens returns the token store in the given table.
func NewTokens(db *dynamodb.Client, table string, opts ...Option) *Tokens {
	t := &Tokens{db: db, table: table, now: time.Now}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Issue makes a new random token for the principal, valid for ttl, and returns it. The token
// is shown once: only its hash is stored.
func (t *Tokens) Issue(ctx context.Context, p Principal, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", fmt.Errorf("issue token: ttl %v must be positive", ttl)
	}
	secret := make([]byte, tokenBytes)
	rand.Read(secret) // never fails: it crashes the program rather than return weak bytes
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	p.ExpiresAt = t.now().Add(ttl)
	// A collision of 256 random bits does not happen; the condition makes sure that if it
	// did, no one else's token would be overwritten.
	if err := t.put(ctx, token, p, aws.String("attribute_not_exists(tokenHash)")); err != nil {
		return "", fmt.Errorf("issue token for user %s: %w", p.UserID, err)
	}
	return token, nil
}

// Put stores a token chosen by the caller (the local stack's admin token, say) for the
// principal, replacing any record of the same token. A zero p.ExpiresAt means it never
// expires.
func (t *Tokens) Put(ctx context.Context, token string, p Principal) error {
	if token == "" {
		return fmt.Errorf("put token: %w", ErrMissingToken)
	}
	if err := t.put(ctx, token, p, nil); err != nil {
		return fmt.Errorf("put token for user %s: %w", p.UserID, err)
	}
	return nil
}

func (t *Tokens) put(ctx context.Context, token string, p Principal, condition *string) error {
	if err := p.validate(); err != nil {
		return err
	}
	it := tokenItem{
		TokenHash: Hash(token),
		UserID:    p.UserID,
		AccountID: p.AccountID,
		DomainID:  p.DomainID,
		Roles:     p.Roles,
		Status:    p.Status,
		CreatedAt: t.now().Unix(),
	}
	if !p.ExpiresAt.IsZero() {
		it.ExpiresAt = p.ExpiresAt.Unix()
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("marshal token record: %w", err)
	}
	_, err = t.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(t.table), Item: av, ConditionExpression: condition})
	if err != nil {
		return storeFailure("write token", err)
	}
	return nil
}

// Authenticate finds the principal a token stands for. It answers ErrMissingToken,
// ErrInvalidToken (unknown, expired, or principal deleted), ErrForbidden (principal disabled
// or suspended, returned with the principal), an error wrapping ErrStoreUnavailable, or
// another error when the store refuses the request (a missing table, say).
func (t *Tokens) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" {
		return Principal{}, ErrMissingToken
	}
	out, err := t.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(t.table),
		Key:       map[string]types.AttributeValue{"tokenHash": &types.AttributeValueMemberS{Value: Hash(token)}},
		// A token is often used the moment it is issued.
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Principal{}, storeFailure("read token", err)
	}
	if out.Item == nil {
		return Principal{}, ErrInvalidToken
	}
	var it tokenItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return Principal{}, fmt.Errorf("read token record: %w", err)
	}
	p := Principal{UserID: it.UserID, AccountID: it.AccountID, DomainID: it.DomainID, Roles: it.Roles, Status: it.Status}
	if it.ExpiresAt != 0 {
		p.ExpiresAt = time.Unix(it.ExpiresAt, 0).UTC()
		if !t.now().Before(p.ExpiresAt) {
			return Principal{}, ErrInvalidToken
		}
	}
	switch p.Status {
	case StatusEnabled:
		return p, nil
	case StatusDisabled, StatusSuspended:
		return p, ErrForbidden
	default:
		// deleted, purged, or a record nobody should have written: the principal is gone.
		return Principal{}, ErrInvalidToken
	}
}

// storeFailure wraps a DynamoDB error. What the SDK deems transient (network, throttling,
// 5xx) or a timeout is ErrStoreUnavailable (503: try again); the rest, such as a missing
// table, is a fault of this deployment (500) that retrying will not mend.
func storeFailure(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) ||
		retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary {
		return fmt.Errorf("%s: %w: %w", op, ErrStoreUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Hash is how a token is stored: the lowercase hex SHA-256 of the whole token.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// validate refuses a principal that could not be read back faithfully from an authorizer
// context (roles are joined with commas there) or that has no status to judge it by.
func (p Principal) validate() error {
	if p.UserID == "" {
		return errors.New("principal has no userId")
	}
	if !slices.Contains([]string{StatusEnabled, StatusDisabled, StatusSuspended}, p.Status) {
		return fmt.Errorf("principal status %q is not one of %s, %s, %s", p.Status, StatusEnabled, StatusDisabled, StatusSuspended)
	}
	for _, r := range p.Roles {
		if r == "" || strings.Contains(r, ",") {
			return fmt.Errorf("role %q is empty or contains a comma", r)
		}
	}
	return nil
}
