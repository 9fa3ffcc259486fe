package store

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/actionservice/actionservice/shared/ticket"
)

// SetDeletePageSize makes DeleteAll list n tickets a page until the test ends, so that a
// category of a few tickets spans pages.
func SetDeletePageSize(t testing.TB, n int) {
	old := deletePageSize
	deletePageSize = n
	t.Cleanup(func() { deletePageSize = old })
}

// CountIndex counts the query's tickets on its index, as Count does for what the counters do
// not answer: what a counter must agree with.
func (s *Store) CountIndex(ctx context.Context, q Query) (int, error) { return s.countIndex(ctx, q) }

// DriftCounter adds by to one counter of an account's scope ("" for the whole table's), as a
// write the store never made would.
func (s *Store) DriftCounter(t testing.TB, account string, counter ticket.Status, by int64) {
	t.Helper()
	up := s.counterUpdate(scope{account: account}, 1, map[string]int64{statusCounter(counter): by})
	_, err := s.db.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: up.TableName, Key: up.Key, UpdateExpression: up.UpdateExpression, ConditionExpression: up.ConditionExpression,
		ExpressionAttributeNames: up.ExpressionAttributeNames, ExpressionAttributeValues: up.ExpressionAttributeValues,
	})
	if err != nil {
		t.Fatal(err)
	}
}
