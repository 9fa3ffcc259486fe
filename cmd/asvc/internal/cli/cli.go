// Package cli is the asvc command: a client of the Action Service's REST API that submits
// actions and follows their jobs step by step, lists, counts, restarts and deletes jobs, and
// speaks the Domains API.
// Each command is a cobra.Command built over one Env, so that a test runs the command a user
// runs, with its output in buffers.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/actionservice/actionservice/cmd/asvc/internal/client"
	"github.com/actionservice/actionservice/cmd/asvc/internal/progress"
	"github.com/actionservice/actionservice/shared/ticket"
)

// Exit statuses. A command that follows a job (submit, wait, restart) exits with its outcome,
// so a script can tell a rollback from a timeout without parsing output.
const (
	ExitComplete    = 0   // the command did what it was asked; a followed job is COMPLETE
	ExitFailure     = 1   // a request failed: a problem document, the network, an unreadable file
	ExitUsage       = 2   // the command line is wrong
	ExitJobError    = 3   // the job ended ERROR (a step failed; completed steps were rolled back)
	ExitJobTimedOut = 4   // the job ended TIMEDOUT (retries used up; `asvc restart` resumes it)
	ExitJobCanceled = 5   // the job ended CANCELLED (its deadline passed; it was rolled back)
	ExitNameFree    = 6   // asvc domains name-taken: no domain has the name
	ExitInterrupted = 130 // interrupted (Ctrl-C) while following a job that was still running
)

const exitCodesHelp = `Exit status:
  0    done; a followed job (submit, wait, restart) ended COMPLETE
  1    a request failed (the API's problem, a network error, an unreadable file)
  2    usage error
  3    the job ended ERROR (a step failed; the completed steps were rolled back)
  4    the job ended TIMEDOUT (an outside system kept failing; asvc restart resumes it)
  5    the job ended CANCELLED (its deadline passed; it was rolled back)
  6    domains name-taken: the name is free
  130  interrupted while the job was still running (asvc wait ID follows it again)`

// Env is the world a command runs in.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Terminal reports whether w is a terminal, and how many columns wide (0: unknown).
	Terminal func(w io.Writer) (bool, int)
	// Poll paces the live view.
	Poll progress.Poll
}

// OS is the process's own environment.
func OS() Env {
	return Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		Terminal: func(w io.Writer) (bool, int) {
			f, ok := w.(*os.File)
			if !ok || !term.IsTerminal(int(f.Fd())) {
				return false, 0
			}
			width, _, err := term.GetSize(int(f.Fd()))
			if err != nil {
				return true, 0
			}
			return true, width
		},
		Poll: progress.DefaultPoll,
	}
}

// app is one run of the command: its environment, its global flags, and the client they make.
type app struct {
	env      Env
	endpoint string
	token    string
	output   string
	plain    bool
	retries  int
	client   *client.Client
	// started: cobra has parsed the command line and a command runs, so an error from here on
	// is the command's, not the command line's.
	started bool
}

// usageError is a command line the command refuses.
type usageError struct{ error }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// jobOutcome is a followed job that did not end COMPLETE: its exit status, no message (the
// view has shown it).
type jobOutcome struct {
	code   int
	status ticket.Status
}

func (j jobOutcome) Error() string { return "job " + string(j.status) }

// exitStatus is a command's answer told by its exit status alone, not a failure: no message
// (the command has printed its answer).
type exitStatus int

func (e exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// Run runs the command line args and returns the exit status.
func Run(ctx context.Context, args []string, env Env) int {
	a := &app{env: env}
	root := a.root()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var outcome jobOutcome
	var usage usageError
	var status exitStatus
	switch {
	case err == nil:
		return ExitComplete
	case errors.As(err, &outcome):
		return outcome.code
	case errors.As(err, &status):
		return int(status)
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case !a.started || errors.As(err, &usage):
		fmt.Fprintf(env.Stderr, "asvc: %v\nRun 'asvc --help' for usage.\n", err)
		return ExitUsage
	default:
		fmt.Fprintf(env.Stderr, "asvc: %v\n", err)
		return ExitFailure
	}
}

func (a *app) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "asvc",
		Short: "Submit actions to the Action Service and follow their jobs",
		Long: `asvc is a client of the Action Service's REST API. It submits actions and shows
their jobs' steps live as they move, lists, counts, restarts and deletes jobs, and reads
and changes domains (asvc domains).

Configuration (flags win over the environment):
  --endpoint  ACTION_SERVICE_URL    the API's base URL, stage included
  --token     ACTION_SERVICE_TOKEN  the X-Auth-Token to send
` + "`make run`" + ` prints the export line for the local stack.

` + exitCodesHelp,
		SilenceErrors:    true,
		SilenceUsage:     true,
		PersistentPreRun: func(*cobra.Command, []string) { a.started = true },
	}
	root.SetIn(a.env.Stdin)
	root.SetOut(a.env.Stdout)
	root.SetErr(a.env.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := root.PersistentFlags()
	// The environment is read in connect, not as the flags' defaults: --help would print the
	// token as a default.
	f.StringVar(&a.endpoint, "endpoint", "", "the API's base URL (default $ACTION_SERVICE_URL)")
	f.StringVar(&a.token, "token", "", "the X-Auth-Token to send (default $ACTION_SERVICE_TOKEN)")
	f.StringVarP(&a.output, "output", "o", "text", "text, or json: the API's documents as they are")
	f.BoolVar(&a.plain, "plain", false, "one line per change instead of the live view (also when NO_COLOR is set or stdout is no terminal)")
	f.IntVar(&a.retries, "retries", 3, "retries of a call that is safe to repeat, after a network error or a 502/503/504")
	root.AddCommand(a.submitCmd(), a.waitCmd(), a.getCmd(), a.restartCmd(), a.deleteCmd(),
		a.jobsCmd(), a.countCmd(), a.actionsCmd(), a.domainsCmd())
	return root
}

// run is a command's RunE that needs the API: it makes the client first.
func (a *app) run(fn func(ctx context.Context, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := a.connect(); err != nil {
			return err
		}
		return fn(cmd.Context(), args)
	}
}

// connect checks the global flags and makes the client.
func (a *app) connect() error {
	if a.output != "text" && a.output != "json" {
		return usagef("--output is text or json, not %q", a.output)
	}
	if a.retries < 0 {
		return usagef("--retries is 0 or more, not %d", a.retries)
	}
	if a.endpoint == "" {
		a.endpoint = a.env.Getenv("ACTION_SERVICE_URL")
	}
	if a.token == "" {
		a.token = a.env.Getenv("ACTION_SERVICE_TOKEN")
	}
	c, err := client.New(a.endpoint, a.token)
	if err != nil {
		return usageError{err}
	}
	c.Attempts = a.retries + 1
	a.client = c
	return nil
}

// exactArgs is cobra.ExactArgs as a usage error, naming what is missing.
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != len(names) && len(names) == 0 {
			return usagef("want no arguments, got %d: %s", len(args), strings.Join(args, " "))
		}
		if len(args) != len(names) {
			return usagef("want %s, got %d arguments", strings.Join(names, " "), len(args))
		}
		return nil
	}
}
