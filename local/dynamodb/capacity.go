package dynamodb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// capacity measures what the writes served would cost on AWS in write capacity units, from
// each written item as it was before and after the write (read back from the store itself).
// While it measures, writes are served one at a time, so that before and after are the
// write's own.
type capacity struct {
	mu      sync.Mutex
	on      bool
	units   map[string]float64 // by table; an index's writes count to its table
	schemas map[string]*schema
}

// MeasureWrites starts counting write capacity units (see WriteUnits), from zero.
func (s *Server) MeasureWrites() {
	s.capacity.mu.Lock()
	defer s.capacity.mu.Unlock()
	s.capacity.on, s.capacity.units = true, map[string]float64{}
}

// WriteUnits answers the write capacity units, by table, that the writes served since
// MeasureWrites would consume on DynamoDB: for the table, 1 per KB (rounded up) of the larger
// of the item's before and after images, twice that in a transaction; for each global
// secondary index, 1 per KB of the projected item for each index entry the write adds or
// removes, and for one it rewrites because a projected attribute changed (a key change is a
// removal and an addition). Writes refused by a condition are not counted (DynamoDB charges
// them too, at least 1 unit each).
func (s *Server) WriteUnits() map[string]float64 {
	s.capacity.mu.Lock()
	defer s.capacity.mu.Unlock()
	out := map[string]float64{}
	for t, u := range s.capacity.units {
		out[t] = u
	}
	return out
}

type schema struct {
	keys    []string
	indexes []indexSchema
}

type indexSchema struct {
	keys       []string
	projection string // ALL, KEYS_ONLY or INCLUDE
	include    []string
}

// item is an item in DynamoDB's JSON: attribute name → {type: value}.
type item map[string]map[string]any

// written is one item a request writes.
type written struct {
	table string
	key   item // nil until known (a PutItem's comes from its item and the table's keys)
	put   item // a PutItem's item
	txn   bool
}

func (s *Server) measure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &s.capacity
		c.mu.Lock()
		on := c.on
		c.mu.Unlock()
		op := operationOf(r)
		if !on || !isWrite(op) {
			next.ServeHTTP(w, r)
			return
		}
		body, ok := peekBody(w, r)
		if !ok {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		writes := writesOf(op, body)
		before := make([]item, len(writes))
		for i := range writes {
			sc := c.schema(next, writes[i].table)
			if writes[i].key == nil && sc != nil {
				writes[i].key = keyOf(writes[i].put, sc.keys)
			}
			before[i] = getItem(next, writes[i].table, writes[i].key)
		}
		rec := &recorder{header: w.Header()}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
		if rec.status != http.StatusOK {
			return
		}
		for i, wr := range writes {
			sc := c.schema(next, wr.table)
			if sc == nil {
				continue
			}
			c.units[wr.table] += writeUnits(sc, before[i], getItem(next, wr.table, wr.key), wr.txn)
		}
	})
}

func isWrite(op string) bool {
	switch op {
	case "PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem":
		return true
	}
	return false
}

// writesOf lists the items a write request names.
func writesOf(op string, body []byte) []written {
	type one struct {
		TableName string
		Item      item
		Key       item
	}
	var req struct {
		one
		TransactItems []map[string]one
		RequestItems  map[string][]struct {
			PutRequest    *struct{ Item item }
			DeleteRequest *struct{ Key item }
		}
	}
	if json.Unmarshal(body, &req) != nil {
		return nil
	}
	switch op {
	case "TransactWriteItems":
		var out []written
		for _, ti := range req.TransactItems {
			for _, o := range ti {
				out = append(out, written{table: o.TableName, key: o.Key, put: o.Item, txn: true})
			}
		}
		return out
	case "BatchWriteItem":
		var out []written
		for table, reqs := range req.RequestItems {
			for _, q := range reqs {
				switch {
				case q.PutRequest != nil:
					out = append(out, written{table: table, put: q.PutRequest.Item})
				case q.DeleteRequest != nil:
					out = append(out, written{table: table, key: q.DeleteRequest.Key})
				}
			}
		}
		return out
	}
	return []written{{table: req.TableName, key: req.Key, put: req.Item}}
}

func keyOf(it item, keys []string) item {
	if it == nil {
		return nil
	}
	k := item{}
	for _, name := range keys {
		k[name] = it[name]
	}
	return k
}

// schema is the table's key schema and indexes, read once from the store.
func (c *capacity) schema(store http.Handler, table string) *schema {
	if sc, ok := c.schemas[table]; ok {
		return sc
	}
	var out struct {
		Table struct {
			KeySchema              []struct{ AttributeName string }
			GlobalSecondaryIndexes []struct {
				KeySchema  []struct{ AttributeName string }
				Projection struct {
					ProjectionType   string
					NonKeyAttributes []string
				}
			}
		}
	}
	if call(store, "DescribeTable", map[string]any{"TableName": table}, &out) != nil {
		return nil
	}
	sc := &schema{}
	for _, k := range out.Table.KeySchema {
		sc.keys = append(sc.keys, k.AttributeName)
	}
	for _, ix := range out.Table.GlobalSecondaryIndexes {
		is := indexSchema{projection: ix.Projection.ProjectionType, include: ix.Projection.NonKeyAttributes}
		for _, k := range ix.KeySchema {
			is.keys = append(is.keys, k.AttributeName)
		}
		sc.indexes = append(sc.indexes, is)
	}
	if c.schemas == nil {
		c.schemas = map[string]*schema{}
	}
	c.schemas[table] = sc
	return sc
}

// getItem reads an item straight from the store (nil when absent).
func getItem(store http.Handler, table string, key item) item {
	if key == nil {
		return nil
	}
	var out struct{ Item item }
	if call(store, "GetItem", map[string]any{"TableName": table, "Key": key, "ConsistentRead": true}, &out) != nil {
		return nil
	}
	return out.Item
}

// call serves one DynamoDB request on the store in process.
func call(store http.Handler, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	r, err := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	rec := &recorder{header: http.Header{}}
	store.ServeHTTP(rec, r)
	if rec.status != 0 && rec.status != http.StatusOK {
		return fmt.Errorf("%s: %d %s", op, rec.status, rec.body.String())
	}
	return json.Unmarshal(rec.body.Bytes(), out)
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) WriteHeader(status int)      { r.status = status }
func (r *recorder) Write(p []byte) (int, error) { return r.body.Write(p) }

// writeUnits is what one write of an item from before to after costs, table and indexes.
func writeUnits(sc *schema, before, after item, txn bool) float64 {
	units := kb(max(itemSize(before), itemSize(after)))
	if txn {
		units *= 2
	}
	for _, ix := range sc.indexes {
		was, is := hasKeys(before, ix.keys), hasKeys(after, ix.keys)
		oldEntry, newEntry := ix.project(before, sc.keys), ix.project(after, sc.keys)
		switch {
		case was && is && sameValues(before, after, ix.keys):
			if !reflect.DeepEqual(oldEntry, newEntry) {
				units += kb(itemSize(newEntry))
			}
		default:
			if was {
				units += kb(itemSize(oldEntry))
			}
			if is {
				units += kb(itemSize(newEntry))
			}
		}
	}
	return units
}

// kb is a size's capacity units: 1 per KB, rounded up, at least 1.
func kb(size int) float64 { return math.Max(1, math.Ceil(float64(size)/1024)) }

func hasKeys(it item, keys []string) bool {
	if it == nil {
		return false
	}
	for _, k := range keys {
		if _, ok := it[k]; !ok {
			return false
		}
	}
	return true
}

func sameValues(a, b item, keys []string) bool {
	for _, k := range keys {
		if !reflect.DeepEqual(a[k], b[k]) {
			return false
		}
	}
	return true
}

// project is the item's entry in the index: what its projection keeps.
func (ix indexSchema) project(it item, tableKeys []string) item {
	if it == nil || ix.projection == "ALL" {
		return it
	}
	keep := append(append(append([]string{}, tableKeys...), ix.keys...), ix.include...)
	out := item{}
	for _, k := range keep {
		if v, ok := it[k]; ok {
			out[k] = v
		}
	}
	return out
}

// itemSize is an item's size as DynamoDB counts it: each attribute's name in UTF-8 bytes plus
// its value's size.
func itemSize(it item) int {
	n := 0
	for name, v := range it {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v map[string]any) int {
	for typ, x := range v {
		switch typ {
		case "S":
			s, _ := x.(string)
			return len(s)
		case "N":
			s, _ := x.(string)
			return numberSize(s)
		case "B":
			s, _ := x.(string)
			b, _ := base64.StdEncoding.DecodeString(s)
			return len(b)
		case "BOOL", "NULL":
			return 1
		case "SS", "NS", "BS":
			n := 0
			list, _ := x.([]any)
			for _, e := range list {
				s, _ := e.(string)
				n += len(s)
			}
			return n
		case "L":
			n := 3
			list, _ := x.([]any)
			for _, e := range list {
				m, _ := e.(map[string]any)
				n += 1 + valueSize(m)
			}
			return n
		case "M":
			n := 3
			m, _ := x.(map[string]any)
			names := make([]string, 0, len(m))
			for k := range m {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				e, _ := m[k].(map[string]any)
				n += 1 + len(k) + valueSize(e)
			}
			return n
		}
	}
	return 0
}

// numberSize approximates a number's stored size: about one byte per two significant digits,
// plus one.
func numberSize(s string) int {
	digits := strings.TrimLeft(strings.NewReplacer("-", "", ".", "").Replace(s), "0")
	return (len(digits)+1)/2 + 1
}
