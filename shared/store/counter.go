package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/actionservice/actionservice/shared/ticket"
)

// Counters keep how many terminal tickets there are of each status and how many failed ones
// of each error category, for the whole table and for each account, so that a count of a
// million tickets is one small read. They live in the tickets table under keys no ticket id
// can take (count#…), carry no index attribute a list reads, and move in the same transaction
// as the write that changes what a ticket counts as: its creation as ERROR, its end, a
// restart, its deletion. Only terminal tickets are counted: PENDING, RUNNING and RETRY
// tickets are in flight, as many as the jobs running, and each has a deadline past which the
// reconciler ends it, so their counts read the index, which holds only those few.
//
// A scope's counts are spread over shards, so that no one item takes every terminal write
// of the table (a partition takes about 1,000 write units a second); a ticket always counts
// in the shard its id hashes to, and a count reads every shard of its scope with one
// BatchGetItem.
const (
	globalShards  = 16
	accountShards = 4
)

// Counter item attributes besides the counts themselves.
const (
	counterPrefix = "count#"
	// attrCounterList is the sparse hash key of byCounter: account counters carry it, so
	// that the recount can list the accounts that have counts without a Scan.
	attrCounterList = "counterList"
	accountCounters = "ACCOUNTS"
	// attrChangedAt is when a counter item last moved (epoch milliseconds): the recount
	// leaves a scope alone until its counters have been still for a while.
	attrChangedAt = "changedAt"
)

// recountCursorKey is the item that remembers where the recount's cycle stands.
const recountCursorKey = counterPrefix + "recount"

// scope is a set of counter items: the whole table's (account "") or one account's.
type scope struct{ account string }

func (c scope) shards() int {
	if c.account == "" {
		return globalShards
	}
	return accountShards
}

func (c scope) key(shard int) string {
	if c.account == "" {
		return fmt.Sprintf("%sall#%02d", counterPrefix, shard)
	}
	return fmt.Sprintf("%sacct#%s#%02d", counterPrefix, c.account, shard)
}

func (c scope) String() string {
	if c.account == "" {
		return "all accounts"
	}
	return "account " + c.account
}

// accountOfCounterKey is the account whose counter item the key names.
func accountOfCounterKey(key string) (string, bool) {
	rest, ok := strings.CutPrefix(key, counterPrefix+"acct#")
	if i := strings.LastIndexByte(rest, '#'); ok && i > 0 {
		return rest[:i], true
	}
	return "", false
}

// shardOf is the shard of a scope a ticket counts in.
func shardOf(id string, shards int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return int(h.Sum32() % uint32(shards))
}

// statusCounter and categoryCounter name the counter of a status, or of an error category.
func statusCounter(s ticket.Status) string     { return string(s) }
func categoryCounter(c ticket.Category) string { return "category#" + string(c) }

// counters are the names of every counter a scope has.
func counters() []string {
	var out []string
	for _, s := range []ticket.Status{ticket.Complete, ticket.Error, ticket.TimedOut, ticket.Cancelled} {
		out = append(out, statusCounter(s))
	}
	for _, c := range ticket.Categories {
		out = append(out, categoryCounter(c))
	}
	return out
}

// countsIn lists the counters an outcome adds one to: its status when terminal, and its
// error category when it failed (as the byCategory index holds it).
func countsIn(o ticket.Outcome) []string {
	if !o.Status.Terminal() {
		return nil
	}
	out := []string{statusCounter(o.Status)}
	if o.Status.Failed() && o.Category != "" {
		out = append(out, categoryCounter(o.Category))
	}
	return out
}

// moves is what a change from one outcome to another adds to each counter; empty when the
// change moves none.
func moves(from, to ticket.Outcome) map[string]int64 {
	m := map[string]int64{}
	for _, c := range countsIn(from) {
		m[c]--
	}
	for _, c := range countsIn(to) {
		m[c]++
	}
	for c, d := range m {
		if d == 0 {
			delete(m, c)
		}
	}
	return m
}

// counterUpdates are the writes that move a ticket's counters, in the whole table's scope
// and in its account's, to go in the transaction of the ticket's own write.
func (s *Store) counterUpdates(id, account string, m map[string]int64) []types.TransactWriteItem {
	if len(m) == 0 {
		return nil
	}
	scopes := []scope{{}}
	if account != "" {
		scopes = append(scopes, scope{account: account})
	}
	var out []types.TransactWriteItem
	for _, sc := range scopes {
		out = append(out, types.TransactWriteItem{Update: s.counterUpdate(sc, shardOf(id, sc.shards()), m)})
	}
	return out
}

// counterUpdate adds m to one counter item. The whole table's items are created by their
// first update; an account's must exist (see createAccountCounters), which the update's
// condition checks.
func (s *Store) counterUpdate(sc scope, shard int, m map[string]int64) *types.Update {
	names := map[string]string{"#at": attrChangedAt}
	values := map[string]types.AttributeValue{":at": &types.AttributeValueMemberN{Value: fmt.Sprint(millis(time.Now()))}}
	var adds []string
	i := 0
	for _, c := range counters() { // a fixed order keeps the expression the same for the same change
		d, ok := m[c]
		if !ok {
			continue
		}
		n, v := fmt.Sprintf("#c%d", i), fmt.Sprintf(":c%d", i)
		names[n] = c
		values[v] = &types.AttributeValueMemberN{Value: fmt.Sprint(d)}
		adds = append(adds, n+" "+v)
		i++
	}
	up := &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: sc.key(shard)}},
		UpdateExpression:          aws.String("SET #at = :at ADD " + strings.Join(adds, ", ")),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
	if sc.account != "" {
		names["#id"] = attrID
		up.ConditionExpression = aws.String("attribute_exists(#id)")
	}
	return up
}

// createAccountCounters creates an account's counter items, with no counts, unless they
// exist: each is created once, by a PutItem, as the first write that counts a ticket of the
// account finds them missing. They carry the byCounter index's key, which the updates then
// leave alone, so that the index entry is written once (an UpdateItem that creates an item
// in an index is also what the embedded DynamoDB gets wrong: it overwrites another entry).
func (s *Store) createAccountCounters(ctx context.Context, account string) error {
	sc := scope{account: account}
	for shard := range sc.shards() {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(s.table),
			Item: map[string]types.AttributeValue{
				attrID:          &types.AttributeValueMemberS{Value: sc.key(shard)},
				attrCounterList: &types.AttributeValueMemberS{Value: accountCounters},
			},
			ConditionExpression:      aws.String("attribute_not_exists(#id)"),
			ExpressionAttributeNames: map[string]string{"#id": attrID},
		})
		if err != nil && !isConditionFailure(err) {
			return unavailable("create counters of "+sc.String(), err)
		}
	}
	return nil
}

// errTicketCondition: the write was refused because a condition of the ticket's own write
// failed (it is not at the version, or in the state, the write expected).
var errTicketCondition = errors.New("ticket's condition failed")

// transact writes items in one transaction: the ticket's own writes, which carry its
// conditions, and the counters' updates. A cancellation by the ticket's condition answers
// errTicketCondition. One because the account's counter items do not exist yet creates them
// and writes again; one by a conflict with another transaction on a counter item is tried
// again a few times, since counter items are shared by many tickets and the SDK does not
// retry a cancelled transaction.
func (s *Store) transact(ctx context.Context, op string, items []types.TransactWriteItem) error {
	for attempt := 0; ; attempt++ {
		_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		var cancelled *types.TransactionCanceledException
		if !errors.As(err, &cancelled) {
			if err != nil {
				return unavailable(op, err)
			}
			return nil
		}
		reasons := cancelled.CancellationReasons
		missing := ""
		for i, r := range reasons {
			if aws.ToString(r.Code) != "ConditionalCheckFailed" {
				continue
			}
			account, counter := "", false
			if i < len(items) && items[i].Update != nil {
				key, _ := items[i].Update.Key[attrID].(*types.AttributeValueMemberS)
				if key != nil {
					account, counter = accountOfCounterKey(key.Value)
				}
			}
			if !counter {
				return errTicketCondition
			}
			missing = account
		}
		switch {
		case attempt == 8:
			return unavailable(op, err)
		case missing != "":
			if err := s.createAccountCounters(ctx, missing); err != nil {
				return err
			}
		case conflicted(reasons):
			backoff := time.Duration(1<<attempt) * 5 * time.Millisecond
			if err := sleepCtx(ctx, backoff/2+rand.N(backoff/2)); err != nil {
				return unavailable(op, err)
			}
		default:
			return unavailable(op, err)
		}
	}
}

// conflicted reports whether a transaction was cancelled only because another one held an
// item it wrote.
func conflicted(reasons []types.CancellationReason) bool {
	found := false
	for _, r := range reasons {
		switch aws.ToString(r.Code) {
		case "TransactionConflict":
			found = true
		case "", "None":
		default:
			return false
		}
	}
	return found
}

// countersAnswer reports whether the query is one the counters answer: a count of terminal
// tickets of a status, or of failed ones (of a category), of one account or of all, with no
// other filter and no marker.
func (q Query) countersAnswer() bool {
	simple := q.Marker == "" && q.Skip == 0 && q.Action == "" && len(q.Actions) == 0 && q.Domain == ""
	return simple && ((q.Errors && q.Status == "") || (!q.Errors && q.Status.Terminal()))
}

// counterNames are the counters whose sum answers the query.
func (q Query) counterNames() []string {
	switch {
	case q.Errors && q.Category != "":
		return []string{categoryCounter(q.Category)}
	case q.Errors:
		var out []string
		for _, s := range ticket.ErrorStatuses {
			out = append(out, statusCounter(s))
		}
		return out
	default:
		return []string{statusCounter(q.Status)}
	}
}

// scopeCounts are a scope's counter items as read: the counts summed over the shards, and
// when the latest of them moved (epoch milliseconds; 0 when none exists yet).
type scopeCounts struct {
	counts    map[string]int64
	changedAt int64
}

// readCounters reads every shard of the scope, consistently, in one BatchGetItem (or a few
// when some keys come back unprocessed).
func (s *Store) readCounters(ctx context.Context, sc scope) (scopeCounts, error) {
	keys := make([]map[string]types.AttributeValue, sc.shards())
	for i := range keys {
		keys[i] = map[string]types.AttributeValue{attrID: &types.AttributeValueMemberS{Value: sc.key(i)}}
	}
	v := scopeCounts{counts: map[string]int64{}}
	err := s.batchGet(ctx, "read counters of "+sc.String(), keys, func(item map[string]types.AttributeValue) error {
		for attr, av := range item {
			n, ok := av.(*types.AttributeValueMemberN)
			if !ok {
				continue
			}
			x, err := strconv.ParseInt(n.Value, 10, 64)
			if err != nil {
				return fmt.Errorf("counter %s of %s: %w", attr, sc, err)
			}
			if attr == attrChangedAt {
				v.changedAt = max(v.changedAt, x)
			} else {
				v.counts[attr] += x
			}
		}
		return nil
	})
	return v, err
}

// countFromCounters answers a count the counters answer.
func (s *Store) countFromCounters(ctx context.Context, q Query) (int, error) {
	v, err := s.readCounters(ctx, scope{account: q.Account})
	if err != nil {
		return 0, err
	}
	var n int64
	for _, c := range q.counterNames() {
		n += v.counts[c]
	}
	n = max(n, 0)
	if q.Limit > 0 {
		n = min(n, int64(q.Limit))
	}
	return int(n), nil
}

// RecountOptions paces the recount.
type RecountOptions struct {
	// Scopes is how many scopes (the whole table's, or one account's) one call recounts at
	// most; the next call goes on where this one stopped, and after the last account the
	// cycle starts again with the whole table.
	Scopes int
	// Quiet is how long a scope's counters must have been still before it is recounted:
	// longer than an index takes to catch up with the table (on AWS, global secondary
	// indexes are eventually consistent, typically within a second).
	Quiet time.Duration
}

// Recounted tells what a recount did.
type Recounted struct {
	Checked, Repaired, Busy int
}

// Recount checks counters against the indexes and repairs any that drifted (something wrote
// tickets outside the store, an item was restored, DynamoDB's TTL removed COMPLETE tickets on
// AWS): for each scope it reads the counters, counts each counter's tickets on its index, and
// reads the counters again; if they did not move meanwhile and had been still for Quiet, it
// adds the difference to the scope's first shard. A scope that is busy is left for the next
// cycle.
func (s *Store) Recount(ctx context.Context, o RecountOptions) (Recounted, error) {
	var done Recounted
	cursor, err := s.recountCursor(ctx)
	if err != nil {
		return done, err
	}
	for done.Checked+done.Busy < max(o.Scopes, 1) {
		sc := scope{account: cursor}
		repaired, busy, err := s.recountScope(ctx, sc, o.Quiet)
		if err != nil {
			return done, err
		}
		switch {
		case busy:
			done.Busy++
		case repaired:
			done.Repaired++
			done.Checked++
		default:
			done.Checked++
		}
		next, err := s.nextCountedAccount(ctx, cursor)
		if err != nil {
			return done, err
		}
		cursor = next
		if cursor == "" {
			break
		}
	}
	return done, s.saveRecountCursor(ctx, cursor)
}

// recountScope recounts one scope; see Recount.
func (s *Store) recountScope(ctx context.Context, sc scope, quiet time.Duration) (repaired, busy bool, err error) {
	before, err := s.readCounters(ctx, sc)
	if err != nil {
		return false, false, err
	}
	if before.changedAt > millis(time.Now().Add(-quiet)) {
		return false, true, nil
	}
	actual := map[string]int64{}
	for _, c := range counters() {
		q := Query{Account: sc.account}
		if cat, ok := strings.CutPrefix(c, categoryCounter("")); ok {
			q.Errors, q.Category = true, ticket.Category(cat)
		} else {
			q.Status = ticket.Status(c)
		}
		n, err := s.countIndex(ctx, q)
		if err != nil {
			return false, false, err
		}
		actual[c] = int64(n)
	}
	after, err := s.readCounters(ctx, sc)
	if err != nil {
		return false, false, err
	}
	if after.changedAt != before.changedAt {
		return false, true, nil
	}
	drift := map[string]int64{}
	for _, c := range counters() {
		if d := actual[c] - after.counts[c]; d != 0 {
			drift[c] = d
		}
	}
	if len(drift) == 0 {
		return false, false, nil
	}
	// The repair goes to the first shard, on condition that no shard of the scope has moved
	// since it was read: a ticket that ended meanwhile is counted by the next cycle instead.
	up := s.counterUpdate(sc, 0, drift)
	up.ConditionExpression = aws.String("attribute_not_exists(#at) OR #at <= :seen")
	if sc.account != "" {
		up.ConditionExpression = aws.String("attribute_exists(#id) AND (attribute_not_exists(#at) OR #at <= :seen)")
	}
	up.ExpressionAttributeValues[":seen"] = &types.AttributeValueMemberN{Value: fmt.Sprint(before.changedAt)}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: up.TableName, Key: up.Key, UpdateExpression: up.UpdateExpression, ConditionExpression: up.ConditionExpression,
		ExpressionAttributeNames: up.ExpressionAttributeNames, ExpressionAttributeValues: up.ExpressionAttributeValues,
	})
	switch {
	case isConditionFailure(err):
		return false, true, nil
	case err != nil:
		return false, false, unavailable("repair counters of "+sc.String(), err)
	}
	return true, false, nil
}

// nextCountedAccount is the account after the given one (after none: the first) that has
// counters, in key order, or "" after the last.
func (s *Store) nextCountedAccount(ctx context.Context, after string) (string, error) {
	from := counterPrefix + "acct#"
	if after != "" {
		from += after + "#~" // past every shard of that account ('~' sorts after the digits)
	}
	out, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexByCounter),
		KeyConditionExpression:    aws.String("#list = :list AND #id > :from"),
		ExpressionAttributeNames:  map[string]string{"#list": attrCounterList, "#id": attrID},
		ExpressionAttributeValues: map[string]types.AttributeValue{":list": &types.AttributeValueMemberS{Value: accountCounters}, ":from": &types.AttributeValueMemberS{Value: from}},
		Limit:                     aws.Int32(1),
	})
	if err != nil {
		return "", unavailable("query "+indexByCounter, err)
	}
	for _, item := range out.Items {
		if id, ok := item[attrID].(*types.AttributeValueMemberS); ok {
			if account, ok := accountOfCounterKey(id.Value); ok {
				return account, nil
			}
		}
	}
	return "", nil
}

// recountCursor is the scope the recount's cycle takes next: an account, or "" for the whole
// table's.
func (s *Store) recountCursor(ctx context.Context) (string, error) {
	item, err := s.getItem(ctx, recountCursorKey)
	if errors.Is(err, ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	next, _ := item["next"].(*types.AttributeValueMemberS)
	if next == nil {
		return "", nil
	}
	return next.Value, nil
}

func (s *Store) saveRecountCursor(ctx context.Context, next string) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			attrID: &types.AttributeValueMemberS{Value: recountCursorKey},
			"next": &types.AttributeValueMemberS{Value: next},
		},
	})
	if err != nil {
		return unavailable("save recount cursor", err)
	}
	return nil
}
