package outside

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client calls the outside systems. It is safe for concurrent use.
type Client struct {
	cfg Config
	hc  *http.Client
}

// maxBody bounds what the adapter reads of an answer.
const maxBody = 1 << 20

// NewClient returns a client for cfg. hc may be nil: the client then uses its own transport,
// sized for many concurrent calls to few hosts. Timeouts come from cfg and the caller's
// context, not from hc.Timeout.
func NewClient(cfg Config, hc *http.Client) *Client {
	if hc == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		hc = &http.Client{
			Transport: t,
			// A redirected POST would be replayed as a GET; answer the 3xx instead.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return &Client{cfg: cfg, hc: hc}
}

// Invoke is Call on the system that serves operation (see [SystemOf]).
func (c *Client) Invoke(ctx context.Context, operation, idempotencyKey string, params map[string]string) (map[string]string, error) {
	s, ok := SystemOf(operation)
	if !ok {
		return nil, fmt.Errorf("outside: unknown operation %q", operation)
	}
	return c.Call(ctx, s, operation, idempotencyKey, params)
}

// Call performs one operation on one system: POST {BaseURL}/{operation} with params as a
// JSON object and idempotencyKey (by convention "<ticketId>/<step>") as the Idempotency-Key
// header. It answers the system's results, or a [*PermanentError] or [*TransientError] as the
// package documentation classifies; any other error is a fault of this deployment.
func (c *Client) Call(ctx context.Context, system System, operation, idempotencyKey string, params map[string]string) (map[string]string, error) {
	sc, ok := c.cfg.For(system)
	if !ok {
		return nil, fmt.Errorf("outside: unknown system %q", system)
	}
	if sc.BaseURL == "" {
		return nil, fmt.Errorf("outside: %s (OUTSIDE_%s_URL): %w", system, strings.ToUpper(string(system)), ErrNotConfigured)
	}
	if operation == "" {
		return nil, errors.New("outside: empty operation")
	}
	if !validHeaderValue(idempotencyKey) {
		return nil, fmt.Errorf("outside: idempotency key %q is not a valid header value", idempotencyKey)
	}
	if params == nil {
		params = map[string]string{}
	}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("outside: encode params of %s: %w", operation, err)
	}

	timeout := sc.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// Whichever is sooner bounds the call; a timeout error reports the time it allowed.
	limit := timeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < limit {
		limit = max(time.Until(dl), 0)
	}
	callCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	endpoint := strings.TrimRight(sc.BaseURL, "/") + "/" + url.PathEscape(operation)
	req, err := http.NewRequestWithContext(callCtx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("outside: %s %s: %w", system, operation, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "actionservice-outside/1")
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}

	noAnswer := func(err error) error {
		te := &TransientError{System: system, Operation: operation, Err: err}
		if errors.Is(callCtx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
			te.Timeout = true
			te.Message = timeoutMessage(limit.Round(time.Millisecond))
		} else if contextDone(err) {
			te.Message = "cancelled by the caller"
		} else {
			te.Message = networkMessage(err)
		}
		return te
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, noAnswer(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, noAnswer(err)
	}

	switch st := resp.StatusCode; {
	case st >= 200 && st < 300:
		results, err := decodeResults(data)
		if err != nil {
			return nil, &TransientError{System: system, Operation: operation, Status: st,
				Message: "unreadable answer: " + err.Error(), Err: err}
		}
		return results, nil
	case st == http.StatusTooManyRequests || st >= 500:
		return nil, &TransientError{System: system, Operation: operation, Status: st,
			Message: errorMessage(resp.Header.Get("Content-Type"), data)}
	default:
		return nil, &PermanentError{System: system, Operation: operation, Status: st,
			Category: CategoryForStatus(st), Message: errorMessage(resp.Header.Get("Content-Type"), data)}
	}
}

// decodeResults reads a JSON object whose values are strings; numbers and booleans are kept
// in their JSON spelling, nulls dropped. An empty body is no results.
func decodeResults(data []byte) (map[string]string, error) {
	results := map[string]string{}
	if len(bytes.TrimSpace(data)) == 0 {
		return results, nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("want a JSON object of strings: %w", err)
	}
	for k, v := range raw {
		switch v[0] {
		case '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, err
			}
			results[k] = s
		case 'n':
		case '{', '[':
			return nil, fmt.Errorf("result %q is not a string", k)
		default:
			results[k] = string(v)
		}
	}
	return results, nil
}

// errorMessage extracts a system's explanation from an error answer: a problem document's
// detail (or title), a JSON {"message"} or {"error"}, or plain text.
func errorMessage(contentType string, data []byte) string {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return ""
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	if strings.HasSuffix(mt, "json") || data[0] == '{' {
		var doc struct {
			Detail  string `json:"detail"`
			Title   string `json:"title"`
			Message string `json:"message"`
			Error   any    `json:"error"`
		}
		if json.Unmarshal(data, &doc) == nil {
			for _, s := range []string{doc.Detail, doc.Message, errString(doc.Error), doc.Title} {
				if s != "" {
					return clean(s)
				}
			}
			return ""
		}
	}
	if strings.HasPrefix(mt, "text/") || mt == "" {
		return clean(string(data))
	}
	return ""
}

func errString(v any) string {
	switch e := v.(type) {
	case string:
		return e
	case map[string]any:
		if m, ok := e["message"].(string); ok {
			return m
		}
	}
	return ""
}

// clean keeps a message to one line of reasonable length, since it ends up in a ticket's
// errorDescription.
func clean(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 300
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}

func networkMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
