package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/actionservice/actionservice/shared/ticket"
)

// Errors a caller can act on.
var (
	ErrNotFound = errors.New("ticket not found")
	// ErrConflict: the ticket changed since it was read (its version moved on), or it is not
	// in the state the write expected.
	ErrConflict = errors.New("ticket changed concurrently or is in an unexpected state")
	// ErrNotTerminal: only terminal tickets may be deleted.
	ErrNotTerminal = errors.New("ticket is not in a terminal status")
	// ErrUnavailable wraps a failure of DynamoDB itself.
	ErrUnavailable = errors.New("ticket store unavailable")
)

// DefaultRetention is how long COMPLETE tickets are kept before DynamoDB's TTL removes them.
const DefaultRetention = 30 * 24 * time.Hour

// Sealer encrypts action parameters before they are stored and decrypts them for the steps.
// The additional data binds a sealed value to its ticket.
type Sealer interface {
	Seal(ctx context.Context, plaintext, additionalData []byte) ([]byte, error)
	Open(ctx context.Context, sealed, additionalData []byte) ([]byte, error)
}

// Store is the tickets table.
type Store struct {
	db        *dynamodb.Client
	table     string
	retention time.Duration
	sealer    Sealer
}

// Option configures a Store.
type Option func(*Store)

// WithRetention sets how long COMPLETE tickets live (DynamoDB TTL).
func WithRetention(d time.Duration) Option { return func(s *Store) { s.retention = d } }

// WithSealer sets the encryption of action parameters; without one, a ticket with
// parameters is refused.
func WithSealer(x Sealer) Option { return func(s *Store) { s.sealer = x } }

// New returns the store on the named table.
func New(db *dynamodb.Client, table string, opts ...Option) *Store {
	s := &Store{db: db, table: table, retention: DefaultRetention}
	for _, o := range opts {
		o(s)
	}
	return s
}

func unavailable(op string, err error) error {
	return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
}

func isConditionFailure(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

func (s *Store) item(ctx context.Context, t *ticket.Ticket) (map[string]types.AttributeValue, error) {
	r := toRecord(t, s.retention)
	if t.Params != nil {
		if s.sealer == nil {
			return nil, fmt.Errorf("ticket %s has action parameters but the store has no sealer", t.ID)
		}
		plain, err := json.Marshal(t.Params)
		if err != nil {
			return nil, err
		}
		if r.SealedParams, err = s.sealer.Seal(ctx, plain, []byte(t.ID)); err != nil {
			return nil, fmt.Errorf("seal parameters of ticket %s: %w", t.ID, err)
		}
		t.SealedParams = r.SealedParams
	}
	return attributevalue.MarshalMap(r)
}

// Create stores a new ticket at version 1; an existing id is a conflict.
func (s *Store) Create(ctx context.Context, t *ticket.Ticket) error {
	t.Version = 1
	item, err := s.item(ctx, t)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(s.table),
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": attrID},
	})
	switch {
	case isConditionFailure(err):
		if s.createdBefore(ctx, t) {
			return nil
		}
		return fmt.Errorf("create ticket %s: %w", t.ID, ErrConflict)
	case err != nil:
		return unavailable("create ticket "+t.ID, err)
	}
	return nil
}

// createdBefore reports whether the ticket stored under t's id is t itself, as this very
// request wrote it: the case of a create that committed but whose answer was lost, so that
// the SDK's retry met its own write. Same id, account, action and submission, still at its
// first version, is the same request; anything else is a conflict.
func (s *Store) createdBefore(ctx context.Context, t *ticket.Ticket) bool {
	r, err := s.get(ctx, t.ID)
	return err == nil && r.Version == 1 && r.AccountID == t.AccountID && r.Action == t.Action &&
		r.Submission == millis(t.Submission)
}

// Get reads a ticket (strongly consistent), without its parameters.
func (s *Store) Get(ctx context.Context, id string) (*ticket.Ticket, error) {
	r, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	return r.ticket(), nil
}

// GetWithParams reads a ticket and decrypts its action parameters; only steps call it.
func (s *Store) GetWithParams(ctx context.Context, id string) (*ticket.Ticket, error) {
	r, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.opened(ctx, r)
}

// opened is the ticket of a record with its action parameters decrypted.
func (s *Store) opened(ctx context.Context, r record) (*ticket.Ticket, error) {
	t := r.ticket()
	if len(r.SealedParams) > 0 {
		if s.sealer == nil {
			return nil, fmt.Errorf("ticket %s: parameters are sealed but the store has no sealer", t.ID)
		}
		plain, err := s.sealer.Open(ctx, r.SealedParams, []byte(t.ID))
		if err != nil {
			return nil, fmt.Errorf("open parameters of ticket %s: %w", t.ID, err)
		}
		if err := json.Unmarshal(plain, &t.Params); err != nil {
			return nil, fmt.Errorf("parameters of ticket %s: %w", t.ID, err)
		}
	}
	return t, nil
}

func (s *Store) get(ctx context.Context, id string) (record, error) {
	item, err := s.getItem(ctx, id)
	if err != nil {
		return record{}, err
	}
	var r record
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return record{}, fmt.Errorf("decode ticket %s: %w", id, err)
	}
	return r, nil
}

// getItem reads a ticket's item as stored, strongly consistent.
func (s *Store) getItem(ctx context.Context, id string) (map[string]types.AttributeValue, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: id}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, unavailable("get ticket "+id, err)
	}
	if len(out.Item) == 0 {
		return nil, fmt.Errorf("ticket %s: %w", id, ErrNotFound)
	}
	return out.Item, nil
}

// Put writes a changed ticket if nobody else has changed it since it was read (its version
// is still t.Version), and moves t.Version on. The whole item is replaced, so index keys the
// ticket no longer has disappear with it; the sealed parameters travel along unopened.
func (s *Store) Put(ctx context.Context, t *ticket.Ticket) error {
	r := toRecord(t, s.retention)
	r.Version = t.Version + 1
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       aws.String("#v = :expected"),
		ExpressionAttributeNames:  map[string]string{"#v": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":expected": &types.AttributeValueMemberN{Value: fmt.Sprint(t.Version)}},
	})
	switch {
	case isConditionFailure(err):
		return fmt.Errorf("update ticket %s at version %d: %w", t.ID, t.Version, ErrConflict)
	case err != nil:
		return unavailable("update ticket "+t.ID, err)
	}
	t.Version++
	return nil
}

// ErrUnchanged, returned by an Update's change function, means there is nothing to write:
// Update returns the ticket as read, without error and without a write.
var ErrUnchanged = errors.New("nothing to change")

// Update reads the ticket, lets change alter it, and writes it back conditionally; when a
// concurrent writer got there first it reads again and retries. change may return
// ErrUnchanged to write nothing, or another error to abandon the update (returned as is).
func (s *Store) Update(ctx context.Context, id string, change func(*ticket.Ticket) error) (*ticket.Ticket, error) {
	for attempt := 0; ; attempt++ {
		t, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := change(t); errors.Is(err, ErrUnchanged) {
			return t, nil
		} else if err != nil {
			return t, err
		}
		err = s.Put(ctx, t)
		if err == nil {
			return t, nil
		}
		if !errors.Is(err, ErrConflict) || attempt >= 20 {
			return nil, err
		}
	}
}

// Delete removes a terminal ticket.
func (s *Store) Delete(ctx context.Context, id string) error {
	terminal := map[string]types.AttributeValue{}
	cond := ""
	for i, st := range []ticket.Status{ticket.Complete, ticket.Error, ticket.TimedOut, ticket.Cancelled} {
		k := fmt.Sprintf(":s%d", i)
		terminal[k] = &types.AttributeValueMemberS{Value: string(st)}
		if cond != "" {
			cond += ", "
		}
		cond += k
	}
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.table),
		Key:                       map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: id}},
		ConditionExpression:       aws.String("#st IN (" + cond + ")"),
		ExpressionAttributeNames:  map[string]string{"#st": attrStatus},
		ExpressionAttributeValues: terminal,
	})
	if isConditionFailure(err) {
		if _, gerr := s.get(ctx, id); gerr != nil {
			return gerr
		}
		return fmt.Errorf("delete ticket %s: %w", id, ErrNotTerminal)
	}
	if err != nil {
		return unavailable("delete ticket "+id, err)
	}
	return nil
}
