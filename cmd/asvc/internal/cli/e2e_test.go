package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/actionservice/actionservice/cmd/asvc/internal/cli"
	"github.com/actionservice/actionservice/cmd/asvc/internal/client"
	"github.com/actionservice/actionservice/cmd/asvc/internal/progress"
	"github.com/actionservice/actionservice/local/simulator"
	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/local/stepfunctions"
	"github.com/actionservice/actionservice/shared/service"
	"github.com/actionservice/actionservice/shared/ticket"
)

// start runs a local stack for one test, on the engine's skipping clock so that retry
// intervals pass at once (a TIMEDOUT job takes milliseconds, not minutes).
func start(t *testing.T) *stack.Stack { return startWith(t, 5*time.Second) }

// startWith starts the stack with each call to an outside system bounded by outsideTimeout:
// a hung call (simulator.Hang) holds its step RUNNING that long.
func startWith(t *testing.T, outsideTimeout time.Duration) *stack.Stack {
	t.Helper()
	fc := stepfunctions.NewFakeClock(time.Now())
	// A handler slowed by a loaded machine must not count as blocked (the clock would jump
	// over it); a hung outside call ends at outsideTimeout, well within this grace.
	fc.HandlerGrace = time.Minute
	s, err := stack.Start(context.Background(), stack.Config{
		Addr: "127.0.0.1:0", SFNAddr: "127.0.0.1:0", Samples: true, Sweep: -1, Clock: fc,
		OutsideTimeout: outsideTimeout, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Service: service.Config{TicketsTable: "tickets", TokensTable: "tokens", IdentityTable: "identity",
			WaitCap: 5 * time.Second, ParamsKeyFile: filepath.Join(t.TempDir(), "params.key")},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// run is what one asvc command line did: its exit status and output.
type run struct {
	code           int
	stdout, stderr string
}

// asvc runs a command line against s as its admin, with stdout a terminal when tty is set,
// and the other environment variables from env.
func asvc(t *testing.T, s *stack.Stack, tty bool, env map[string]string, args ...string) run {
	t.Helper()
	return asvcUntil(context.Background(), t, s, tty, env, args...)
}

// asvcUntil runs asvc until it ends or ctx is cancelled, as Ctrl-C cancels main's.
func asvcUntil(ctx context.Context, t *testing.T, s *stack.Stack, tty bool, env map[string]string, args ...string) run {
	t.Helper()
	var stdout, stderr bytes.Buffer
	vars := map[string]string{"ACTION_SERVICE_URL": s.URL, "ACTION_SERVICE_TOKEN": s.AdminToken}
	for k, v := range env {
		vars[k] = v
	}
	code := cli.Run(ctx, args, cli.Env{
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

func TestSubmitWithJSONOutputPrintsOnlyTheFinalTicket(t *testing.T) {
	s := start(t)
	r := asvc(t, s, true, nil, "submit", "createDomain", "name="+uniqueName("Acme"), "--output", "json")
	if r.code != cli.ExitComplete {
		t.Fatalf("exit %d", r.code)
	}
	var doc ticket.Document
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("stdout is not one ticket document: %v\n%s", err, r.stdout)
	}
	if doc.JobTicket.Status != ticket.Complete || doc.JobTicket.ActionResults["domainId"] == "" || doc.JobTicket.Completion == nil {
		t.Errorf("final ticket %+v", doc.JobTicket)
	}
}

func TestAJobThatTimesOutExitsFourAndRestartResumesItToComplete(t *testing.T) {
	s := start(t)
	if _, err := s.Simulator.Inject(simulator.Fault{Operation: "CreateSalesforceAccount", Mode: simulator.Transient}); err != nil {
		t.Fatal(err)
	}
	r := asvc(t, s, false, nil, "submit", "createDomain", "name="+uniqueName("Acme"))
	if r.code != cli.ExitJobTimedOut {
		t.Fatalf("exit %d; want %d (TIMEDOUT)", r.code, cli.ExitJobTimedOut)
	}
	id := strings.Fields(r.stdout)[0]
	if !strings.Contains(r.stdout, id+" step CreateSalesforceAccount TIMEDOUT\n"+id+" job createDomain TIMEDOUT\n"+id+" error DEPENDENCY: ") {
		t.Errorf("no timed-out step, job and its error in:\n%s", r.stdout)
	}
	s.Simulator.ClearFaults()
	r = asvc(t, s, false, nil, "restart", id)
	if r.code != cli.ExitComplete {
		t.Fatalf("restart exit %d", r.code)
	}
	if !strings.HasPrefix(r.stdout, id+" job createDomain RETRY\n") || !strings.Contains(r.stdout, id+" job createDomain COMPLETE\n") {
		t.Errorf("restart did not follow the job from RETRY to COMPLETE:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "CreateKmsDomain RUNNING") {
		t.Errorf("a completed step ran again:\n%s", r.stdout)
	}
	// A second restart is the API's 409, shown as one line with the request id.
	r = asvc(t, s, false, nil, "restart", id)
	want := regexp.MustCompile(`^asvc: 409 Conflict: job ` + id + ` is COMPLETE; only a TIMEDOUT job can be restarted \(request id [0-9a-f-]{36}\)\n$`)
	if r.code != cli.ExitFailure || !want.MatchString(r.stderr) {
		t.Errorf("exit %d, stderr %q; want 1 and %s", r.code, r.stderr, want)
	}
}

func TestAJobPastItsDeadlineExitsFive(t *testing.T) {
	s := start(t)
	r := asvc(t, s, false, nil, "submit", "createDomain", "name="+uniqueName("Acme"), "--deadline", "1ms")
	if r.code != cli.ExitJobCanceled {
		t.Fatalf("exit %d; want %d (CANCELLED)", r.code, cli.ExitJobCanceled)
	}
	if !strings.Contains(r.stdout, " job createDomain CANCELLED\n") || !strings.Contains(r.stdout, " error TIMEOUT: deadline passed") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}

func TestASubmitMissingAParameterExitsThreeWithTheAPIsReason(t *testing.T) {
	s := start(t)
	r := asvc(t, s, false, nil, "submit", "createDomain", "company=Acme")
	if r.code != cli.ExitJobError || !strings.Contains(r.stdout, " error USER_INPUT: Missing required parameter [name]\n") {
		t.Errorf("exit %d, stdout:\n%s", r.code, r.stdout)
	}
}

func TestSubmitReadsTheBodyFromAJSONOrXMLFile(t *testing.T) {
	s := start(t)
	dir := t.TempDir()
	for name, body := range map[string]string{
		"domain.json": `{"JobTicket":{"actionParams":{"name":"` + uniqueName("Json") + `"}}}`,
		"domain.xml":  `<JobTicket><actionParams><entry><key>name</key><value>` + uniqueName("Xml") + `</value></entry></actionParams></JobTicket>`,
	} {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		r := asvc(t, s, false, nil, "submit", "createDomain", "--file", file, "-o", "json")
		if r.code != cli.ExitComplete {
			t.Errorf("%s: exit %d", name, r.code)
		}
	}
}

func TestAProblemIsOneLineWithTheRequestIDAndExitsOne(t *testing.T) {
	s := start(t)
	for _, c := range []struct {
		args   []string
		env    map[string]string
		detail string
	}{
		{[]string{"get", "ffffffffffffffffffffffff"}, nil, "404 Not Found: no job ticket ffffffffffffffffffffffff"},
		{[]string{"submit", "noSuchAction"}, nil, `404 Not Found: no action "noSuchAction"; GET /action lists them`},
		{[]string{"count", "--errors"}, map[string]string{"ACTION_SERVICE_TOKEN": "wrong"}, "401 Unauthorized: "},
	} {
		r := asvc(t, s, false, c.env, c.args...)
		line := regexp.MustCompile(`^asvc: ` + regexp.QuoteMeta(c.detail) + `.*\(request id [0-9a-f-]{36}\)\n$`)
		if r.code != cli.ExitFailure || !line.MatchString(r.stderr) || r.stdout != "" {
			t.Errorf("asvc %v: exit %d, stderr %q; want 1 and %s", c.args, r.code, r.stderr, line)
		}
	}
}

func TestJobsWithAllFollowsTheLinkHeaderThroughEveryPage(t *testing.T) {
	s := start(t)
	list := func(args ...string) []ticket.View {
		t.Helper()
		r := asvc(t, s, false, nil, append([]string{"jobs", "--account", stack.SampleAccount, "-o", "json"}, args...)...)
		if r.code != 0 {
			t.Fatalf("exit %d", r.code)
		}
		var doc ticket.List
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.TicketList.Tickets
	}
	ids := func(ts []ticket.View) []string {
		var out []string
		for _, v := range ts {
			out = append(out, v.TicketID)
		}
		return out
	}
	whole := list()
	if len(whole) < 3 {
		t.Fatalf("%d sample tickets; want at least 3 to page through", len(whole))
	}
	if got := list("--limit", "2"); !slices.Equal(ids(got), ids(whole[:2])) {
		t.Errorf("one page of 2: %v", ids(got))
	}
	if got := list("--limit", "2", "--all"); !slices.Equal(ids(got), ids(whole)) {
		t.Errorf("pages of 2 with --all: %v; want %v", ids(got), ids(whole))
	}
	r := asvc(t, s, false, nil, "jobs", "--account", stack.SampleAccount, "--limit", "1")
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[0], "TICKET") || !strings.HasPrefix(lines[1], whole[0].TicketID) {
		t.Errorf("table:\n%s", r.stdout)
	}
	if want := "more jobs follow: --all lists them all, --marker " + whole[0].TicketID + " the next page\n"; r.stderr != want {
		t.Errorf("stderr %q; want %q", r.stderr, want)
	}
}

func TestCountDeleteAndTheErrorListsAgree(t *testing.T) {
	s := start(t)
	count := func(args ...string) int {
		t.Helper()
		r := asvc(t, s, false, nil, append([]string{"count"}, args...)...)
		n, err := strconv.Atoi(strings.TrimSpace(r.stdout))
		if r.code != 0 || err != nil {
			t.Fatalf("count %v: exit %d, %q", args, r.code, r.stdout)
		}
		return n
	}
	if _, err := s.Simulator.Inject(simulator.Fault{Operation: "CreateSalesforceAccount", Mode: simulator.Permanent, Status: 409}); err != nil {
		t.Fatal(err)
	}
	before := count("--category", "CONFLICT")
	r := asvc(t, s, false, nil, "submit", "createDomain", "name="+uniqueName("Acme"), "-o", "json")
	var doc ticket.Document
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	id := doc.JobTicket.TicketID
	if n := count("--category", "CONFLICT"); n != before+1 {
		t.Errorf("CONFLICT count %d after one more; was %d", n, before)
	}
	r = asvc(t, s, false, nil, "jobs", "--category", "CONFLICT")
	if !strings.Contains(r.stdout, id+"  createDomain") {
		t.Errorf("the failed job is not in its category's list:\n%s", r.stdout)
	}
	if n := count("--status", "ERROR"); n < 1 {
		t.Errorf("ERROR count %d", n)
	}
	if r = asvc(t, s, false, nil, "delete", id); r.code != 0 || r.stdout != "deleted "+id+"\n" {
		t.Errorf("delete: exit %d, %q", r.code, r.stdout)
	}
	if n := count("--category", "CONFLICT"); n != before {
		t.Errorf("CONFLICT count %d after the delete; want %d", n, before)
	}
	if r = asvc(t, s, false, nil, "get", id); r.code != cli.ExitFailure || !strings.Contains(r.stderr, "404 Not Found") {
		t.Errorf("get after delete: exit %d, %q", r.code, r.stderr)
	}
	if r = asvc(t, s, false, nil, "delete", "--category", "CONFLICT"); r.code != 0 || r.stdout != "deleted every CONFLICT error job\n" {
		t.Errorf("delete --category: exit %d, %q", r.code, r.stdout)
	}
	if n := count("--category", "CONFLICT"); n != 0 {
		t.Errorf("CONFLICT count %d after deleting the category", n)
	}
	if n := count("--errors"); n == 0 {
		t.Errorf("deleting one category deleted every error job")
	}
}

func TestActionsListsTheCatalogueWithParametersAndSteps(t *testing.T) {
	s := start(t)
	r := asvc(t, s, false, nil, "actions")
	want := "createDomain\n" +
		"  Create a new Domain: its identity record, its key management tenant, its CRM account and its billing account. A failure rolls back what was created.\n" +
		"  params: name* company emailAddress addressLine1 city state zip country phone website description (* required)\n" +
		"  steps:  CreateUmsDomain → CreateKmsDomain → CreateSalesforceAccount → CreateZuoraDomainAccount\n"
	if r.code != 0 || !strings.Contains(r.stdout, want) {
		t.Errorf("exit %d; want createDomain's entry:\n%s", r.code, want)
	}
}

func TestGetShowsTheTicketWithItsStepsInRunningOrder(t *testing.T) {
	s := start(t)
	r := asvc(t, s, false, nil, "submit", "createTenant", "-o", "json")
	var doc ticket.Document
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	r = asvc(t, s, false, nil, "get", doc.JobTicket.TicketID)
	for _, want := range []string{
		"ticket     " + doc.JobTicket.TicketID + "\n",
		"action     createTenant\n",
		"status     ERROR\n",
		"error      USER_INPUT: Missing required parameter [domainId]\n",
		"step       CreateUmsTenant  PENDING\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.stdout)
		}
	}
}

func TestAWrongCommandLineExitsTwoBeforeAnyRequest(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"submit", "createDomain", "name"}, nil, `parameter "name" is not key=value`},
		{[]string{"submit", "createDomain", "a=1", "a=2"}, nil, "parameter a given twice"},
		{[]string{"submit"}, nil, "want ACTION"},
		{[]string{"get"}, nil, "want ID, got 0 arguments"},
		{[]string{"jobs", "--status", "DONE"}, nil, "DONE"},
		{[]string{"jobs", "--errors", "--status", "ERROR"}, nil, "the error lists filter by category only"},
		{[]string{"count"}, nil, "count what?"},
		{[]string{"delete"}, nil, "want a ticket ID or --category, one of them"},
		{[]string{"delete", "x", "--category", "AUTH"}, nil, "want a ticket ID or --category, one of them"},
		{[]string{"delete", "--category", "OOPS"}, nil, "OOPS"},
		{[]string{"jobs", "--limit", "x"}, nil, "invalid argument"},
		{[]string{"frobnicate"}, nil, "unknown command"},
		{[]string{"jobs"}, map[string]string{"ACTION_SERVICE_URL": ""}, "no endpoint: set --endpoint or ACTION_SERVICE_URL"},
		{[]string{"jobs", "-o", "yaml"}, nil, `--output is text or json, not "yaml"`},
	} {
		var stdout, stderr bytes.Buffer
		vars := map[string]string{"ACTION_SERVICE_URL": "http://127.0.0.1:1"}
		for k, v := range c.env {
			vars[k] = v
		}
		code := cli.Run(context.Background(), c.args, cli.Env{
			Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
			Getenv: func(k string) string { return vars[k] }, Terminal: func(io.Writer) (bool, int) { return false, 0 },
		})
		if code != cli.ExitUsage || !strings.Contains(stderr.String(), c.want) || !strings.HasPrefix(stderr.String(), "asvc: ") {
			t.Errorf("asvc %v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}

// submitted is a createDomain job submitted by another client, as asvc wait finds it.
func submitted(t *testing.T, s *stack.Stack) string {
	t.Helper()
	c, err := client.New(s.URL, s.AdminToken)
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Submit(context.Background(), "createDomain", client.Submission{Params: map[string]string{"name": uniqueName("Acme")}})
	if err != nil {
		t.Fatal(err)
	}
	return v.TicketID
}

func TestWaitRedrawsARunningJobStepByStepUntilItCompletes(t *testing.T) {
	// The CRM's first call hangs until the step gives up on it (300 ms), and the retry goes
	// through: the job is seen with its first two steps done and the third running.
	s := startWith(t, 300*time.Millisecond)
	if _, err := s.Simulator.Inject(simulator.Fault{Operation: "CreateSalesforceAccount", Mode: simulator.Hang, Times: 1}); err != nil {
		t.Fatal(err)
	}
	id := submitted(t, s)
	r := asvc(t, s, true, nil, "wait", id)
	if r.code != cli.ExitComplete {
		t.Fatalf("exit %d", r.code)
	}
	fs := frames(t, r.stdout)
	running := []string{
		"createDomain " + id + " RUNNING",
		"  ✓ CreateUmsDomain          COMPLETE",
		"  ✓ CreateKmsDomain          COMPLETE",
		"  › CreateSalesforceAccount  RUNNING",
		"  · CreateZuoraDomainAccount PENDING",
	}
	if !slices.ContainsFunc(fs, func(f []string) bool { return slices.Equal(f, running) }) {
		t.Errorf("no frame shows the CRM step running after the first two completed:\n%s", strings.Join(running, "\n"))
	}
	if last := fs[len(fs)-1]; last[0] != "createDomain "+id+" COMPLETE" {
		t.Errorf("last frame starts %q", last[0])
	}
	stepsMoveForward(t, fs)
}

func TestWaitOnAnEndedJobExitsWithItsOutcomeAtOnce(t *testing.T) {
	s := start(t)
	r := asvc(t, s, false, nil, "jobs", "--account", stack.SampleAccount, "--status", "CANCELLED", "-o", "json")
	var doc ticket.List
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || len(doc.TicketList.Tickets) == 0 {
		t.Fatalf("no CANCELLED sample ticket: %v", err)
	}
	id := doc.TicketList.Tickets[0].TicketID
	r = asvc(t, s, false, nil, "wait", id)
	if r.code != cli.ExitJobCanceled || !strings.Contains(r.stdout, id+" job ") {
		t.Errorf("exit %d; want %d", r.code, cli.ExitJobCanceled)
	}
}

func TestInterruptingTheLiveViewExits130AndSaysHowToFollowAgain(t *testing.T) {
	s := start(t)
	if _, err := s.Simulator.Inject(simulator.Fault{Operation: "CreateSalesforceAccount", Mode: simulator.Hang}); err != nil {
		t.Fatal(err)
	}
	id := submitted(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	r := asvcUntil(ctx, t, s, false, nil, "wait", id)
	want := "asvc: stopped following job " + id + ", which is RUNNING: asvc wait " + id + " follows it again\n"
	if r.code != cli.ExitInterrupted || r.stderr != want {
		t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, cli.ExitInterrupted, want)
	}
	if !strings.Contains(r.stdout, id+" job createDomain RUNNING\n") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}

func TestHelpNeedsNoEndpointAndNamesTheExitStatuses(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"submit", "--help"}, {"help", "wait"}} {
		var stdout, stderr bytes.Buffer
		code := cli.Run(context.Background(), args, cli.Env{
			Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
			Getenv: func(string) string { return "" }, Terminal: func(io.Writer) (bool, int) { return false, 0 },
		})
		if code != 0 || !strings.Contains(stdout.String(), "3    the job ended ERROR") || !strings.Contains(stdout.String(), "5    the job ended CANCELLED") {
			t.Errorf("asvc %v: exit %d, stdout:\n%s\nstderr: %s", args, code, stdout.String(), stderr.String())
		}
	}
}
