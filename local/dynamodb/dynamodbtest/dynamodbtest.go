// Package dynamodbtest gives tests a fresh DynamoDB with their tables created: the embedded
// one of package dynamodb always, and moto's when moto_server is installed. It imports
// testing, so only tests import it.
package dynamodbtest

import (
	"context"
	"testing"

	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/local/moto/mototest"
)

// Backend names a DynamoDB implementation a test runs against.
type Backend struct {
	Name string
	// Open returns a client on a fresh, empty database with the tables created.
	Open func(t testing.TB, tables ...*awsdynamodb.CreateTableInput) *awsdynamodb.Client
}

// Backends are the implementations store tests run against: the embedded store always, and
// moto (a second, independent implementation) when moto_server is installed.
func Backends() []Backend {
	return []Backend{
		{Name: "embedded", Open: openEmbedded},
		{Name: "moto", Open: openMoto},
	}
}

func openEmbedded(t testing.TB, tables ...*awsdynamodb.CreateTableInput) *awsdynamodb.Client {
	t.Helper()
	s, err := dynamodb.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	db := dynamodb.Client(s.URL)
	if err := dynamodb.CreateTables(context.Background(), db, tables...); err != nil {
		t.Fatal(err)
	}
	return db
}

func openMoto(t testing.TB, tables ...*awsdynamodb.CreateTableInput) *awsdynamodb.Client {
	t.Helper()
	m := mototest.ForTest(t)
	db := dynamodb.Client(m.URL)
	if err := dynamodb.CreateTables(context.Background(), db, tables...); err != nil {
		t.Fatal(err)
	}
	return db
}
