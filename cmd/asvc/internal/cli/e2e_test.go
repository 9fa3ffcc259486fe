package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actionservice/actionservice/cmd/asvc/internal/cli"
	"github.com/actionservice/actionservice/cmd/asvc/internal/progress"
	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/local/stepfunctions"
	"github.com/actionservice/actionservice/shared/service"
)

// start runs a local stack for one test, on the engine's skipping clock so that retry
// intervals pass at once (a TIMEDOUT job takes milliseconds, not minutes).
func start(t *testing.T) *stack.Stack {
	t.Helper()
	fc := stepfunctions.NewFakeClock(time.Now())
	// No test here makes a handler hang, so one slowed by a loaded machine must not count as
	// blocked.
	fc.HandlerGrace = time.Minute
	s, err := stack.Start(context.Background(), stack.Config{
		Addr: "127.0.0.1:0", SFNAddr: "127.0.0.1:0", Samples: true, Sweep: -1, Clock: fc,
		OutsideTimeout: 5 * time.Second, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Service: service.Config{TicketsTable: "tickets", TokensTable: "tokens", IdentityTable: "identity",
			WaitCap: 5 * time.Second, ParamsKeyFile: filepath.Join(t.TempDir(), "params.key")},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// run is one asvc command line against s, as its admin, with stdout a terminal when tty is
// set, and the environment's other variables from env.
type run struct {
	code           int
	stdout, stderr string
}

func asvc(t *testing.T, s *stack.Stack, tty bool, env map[string]string, args ...string) run {
	t.Helper()
	var stdout, stderr bytes.Buffer
	vars := map[string]string{"ACTION_SERVICE_URL": s.URL, "ACTION_SERVICE_TOKEN": s.AdminToken}
	for k, v := range env {
		vars[k] = v
	}
	code := cli.Run(context.Background(), args, cli.Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv:   func(k string) string { return vars[k] },
		Terminal: func(io.Writer) (bool, int) { return tty, 0 },
		// Fast enough to see most of a createDomain's moves on the local stack.
		Poll: progress.Poll{First: 2 * time.Millisecond, Most: 20 * time.Millisecond},
	})
	t.Logf("asvc %s → %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
	return run{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

var unique atomic.Int64

func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, time.Now().UnixNano(), unique.Add(1))
}

// frames splits the live view's output at its cursor-up sequences, checking that each
// redraw moves up exactly the lines the frame before it drew and that every line is cleared
// before it is written; the frames come back without their escapes, colour included.
func frames(t *testing.T, out string) [][]string {
	t.Helper()
	var all [][]string
	prev := 0
	for i, chunk := range cursorUp.Split(out, -1) {
		if i > 0 {
			up := cursorUp.FindAllStringSubmatch(out, -1)[i-1][1]
			if up != fmt.Sprint(prev) {
				t.Errorf("frame %d moves up %s lines over a frame of %d", i, up, prev)
			}
		}
		lines := strings.SplitAfter(chunk, "\n")
		if lines[len(lines)-1] != "" {
			t.Errorf("frame %d does not end its last line: %q", i, chunk)
		}
		lines = lines[:len(lines)-1]
		var text []string
		for _, l := range lines {
			if !strings.HasPrefix(l, "\r\x1b[2K") {
				t.Errorf("frame %d writes a line without clearing it first: %q", i, l)
			}
			text = append(text, colour.ReplaceAllString(strings.TrimSuffix(strings.TrimPrefix(l, "\r\x1b[2K"), "\n"), ""))
		}
		all = append(all, text)
		prev = len(lines)
	}
	return all
}

var (
	cursorUp = regexp.MustCompile(`\x1b\[(\d+)A`)
	colour   = regexp.MustCompile(`\x1b\[[0-9;]*m`)
)

// stepRank orders the states a step moves through, so that the frames can be checked to
// show the steps only moving forward.
var stepRank = map[string]int{"PENDING": 0, "RETRY": 1, "RUNNING": 1, "COMPLETE": 2, "ERROR": 3, "TIMEDOUT": 3, "ROLLED_BACK": 4, "ROLLBACK_FAILED": 4}

// stepsMoveForward checks that no step goes back between frames (a redraw that showed stale
// state would).
func stepsMoveForward(t *testing.T, fs [][]string) {
	t.Helper()
	last := map[string]int{}
	for i, f := range fs {
		for _, l := range f[1:] {
			fields := strings.Fields(l)
			if len(fields) != 3 {
				continue
			}
			step, state := fields[1], fields[2]
			if r := stepRank[state]; r < last[step] {
				t.Errorf("frame %d: %s went back to %s", i, step, state)
			} else {
				last[step] = r
			}
		}
	}
}

func TestSubmitOnATerminalRedrawsTheStepsUntilAllAreCompleteAndExitsZero(t *testing.T) {
	s := start(t)
	r := asvc(t, s, true, nil, "submit", "createDomain", "name="+uniqueName("Acme"), "company=Acme Inc")
	if r.code != cli.ExitComplete || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
	}
	fs := frames(t, r.stdout)
	if len(fs) < 2 {
		t.Fatalf("%d frame(s); want the submitted job, then its moves", len(fs))
	}
	id := strings.Fields(fs[0][0])[1]
	want := []string{
		"createDomain " + id + " PENDING",
		"  · CreateUmsDomain          PENDING",
		"  · CreateKmsDomain          PENDING",
		"  · CreateSalesforceAccount  PENDING",
		"  · CreateZuoraDomainAccount PENDING",
	}
	if !slices.Equal(fs[0], want) {
		t.Errorf("first frame:\n%s\nwant:\n%s", strings.Join(fs[0], "\n"), strings.Join(want, "\n"))
	}
	final := fs[len(fs)-1]
	wantSteps := []string{
		"createDomain " + id + " COMPLETE",
		"  ✓ CreateUmsDomain          COMPLETE",
		"  ✓ CreateKmsDomain          COMPLETE",
		"  ✓ CreateSalesforceAccount  COMPLETE",
		"  ✓ CreateZuoraDomainAccount COMPLETE",
	}
	if len(final) < len(wantSteps) || !slices.Equal(final[:len(wantSteps)], wantSteps) {
		t.Errorf("final frame:\n%s\nwant it to start:\n%s", strings.Join(final, "\n"), strings.Join(wantSteps, "\n"))
	}
	var results []string
	for _, l := range final[len(wantSteps):] {
		k, _, _ := strings.Cut(strings.TrimPrefix(l, "  result "), "=")
		results = append(results, k)
	}
	if want := []string{"KMS_TENANT", "SALESFORCE_ACCOUNT", "domainId", "zuoraDomainAcct"}; !slices.Equal(results, want) {
		t.Errorf("results shown %v, want %v", results, want)
	}
	stepsMoveForward(t, fs)
	// The status is coloured on a terminal: green for COMPLETE.
	if !strings.Contains(r.stdout, "CreateZuoraDomainAccount \x1b[32mCOMPLETE\x1b[0m\n") {
		t.Errorf("no green COMPLETE in the last frame")
	}
}

func TestSubmitShowsTheRollbackLiveWhenAStepFailsAndExitsWithTheErrorStatus(t *testing.T) {
	s := start(t)
	if _, err := s.Simulator.Inject(simulator.Fault{Operation: "CreateSalesforceAccount", Mode: simulator.Permanent, Status: 409}); err != nil {
		t.Fatal(err)
	}
	r := asvc(t, s, true, nil, "submit", "createDomain", "name="+uniqueName("Acme"))
	if r.code != cli.ExitJobError {
		t.Fatalf("exit %d; want %d (ERROR)", r.code, cli.ExitJobError)
	}
	fs := frames(t, r.stdout)
	final := fs[len(fs)-1]
	id := strings.Fields(final[0])[1]
	want := []string{
		"createDomain " + id + " ERROR",
		"  ↺ CreateUmsDomain          ROLLED_BACK",
		"  ↺ CreateKmsDomain          ROLLED_BACK",
		"  ✗ CreateSalesforceAccount  ERROR",
		"  · CreateZuoraDomainAccount PENDING",
		"  error  CONFLICT: CreateSalesforceAccount: CRM refused: 409 Conflict: simulated permanent failure of CreateSalesforceAccount",
	}
	if !slices.Equal(final, want) {
		t.Errorf("final frame:\n%s\nwant (the rollback, and no results of what it undid):\n%s", strings.Join(final, "\n"), strings.Join(want, "\n"))
	}
	stepsMoveForward(t, fs)
}

func TestSubmitWithNoTerminalPrintsOneLinePerChange(t *testing.T) {
	s := start(t)
	for name, c := range map[string]struct {
		tty  bool
		env  map[string]string
		args []string
	}{
		"stdout a pipe":          {},
		"NO_COLOR on a terminal": {tty: true, env: map[string]string{"NO_COLOR": "1"}},
		"--plain on a terminal":  {tty: true, args: []string{"--plain"}},
	} {
		t.Run(name, func(t *testing.T) {
			r := asvc(t, s, c.tty, c.env, append([]string{"submit", "createDomain", "name=" + uniqueName("Acme")}, c.args...)...)
			if r.code != cli.ExitComplete {
				t.Fatalf("exit %d", r.code)
			}
			if strings.Contains(r.stdout, "\x1b") {
				t.Errorf("escapes in plain output: %q", r.stdout)
			}
			lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			id := strings.Fields(lines[0])[0]
			if lines[0] != id+" job createDomain PENDING" {
				t.Errorf("first line %q; want the submitted job", lines[0])
			}
			seen := map[string]string{}
			var last string
			for _, l := range lines {
				f := strings.Fields(l)
				if f[0] != id {
					t.Errorf("line %q does not start with the ticket id", l)
				}
				if f[1] == "step" {
					if seen[f[2]] == f[3] {
						t.Errorf("line %q repeats a state: one line per change", l)
					}
					seen[f[2]] = f[3]
				}
				if f[1] == "job" {
					last = f[3]
				}
			}
			for _, step := range []string{"CreateUmsDomain", "CreateKmsDomain", "CreateSalesforceAccount", "CreateZuoraDomainAccount"} {
				if seen[step] != "COMPLETE" {
					t.Errorf("step %s last shown %q; want COMPLETE", step, seen[step])
				}
			}
			if last != "COMPLETE" || !slices.Contains(lines, id+" job createDomain COMPLETE") {
				t.Errorf("job last shown %q", last)
			}
			if !strings.Contains(r.stdout, id+" result domainId=") {
				t.Errorf("no domainId result line")
			}
		})
	}
}
