package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/actionservice/actionservice/cmd/asvc/internal/client"
	"github.com/actionservice/actionservice/shared/ticket"
)

// filterFlags are the job lists' and counts' filters, checked here so that a typo is a usage
// error naming the values, not a round trip.
type filterFlags struct {
	account, action, status, category string
	errors                            bool
}

func (f *filterFlags) add(cmd *cobra.Command, byJob bool) {
	if byJob {
		cmd.Flags().StringVar(&f.account, "account", "", "jobs of this account (GET /job?accountId=; an admin must name one)")
		cmd.Flags().StringVar(&f.action, "action", "", "jobs of this action (with --account, or the caller's own)")
	}
	cmd.Flags().StringVar(&f.status, "status", "", "jobs in this status: "+strings.Join(statusNames(), ", "))
	cmd.Flags().BoolVar(&f.errors, "errors", false, "the failed jobs: ERROR, TIMEDOUT or CANCELLED")
	cmd.Flags().StringVar(&f.category, "category", "", "the failed jobs of this error category: "+strings.Join(categoryNames(), ", "))
}

func (f *filterFlags) filter() (client.Filter, error) {
	out := client.Filter{Account: f.account, Action: f.action, Errors: f.errors}
	if f.status != "" {
		s, err := ticket.ParseStatus(f.status)
		if err != nil {
			return out, usageError{err}
		}
		out.Status = s
	}
	if f.category != "" {
		c, err := ticket.ParseCategory(f.category)
		if err != nil {
			return out, usageError{err}
		}
		out.Category = c
	}
	if err := out.Check(); err != nil {
		return out, usageError{err}
	}
	return out, nil
}

// statusNames and categoryNames are the values the flags take, for their help.
func statusNames() []string { return names(ticket.Statuses) }

func categoryNames() []string { return names(ticket.Categories) }

func names[T ~string](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

func (a *app) jobsCmd() *cobra.Command {
	var (
		f      filterFlags
		paging client.Paging
		all    bool
	)
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "List jobs, newest first",
		Long: `List jobs, newest first: the caller's own (or --account's), those of a --status, or the
failed ones (--errors, --category). One page at a time (--limit, --marker, --skip), or every
page with --all, following the API's Link: rel="next".`,
		Example: `  asvc jobs --account 1234 --action createDomain --status ERROR
  asvc jobs --status RUNNING --all
  asvc jobs --category CONFLICT --output json`,
		Args: exactArgs(),
		RunE: a.run(func(ctx context.Context, _ []string) error {
			filter, err := f.filter()
			if err != nil {
				return err
			}
			page, err := a.client.Jobs(ctx, filter, paging)
			if err != nil {
				return err
			}
			tickets := page.Tickets
			for all && page.Next != "" {
				if page, err = a.client.NextJobs(ctx, page.Next); err != nil {
					return err
				}
				tickets = append(tickets, page.Tickets...)
			}
			if a.output == "json" {
				return a.printJSON(ticket.List{TicketList: ticket.ListTickets{Tickets: tickets}})
			}
			w := tabwriter.NewWriter(a.env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "TICKET\tACTION\tSTATUS\tCATEGORY\tSUBMITTED")
			for _, t := range tickets {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.TicketID, t.Action, t.Status, t.ErrorCategory, when(t.Submission))
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if page.Next != "" && len(tickets) > 0 {
				fmt.Fprintf(a.env.Stderr, "more jobs follow: --all lists them all, --marker %s the next page\n", tickets[len(tickets)-1].TicketID)
			}
			return nil
		}),
	}
	f.add(cmd, true)
	cmd.Flags().IntVar(&paging.Limit, "limit", 0, "jobs per page (the API's default 100, at most 1000)")
	cmd.Flags().StringVar(&paging.Marker, "marker", "", "start after this ticket (the last of the previous page)")
	cmd.Flags().IntVar(&paging.Skip, "skip", 0, "skip this many jobs after the marker")
	cmd.Flags().BoolVar(&all, "all", false, "every page, not just the first")
	return cmd
}

func (a *app) countCmd() *cobra.Command {
	var f filterFlags
	cmd := &cobra.Command{
		Use:   "count",
		Short: "Count the failed jobs (of a category), or the jobs in a status",
		Example: `  asvc count --errors
  asvc count --category DEPENDENCY
  asvc count --status RUNNING`,
		Args: exactArgs(),
		RunE: a.run(func(ctx context.Context, _ []string) error {
			filter, err := f.filter()
			if err != nil {
				return err
			}
			if !filter.Errors && filter.Category == "" && filter.Status == "" {
				return usagef("count what? --errors, --category or --status")
			}
			n, err := a.client.Count(ctx, filter)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.env.Stdout, n)
			return nil
		}),
	}
	f.add(cmd, false)
	return cmd
}

func (a *app) actionsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "actions",
		Short: "List the actions that can be submitted, their parameters and steps",
		Args:  exactArgs(),
		RunE: a.run(func(ctx context.Context, _ []string) error {
			all, err := a.client.Actions(ctx)
			if err != nil {
				return err
			}
			if a.output == "json" {
				var doc struct {
					Actions struct {
						Action []client.Action `json:"action"`
					} `json:"actions"`
				}
				doc.Actions.Action = all
				return a.printJSON(doc)
			}
			for i, act := range all {
				if i > 0 {
					fmt.Fprintln(a.env.Stdout)
				}
				var ps []string
				for _, p := range act.Parameters {
					if p.Required {
						ps = append(ps, p.Name+"*")
					} else {
						ps = append(ps, p.Name)
					}
				}
				fmt.Fprintf(a.env.Stdout, "%s\n  %s\n  params: %s (* required)\n  steps:  %s\n",
					act.Name, act.Description, strings.Join(ps, " "), strings.Join(act.Steps, " → "))
			}
			return nil
		}),
	}
}
