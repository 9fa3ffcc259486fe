package dynamodb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// A 2 KB item in a table with an ALL and a KEYS_ONLY index: each write costs the table 2
// units, the ALL index 2 per entry written and the KEYS_ONLY index 1, and only when the
// write changes what the index holds.
func TestWriteUnitsCountTheTableAndEveryIndexEntryAWrite(t *testing.T) {
	srv, err := localdynamodb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	db := localdynamodb.Client(srv.URL)
	ctx := context.Background()
	str := types.ScalarAttributeTypeS
	err = localdynamodb.CreateTables(ctx, db, &dynamodb.CreateTableInput{
		TableName: aws.String("t"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: str}, {AttributeName: aws.String("g"), AttributeType: str}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("all"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
			{IndexName: aws.String("keys"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.MeasureWrites()
	big := strings.Repeat("x", 2000)
	key := map[string]types.AttributeValue{"id": s("a")}
	steps := []struct {
		name string
		do   func() error
		want float64
	}{
		{"put", func() error {
			_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t"), Item: map[string]types.AttributeValue{"id": s("a"), "g": s("x"), "data": s(big)}})
			return err
		}, 2 + 2 + 1},
		{"update a non-key attribute", func() error {
			_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: key,
				UpdateExpression: aws.String("SET #d = :d"), ExpressionAttributeNames: map[string]string{"#d": "data"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":d": s(big[1:] + "y")}})
			return err
		}, 2 + 2 + 0},
		{"update the index key", func() error {
			_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("t"), Key: key,
				UpdateExpression: aws.String("SET g = :g"), ExpressionAttributeValues: map[string]types.AttributeValue{":g": s("z")}})
			return err
		}, 2 + (2 + 2) + (1 + 1)},
		{"delete", func() error {
			_, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: key})
			return err
		}, 2 + 2 + 1},
	}
	total := 0.0
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		total += st.want
		if got := srv.WriteUnits()["t"]; got != total {
			t.Fatalf("after %s: %v units in all, want %v", st.name, got, total)
		}
	}
}
