package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/actionservice/actionservice/cmd/asvc/internal/client"
	"github.com/actionservice/actionservice/cmd/asvc/internal/progress"
	"github.com/actionservice/actionservice/shared/ticket"
)

// longPoll is how long one GET /job/{id}?timeOut= asks to wait when nobody watches the steps
// (--output json); the API caps it at its own wait cap (25 s by default) and then answers
// with the job as it is, and the client asks again.
const longPoll = 25 * time.Second

func (a *app) submitCmd() *cobra.Command {
	var (
		file     string
		deadline time.Duration
		key      string
	)
	cmd := &cobra.Command{
		Use:   "submit ACTION [key=value…]",
		Short: "Submit an action and follow its job step by step",
		Long: `Submit an action with its parameters as key=value arguments, or the body in a file
(--file body.json or body.xml, - for standard input), then follow the job until it ends.

On a terminal the job's steps are redrawn in place as they move; when stdout is no terminal,
NO_COLOR is set or --plain is given, one line is printed per change. --output json prints
only the final ticket.

Every submit carries an Idempotency-Key (a fresh one unless --idempotency-key names one), so a
submit whose answer the network lost is sent again safely: the API returns the first ticket.

` + exitCodesHelp,
		Example: `  asvc submit createDomain name=Acme company="Acme Inc"
  asvc submit createDomain --file domain.xml --deadline 2m
  asvc submit createTenant domainId=1234 name=eu --output json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("want ACTION, the action to submit (asvc actions lists them)")
			}
			if file != "" && len(args) > 1 {
				return usagef("give the parameters as key=value or in --file, not both")
			}
			return nil
		},
		RunE: a.run(func(ctx context.Context, args []string) error {
			s := client.Submission{Deadline: deadline, IdempotencyKey: key}
			var err error
			if file != "" {
				s.Body, s.ContentType, err = a.readBody(file)
			} else {
				s.Params, err = params(args[1:])
			}
			if err != nil {
				return err
			}
			t, err := a.client.Submit(ctx, args[0], s)
			if err != nil {
				return err
			}
			return a.follow(ctx, t)
		}),
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the request body, JSON or XML by its extension or first character (- reads standard input)")
	cmd.Flags().DurationVar(&deadline, "deadline", 0, "cancel and roll back the job if it is not done in this time (the API's timeOut; it holds its answer up to its wait cap)")
	cmd.Flags().StringVar(&key, "idempotency-key", "", "the submission's Idempotency-Key: a repeat with the same key returns the first ticket")
	return cmd
}

// params reads key=value arguments; a key twice, or an argument without "=", is refused
// rather than guessed at.
func params(args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, arg := range args {
		k, v, ok := strings.Cut(arg, "=")
		if !ok || k == "" {
			return nil, usagef("parameter %q is not key=value", arg)
		}
		if _, dup := out[k]; dup {
			return nil, usagef("parameter %s given twice", k)
		}
		out[k] = v
	}
	return out, nil
}

// readBody is a --file's content and its media type: XML for a .xml file or one that opens
// with "<", JSON otherwise.
func (a *app) readBody(name string) ([]byte, string, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(a.env.Stdin)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, "", fmt.Errorf("read the request body: %w", err)
	}
	if strings.EqualFold(filepath.Ext(name), ".xml") || strings.HasPrefix(strings.TrimSpace(string(b)), "<") {
		return b, "application/xml", nil
	}
	return b, "application/json", nil
}

func (a *app) waitCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "wait ID",
		Short: "Follow a job until it ends, as submit does",
		Long:  "Follow a job until it ends, as submit does.\n\n" + exitCodesHelp,
		Args:  exactArgs("ID"),
		RunE: a.run(func(ctx context.Context, args []string) error {
			t, err := a.client.Job(ctx, args[0])
			if err != nil {
				return err
			}
			return a.follow(ctx, t)
		}),
	}
}

func (a *app) restartCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "restart ID",
		Short: "Restart a TIMEDOUT job at the step that timed out, and follow it",
		Long: `Restart a TIMEDOUT job: it resumes at the step that timed out, and the steps that
completed are not run again. The job is then followed as submit does. A restart is never
retried automatically: one that applied answers a repeat with 409.

` + exitCodesHelp,
		Args: exactArgs("ID"),
		RunE: a.run(func(ctx context.Context, args []string) error {
			t, err := a.client.Restart(ctx, args[0])
			if err != nil {
				return err
			}
			return a.follow(ctx, t)
		}),
	}
}

func (a *app) getCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get ID",
		Short: "Show a job's ticket",
		Args:  exactArgs("ID"),
		RunE: a.run(func(ctx context.Context, args []string) error {
			t, err := a.client.Job(ctx, args[0])
			if err != nil {
				return err
			}
			if a.output == "json" {
				return a.printJSON(ticket.Document{JobTicket: *t})
			}
			return a.describe(ctx, t)
		}),
	}
}

func (a *app) deleteCmd() *cobra.Command {
	var category string
	cmd := &cobra.Command{
		Use:   "delete ID | delete --category CATEGORY",
		Short: "Delete a job's ticket (once the job has ended), or every failed job of a category",
		Example: `  asvc delete 01a2383ca620898053eca732
  asvc delete --category USER_INPUT`,
		Args: func(_ *cobra.Command, args []string) error {
			if (len(args) == 1) == (category != "") {
				return usagef("want a ticket ID or --category, one of them")
			}
			return nil
		},
		RunE: a.run(func(ctx context.Context, args []string) error {
			if category != "" {
				c, err := ticket.ParseCategory(category)
				if err != nil {
					return usageError{err}
				}
				if err := a.client.DeleteErrors(ctx, c); err != nil {
					return err
				}
				if a.output == "text" {
					fmt.Fprintf(a.env.Stdout, "deleted every %s error job\n", c)
				}
				return nil
			}
			if err := a.client.Delete(ctx, args[0]); err != nil {
				return err
			}
			if a.output == "text" {
				fmt.Fprintf(a.env.Stdout, "deleted %s\n", args[0])
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&category, "category", "", "delete every failed job of this error category: "+strings.Join(categoryNames(), ", "))
	return cmd
}

// follow shows t's job until it ends and turns its outcome into the exit status.
func (a *app) follow(ctx context.Context, t *ticket.View) error {
	var err error
	if a.output == "json" {
		t, err = a.await(ctx, t)
	} else {
		t, err = progress.Follow(ctx, a.view(ctx, t.Action), a.env.Poll, t, func(ctx context.Context) (*ticket.View, error) {
			return a.client.Job(ctx, t.TicketID)
		})
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(a.env.Stderr, "asvc: stopped following job %s, which is %s: asvc wait %s follows it again\n", t.TicketID, t.Status, t.TicketID)
		return err
	}
	if err != nil {
		return fmt.Errorf("follow job %s: %w", t.TicketID, err)
	}
	if a.output == "json" {
		if err := a.printJSON(ticket.Document{JobTicket: *t}); err != nil {
			return err
		}
	}
	return outcomeOf(t.Status)
}

// await long-polls the job until it ends: without a live view there is nothing to show
// between, and one request per wait cap is the fewest that follow it.
func (a *app) await(ctx context.Context, t *ticket.View) (*ticket.View, error) {
	for !t.Status.Terminal() {
		next, err := a.client.Await(ctx, t.TicketID, longPoll)
		if err != nil {
			return t, err
		}
		t = next
	}
	return t, nil
}

// outcomeOf is nil for COMPLETE, else the exit status of the terminal status s.
func outcomeOf(s ticket.Status) error {
	switch s {
	case ticket.Complete:
		return nil
	case ticket.TimedOut:
		return jobOutcome{code: ExitJobTimedOut, status: s}
	case ticket.Cancelled:
		return jobOutcome{code: ExitJobCanceled, status: s}
	}
	return jobOutcome{code: ExitJobError, status: s}
}

// view is the live view on a terminal, the plain one elsewhere or when asked (--plain,
// NO_COLOR, TERM=dumb), with the action's steps in the catalogue's order.
func (a *app) view(ctx context.Context, action string) *progress.View {
	order := a.steps(ctx, action)
	tty, width := a.env.Terminal(a.env.Stdout)
	if !tty || a.plain || a.env.Getenv("NO_COLOR") != "" || a.env.Getenv("TERM") == "dumb" {
		return progress.Plain(a.env.Stdout, order)
	}
	return progress.Live(a.env.Stdout, width, order)
}

// steps is an action's steps in running order, from the catalogue. A ticket's steps are a
// map, which has no order; when the catalogue cannot be read the view orders them by name,
// which shows the same states less readably, so that is no reason to fail the command.
func (a *app) steps(ctx context.Context, action string) []string {
	all, err := a.client.Actions(ctx)
	if err != nil {
		return nil
	}
	for _, act := range all {
		if act.Name == action {
			return act.Steps
		}
	}
	return nil
}

// describe writes a ticket for a reader: one field a line, steps in running order.
func (a *app) describe(ctx context.Context, t *ticket.View) error {
	w := tabwriter.NewWriter(a.env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "ticket\t%s\n", t.TicketID)
	fmt.Fprintf(w, "action\t%s\n", t.Action)
	fmt.Fprintf(w, "account\t%s\n", t.AccountID)
	fmt.Fprintf(w, "status\t%s\n", t.Status)
	if t.ErrorCategory != "" || t.ErrorDescription != "" {
		fmt.Fprintf(w, "error\t%s: %s\n", t.ErrorCategory, t.ErrorDescription)
	}
	fmt.Fprintf(w, "submitted\t%s\n", when(t.Submission))
	if t.Completion != nil {
		fmt.Fprintf(w, "completed\t%s\n", when(t.Completion))
	}
	order := a.steps(ctx, t.Action)
	names := slices.Collect(maps.Keys(t.StepStatus))
	rank := func(step string) int {
		if i := slices.Index(order, step); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortFunc(names, func(x, y string) int {
		if d := rank(x) - rank(y); d != 0 {
			return d
		}
		return strings.Compare(x, y)
	})
	for _, n := range names {
		fmt.Fprintf(w, "step\t%s\t%s\n", n, t.StepStatus[n])
	}
	for _, k := range slices.Sorted(maps.Keys(t.ActionResults)) {
		fmt.Fprintf(w, "result\t%s=%s\n", k, t.ActionResults[k])
	}
	return w.Flush()
}

// when is a ticket time in UTC, to the millisecond as the API keeps it.
func when(e *ticket.EpochMilli) string {
	if e == nil {
		return ""
	}
	return time.Time(*e).UTC().Format("2006-01-02T15:04:05.000Z")
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
