package dynamodb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
)

func table(name string) *dynamodb.CreateTableInput {
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	}
}

func startFaulty(t *testing.T) (*localdynamodb.Server, *dynamodb.Client) {
	t.Helper()
	s, err := localdynamodb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	db := localdynamodb.Client(s.URL, func(o *dynamodb.Options) { o.RetryMaxAttempts = 1 })
	if err := localdynamodb.CreateTables(context.Background(), db, table("faulty"), table("healthy")); err != nil {
		t.Fatal(err)
	}
	return s, db
}

func put(ctx context.Context, db *dynamodb.Client, tbl string) error {
	_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(tbl),
		Item:      map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "x"}},
	})
	return err
}

func transact(ctx context.Context, db *dynamodb.Client, tables ...string) error {
	var items []types.TransactWriteItem
	for _, tbl := range tables {
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(tbl),
			Item:      map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "t"}},
		}})
	}
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	return err
}

func TestThrottleFaultAnswersTheTypedThroughputErrorOnItsTableOnly(t *testing.T) {
	s, db := startFaulty(t)
	ctx := context.Background()
	remove, err := s.Inject(localdynamodb.Fault{Table: "faulty", Mode: localdynamodb.Throttle})
	if err != nil {
		t.Fatal(err)
	}
	var pte *types.ProvisionedThroughputExceededException
	if err := put(ctx, db, "faulty"); !errors.As(err, &pte) {
		t.Errorf("PutItem on the faulty table: %v, want ProvisionedThroughputExceededException", err)
	}
	if err := transact(ctx, db, "healthy", "faulty"); err == nil {
		t.Error("a transaction with an item on the faulty table succeeded")
	}
	if err := put(ctx, db, "healthy"); err != nil {
		t.Errorf("PutItem on another table: %v", err)
	}
	remove()
	if err := put(ctx, db, "faulty"); err != nil {
		t.Errorf("PutItem after the fault was removed: %v", err)
	}
}

func TestDenyFaultAnswersAccessDenied(t *testing.T) {
	s, db := startFaulty(t)
	if _, err := s.Inject(localdynamodb.Fault{Table: "faulty", Mode: localdynamodb.Deny}); err != nil {
		t.Fatal(err)
	}
	var api smithy.APIError
	if err := put(context.Background(), db, "faulty"); !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" {
		t.Errorf("PutItem: %v, want AccessDeniedException", err)
	}
}

func TestConflictFaultCancelsTransactionsWithTransactionConflict(t *testing.T) {
	s, db := startFaulty(t)
	if _, err := s.Inject(localdynamodb.Fault{Table: "faulty", Mode: localdynamodb.Conflict}); err != nil {
		t.Fatal(err)
	}
	var tc *types.TransactionCanceledException
	err := transact(context.Background(), db, "healthy", "faulty")
	if !errors.As(err, &tc) || len(tc.CancellationReasons) != 2 || aws.ToString(tc.CancellationReasons[1].Code) != "TransactionConflict" {
		t.Errorf("TransactWriteItems: %v, want TransactionCanceledException with TransactionConflict reasons", err)
	}
	var tce *types.TransactionConflictException
	if err := put(context.Background(), db, "faulty"); !errors.As(err, &tce) {
		t.Errorf("PutItem: %v, want TransactionConflictException", err)
	}
}

func TestHangFaultHoldsTheRequestUntilItsClientGivesUp(t *testing.T) {
	s, db := startFaulty(t)
	if _, err := s.Inject(localdynamodb.Fault{Table: "faulty", Mode: localdynamodb.Hang}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := put(ctx, db, "faulty"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("PutItem on a hung table: %v, want the caller's deadline", err)
	}
	if err := put(context.Background(), db, "healthy"); err != nil {
		t.Errorf("PutItem on another table: %v", err)
	}
}

func TestFaultNeedsATableAndAKnownMode(t *testing.T) {
	s, _ := startFaulty(t)
	for _, f := range []localdynamodb.Fault{{Mode: localdynamodb.Hang}, {Table: "faulty", Mode: "explode"}} {
		if _, err := s.Inject(f); err == nil {
			t.Errorf("Inject(%+v) accepted", f)
		}
	}
}
