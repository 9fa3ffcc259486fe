package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

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
	// Action keeps only tickets of this action, and Actions (when not empty) only tickets of
	// one of these.
	Action  string
	Actions []string
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

// deleteParallelism is how many deletes DeleteAll has in flight: enough to clear a large
// category within one request, well below a table's on-demand burst.
const deleteParallelism = 16

// deletePageSize is how many tickets DeleteAll lists before it deletes them. A page is one
// short Query and a few rounds of parallel deletes, so a call deletes something well within
// any wait cap, and when the cap runs out only the page in hand is listed in vain. A variable
// so that tests can make a category of a few tickets span pages.
var deletePageSize = 100

// attrAction is the attribute the action filter compares; no index keys it.
const attrAction = "action"

// condition is an equality every ticket of a list meets: the hash key of the index that
// answers the query, or a filter on an attribute that index does not key.
type condition struct{ attr, value string }

// plan picks the index that answers the query and the conditions its tickets meet. Both the
// DynamoDB query and Contains read them from here, so a list and its membership test cannot
// drift apart.
func (q Query) plan() (index string, key condition, filters []condition, err error) {
	switch {
	case q.Domain != "" && !q.Errors:
		index, key = indexByDomain, condition{attrDomain, q.Domain}
	case q.Errors && q.Category != "" && q.Account != "":
		index, key = indexByAccountCategory, condition{attrAccountErrorCategory, q.Account + "#" + string(q.Category)}
	case q.Errors && q.Category != "":
		index, key = indexByCategory, condition{attrErrorCategory, string(q.Category)}
	case q.Errors && q.Account != "":
		index, key = indexByAccountError, condition{attrAccountErrorList, q.Account}
	case q.Errors:
		index, key = indexByError, condition{attrErrorList, errorListKey}
	case q.Status != "" && q.Account != "":
		index, key = indexByAccountStatus, condition{attrAccountStatus, accountStatusKey(q.Account, q.Status)}
	case q.Status != "":
		index, key = indexByStatus, condition{attrStatus, string(q.Status)}
	case q.Account != "":
		index, key = indexByAccount, condition{attrAccount, q.Account}
	default:
		return "", condition{}, nil, ErrNoIndex
	}
	if q.Action != "" {
		filters = append(filters, condition{attrAction, q.Action})
	}
	if q.Domain != "" && index != indexByDomain {
		filters = append(filters, condition{attrDomain, q.Domain})
	}
	if q.Status != "" && index != indexByStatus && index != indexByAccountStatus {
		filters = append(filters, condition{attrStatus, string(q.Status)})
	}
	if q.Account != "" && index == indexByDomain {
		filters = append(filters, condition{attrAccount, q.Account})
	}
	return index, key, filters, nil
}

// input builds the DynamoDB query: newest first, after the marker, with the filters that no
// index key covers.
func (s *Store) input(q Query) (*dynamodb.QueryInput, error) {
	index, key, filters, err := q.plan()
	if err != nil {
		return nil, err
	}
	names := map[string]string{"#h": key.attr}
	values := map[string]types.AttributeValue{":h": &types.AttributeValueMemberS{Value: key.value}}
	keyExpr := "#h = :h"
	if q.Marker != "" {
		// Ids sort by submission time, so "after the marker, newest first" is a range condition.
		names["#id"] = attrID
		values[":marker"] = &types.AttributeValueMemberS{Value: q.Marker}
		keyExpr += " AND #id < :marker"
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String(keyExpr),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(false),
	}
	var exprs []string
	for i, f := range filters {
		n, v := fmt.Sprintf("#f%d", i), fmt.Sprintf(":f%d", i)
		names[n] = f.attr
		values[v] = &types.AttributeValueMemberS{Value: f.value}
		exprs = append(exprs, n+" = "+v)
	}
	if len(q.Actions) > 0 {
		names["#actions"] = attrAction
		var placeholders []string
		for i, a := range q.Actions {
			v := fmt.Sprintf(":a%d", i)
			values[v] = &types.AttributeValueMemberS{Value: a}
			placeholders = append(placeholders, v)
		}
		exprs = append(exprs, "#actions IN ("+strings.Join(placeholders, ", ")+")")
	}
	if len(exprs) > 0 {
		in.FilterExpression = aws.String(strings.Join(exprs, " AND "))
	}
	return in, nil
}

// MarksPosition reports whether the ticket id can serve as the query's marker: a ticket the
// list's account, action and domain hold (Marker, Limit and Skip play no part). Status and
// error category are not compared: they change as jobs move on, and a ticket that has left a
// status or error list since the client's previous page still marks where that page ended,
// because ids sort by submission time. An unknown ticket, or one of another account, action
// or domain, marks nothing in the list. It reads the ticket with a consistent GetItem.
func (s *Store) MarksPosition(ctx context.Context, q Query, id string) (bool, error) {
	if _, _, _, err := q.plan(); err != nil {
		return false, err
	}
	if !ticket.ValidID(id) {
		return false, nil
	}
	item, err := s.getItem(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for attr, want := range map[string]string{attrAccount: q.Account, attrAction: q.Action, attrDomain: q.Domain} {
		if v, ok := item[attr].(*types.AttributeValueMemberS); want != "" && (!ok || v.Value != want) {
			return false, nil
		}
	}
	if v, ok := item[attrAction].(*types.AttributeValueMemberS); len(q.Actions) > 0 && (!ok || !slices.Contains(q.Actions, v.Value)) {
		return false, nil
	}
	return true, nil
}

// Latest answers, of each of the actions, the newest ticket that targeted the domain,
// newest first; an action the domain never ran has none. Each is one Query of one key on the
// byDomainAction index and a consistent read of that ticket, so the cost follows the number
// of actions, not the history's length. A ticket deleted between the two is left out.
func (s *Store) Latest(ctx context.Context, domain string, actions []string) ([]*ticket.Ticket, error) {
	var out []*ticket.Ticket
	for _, a := range actions {
		res, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			IndexName:                 aws.String(indexByDomainAction),
			KeyConditionExpression:    aws.String("#h = :h"),
			ExpressionAttributeNames:  map[string]string{"#h": attrDomainAction},
			ExpressionAttributeValues: map[string]types.AttributeValue{":h": &types.AttributeValueMemberS{Value: domain + "#" + a}},
			ScanIndexForward:          aws.Bool(false),
			Limit:                     aws.Int32(1),
		})
		if err != nil {
			return nil, unavailable("query "+indexByDomainAction, err)
		}
		for _, item := range res.Items {
			id, ok := item[attrID].(*types.AttributeValueMemberS)
			if !ok {
				return nil, fmt.Errorf("query %s: an entry without %s", indexByDomainAction, attrID)
			}
			t, err := s.Get(ctx, id.Value)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *ticket.Ticket) int { return strings.Compare(b.ID, a.ID) })
	return out, nil
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
	var ids []string
	seen := 0
	err = s.each(ctx, in, func(r record) bool {
		seen++
		if seen <= q.Skip {
			return true
		}
		if len(ids) == q.Limit {
			page.Next = ids[q.Limit-1]
			return false
		}
		ids = append(ids, r.TicketID)
		return true
	})
	if err != nil {
		return Page{}, err
	}
	// The index holds what lists select and filter on, not the tickets: they are read by id,
	// so that a ticket's writes that change neither rewrite no index entry.
	page.Tickets, err = s.getAll(ctx, ids)
	return page, err
}

// getAll reads tickets by id, consistently, in the order given; one deleted meanwhile is left
// out.
func (s *Store) getAll(ctx context.Context, ids []string) ([]*ticket.Ticket, error) {
	byID := map[string]*ticket.Ticket{}
	keys := make([]map[string]types.AttributeValue, 0, len(ids))
	for _, id := range ids {
		keys = append(keys, map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: id}})
	}
	err := s.batchGet(ctx, "read tickets", keys, func(item map[string]types.AttributeValue) error {
		var r record
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return fmt.Errorf("decode ticket: %w", err)
		}
		byID[r.TicketID] = r.ticket()
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*ticket.Ticket, 0, len(ids))
	for _, id := range ids {
		if t, ok := byID[id]; ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// batchGet reads items by key, consistently, 100 to a BatchGetItem, reading again the keys
// DynamoDB leaves unprocessed, and calls visit for each item found.
func (s *Store) batchGet(ctx context.Context, op string, keys []map[string]types.AttributeValue, visit func(map[string]types.AttributeValue) error) error {
	for start := 0; start < len(keys); start += 100 {
		req := map[string]types.KeysAndAttributes{s.table: {Keys: keys[start:min(start+100, len(keys))], ConsistentRead: aws.Bool(true)}}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 0 {
				if err := sleepCtx(ctx, time.Duration(attempt*attempt)*10*time.Millisecond); err != nil {
					return unavailable(op, err)
				}
			}
			if attempt == 10 {
				return unavailable(op, errors.New("BatchGetItem left keys unprocessed after 10 attempts"))
			}
			out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return unavailable(op, err)
			}
			for _, item := range out.Responses[s.table] {
				if err := visit(item); err != nil {
					return err
				}
			}
			req = out.UnprocessedKeys
		}
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// Count counts the tickets List would return for the same query: those after the Marker
// (exclusive) and past the first Skip, at most Limit of them when Limit is positive and all
// of them when it is not. A count of terminal tickets of a status, or of failed ones (of a
// category), with no marker and no other filter reads the counters: one BatchGetItem,
// whatever the number of tickets. Any other count reads the index's entries (never the
// items), from the marker on, and stops as soon as it has found Skip+Limit.
func (s *Store) Count(ctx context.Context, q Query) (int, error) {
	if q.countersAnswer() {
		return s.countFromCounters(ctx, q)
	}
	return s.countIndex(ctx, q)
}

// countIndex counts the query's entries on its index.
func (s *Store) countIndex(ctx context.Context, q Query) (int, error) {
	in, err := s.input(q)
	if err != nil {
		return 0, err
	}
	in.Select = types.SelectCount
	enough := 0
	if q.Limit > 0 {
		enough = q.Skip + q.Limit
		in.Limit = aws.Int32(int32(min(enough, 1000)))
	}
	total := 0
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return 0, unavailable("count "+aws.ToString(in.IndexName), err)
		}
		total += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 || (enough > 0 && total >= enough) {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	n := max(total-q.Skip, 0)
	if q.Limit > 0 {
		n = min(n, q.Limit)
	}
	return n, nil
}

// DeleteAll deletes every terminal ticket the query lists and returns how many it deleted. It
// lists a page, deletes that page's tickets a few at a time in parallel, then lists the next,
// so that a call cut short has still deleted what it listed. A ticket that is gone or no
// longer terminal is skipped. When ctx ends first it returns the count so far with ctx's
// error: the rest is still there, and calling again carries on where this call stopped.
func (s *Store) DeleteAll(ctx context.Context, q Query) (int, error) {
	deleted := 0
	for {
		in, err := s.input(q)
		if err != nil {
			return deleted, err
		}
		in.Limit = aws.Int32(int32(deletePageSize))
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return deleted, unavailable("query "+aws.ToString(in.IndexName), err)
		}
		ids := make([]string, 0, len(out.Items))
		for _, item := range out.Items {
			id, ok := item[attrID].(*types.AttributeValueMemberS)
			if !ok {
				return deleted, fmt.Errorf("decode ticket: %s is not a string", attrID)
			}
			ids = append(ids, id.Value)
		}
		n, err := s.deleteEach(ctx, ids)
		deleted += n
		// minidyn answers an empty, non-nil LastEvaluatedKey on the last page.
		if err != nil || len(out.LastEvaluatedKey) == 0 {
			return deleted, err
		}
		// The next page starts below the last id evaluated, by the key condition the list
		// marker uses rather than by ExclusiveStartKey: that key's item was just deleted, and
		// minidyn ends a query whose ExclusiveStartKey is no longer in the index.
		last, ok := out.LastEvaluatedKey[attrID].(*types.AttributeValueMemberS)
		if !ok {
			return deleted, fmt.Errorf("query %s: last evaluated key has no %s", aws.ToString(in.IndexName), attrID)
		}
		q.Marker = last.Value
	}
}

// deleteEach deletes the tickets, deleteParallelism at a time, and returns how many it
// deleted; gone or no longer terminal ones are skipped. It stops at the first failure, or
// when ctx ends, and returns that error once the deletes in flight are done.
func (s *Store) deleteEach(ctx context.Context, ids []string) (int, error) {
	var (
		mu      sync.Mutex
		deleted int
		first   error
		wg      sync.WaitGroup
		slots   = make(chan struct{}, deleteParallelism)
	)
	for _, id := range ids {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			err := s.Delete(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				deleted++
			case errors.Is(err, ErrNotFound), errors.Is(err, ErrNotTerminal):
			case ctx.Err() != nil: // reported once, below
			case first == nil:
				first = err
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return deleted, first
}
