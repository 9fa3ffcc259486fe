// Package dynamodb stands in for Amazon DynamoDB in the local stack: an embedded, in-memory
// DynamoDB (minidyn in its HTTP-server mode on a loopback port, reached through the real SDK
// client) that counts requests and injects faults, and table creation on any DynamoDB
// endpoint. Tests get a fresh database from package dynamodbtest.
package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"

	"github.com/actionservice/actionservice/shared/cloud"
)

// Server is an embedded DynamoDB listening on loopback.
type Server struct {
	URL      string
	srv      *http.Server
	done     chan struct{}
	requests sync.Map // operation → *atomic.Int64
	faults   faults
	capacity capacity
}

// Requests counts the requests served so far, by operation (GetItem, Query, …), so tests
// and benchmarks can measure what an action costs.
func (s *Server) Requests() map[string]int64 {
	out := map[string]int64{}
	s.requests.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

func (s *Server) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := s.requests.LoadOrStore(operationOf(r), new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		next.ServeHTTP(w, r)
	})
}

// operationOf is the DynamoDB operation a request calls (GetItem, Query, …).
func operationOf(r *http.Request) string {
	op := r.Header.Get("X-Amz-Target")
	if i := strings.LastIndexByte(op, '.'); i >= 0 {
		op = op[i+1:]
	}
	return op
}

// Start serves an empty in-memory DynamoDB at addr (e.g. "127.0.0.1:0" for any free port).
func Start(addr string) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("embedded dynamodb: %w", err)
	}
	s := &Server{URL: "http://" + l.Addr().String(), done: make(chan struct{})}
	s.faults.closed = make(chan struct{})
	s.srv = &http.Server{Handler: s.count(s.inject(s.measure(server.NewServer()))), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(l)
	}()
	return s, nil
}

// Close stops the server; its data is gone.
func (s *Server) Close() error {
	s.faults.stop.Do(func() { close(s.faults.closed) })
	// The data goes with the server, so there is nothing to drain. (Shutdown would wait up to
	// 5 s on a connection the SDK opened and never used.)
	err := s.srv.Close()
	<-s.done
	return err
}

// Client returns an SDK client for a local endpoint, with dummy credentials; opts adjust it.
func Client(endpoint string, opts ...func(*dynamodb.Options)) *dynamodb.Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
	return cloud.DynamoDB(cfg, endpoint, opts...)
}

// CreateTables creates each table unless it exists, and waits until all are active.
func CreateTables(ctx context.Context, db *dynamodb.Client, tables ...*dynamodb.CreateTableInput) error {
	for _, t := range tables {
		_, err := db.CreateTable(ctx, t)
		var inUse *types.ResourceInUseException
		if err != nil && !errors.As(err, &inUse) {
			return fmt.Errorf("create table %s: %w", aws.ToString(t.TableName), err)
		}
	}
	for _, t := range tables {
		for {
			out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: t.TableName})
			if err != nil {
				return fmt.Errorf("describe table %s: %w", aws.ToString(t.TableName), err)
			}
			if out.Table.TableStatus == types.TableStatusActive || out.Table.TableStatus == "" {
				break
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}
