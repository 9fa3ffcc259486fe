package invoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/actionservice/actionservice/local/invocation"
	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/shared/logging"
)

// Stack starts the local stack a function runs on: on loopback ports of its own, with the
// sample token accepted as an admin's, and without the background sweep (an invoke runs what
// the event says and nothing else). dynamoDB, when set, is the DynamoDB to use. Its log and
// metric lines go to logs, as `sam local invoke` shows a function's logs apart from its answer.
func Stack(ctx context.Context, dynamoDB string, logs io.Writer) (*stack.Stack, error) {
	return stack.Start(ctx, stack.Config{
		Addr: "127.0.0.1:0", SFNAddr: "127.0.0.1:0", DynamoDBEndpoint: dynamoDB,
		AdminToken: SampleToken, AdminAccount: SampleAccount, Samples: true, Sweep: -1,
		Log: logging.New(logs), Metrics: logs,
	})
}

// FunctionError is a function's error as Lambda reports it: the Go type's name and the message.
type FunctionError struct {
	Type    string `json:"errorType"`
	Message string `json:"errorMessage"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

// InProcess runs the function's handler on the event, as the stack runs it, in a Lambda
// context with a request id of its own. A handler error comes back as a *FunctionError named
// after its Go type, as Lambda names it.
func InProcess(ctx context.Context, s *stack.Stack, logicalID string, event []byte) ([]byte, error) {
	h, ok := s.Function(logicalID)
	if !ok {
		return nil, fmt.Errorf("no function %s (the stack has %s)", logicalID, strings.Join(s.FunctionIDs(), ", "))
	}
	ctx = invocation.Context(ctx, "")
	out, err := h.Invoke(ctx, event)
	if err != nil {
		return nil, &FunctionError{Type: errorType(err), Message: err.Error()}
	}
	return out, nil
}

func errorType(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// Env is the environment a function's bootstrap gets to run on the stack: its tables, its
// DynamoDB and Step Functions endpoints, the state machines' ARN prefix, the key that seals
// action parameters, and the outside systems (the simulator).
func Env(s *stack.Stack) ([]string, error) {
	key, err := filepath.Abs(s.Service.ParamsKeyFile)
	if err != nil {
		return nil, err
	}
	return []string{
		"TICKETS_TABLE=" + s.Service.TicketsTable,
		"TOKENS_TABLE=" + s.Service.TokensTable,
		"IDENTITY_TABLE=" + s.Service.IdentityTable,
		"DYNAMODB_ENDPOINT=" + s.DynamoDBEndpoint,
		"SFN_ENDPOINT=" + s.SFNEndpoint,
		"STATE_MACHINE_ARN_PREFIX=" + stack.MachineARNPrefix(),
		"PARAMS_KEY_FILE=" + key,
		"OUTSIDE_SIMULATOR_URL=" + s.URL + "/_sim",
		"AWS_REGION=" + sampleRegion,
	}, nil
}

// Build builds the function's bootstrap for this machine with the Makefile's own recipe
// (make build-<LogicalId>), into dir.
func Build(ctx context.Context, moduleRoot, logicalID, dir string) (string, error) {
	return BuildFor(ctx, moduleRoot, logicalID, dir, hostArch())
}

// BuildFor builds the function's bootstrap for linux on arch (the template's is arm64).
func BuildFor(ctx context.Context, moduleRoot, logicalID, dir, arch string) (string, error) {
	out, err := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", moduleRoot, "build-"+logicalID,
		"ARTIFACTS_DIR="+dir, "LAMBDA_ARCH="+arch).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("make build-%s: %w\n%s", logicalID, err, out)
	}
	return filepath.Join(dir, "bootstrap"), nil
}

func hostArch() string {
	out, err := exec.Command("go", "env", "GOARCH").Output()
	if err != nil {
		return "amd64"
	}
	return strings.TrimSpace(string(out))
}

// Emulation is what one run of a bootstrap under the emulator answered.
type Emulation struct {
	Response []byte
	// Init is the function's init phase as the emulator reports it (INIT REPORT): from the
	// bootstrap's start to its first request for an event, what a cold start adds to an
	// invocation on Lambda.
	Init time.Duration
}

// initReport is the emulator's line for the end of a function's init phase.
var initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)

// Emulated runs a bootstrap under the AWS Lambda Runtime Interface Emulator (rie, its binary)
// with env, invokes it once with the event through the emulator's invoke endpoint, and stops
// it. Both the emulator's ports are loopback: its default listens on every interface. A
// function error comes back as a *FunctionError, as Lambda's invoke answers it, beside the
// Emulation, which still tells the init phase.
func Emulated(ctx context.Context, rie, bootstrap string, env []string, event []byte) (*Emulation, error) {
	api, err := freeLoopback()
	if err != nil {
		return nil, err
	}
	runtime, err := freeLoopback()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, rie, "--runtime-interface-emulator-address", api, "--runtime-api-address", runtime, "--log-level", "info", bootstrap)
	// As in Lambda, the bootstrap sees its function's environment, not this shell's: a host's
	// AWS_CA_BUNDLE, say, has the SDK parse a bundle of certificates at every init.
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", rie, err)
	}
	// The emulator's output is read once it has stopped: until then its copying goroutines
	// write to logs.
	stopped := false
	stop := func() string {
		if !stopped {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			stopped = true
		}
		return logs.String()
	}
	defer stop()
	body, status, err := invokeOnce(ctx, api, event)
	if err != nil {
		return nil, fmt.Errorf("%w (the emulator's output: %s)", err, stop())
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("the emulator answered %d: %s (its output: %s)", status, body, stop())
	}
	out := &Emulation{Response: body}
	if m := initReport.FindStringSubmatch(stop()); m != nil {
		ms, _ := strconv.ParseFloat(m[1], 64)
		out.Init = time.Duration(ms * float64(time.Millisecond))
	}
	var fe FunctionError
	if json.Unmarshal(body, &fe) == nil && fe.Type != "" {
		return out, &fe
	}
	return out, nil
}

// invokeOnce waits for the emulator to listen on api and sends it the event.
func invokeOnce(ctx context.Context, api string, event []byte) ([]byte, int, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", api, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			return nil, 0, fmt.Errorf("the emulator did not listen on %s", api)
		}
		time.Sleep(50 * time.Millisecond)
	}
	url := "http://" + api + "/2015-03-31/functions/function/invocations"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(event))
	if err != nil {
		return nil, 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("invoke through the emulator: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return body, resp.StatusCode, err
}

func freeLoopback() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Write makes dir hold exactly the sample events: it writes every one and removes what is not
// one of them.
func Write(dir string) error {
	evs, err := Events()
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for path, b := range evs {
		full := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
