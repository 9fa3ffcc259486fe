package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/actionservice/actionservice/shared/ticket"
)

// ErrNoIndex: the query names no key any index can answer (the store never scans).
var ErrNoIndex = errors.New("query needs an account, a status, a domain or the error list")

// Query selects a list of tickets. Which index answers it follows from the fields set.
type Query struct {
	// Account restricts the list to one account; empty means every account.
	Account string
	// Domain selects the tickets whose action targeted a domain.
	Domain string
	// Status selects tickets in one status.
	Status ticket.Status
	// Errors selects the failed tickets (ERROR, TIMEDOUT, CANCELLED), optionally of a Category.
	Errors   bool
	Category ticket.Category
	// Action keeps only tickets of this action.
	Action string
	// Limit is the page size; Marker the id of the last ticket of the previous page
	// (exclusive); Skip a number of tickets passed over after the marker.
	Limit  int
	Marker string
	Skip   int
}

// Page is one page of a list, newest first. Next is the marker of the following page, empty
// on the last one.
type Page struct {
	Tickets []*ticket.Ticket
	Next    string
}

// keyCondition picks the index and its hash value for the query.
func (q Query) keyCondition() (index, attr, value string, err error) {
	switch {
	case q.Errors && q.Category != "" && q.Account != "":
		return indexByAccountCategory, attrAccountErrorCategory, q.Account + "#" + string(q.Category), nil
	case q.Errors && q.Category != "":
		return indexByCategory, attrErrorCategory, string(q.Category), nil
	case q.Errors && q.Account != "":
		return indexByAccountError, attrAccountErrorList, q.Account, nil
	case q.Errors:
		return indexByError, attrErrorList, errorListKey, nil
	case q.Status != "" && q.Account != "":
		return indexByAccountStatus, attrAccountStatus, q.Account + "#" + string(q.Status), nil
	case q.Status != "":
		return indexByStatus, attrStatus, string(q.Status), nil
	case q.Domain != "":
		return indexByDomain, attrDomain, q.Domain, nil
	case q.Account != "":
		return indexByAccount, attrAccount, q.Account, nil
	}
	return "", "", "", ErrNoIndex
}

// input builds the DynamoDB query: newest first, after the marker, with the filters that no
// index key covers.
func (s *Store) input(q Query) (*dynamodb.QueryInput, error) {
	index, attr, value, err := q.keyCondition()
	if err != nil {
		return nil, err
	}
	names := map[string]string{"#h": attr}
	values := map[string]types.AttributeValue{":h": &types.AttributeValueMemberS{Value: value}}
	key := "#h = :h"
	if q.Marker != "" {
		// Ids sort by submission time, so "after the marker, newest first" is a range condition.
		names["#id"] = attrID
		values[":marker"] = &types.AttributeValueMemberS{Value: q.Marker}
		key += " AND #id < :marker"
	}
	var filters []string
	if q.Action != "" {
		names["#action"] = "action"
		values[":action"] = &types.AttributeValueMemberS{Value: q.Action}
		filters = append(filters, "#action = :action")
	}
	if q.Domain != "" && index != indexByDomain {
		names["#domain"] = attrDomain
		values[":domain"] = &types.AttributeValueMemberS{Value: q.Domain}
		filters = append(filters, "#domain = :domain")
	}
	if q.Status != "" && index != indexByStatus && index != indexByAccountStatus {
		names["#status"] = attrStatus
		values[":status"] = &types.AttributeValueMemberS{Value: string(q.Status)}
		filters = append(filters, "#status = :status")
	}
	if q.Account != "" && index == indexByDomain {
		names["#account"] = attrAccount
		values[":account"] = &types.AttributeValueMemberS{Value: q.Account}
		filters = append(filters, "#account = :account")
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String(key),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
	}
	if len(filters) > 0 {
		f := filters[0]
		for _, x := range filters[1:] {
			f += " AND " + x
		}
		in.FilterExpression = aws.String(f)
	}
	return in, nil
}

// each runs the query page by page, calling visit for every matching item until visit
// returns false or the list ends.
func (s *Store) each(ctx context.Context, in *dynamodb.QueryInput, visit func(record) bool) error {
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return unavailable("query "+aws.ToString(in.IndexName), err)
		}
		for _, item := range out.Items {
			var r record
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return fmt.Errorf("decode ticket: %w", err)
			}
			if !visit(r) {
				return nil
			}
		}
		// minidyn answers an empty, non-nil LastEvaluatedKey on the last page.
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// List returns one page of the query, newest first.
func (s *Store) List(ctx context.Context, q Query) (Page, error) {
	if q.Limit <= 0 {
		return Page{}, fmt.Errorf("list tickets: limit must be positive, got %d", q.Limit)
	}
	in, err := s.input(q)
	if err != nil {
		return Page{}, err
	}
	// One more than the page tells whether a next page exists.
	want := q.Skip + q.Limit + 1
	in.Limit = aws.Int32(int32(min(want, 1000)))
	var page Page
	seen := 0
	err = s.each(ctx, in, func(r record) bool {
		seen++
		if seen <= q.Skip {
			return true
		}
		if len(page.Tickets) == q.Limit {
			page.Next = page.Tickets[q.Limit-1].ID
			return false
		}
		page.Tickets = append(page.Tickets, r.ticket())
		return true
	})
	return page, err
}

// Count counts every ticket the query selects.
func (s *Store) Count(ctx context.Context, q Query) (int, error) {
	in, err := s.input(q)
	if err != nil {
		return 0, err
	}
	in.Select = types.SelectCount
	total := 0
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return 0, unavailable("count "+aws.ToString(in.IndexName), err)
		}
		total += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			return total, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// DeleteAll deletes every terminal ticket the query selects and returns how many went.
// A ticket that changed status meanwhile is left alone.
func (s *Store) DeleteAll(ctx context.Context, q Query) (int, error) {
	in, err := s.input(q)
	if err != nil {
		return 0, err
	}
	var ids []string
	if err := s.each(ctx, in, func(r record) bool { ids = append(ids, r.TicketID); return true }); err != nil {
		return 0, err
	}
	deleted := 0
	for _, id := range ids {
		err := s.Delete(ctx, id)
		switch {
		case err == nil:
			deleted++
		case errors.Is(err, ErrNotFound), errors.Is(err, ErrNotTerminal):
		default:
			return deleted, err
		}
	}
	return deleted, nil
}
