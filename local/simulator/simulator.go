// Package simulator plays the outside systems of package outside — key management (KMS),
// CRM (Salesforce), billing (Zuora) and object storage (Swift) — for the local stack and for tests, with fault
// injection so that every rollback path can be exercised. It is never deployed.
//
// # Routes
//
// The handler serves, under /_sim/ (mount it with mux.Handle("/_sim/", sim)):
//
//	POST   /_sim/{system}/{operation}   kms, crm, billing, storage; the outside wire protocol
//	POST   /_sim/faults                 inject {"operation","mode","status","times","message"} → 201
//	GET    /_sim/faults                 the faults in force → 200
//	DELETE /_sim/faults                 clear every fault → 204
//	GET    /_sim/state                  records per system, calls per operation, faults → 200
//	DELETE /_sim/state                  forget everything (records, answers, calls, faults) → 204
//
// Point the adapter at it with outside.SimulatorConfig("http://127.0.0.1:3000/_sim", …) or
// OUTSIDE_SIMULATOR_URL. Errors are RFC 9457 problem documents. Wrap the handler in
// [LoopbackOnly] when it listens on an address others can reach.
//
// # Behaviour of the systems
//
// Create* operations make a record with a fresh id in the shape the seeds show and answer it
// under the result key the matching Delete* takes as its param (actions.KeyKmsTenant, …):
// KMS_TENANT and KMS_USER 14 digits, KMS_ACCESS_KEY 20 upper-case characters,
// SALESFORCE_ACCOUNT 18 characters starting 001 (contacts 003) with a valid case checksum,
// zuoraDomainAcct and zuoraSubscription 32 hex digits. Params are recorded as given. Delete*
// without the param answers 400, of an id it does not hold 404. Deleting a record deletes
// what was made under it, as the real systems do: a record whose create named the deleted id
// under its key (a KMS user sent KMS_TENANT, its keys sent KMS_USER, a contact sent
// SALESFORCE_ACCOUNT, a subscription sent zuoraDomainAcct), and so on down. SetZuoraAccountState takes
// zuoraDomainAcct and state (enabled, disabled, suspended, deleted, purged; accounts start
// enabled) and answers state and previousState.
//
// An Idempotency-Key repeated on the same operation replays the first answer and changes
// nothing; repeated with different params it answers 422. Injected faults are not remembered
// as answers, so a retry after the fault is cleared runs for real. Every request to an
// operation counts as a call, faulted and replayed ones included.
//
// Fault modes: "permanent" answers status (default 400, must be a 4xx other than 429);
// "transient" answers status (default 503, must be 429 or 5xx); "hang" answers nothing until
// the caller gives up or the simulator is closed. The "apply-" modes fail after the operation
// took effect, as a real system does when its answer goes wrong on the way back:
// "apply-fail" answers status (default 500, any 4xx or 5xx), "apply-hang" answers nothing,
// "apply-lose" resets the connection. A retry under the same Idempotency-Key then replays
// the answer the operation would have given. "times" (any mode) limits the fault to the
// next that many calls; 0 or absent means until cleared. A new fault on an operation replaces
// the old one.
package simulator

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/actionservice/actionservice/shared/outside"
)

// Mode is how an injected fault fails an operation.
type Mode string

// The fault modes.
const (
	Permanent Mode = "permanent"
	Transient Mode = "transient"
	Hang      Mode = "hang"
	// The operation is applied, then: its answer is status, or never comes, or the
	// connection is reset.
	ApplyThenFail Mode = "apply-fail"
	ApplyThenHang Mode = "apply-hang"
	ApplyThenLose Mode = "apply-lose"
)

// applies reports whether the mode lets the operation take effect before it fails.
func (m Mode) applies() bool { return m == ApplyThenFail || m == ApplyThenHang || m == ApplyThenLose }

// Fault makes an operation fail. It is also the JSON body of POST /_sim/faults.
type Fault struct {
	Operation string `json:"operation"`
	Mode      Mode   `json:"mode"`
	Status    int    `json:"status,omitempty"`  // permanent: default 400; transient: default 503
	Times     int    `json:"times,omitempty"`   // calls left to fail; 0 = until cleared
	Message   string `json:"message,omitempty"` // the problem detail answered
}

// Record is something a system holds: created and not deleted.
type Record struct {
	ID             string            `json:"id"`
	Kind           string            `json:"kind"`      // tenant, user, accessKey, account, contact, subscription
	Operation      string            `json:"operation"` // the operation that created it
	IdempotencyKey string            `json:"idempotencyKey,omitempty"`
	Params         map[string]string `json:"params"`
	State          string            `json:"state,omitempty"` // billing accounts only
	seq            uint64
}

// State is the answer of GET /_sim/state.
type State struct {
	Records map[outside.System][]Record `json:"records"`
	Calls   map[string]int              `json:"calls"`
	Faults  []Fault                     `json:"faults"`
}

// Simulator is an http.Handler playing every outside system. It is safe for concurrent use.
type Simulator struct {
	mux *http.ServeMux

	mu      sync.Mutex
	records map[outside.System]map[string]*Record
	answers map[string]answer // by operation + "\x00" + Idempotency-Key
	calls   map[string]int
	faults  map[string]*Fault
	seq     uint64

	closeOnce sync.Once
	closed    chan struct{}
}

type answer struct {
	params string // canonical JSON of the request's params
	status int
	body   any
}

// New returns an empty simulator.
func New() *Simulator {
	s := &Simulator{mux: http.NewServeMux(), closed: make(chan struct{})}
	s.reset()
	s.mux.HandleFunc("POST /_sim/faults", s.postFault)
	s.mux.HandleFunc("GET /_sim/faults", s.getFaults)
	s.mux.HandleFunc("DELETE /_sim/faults", s.deleteFaults)
	s.mux.HandleFunc("GET /_sim/state", s.getState)
	s.mux.HandleFunc("DELETE /_sim/state", s.deleteState)
	s.mux.HandleFunc("POST /_sim/{system}/{operation}", s.serveOperation)
	s.mux.HandleFunc("/_sim/", s.notFound)
	return s
}

// ServeHTTP serves the routes listed in the package documentation.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close releases every hanging call (it answers 503) and makes later hang faults answer at
// once, so that a server shutdown never waits on them. The simulator keeps working otherwise.
func (s *Simulator) Close() { s.closeOnce.Do(func() { close(s.closed) }) }

// Inject puts a fault in force, replacing any on the same operation, and returns it with its
// defaults filled in.
func (s *Simulator) Inject(f Fault) (Fault, error) {
	f, err := normalize(f)
	if err != nil {
		return Fault{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[f.Operation] = &f
	return f, nil
}

// ClearFaults removes every fault.
func (s *Simulator) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.faults)
}

// Faults lists the faults in force, by operation.
func (s *Simulator) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faultList()
}

// Calls is how many requests an operation received.
func (s *Simulator) Calls(operation string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[operation]
}

// Records lists what a system holds, oldest first.
func (s *Simulator) Records(system outside.System) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recordList(system)
}

// Snapshot is what GET /_sim/state answers.
func (s *Simulator) Snapshot() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Records: map[outside.System][]Record{}, Calls: map[string]int{}, Faults: s.faultList()}
	for _, sys := range outside.Systems {
		st.Records[sys] = s.recordList(sys)
	}
	for _, op := range outside.Operations() {
		st.Calls[op] = s.calls[op]
	}
	return st
}

// Reset forgets every record, remembered answer, call count and fault.
func (s *Simulator) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reset()
}

func (s *Simulator) reset() {
	s.records = map[outside.System]map[string]*Record{}
	for _, sys := range outside.Systems {
		s.records[sys] = map[string]*Record{}
	}
	s.answers = map[string]answer{}
	s.calls = map[string]int{}
	s.faults = map[string]*Fault{}
}

func (s *Simulator) faultList() []Fault {
	out := make([]Fault, 0, len(s.faults))
	for _, op := range slices.Sorted(maps.Keys(s.faults)) {
		out = append(out, *s.faults[op])
	}
	return out
}

func (s *Simulator) recordList(system outside.System) []Record {
	out := make([]Record, 0, len(s.records[system]))
	for _, r := range s.records[system] {
		c := *r
		c.Params = maps.Clone(r.Params)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Record) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

func normalize(f Fault) (Fault, error) {
	if f.Operation == "" {
		return f, errors.New(`"operation" is required`)
	}
	if _, ok := outside.SystemOf(f.Operation); !ok {
		return f, fmt.Errorf("unknown operation %q (want one of %s)", f.Operation, strings.Join(outside.Operations(), ", "))
	}
	if f.Times < 0 {
		return f, fmt.Errorf(`"times" must not be negative, got %d`, f.Times)
	}
	switch f.Mode {
	case Permanent:
		if f.Status == 0 {
			f.Status = http.StatusBadRequest
		}
		if f.Status < 400 || f.Status > 499 || f.Status == http.StatusTooManyRequests {
			return f, fmt.Errorf("a permanent fault answers a 4xx status other than 429, got %d", f.Status)
		}
	case Transient:
		if f.Status == 0 {
			f.Status = http.StatusServiceUnavailable
		}
		if f.Status != http.StatusTooManyRequests && (f.Status < 500 || f.Status > 599) {
			return f, fmt.Errorf("a transient fault answers 429 or a 5xx status, got %d", f.Status)
		}
	case ApplyThenFail:
		if f.Status == 0 {
			f.Status = http.StatusInternalServerError
		}
		if f.Status < 400 || f.Status > 599 {
			return f, fmt.Errorf("an apply-fail fault answers a 4xx or 5xx status, got %d", f.Status)
		}
	case Hang, ApplyThenHang, ApplyThenLose:
		if f.Status != 0 {
			return f, fmt.Errorf(`a %s fault answers nothing: "status" must be absent`, f.Mode)
		}
	case "":
		return f, errors.New(`"mode" is required (` + modeList + `)`)
	default:
		return f, fmt.Errorf("unknown mode %q (want %s)", f.Mode, modeList)
	}
	return f, nil
}

const modeList = "permanent, transient, hang, apply-fail, apply-hang or apply-lose"

// takeFault returns the fault that applies to this call, counting down its times.
func (s *Simulator) takeFault(op string) (Fault, bool) {
	f, ok := s.faults[op]
	if !ok {
		return Fault{}, false
	}
	taken := *f
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			delete(s.faults, op)
		}
	}
	return taken, true
}

const maxBody = 64 << 10

func (s *Simulator) serveOperation(w http.ResponseWriter, r *http.Request) {
	sys, op := outside.System(r.PathValue("system")), r.PathValue("operation")
	if opSys, ok := outside.SystemOf(op); !ok || opSys != sys {
		if !sys.Valid() {
			problem(w, r, http.StatusNotFound, fmt.Sprintf("no outside system %q (want kms, crm, billing or storage)", sys))
		} else {
			problem(w, r, http.StatusNotFound, fmt.Sprintf("%s has no operation %q", sys, op))
		}
		return
	}
	params, perr := readParams(r)
	key := r.Header.Get("Idempotency-Key")

	s.mu.Lock()
	s.calls[op]++
	f, faulted := s.takeFault(op)
	if faulted && !f.Mode.applies() {
		s.mu.Unlock()
		s.fail(w, r, f)
		return
	}
	if perr != nil {
		s.mu.Unlock()
		problem(w, r, http.StatusBadRequest, perr.Error())
		return
	}
	canon, _ := json.Marshal(params)
	var a answer
	if prev, ok := s.answers[op+"\x00"+key]; ok && key != "" {
		a = prev
		if prev.params != string(canon) {
			a = answer{status: http.StatusUnprocessableEntity, body: fmt.Sprintf("Idempotency-Key %q was first used on %s with other params", key, op)}
		}
	} else {
		a = s.apply(sys, op, key, params)
		a.params = string(canon)
		if key != "" {
			s.answers[op+"\x00"+key] = a
		}
	}
	s.mu.Unlock()

	if faulted {
		s.fail(w, r, f) // the operation took effect; its answer goes wrong
		return
	}
	if detail, ok := a.body.(string); ok {
		problem(w, r, a.status, detail)
		return
	}
	writeJSON(w, a.status, a.body)
}

func (s *Simulator) fail(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.Mode == ApplyThenLose {
		panic(http.ErrAbortHandler) // the server drops the connection: no answer at all
	}
	if f.Mode == Hang || f.Mode == ApplyThenHang {
		select {
		case <-r.Context().Done():
			return // the caller gave up; nobody reads an answer
		case <-s.closed:
			problem(w, r, http.StatusServiceUnavailable, "simulator closed while "+f.Operation+" hung")
			return
		}
	}
	detail := f.Message
	if detail == "" {
		detail = fmt.Sprintf("simulated %s failure of %s", f.Mode, f.Operation)
	}
	problem(w, r, f.Status, detail)
}

func readParams(r *http.Request) (map[string]string, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if len(data) > maxBody {
		return nil, fmt.Errorf("body over %d bytes", maxBody)
	}
	params := map[string]string{}
	if len(strings.TrimSpace(string(data))) == 0 {
		return params, nil
	}
	if err := json.Unmarshal(data, &params); err != nil {
		return nil, fmt.Errorf("body must be a JSON object of strings: %v", err)
	}
	if params == nil {
		params = map[string]string{}
	}
	return params, nil
}

func (s *Simulator) postFault(w http.ResponseWriter, r *http.Request) {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	var f Fault
	if err := dec.Decode(&f); err != nil {
		problem(w, r, http.StatusBadRequest, "fault body must be a JSON object {operation, mode, status, times, message}: "+err.Error())
		return
	}
	if dec.More() {
		problem(w, r, http.StatusBadRequest, "fault body must hold one JSON object")
		return
	}
	f, err := s.Inject(f)
	if err != nil {
		problem(w, r, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, f)
}

func (s *Simulator) getFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string][]Fault{"faults": s.Faults()})
}

func (s *Simulator) deleteFaults(w http.ResponseWriter, r *http.Request) {
	s.ClearFaults()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Simulator) getState(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.Snapshot())
}

func (s *Simulator) deleteState(w http.ResponseWriter, r *http.Request) {
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

// notFound answers what the routes above do not match, as a problem document.
func (s *Simulator) notFound(w http.ResponseWriter, r *http.Request) {
	allow := map[string]string{
		"/_sim/faults": "GET, POST, DELETE",
		"/_sim/state":  "GET, DELETE",
	}[strings.TrimSuffix(r.URL.Path, "/")]
	if allow == "" && strings.Count(strings.Trim(r.URL.Path, "/"), "/") == 2 {
		allow = "POST"
	}
	if allow != "" {
		w.Header().Set("Allow", allow)
		problem(w, r, http.StatusMethodNotAllowed, fmt.Sprintf("%s does not accept %s", r.URL.Path, r.Method))
		return
	}
	problem(w, r, http.StatusNotFound, "no simulator route "+r.URL.Path)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// problem writes an RFC 9457 problem document.
func problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":      "about:blank",
		"title":     http.StatusText(status),
		"status":    status,
		"detail":    detail,
		"instance":  r.URL.Path,
		"requestId": fmt.Sprintf("%016x", rand.Uint64()),
	})
}

// LoopbackOnly refuses (403) requests that do not come from a loopback address, as API.md
// wants of the simulator when it shares the API's listener.
func LoopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			problem(w, r, http.StatusForbidden, "the simulator answers loopback callers only")
			return
		}
		h.ServeHTTP(w, r)
	})
}
