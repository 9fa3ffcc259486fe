package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actionservice/actionservice/cmd/asvc/internal/cli"
	"github.com/actionservice/actionservice/local/stack"
	"github.com/actionservice/actionservice/shared/auth"
	"github.com/actionservice/actionservice/shared/ticket"
)

// domainDoc is the part of {"domain":{…}} the tests read.
type domainDoc struct {
	Domain struct {
		DomainID string  `json:"domainId"`
		Name     string  `json:"name"`
		City     *string `json:"city"`
		Phone    *string `json:"phone"`
		Website  *string `json:"website"`
		Status   string  `json:"status"`
	} `json:"domain"`
}

// jsonOf runs a command line with -o json, wants it to exit 0, and decodes its output.
func jsonOf[T any](t *testing.T, s *stack.Stack, args ...string) T {
	t.Helper()
	var v T
	r := asvc(t, s, false, nil, append(args, "-o", "json")...)
	if r.code != 0 {
		t.Fatalf("asvc %v: exit %d, stderr %q", args, r.code, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("asvc %v: stdout is not the document: %v\n%s", args, err, r.stdout)
	}
	return v
}

// createDomain makes a domain with asvc domains create and returns its id.
func createDomain(t *testing.T, s *stack.Stack, name string, fields ...string) string {
	t.Helper()
	d := jsonOf[domainDoc](t, s, append([]string{"domains", "create", "name=" + name}, fields...)...)
	if d.Domain.DomainID == "" || d.Domain.Name != name {
		t.Fatalf("created %+v", d.Domain)
	}
	return d.Domain.DomainID
}

// submitOK submits an action with asvc submit and wants it COMPLETE.
func submitOK(t *testing.T, s *stack.Stack, action string, params ...string) ticket.View {
	t.Helper()
	doc := jsonOf[ticket.Document](t, s, append([]string{"submit", action}, params...)...)
	if doc.JobTicket.Status != ticket.Complete {
		t.Fatalf("%s ended %s", action, doc.JobTicket.Status)
	}
	return doc.JobTicket
}

// lines are a table's lines with each run of spaces as one, the header first.
func lines(out string) []string {
	var out2 []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		out2 = append(out2, strings.Join(strings.Fields(l), " "))
	}
	return out2
}

func TestDomainsCreateGetListUpdateAndDeleteADomainThroughTheCLI(t *testing.T) {
	s := start(t)
	name := uniqueName("Sees Candies")
	id := createDomain(t, s, name, "city=San Francisco", "phone=555-0100", "website=http://sees.example")

	r := asvc(t, s, false, nil, "domains", "get", id)
	for _, want := range []string{"domainId " + id, "name " + name, "status enabled", "city San Francisco", "phone 555-0100"} {
		if r.code != 0 || !slices.Contains(lines(r.stdout), want) {
			t.Errorf("get: exit %d, no %q in:\n%s", r.code, want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "addressLine2") {
		t.Errorf("get shows an empty field:\n%s", r.stdout)
	}

	r = asvc(t, s, false, nil, "domains", "list", "--name", strings.ToUpper(name))
	if got := lines(r.stdout); r.code != 0 || !slices.Equal(got, []string{"DOMAIN NAME STATUS COMPANY", id + " " + name + " enabled"}) {
		t.Errorf("list --name: exit %d, table %q", r.code, got)
	}

	// The fields given replace, website= clears one, and the others stay.
	d := jsonOf[domainDoc](t, s, "domains", "update", id, "phone=555-0199", "website=")
	if d.Domain.Phone == nil || *d.Domain.Phone != "555-0199" || d.Domain.Website != nil || d.Domain.City == nil || *d.Domain.City != "San Francisco" {
		t.Errorf("update answered %+v; want the new phone, no website, the city kept", d.Domain)
	}
	if got := jsonOf[domainDoc](t, s, "domains", "get", id); got.Domain.Phone == nil || *got.Domain.Phone != "555-0199" || got.Domain.Website != nil {
		t.Errorf("get after update: %+v", got.Domain)
	}

	if r = asvc(t, s, false, nil, "domains", "delete", id); r.code != 0 || r.stdout != "deleted domain "+id+"\n" {
		t.Errorf("delete: exit %d, %q", r.code, r.stdout)
	}
	if r = asvc(t, s, false, nil, "domains", "get", id); r.code != cli.ExitFailure || !strings.HasPrefix(r.stderr, "asvc: 404 Not Found: domain "+id+" not found") {
		t.Errorf("get after delete: exit %d, %q", r.code, r.stderr)
	}
}

func TestDomainsCreateReadsTheBodyFromAJSONOrXMLFile(t *testing.T) {
	s := start(t)
	dir := t.TempDir()
	jsonName, xmlName := uniqueName("Json"), uniqueName("Xml")
	for file, body := range map[string]string{
		"domain.json": `{"domain":{"name":"` + jsonName + `","city":"Lyon"}}`,
		"domain.xml":  `<domain xmlns="http://docs.openstack.org/identity/api/ext/hp/v1.0" name="` + xmlName + `" city="Lyon"/>`,
	} {
		path := filepath.Join(dir, file)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		d := jsonOf[domainDoc](t, s, "domains", "create", "--file", path)
		if d.Domain.DomainID == "" || d.Domain.City == nil || *d.Domain.City != "Lyon" {
			t.Errorf("%s: created %+v", file, d.Domain)
		}
	}
	for _, name := range []string{jsonName, xmlName} {
		if r := asvc(t, s, false, nil, "domains", "name-taken", name); r.code != 0 {
			t.Errorf("%s not taken after its create: exit %d", name, r.code)
		}
	}
}

func TestDomainsUsersTenantsAndHistoryShowWhatTheJobsMadeInTheDomain(t *testing.T) {
	s := start(t)
	id := createDomain(t, s, uniqueName("Acme"))
	user := submitOK(t, s, "createUser", "domainId="+id, "username=wile@acme.example", "emailAddress=wile@acme.example")
	tenant := submitOK(t, s, "createTenant", "domainId="+id, "name=eu")
	userID, tenantID := user.ActionResults["userId"], tenant.ActionResults["tenantId"]
	if userID == "" || tenantID == "" {
		t.Fatalf("results %v, %v; want the new userId and tenantId", user.ActionResults, tenant.ActionResults)
	}

	r := asvc(t, s, false, nil, "domains", "users", id)
	if got := lines(r.stdout); r.code != 0 || !slices.Equal(got, []string{"USER USERNAME STATUS EMAIL ROLES", userID + " wile@acme.example enabled wile@acme.example"}) {
		t.Errorf("users: exit %d, table %q", r.code, got)
	}
	users := jsonOf[struct {
		Users struct {
			User []struct {
				UserID   string `json:"userId"`
				DomainID string `json:"domainId"`
			} `json:"user"`
		} `json:"users"`
	}](t, s, "domains", "users", id)
	if u := users.Users.User; len(u) != 1 || u[0].UserID != userID || u[0].DomainID != id {
		t.Errorf("users -o json: %+v", u)
	}
	r = asvc(t, s, false, nil, "domains", "tenants", id)
	if got := lines(r.stdout); r.code != 0 || !slices.Equal(got, []string{"TENANT NAME STATUS DESCRIPTION", tenantID + " eu enabled"}) {
		t.Errorf("tenants: exit %d, table %q", r.code, got)
	}
	// The filters are the API's: a user name that is not there leaves the list empty.
	if r = asvc(t, s, false, nil, "domains", "users", id, "--user-name", "nobody@acme.example"); r.code != 0 || len(lines(r.stdout)) != 1 {
		t.Errorf("users --user-name nobody: exit %d, %q", r.code, r.stdout)
	}

	// The history, newest first, with who ran each job; one page at a time, or every page.
	r = asvc(t, s, false, nil, "domains", "history", id)
	want := []string{"TICKET ACTION STATUS CATEGORY USER SUBMITTED", tenant.TicketID + " createTenant COMPLETE admin " + stamp(tenant.Submission), user.TicketID + " createUser COMPLETE admin " + stamp(user.Submission)}
	if got := lines(r.stdout); r.code != 0 || !slices.Equal(got, want) {
		t.Errorf("history: exit %d, table\n%s\nwant\n%s", r.code, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	r = asvc(t, s, false, nil, "domains", "history", id, "--limit", "1")
	if got := lines(r.stdout); len(got) != 2 || !strings.HasPrefix(got[1], tenant.TicketID) {
		t.Errorf("history --limit 1: %q", got)
	}
	if wantHint := "more jobs follow: --all lists them all, --marker " + tenant.TicketID + " the next page\n"; r.stderr != wantHint {
		t.Errorf("stderr %q; want %q", r.stderr, wantHint)
	}
	all := jsonOf[ticket.List](t, s, "domains", "history", id, "--limit", "1", "--all")
	var ids []string
	for _, v := range all.TicketList.Tickets {
		ids = append(ids, v.TicketID)
	}
	if !slices.Equal(ids, []string{tenant.TicketID, user.TicketID}) {
		t.Errorf("history --limit 1 --all: %v; want both pages joined", ids)
	}
	if r = asvc(t, s, false, nil, "domains", "history", id, "--action", "^createUser$"); len(lines(r.stdout)) != 2 || !strings.Contains(r.stdout, user.TicketID) {
		t.Errorf("history --action ^createUser$:\n%s", r.stdout)
	}

	// The new user becomes the owner.
	if r = asvc(t, s, false, nil, "domains", "owner", id, userID); r.code != 0 || r.stdout != "domain "+id+" is owned by user "+userID+" (wile@acme.example)\n" {
		t.Errorf("owner: exit %d, %q", r.code, r.stdout)
	}
	if r = asvc(t, s, false, nil, "domains", "get", id); !slices.Contains(lines(r.stdout), "owner "+userID) {
		t.Errorf("get after the transfer shows no owner %s:\n%s", userID, r.stdout)
	}
}

func TestDomainsListWithAllFollowsTheLinkHeaderThroughEveryPage(t *testing.T) {
	s := start(t)
	for range 3 {
		createDomain(t, s, uniqueName("Paged"))
	}
	type domains struct {
		Domains struct {
			Domain []struct {
				DomainID string `json:"domainId"`
			} `json:"domain"`
		} `json:"domains"`
	}
	ids := func(d domains) []string {
		var out []string
		for _, x := range d.Domains.Domain {
			out = append(out, x.DomainID)
		}
		return out
	}
	whole := ids(jsonOf[domains](t, s, "domains", "list"))
	if len(whole) < 4 {
		t.Fatalf("%d domains; want the sample and 3 more", len(whole))
	}
	if got := ids(jsonOf[domains](t, s, "domains", "list", "--limit", "1")); !slices.Equal(got, whole[:1]) {
		t.Errorf("one page of 1: %v", got)
	}
	if got := ids(jsonOf[domains](t, s, "domains", "list", "--limit", "1", "--all")); !slices.Equal(got, whole) {
		t.Errorf("pages of 1 with --all: %v; want %v", got, whole)
	}
	if got := ids(jsonOf[domains](t, s, "domains", "list", "--limit", "2", "--marker", whole[1])); !slices.Equal(got, whole[2:4]) {
		t.Errorf("the page after %s: %v; want %v", whole[1], got, whole[2:4])
	}
}

func TestDomainsNameTakenExitsZeroWhenTakenAndSixWhenFree(t *testing.T) {
	s := start(t)
	name := uniqueName("Taken")
	createDomain(t, s, name)
	r := asvc(t, s, false, nil, "domains", "name-taken", strings.ToLower(name))
	if r.code != 0 || r.stdout != strings.ToLower(name)+" is taken\n" || r.stderr != "" {
		t.Errorf("taken: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	// HEAD /domains needs no token.
	free := uniqueName("Free")
	r = asvc(t, s, false, map[string]string{"ACTION_SERVICE_TOKEN": ""}, "domains", "name-taken", free)
	if r.code != cli.ExitNameFree || r.stdout != free+" is free\n" || r.stderr != "" {
		t.Errorf("free: exit %d, %q, %q; want %d", r.code, r.stdout, r.stderr, cli.ExitNameFree)
	}
	r = asvc(t, s, false, nil, "domains", "name-taken", free, "-o", "json")
	if r.code != cli.ExitNameFree || strings.Join(strings.Fields(r.stdout), "") != `{"name":"`+free+`","taken":false}` {
		t.Errorf("free -o json: exit %d, %q", r.code, r.stdout)
	}
}

func TestDomainsListsShowTheSampleDomainsGroupsRolesAndServices(t *testing.T) {
	s := start(t)
	d := s.SampleDomain
	for _, c := range []struct {
		args   []string
		header string
		row    *regexp.Regexp
	}{
		{[]string{"groups", d}, "GROUP NAME DESCRIPTION", regexp.MustCompile(`^\d+ Administrators `)},
		{[]string{"roles", d}, "ROLE NAME SERVICE TENANT DESCRIPTION", regexp.MustCompile(`^\d+ domainadmin `)},
		{[]string{"subscribeable", d, "--service-name", "Compute"}, "TEMPLATE NAME TYPE REGION RELEASE CAN-SUBSCRIBE SUBSCRIBED", regexp.MustCompile(`^\d+ Compute compute \S+ public true`)},
		{[]string{"services", d}, "ID SERVICE TYPE REGION TENANT STATUS SUBSCRIBED", regexp.MustCompile(`^\d+ Compute compute \S+ \d+ enabled \S+Z$`)},
	} {
		r := asvc(t, s, false, nil, append([]string{"domains"}, c.args...)...)
		got := lines(r.stdout)
		if r.code != 0 || got[0] != c.header || !slices.ContainsFunc(got[1:], c.row.MatchString) {
			t.Errorf("domains %v: exit %d, table %q; want %q and a row %s", c.args, r.code, got, c.header, c.row)
		}
	}
}

// stamp is a ticket time as the tables show it.
func stamp(e *ticket.EpochMilli) string {
	return time.Time(*e).UTC().Format("2006-01-02T15:04:05.000Z")
}

// memberToken is a token of a member of the sample domain, with no role there.
func memberToken(t *testing.T, s *stack.Stack) string {
	t.Helper()
	tok, err := s.Tokens.Issue(context.Background(), auth.Principal{UserID: "1", AccountID: "000000009002",
		DomainID: s.SampleDomain, Status: auth.StatusEnabled}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestADomainsProblemIsOneLineWithTheRequestIDAndExitsOne(t *testing.T) {
	s := start(t)
	member := map[string]string{"ACTION_SERVICE_TOKEN": memberToken(t, s)}
	taken := uniqueName("Dup")
	createDomain(t, s, taken)
	for _, c := range []struct {
		args   []string
		env    map[string]string
		detail string
	}{
		{[]string{"domains", "get", "99999999999999"}, nil, "404 Not Found: domain 99999999999999 not found"},
		{[]string{"domains", "history", "99999999999999"}, nil, `404 Not Found: no domain "99999999999999"`},
		{[]string{"domains", "delete", s.SampleDomain}, nil, "403 Forbidden: "},
		{[]string{"domains", "groups", s.SampleDomain}, member, "403 Forbidden: this caller may not list this domain's groups"},
		{[]string{"domains", "create", "name=x"}, member, "403 Forbidden: this caller may not create domains"},
		{[]string{"domains", "history", s.SampleDomain}, member, "403 Forbidden: this caller may not read the operation history of its domain"},
		{[]string{"domains", "create", "name=" + taken}, nil, "409 Conflict: "},
		{[]string{"domains", "create", "nmae=typo"}, nil, `400 Bad Request: malformed application/json body: unknown field "nmae"`},
		{[]string{"domains", "history", s.SampleDomain, "--action", "("}, nil, "400 Bad Request: action is not a valid regular expression"},
	} {
		r := asvc(t, s, false, c.env, c.args...)
		line := regexp.MustCompile(`^asvc: ` + regexp.QuoteMeta(c.detail) + `.*\(request id [0-9a-f-]{36}\)\n$`)
		if r.code != cli.ExitFailure || !line.MatchString(r.stderr) || r.stdout != "" {
			t.Errorf("asvc %v: exit %d, stdout %q, stderr %q; want 1, nothing and %s", c.args, r.code, r.stdout, r.stderr, line)
		}
	}
}

func TestAWrongDomainsCommandLineExitsTwoBeforeAnyRequest(t *testing.T) {
	body := filepath.Join(t.TempDir(), "domain.json")
	if err := os.WriteFile(body, []byte(`{"domain":{"name":"x"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"domains", "frobnicate"}, `unknown command "frobnicate" for "asvc domains"`},
		{[]string{"domains", "get"}, "want ID, got 0 arguments"},
		{[]string{"domains", "get", "1", "2"}, "want ID, got 2 arguments"},
		{[]string{"domains", "create"}, "want the domain's fields as key=value arguments or --file"},
		{[]string{"domains", "create", "name"}, `parameter "name" is not key=value`},
		{[]string{"domains", "create", "name=a", "name=b"}, "parameter name given twice"},
		{[]string{"domains", "create", "name=a", "--file", body}, "give the fields as key=value or in --file, not both"},
		{[]string{"domains", "update"}, "want ID, the domain to update"},
		{[]string{"domains", "update", "1"}, "want the domain's fields as key=value arguments or --file"},
		{[]string{"domains", "delete"}, "want ID, got 0 arguments"},
		{[]string{"domains", "name-taken"}, "want NAME, one name that is not blank"},
		{[]string{"domains", "name-taken", "  "}, "want NAME, one name that is not blank"},
		{[]string{"domains", "owner", "1"}, "want ID USERID, got 1 arguments"},
		{[]string{"domains", "users"}, "want ID, got 0 arguments"},
		{[]string{"domains", "users", "1", "--group-name", "x"}, "unknown flag: --group-name"},
		{[]string{"domains", "tenants", "1", "--limit", "x"}, "invalid argument"},
		{[]string{"domains", "history", "1", "--status", "DONE"}, "DONE"},
		{[]string{"domains", "list", "extra"}, "want no arguments, got 1: extra"},
		{[]string{"domains", "list", "-o", "yaml"}, `--output is text or json, not "yaml"`},
	} {
		var stdout, stderr bytes.Buffer
		// Nothing listens there: a request would fail with exit 1, not 2.
		vars := map[string]string{"ACTION_SERVICE_URL": "http://127.0.0.1:1"}
		code := cli.Run(context.Background(), c.args, cli.Env{
			Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
			Getenv: func(k string) string { return vars[k] }, Terminal: func(io.Writer) (bool, int) { return false, 0 },
		})
		if code != cli.ExitUsage || !strings.Contains(stderr.String(), c.want) || !strings.HasPrefix(stderr.String(), "asvc: ") || stdout.Len() != 0 {
			t.Errorf("asvc %v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr.String(), c.want)
		}
	}
}
