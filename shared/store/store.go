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

// Create stores a new ticket at version 1; an existing id is a conflict. A ticket created
// terminal (an action refused for its parameters) moves the counters in the same transaction.
func (s *Store) Create(ctx context.Context, t *ticket.Ticket) error {
	t.Version = 1
	item, err := s.item(ctx, t)
	if err != nil {
		return err
	}
	put := &types.Put{
		TableName:                aws.String(s.table),
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": attrID},
	}
	err = s.write(ctx, "create ticket "+t.ID, types.TransactWriteItem{Put: put},
		s.counterUpdates(t.ID, t.AccountID, moves(ticket.Outcome{}, t.Outcome())))
	switch {
	case errors.Is(err, errTicketCondition):
		if s.createdBefore(ctx, t) {
			break
		}
		return fmt.Errorf("create ticket %s: %w", t.ID, ErrConflict)
	case err != nil:
		return err
	}
	t.Stored = t.Outcome()
	return nil
}

// write makes the ticket's own write, alone when it moves no counter and in one transaction
// with the counters' updates when it does. The ticket's condition failing answers
// errTicketCondition.
func (s *Store) write(ctx context.Context, op string, own types.TransactWriteItem, counters []types.TransactWriteItem) error {
	if len(counters) > 0 {
		return s.transact(ctx, op, append([]types.TransactWriteItem{own}, counters...))
	}
	var err error
	switch {
	case own.Put != nil:
		p := own.Put
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: p.TableName, Item: p.Item, ConditionExpression: p.ConditionExpression,
			ExpressionAttributeNames: p.ExpressionAttributeNames, ExpressionAttributeValues: p.ExpressionAttributeValues,
		})
	case own.Delete != nil:
		d := own.Delete
		_, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: d.TableName, Key: d.Key, ConditionExpression: d.ConditionExpression,
			ExpressionAttributeNames: d.ExpressionAttributeNames, ExpressionAttributeValues: d.ExpressionAttributeValues,
		})
	default:
		return fmt.Errorf("%s: a write that is neither a put nor a delete", op)
	}
	switch {
	case isConditionFailure(err):
		return errTicketCondition
	case err != nil:
		return unavailable(op, err)
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
// ticket no longer has disappear with it; the sealed parameters travel along unopened. A
// write that changes what the ticket counts as (it ends, or a restart takes it back) moves
// the counters in the same transaction.
func (s *Store) Put(ctx context.Context, t *ticket.Ticket) error {
	r := toRecord(t, s.retention)
	r.Version = t.Version + 1
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return err
	}
	if t.Stored == (ticket.Outcome{}) {
		// A ticket built rather than read: what it counts as stored is read first, and the
		// write's version condition keeps that true.
		stored, err := s.Get(ctx, t.ID)
		if err != nil {
			return err
		}
		t.Stored = stored.Stored
	}
	put := &types.Put{
		TableName:                 aws.String(s.table),
		Item:                      item,
		ConditionExpression:       aws.String("#v = :expected"),
		ExpressionAttributeNames:  map[string]string{"#v": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":expected": &types.AttributeValueMemberN{Value: fmt.Sprint(t.Version)}},
	}
	err = s.write(ctx, "update ticket "+t.ID, types.TransactWriteItem{Put: put},
		s.counterUpdates(t.ID, t.AccountID, moves(t.Stored, t.Outcome())))
	switch {
	case errors.Is(err, errTicketCondition):
		return fmt.Errorf("update ticket %s at version %d: %w", t.ID, t.Version, ErrConflict)
	case err != nil:
		return err
	}
	t.Version++
	t.Stored = t.Outcome()
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

// Delete removes a terminal ticket, and takes it off the counters in the same transaction:
// it reads the ticket, then deletes it on condition that it is still at the version read.
func (s *Store) Delete(ctx context.Context, id string) error {
	for attempt := 0; ; attempt++ {
		r, err := s.get(ctx, id)
		if err != nil {
			return err
		}
		t := r.ticket()
		if !t.Status.Terminal() {
			return fmt.Errorf("delete ticket %s: %w", id, ErrNotTerminal)
		}
		del := &types.Delete{
			TableName:                 aws.String(s.table),
			Key:                       map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: id}},
			ConditionExpression:       aws.String("#v = :expected"),
			ExpressionAttributeNames:  map[string]string{"#v": "version"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":expected": &types.AttributeValueMemberN{Value: fmt.Sprint(r.Version)}},
		}
		err = s.write(ctx, "delete ticket "+id, types.TransactWriteItem{Delete: del},
			s.counterUpdates(id, t.AccountID, moves(t.Outcome(), ticket.Outcome{})))
		if !errors.Is(err, errTicketCondition) {
			return err
		}
		if attempt >= 20 {
			return fmt.Errorf("delete ticket %s: %w", id, ErrConflict)
		}
		// Written (or deleted) since it was read: read it again.
	}
}
