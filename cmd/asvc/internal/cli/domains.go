package cli

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/actionservice/actionservice/cmd/asvc/internal/client"
	"github.com/actionservice/actionservice/shared/ticket"
)

// The domains commands: the Domains API (API.md §3) and a domain's operation history, one
// subcommand per route. Lists are tables by default and the API's envelope with -o json;
// --all follows Link: rel="next" and joins the pages into one envelope.

const domainsHelp = `The Domains API: a domain's identity record, the lists under it (users, tenants,
groups, roles, subscribeable and activated services), its owner and its operation history.
Lists show one page (--limit, --marker) or every page with --all, following the API's
Link: rel="next"; -o json prints the API's documents (several pages as one envelope).

Exit status: 0 done, 1 a request failed (the API's problem in one line), 2 usage error;
name-taken exits 0 when the name is taken and 6 when it is free.`

func (a *app) domainsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "domains",
		Short: "Read and change domains, the lists under them and their operation history",
		Long:  domainsHelp,
		Example: `  asvc domains list --all
  asvc domains create name=Acme company="Acme Inc" status=enabled
  asvc domains update 1234 phone=555-0100 website=
  asvc domains users 1234 --exclude-roles domainadmin
  asvc domains history 1234 --action '^createUser$' --status ERROR`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q for \"asvc domains\"", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.domainsListCmd(), a.domainGetCmd(), a.domainCreateCmd(), a.domainUpdateCmd(),
		a.domainDeleteCmd(), a.domainNameTakenCmd(), a.domainOwnerCmd(), a.domainHistoryCmd())
	for _, l := range domainLists {
		cmd.AddCommand(a.domainItemsCmd(l))
	}
	return cmd
}

// pageFlags are a Domains list's paging: one page, or every page.
type pageFlags struct {
	paging client.Paging
	all    bool
}

func (p *pageFlags) add(cmd *cobra.Command, what string) {
	cmd.Flags().IntVar(&p.paging.Limit, "limit", 0, what+" per page (the API's default 100, at most 1000)")
	cmd.Flags().StringVar(&p.paging.Marker, "marker", "", "start after this id (the last of the previous page)")
	cmd.Flags().BoolVar(&p.all, "all", false, "every page, not just the first")
}

// collect is the first page, or with all every page from it joined into one.
func (a *app) collect(ctx context.Context, first *client.List, all bool) (*client.List, error) {
	whole := *first
	for page := first; all && page.Next != ""; {
		next, err := a.client.Next(ctx, page)
		if err != nil {
			return nil, err
		}
		whole.Items = append(whole.Items, next.Items...)
		whole.Next, page = next.Next, next
	}
	return &whole, nil
}

// showList prints a list: its envelope with -o json, else a table of header and one row per
// item, and on stderr how to read on when more pages follow.
func showList[T any](a *app, l *client.List, what string, header []string, row func(T) []string) error {
	if a.output == "json" {
		return a.printJSON(l.Document())
	}
	items, err := client.Items[T](l)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(a.env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(header, "\t"))
	for _, it := range items {
		fmt.Fprintln(w, strings.Join(row(it), "\t"))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if l.Next != "" {
		hint := "more " + what + " follow: --all lists them all"
		if u, err := url.Parse(l.Next); err == nil && u.Query().Get("marker") != "" {
			hint += ", --marker " + u.Query().Get("marker") + " the next page"
		}
		fmt.Fprintln(a.env.Stderr, hint)
	}
	return nil
}

func (a *app) domainsListCmd() *cobra.Command {
	var (
		p    pageFlags
		name string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the domains the caller sees, by name (an admin sees every one)",
		Args:  exactArgs(),
		RunE: a.run(func(ctx context.Context, _ []string) error {
			first, err := a.client.Domains(ctx, name, p.paging)
			if err != nil {
				return err
			}
			l, err := a.collect(ctx, first, p.all)
			if err != nil {
				return err
			}
			return showList(a, l, "domains", []string{"DOMAIN", "NAME", "STATUS", "COMPANY"}, func(d client.Domain) []string {
				return []string{d.DomainID, d.Name, d.Status, d.Company}
			})
		}),
	}
	cmd.Flags().StringVar(&name, "name", "", "the domain of this name (ignoring case)")
	p.add(cmd, "domains")
	return cmd
}

func (a *app) domainGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "get ID",
		Short: "Show a domain",
		Args:  exactArgs("ID"),
		RunE: a.run(func(ctx context.Context, args []string) error {
			d, err := a.client.GetDomain(ctx, args[0])
			if err != nil {
				return err
			}
			return a.showDomain(d)
		}),
	}
}

// showDomain writes a domain for a reader, one field a line (the empty ones left out), or
// the API's document with -o json.
func (a *app) showDomain(d *client.Single[client.Domain]) error {
	if a.output == "json" {
		return a.printJSON(d.Raw)
	}
	v := d.Value
	w := tabwriter.NewWriter(a.env.Stdout, 0, 0, 2, ' ', 0)
	for _, f := range [][2]string{
		{"domainId", v.DomainID}, {"name", v.Name}, {"status", v.Status}, {"description", v.Description},
		{"company", v.Company}, {"emailAddress", v.EmailAddress}, {"addressLine1", v.AddressLine1},
		{"addressLine2", v.AddressLine2}, {"city", v.City}, {"state", v.State}, {"zip", v.Zip},
		{"country", v.Country}, {"phone", v.Phone}, {"website", v.Website}, {"billingId", v.BillingID},
		{"contactId", v.ContactID},
	} {
		if f[1] != "" {
			fmt.Fprintf(w, "%s\t%s\n", f[0], f[1])
		}
	}
	for _, o := range v.OwnerIDs() {
		fmt.Fprintf(w, "owner\t%s\n", o)
	}
	return w.Flush()
}

// domainBody is a create's or update's body: --file as it is, or the key=value arguments as
// {"domain":{…}} (key= clears a field on update).
func (a *app) domainBody(file string, args []string) (client.DomainBody, error) {
	var b client.DomainBody
	var err error
	if file != "" {
		b.Body, b.ContentType, err = a.readBody(file)
	} else {
		b.Fields, err = params(args)
	}
	return b, err
}

// bodyArgs checks that the fields come as key=value arguments (after the first skip ones)
// or in --file, one of them.
func bodyArgs(skip int, file *string, want string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < skip {
			return usagef("want %s", want)
		}
		fields := len(args) - skip
		if *file != "" && fields > 0 {
			return usagef("give the fields as key=value or in --file, not both")
		}
		if *file == "" && fields == 0 {
			return usagef("want the domain's fields as key=value arguments or --file")
		}
		return nil
	}
}

const bodyFileHelp = `the request body, {"domain":{…}} or <domain …/>, JSON or XML by its extension or first character (- reads standard input)`

func (a *app) domainCreateCmd() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "create key=value… | create --file FILE",
		Short: "Create a domain's identity record (POST /domains; an admin's alone)",
		Long: `Create a domain's identity record: POST /domains with the fields given, name at least
(name, description, company, emailAddress, addressLine1, addressLine2, city, state, zip,
country, phone, website, status). The createDomain action (asvc submit createDomain) also
makes its outside accounts. A create is never retried automatically: one that applied answers
a repeat with 409, the name being taken.`,
		Example: `  asvc domains create name=Acme company="Acme Inc" city=Paris status=enabled
  asvc domains create --file domain.xml -o json`,
		Args: bodyArgs(0, &file, "the domain's fields"),
		RunE: a.run(func(ctx context.Context, args []string) error {
			b, err := a.domainBody(file, args)
			if err != nil {
				return err
			}
			d, err := a.client.CreateDomain(ctx, b)
			if err != nil {
				return err
			}
			return a.showDomain(d)
		}),
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", bodyFileHelp)
	return cmd
}

func (a *app) domainUpdateCmd() *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "update ID key=value… | update ID --file FILE",
		Short: "Change a domain's fields (PUT: the fields given replace, the others stay; key= clears one)",
		Example: `  asvc domains update 1234 phone=555-0100 website=
  asvc domains update 1234 --file changes.json`,
		Args: bodyArgs(1, &file, "ID, the domain to update"),
		RunE: a.run(func(ctx context.Context, args []string) error {
			b, err := a.domainBody(file, args[1:])
			if err != nil {
				return err
			}
			d, err := a.client.UpdateDomain(ctx, args[0], b)
			if err != nil {
				return err
			}
			return a.showDomain(d)
		}),
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", bodyFileHelp)
	return cmd
}

func (a *app) domainDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a domain with its users, tenants, groups and roles (403 while it has services or outside accounts)",
		Long: `Delete a domain with its users, tenants, groups, roles and grants. The API refuses (403)
while the domain has activated services or outside accounts: the purgeDomain action removes
those. A delete is never retried automatically: one that applied answers a repeat with 404.`,
		Args: exactArgs("ID"),
		RunE: a.run(func(ctx context.Context, args []string) error {
			if err := a.client.DeleteDomain(ctx, args[0]); err != nil {
				return err
			}
			if a.output == "text" {
				fmt.Fprintf(a.env.Stdout, "deleted domain %s\n", args[0])
			}
			return nil
		}),
	}
}

func (a *app) domainNameTakenCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "name-taken NAME",
		Short: "Tell whether a domain has the name, ignoring case: exit 0 taken, 6 free",
		Long: `Tell whether a domain has the name, ignoring case (HEAD /domains?name=, which needs no
token). It prints "NAME is taken" or "NAME is free" ({"name":…,"taken":…} with -o json) and
exits 0 when the name is taken, 6 when it is free, 1 when the request failed, so that a
script can ask "if asvc domains name-taken Acme; then …".`,
		Example: `  asvc domains name-taken "Time Warner Inc"`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 || strings.TrimSpace(args[0]) == "" {
				return usagef("want NAME, one name that is not blank")
			}
			return nil
		},
		RunE: a.run(func(ctx context.Context, args []string) error {
			taken, err := a.client.DomainNameTaken(ctx, args[0])
			if err != nil {
				return err
			}
			if a.output == "json" {
				if err := a.printJSON(struct {
					Name  string `json:"name"`
					Taken bool   `json:"taken"`
				}{args[0], taken}); err != nil {
					return err
				}
			} else if taken {
				fmt.Fprintf(a.env.Stdout, "%s is taken\n", args[0])
			} else {
				fmt.Fprintf(a.env.Stdout, "%s is free\n", args[0])
			}
			if !taken {
				return exitStatus(ExitNameFree)
			}
			return nil
		}),
	}
}

func (a *app) domainOwnerCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "owner ID USERID",
		Short: "Make one of the domain's users its owner (PUT /domains/{id}/owner/{userId})",
		Args:  exactArgs("ID", "USERID"),
		RunE: a.run(func(ctx context.Context, args []string) error {
			u, err := a.client.TransferOwnership(ctx, args[0], args[1])
			if err != nil {
				return err
			}
			if a.output == "json" {
				return a.printJSON(u.Raw)
			}
			fmt.Fprintf(a.env.Stdout, "domain %s is owned by user %s (%s)\n", args[0], u.Value.UserID, u.Value.Username)
			return nil
		}),
	}
}

func (a *app) domainHistoryCmd() *cobra.Command {
	var (
		p      pageFlags
		f      client.HistoryFilter
		status string
	)
	cmd := &cobra.Command{
		Use:   "history ID",
		Short: "List a domain's operation history, newest first: every job that targeted it, and who ran it",
		Example: `  asvc domains history 1234 --all
  asvc domains history 1234 --action User --status ERROR
  asvc domains history 1234 --latest`,
		Args: exactArgs("ID"),
		RunE: a.run(func(ctx context.Context, args []string) error {
			if status != "" {
				s, err := ticket.ParseStatus(status)
				if err != nil {
					return usageError{err}
				}
				f.Status = s
			}
			first, err := a.client.History(ctx, args[0], f, p.paging)
			if err != nil {
				return err
			}
			l, err := a.collect(ctx, first, p.all)
			if err != nil {
				return err
			}
			return showList(a, l, "jobs", []string{"TICKET", "ACTION", "STATUS", "CATEGORY", "USER", "SUBMITTED"}, func(h client.HistoryEntry) []string {
				return []string{h.TicketID, h.Action, string(h.Status), h.ErrorCategory, h.UserID, when(h.Submission)}
			})
		}),
	}
	cmd.Flags().StringVar(&f.Action, "action", "", "jobs of the actions this RE2 expression matches, unanchored (^createUser$ for one)")
	cmd.Flags().StringVar(&status, "status", "", "jobs in this status: "+strings.Join(statusNames(), ", "))
	cmd.Flags().BoolVar(&f.Latest, "latest", false, "the newest job of each action (then --status applies)")
	p.add(cmd, "jobs")
	return cmd
}

// domainListCmd is one of the lists under a domain: its command, the route's list, and its
// table.
type domainListCmd struct {
	use, short string
	list       client.DomainList
	// show prints the list l as a table or JSON.
	show func(a *app, l *client.List) error
}

var domainLists = []domainListCmd{
	{"users", "List a domain's users (a member sees only itself)", client.Users, func(a *app, l *client.List) error {
		return showList(a, l, "users", []string{"USER", "USERNAME", "STATUS", "EMAIL", "ROLES"}, func(u client.User) []string {
			return []string{u.UserID, u.Username, u.Status, u.EmailAddress, strings.Join(u.RoleNames(), ",")}
		})
	}},
	{"tenants", "List a domain's tenants", client.Tenants, func(a *app, l *client.List) error {
		return showList(a, l, "tenants", []string{"TENANT", "NAME", "STATUS", "DESCRIPTION"}, func(t client.Tenant) []string {
			return []string{t.TenantID, t.Name, t.Status, t.Description}
		})
	}},
	{"groups", "List a domain's groups", client.Groups, func(a *app, l *client.List) error {
		return showList(a, l, "groups", []string{"GROUP", "NAME", "DESCRIPTION"}, func(g client.Group) []string {
			return []string{g.ID, g.Name, g.Description}
		})
	}},
	{"roles", "List a domain's role definitions", client.Roles, func(a *app, l *client.List) error {
		return showList(a, l, "roles", []string{"ROLE", "NAME", "SERVICE", "TENANT", "DESCRIPTION"}, func(r client.Role) []string {
			return []string{r.RoleID, r.RoleName, r.ServiceID, r.TenantID, r.Description}
		})
	}},
	{"subscribeable", "List the services a domain may subscribe to, and its tenants' subscriptions", client.SubscribeableServices, func(a *app, l *client.List) error {
		return showList(a, l, "services", []string{"TEMPLATE", "NAME", "TYPE", "REGION", "RELEASE", "CAN-SUBSCRIBE", "SUBSCRIBED"}, func(s client.SubscribeableService) []string {
			var tenants []string
			for _, i := range s.SubscribedInfo {
				tenants = append(tenants, i.TenantID)
			}
			return []string{s.ID, s.Name, s.Type, s.Region, s.ReleaseState, fmt.Sprint(s.CanSubscribe), strings.Join(tenants, ",")}
		})
	}},
	{"services", "List a domain's activated services", client.ActivatedServices, func(a *app, l *client.List) error {
		return showList(a, l, "services", []string{"ID", "SERVICE", "TYPE", "REGION", "TENANT", "STATUS", "SUBSCRIBED"}, func(s client.ActivatedService) []string {
			return []string{s.ID, s.ServiceName, s.ServiceType, s.Region, s.TenantID, s.Status, s.SubscribedOn}
		})
	}},
}

func (a *app) domainItemsCmd(c domainListCmd) *cobra.Command {
	var p pageFlags
	filters := make([]string, len(c.list.Filters))
	cmd := &cobra.Command{
		Use:   c.use + " ID",
		Short: c.short,
		Args:  exactArgs("ID"),
		RunE: a.run(func(ctx context.Context, args []string) error {
			q := url.Values{}
			for i, name := range c.list.Filters {
				if filters[i] != "" {
					q.Set(name, filters[i])
				}
			}
			first, err := a.client.DomainItems(ctx, args[0], c.list, q, p.paging)
			if err != nil {
				return err
			}
			l, err := a.collect(ctx, first, p.all)
			if err != nil {
				return err
			}
			return c.show(a, l)
		}),
	}
	for i, name := range c.list.Filters {
		cmd.Flags().StringVar(&filters[i], kebab(name), "", filterHelp[name]+" ("+name+"=)")
	}
	p.add(cmd, c.use)
	return cmd
}

// filterHelp says what each list filter keeps.
var filterHelp = map[string]string{
	"userId":             "the user of this id",
	"userName":           "the user of this username",
	"excludeGroups":      "leave out the users in these groups (ids, comma-separated)",
	"excludeRoles":       "leave out those holding these roles (ids or names, comma-separated)",
	"excludeTenantId":    "leave out the users holding a role of these tenants (ids, comma-separated)",
	"groupId":            "the group of this id",
	"groupName":          "the group of this name",
	"serviceName":        "the services of this name",
	"endpointTemplateId": "the service of this endpoint template",
	"tenantId":           "the services activated for this tenant",
}

// kebab is a query parameter's name as a flag's: excludeTenantId → exclude-tenant-id.
func kebab(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsUpper(r) {
			b.WriteByte('-')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
