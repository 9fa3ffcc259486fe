// Package dynamodbtest gives tests a fresh DynamoDB with their tables created: the embedded
// one of package dynamodb always, moto's when moto_server is installed, and AWS's DynamoDB
// Local (package dynamodblocal) when java and its jar are. It imports testing, so only tests
// import it.
package dynamodbtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/local/dynamodblocal"
	"github.com/actionservice/actionservice/local/moto/mototest"
)

// Backend names a DynamoDB implementation a test runs against.
type Backend struct {
	Name string
	// Open returns a client on a fresh, empty database with the tables created.
	Open func(t testing.TB, tables ...*awsdynamodb.CreateTableInput) *awsdynamodb.Client
}

// Backends are the implementations store tests run against: the embedded store always, moto
// (a second, independent implementation) when moto_server is installed, and DynamoDB Local
// (AWS's own, the strictest) when java and its jar are. Without them a backend's tests skip
// with a visible message, unless REQUIRE_MOTO or REQUIRE_DYNAMODB_LOCAL is set.
func Backends() []Backend {
	return []Backend{
		{Name: "embedded", Open: openEmbedded},
		{Name: motoBackend, Open: openMoto},
		{Name: "dynamodb-local", Open: openDynamoDBLocal},
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

// SkipWithoutDynamoDBLocal skips the test with a visible message when DynamoDB Local cannot
// be started here (no java, or its jar not installed: make dynamodb-local), unless
// REQUIRE_DYNAMODB_LOCAL is set, in which case it fails: CI must run this tier.
func SkipWithoutDynamoDBLocal(t testing.TB) {
	t.Helper()
	if err := dynamodblocal.Installed(); err != nil {
		if os.Getenv("REQUIRE_DYNAMODB_LOCAL") != "" {
			t.Fatalf("REQUIRE_DYNAMODB_LOCAL is set but %v", err)
		}
		t.Skipf("SKIPPING dynamodb-local tier: %v", err)
	}
}

// ConcurrentWritesIsolated reports whether the backend the running (sub)test is on isolates
// concurrent writes as DynamoDB does. moto's does not: moto_server serves each request on its
// own thread and applies UpdateItem, conditional writes and TransactWriteItems without a lock
// (40 concurrent ADDs of 1 to one item left 37; two concurrent transactions conditioned on
// the same missing item both succeeded in identity's create-by-name race, seen in CI). The
// embedded store and DynamoDB Local serialise them.
func ConcurrentWritesIsolated(t testing.TB) bool {
	return !strings.HasSuffix(t.Name(), "/"+motoBackend)
}

// motoBackend names moto's backend, and the subtests that run on it.
const motoBackend = "moto"

// SkipWhereConcurrentWritesRace skips a test that races writes against each other on a
// backend that does not isolate them (moto); the other tiers keep proving it.
func SkipWhereConcurrentWritesRace(t testing.TB) {
	t.Helper()
	if !ConcurrentWritesIsolated(t) {
		t.Skip("moto applies concurrent writes without isolation; the embedded and dynamodb-local tiers prove this test")
	}
}

// ForDynamoDBLocal starts a DynamoDB Local of the test's own and stops it at cleanup, for a
// test that needs a whole server (a stack pointed at its endpoint); store tests share one
// through Backends. It skips as SkipWithoutDynamoDBLocal does.
func ForDynamoDBLocal(t testing.TB) *dynamodblocal.Server {
	t.Helper()
	SkipWithoutDynamoDBLocal(t)
	s, err := dynamodblocal.Start(context.Background())
	if err != nil {
		t.Fatalf("dynamodb-local tier: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// shared is the one DynamoDB Local a test binary starts, on its first use: its JVM takes
// 1.5 to 3 s to start, once per test would add that to every test. It ends with the binary
// (dynamodblocal has it killed when its parent dies).
var shared struct {
	once sync.Once
	srv  *dynamodblocal.Server
	err  error
}

// databases numbers the access keys of openDynamoDBLocal's clients.
var databases atomic.Int64

// openDynamoDBLocal gives each test its own database on the shared server: DynamoDB Local
// (without -sharedDb) keeps a separate database for each access key, and each client gets a
// new key.
func openDynamoDBLocal(t testing.TB, tables ...*awsdynamodb.CreateTableInput) *awsdynamodb.Client {
	t.Helper()
	SkipWithoutDynamoDBLocal(t)
	shared.once.Do(func() { shared.srv, shared.err = dynamodblocal.Start(context.Background()) })
	if shared.err != nil {
		t.Fatalf("dynamodb-local tier: %v", shared.err)
	}
	// DynamoDB Local accepts access keys of letters and digits only.
	key := fmt.Sprintf("test%d", databases.Add(1))
	db := dynamodb.Client(shared.srv.URL, func(o *awsdynamodb.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(key, "local", "")
	})
	if err := dynamodb.CreateTables(context.Background(), db, tables...); err != nil {
		t.Fatal(err)
	}
	return db
}
