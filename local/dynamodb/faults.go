package dynamodb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
)

// FaultMode is how a faulty table answers.
type FaultMode string

const (
	// Throttle answers ProvisionedThroughputExceededException, as DynamoDB does when a table
	// or index is over its throughput: the SDK and the steps retry it.
	Throttle FaultMode = "throttle"
	// Deny answers AccessDeniedException, as DynamoDB does when IAM refuses the request:
	// trying again changes nothing.
	Deny FaultMode = "deny"
	// Conflict answers as DynamoDB does when another transaction holds the items: a
	// transaction is cancelled with TransactionConflict reasons, any other request gets
	// TransactionConflictException.
	Conflict FaultMode = "conflict"
	// Hang never answers; the request ends only when its client gives up.
	Hang FaultMode = "hang"
	// LoseAnswer applies the request, then drops the connection before the answer: the
	// write committed, the client sees a connection reset, and the SDK tries again.
	LoseAnswer FaultMode = "lose-answer"
)

// Fault makes the embedded DynamoDB fail every request that touches a table, so tests can
// prove what the service does when DynamoDB throttles, refuses or stalls. A request touches
// a table when it names it: TableName, or any item of a transaction or batch.
type Fault struct {
	Table string
	Mode  FaultMode
	// Operation narrows the fault to one operation (PutItem, TransactWriteItems, …); "" is
	// every operation.
	Operation string
	// Times is how many requests the fault takes before it lapses; 0 is until removed.
	Times int
}

// faults holds the faults in force; the zero value has none.
type faults struct {
	mu     sync.Mutex
	active []*Fault
	closed chan struct{} // closed when the server stops, to end hung requests
	stop   sync.Once
}

// Inject puts a fault in force until the returned function removes it.
func (s *Server) Inject(f Fault) (remove func(), err error) {
	switch f.Mode {
	case Throttle, Deny, Conflict, Hang, LoseAnswer:
	default:
		return nil, fmt.Errorf("embedded dynamodb: unknown fault mode %q", f.Mode)
	}
	if f.Table == "" {
		return nil, fmt.Errorf("embedded dynamodb: a fault needs a table")
	}
	p := &f
	s.faults.mu.Lock()
	s.faults.active = append(s.faults.active, p)
	s.faults.mu.Unlock()
	return func() {
		s.faults.mu.Lock()
		defer s.faults.mu.Unlock()
		s.faults.active = slices.DeleteFunc(s.faults.active, func(q *Fault) bool { return q == p })
	}, nil
}

// matching answers the fault in force on any table the request names, or nil; a fault
// with Times counts the request against them.
func (fs *faults) matching(operation string, tables []string) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.active {
		if !slices.Contains(tables, f.Table) || (f.Operation != "" && f.Operation != operation) {
			continue
		}
		if f.Times > 0 {
			if f.Times--; f.Times == 0 {
				fs.active = slices.Delete(fs.active, i, i+1)
			}
		}
		return f
	}
	return nil
}

// inject answers the requests that a fault in force covers, and passes on the others.
func (s *Server) inject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.faults.mu.Lock()
		none := len(s.faults.active) == 0
		s.faults.mu.Unlock()
		if none {
			next.ServeHTTP(w, r)
			return
		}
		body, ok := peekBody(w, r)
		if !ok {
			return
		}
		tables, items := tablesOf(body)
		f := s.faults.matching(operationOf(r), tables)
		if f == nil {
			next.ServeHTTP(w, r)
			return
		}
		switch f.Mode {
		case LoseAnswer:
			next.ServeHTTP(discard{header: http.Header{}}, r)
			panic(http.ErrAbortHandler) // the server drops the connection: no answer at all
		case Hang:
			select {
			case <-r.Context().Done():
			case <-s.faults.closed:
			}
		case Throttle:
			awsError(w, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
				"The level of configured provisioned throughput for the table was exceeded. (injected fault)", nil)
		case Conflict:
			if items == 0 {
				awsError(w, "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
					"Transaction is ongoing for the item (injected fault)", nil)
				return
			}
			reasons := make([]map[string]string, items)
			for i := range reasons {
				reasons[i] = map[string]string{"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
			}
			awsError(w, "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
				"Transaction cancelled, please refer cancellation reasons for specific reasons (injected fault)", reasons)
		case Deny:
			awsError(w, "com.amazon.coral.service#AccessDeniedException",
				"User is not authorized to access table "+f.Table+" (injected fault)", nil)
		}
	})
}

// discard is a ResponseWriter that drops the answer of a request whose answer is lost.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(b []byte) (int, error) { return len(b), nil }
func (d discard) WriteHeader(int)             {}

// tablesOf lists the tables a DynamoDB JSON request names, and counts a transaction's items.
func tablesOf(body []byte) (tables []string, items int) {
	var req struct {
		TableName     string
		RequestItems  map[string]json.RawMessage
		TransactItems []map[string]struct{ TableName string }
	}
	if json.Unmarshal(body, &req) != nil {
		return nil, 0
	}
	if req.TableName != "" {
		tables = append(tables, req.TableName)
	}
	for t := range req.RequestItems {
		tables = append(tables, t)
	}
	for _, it := range req.TransactItems {
		for _, op := range it {
			tables = append(tables, op.TableName)
		}
	}
	return tables, len(req.TransactItems)
}

// awsError writes an error as DynamoDB's JSON protocol does.
func awsError(w http.ResponseWriter, typ, msg string, reasons []map[string]string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusBadRequest)
	doc := map[string]any{"__type": typ, "message": msg}
	if reasons != nil {
		doc["CancellationReasons"] = reasons
	}
	_ = json.NewEncoder(w).Encode(doc)
}

// peekBody reads a request's body and puts it back for the next handler; a body that cannot
// be read is answered 400.
func peekBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, true
}
