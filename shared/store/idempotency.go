package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/actionservice/actionservice/shared/ticket"
)

// IdempotencyWindow is how long an Idempotency-Key keeps answering with its first ticket.
const IdempotencyWindow = 24 * time.Hour

// idempotencyRecord maps (account, key) to the ticket the key first created. It lives in
// the tickets table under a key no ticket id can take, and carries no index attribute, so it
// appears in no list.
type idempotencyRecord struct {
	Key       string `dynamodbav:"ticketId"`
	Target    string `dynamodbav:"target"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

func idempotencyKey(account, key string) string {
	sum := sha256.Sum256([]byte(account + "\x00" + key))
	return "idem#" + hex.EncodeToString(sum[:])
}

// CreateIdempotent stores a new ticket unless the account already used the key within the
// window; then it stores nothing and returns the first ticket with first=false. Both writes
// happen in one transaction, so concurrent repeats create one ticket.
func (s *Store) CreateIdempotent(ctx context.Context, t *ticket.Ticket, key string, now time.Time) (stored *ticket.Ticket, first bool, err error) {
	if key == "" {
		return t, true, s.Create(ctx, t)
	}
	t.Version = 1
	t.IdempotencyKey = key
	item, err := s.item(ctx, t)
	if err != nil {
		return nil, false, err
	}
	idem, err := attributevalue.MarshalMap(idempotencyRecord{
		Key: idempotencyKey(t.AccountID, key), Target: t.ID, ExpiresAt: now.Add(IdempotencyWindow).Unix(),
	})
	if err != nil {
		return nil, false, err
	}
	names := map[string]string{"#id": attrID}
	// A record past its window may linger until TTL removes it; it no longer counts.
	err = s.transact(ctx, "create ticket "+t.ID, append([]types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(s.table), Item: idem,
			ConditionExpression:       aws.String("attribute_not_exists(#id) OR #exp < :now"),
			ExpressionAttributeNames:  map[string]string{"#id": attrID, "#exp": attrExpiresAt},
			ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: fmt.Sprint(now.Unix())}}}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: item,
			ConditionExpression: aws.String("attribute_not_exists(#id)"), ExpressionAttributeNames: names}},
	}, s.counterUpdates(t.ID, t.AccountID, moves(ticket.Outcome{}, t.Outcome()))...))
	switch {
	case err == nil:
		t.Stored = t.Outcome()
		return t, true, nil
	case errors.Is(err, errTicketCondition):
		prior, gerr := s.byIdempotencyKey(ctx, t.AccountID, key, now)
		if gerr != nil {
			return nil, false, gerr
		}
		if prior == nil {
			return nil, false, fmt.Errorf("create ticket %s: %w", t.ID, ErrConflict)
		}
		if prior.ID == t.ID {
			// The key names this very ticket: the transaction committed and its answer was
			// lost, so the SDK's retry met its own write. This request created it.
			t.Stored = t.Outcome()
			return t, true, nil
		}
		return prior, false, nil
	default:
		return nil, false, err
	}
}

// byIdempotencyKey finds the ticket a live key created, or nil.
func (s *Store) byIdempotencyKey(ctx context.Context, account, key string, now time.Time) (*ticket.Ticket, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: idempotencyKey(account, key)}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, unavailable("read idempotency key", err)
	}
	var rec idempotencyRecord
	if len(out.Item) == 0 {
		return nil, nil
	}
	if err := attributevalue.UnmarshalMap(out.Item, &rec); err != nil {
		return nil, err
	}
	if rec.ExpiresAt < now.Unix() {
		return nil, nil
	}
	t, err := s.Get(ctx, rec.Target)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return t, err
}
