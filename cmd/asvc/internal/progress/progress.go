// Package progress shows a job's steps as they move: on a terminal by redrawing the job's
// lines in place, elsewhere (a pipe, a log, NO_COLOR) by one line per change. Both read the
// same tickets; only how they write differs, so a test that renders into a buffer sees
// exactly what a terminal is sent.
package progress

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/actionservice/actionservice/shared/ticket"
)

// ANSI sequences the live view sends (ECMA-48): move the cursor up n lines, clear the line
// it is on, and select a colour.
const (
	cursorUp  = "\x1b[%dA"
	clearLine = "\r\x1b[2K"
	reset     = "\x1b[0m"
)

// colours by status; a status not listed is written plain.
var colours = map[string]string{
	"COMPLETE":        "\x1b[32m", // green
	"RUNNING":         "\x1b[36m", // cyan
	"RETRY":           "\x1b[36m",
	"ERROR":           "\x1b[31m", // red
	"ROLLBACK_FAILED": "\x1b[31m",
	"TIMEDOUT":        "\x1b[33m", // yellow
	"CANCELLED":       "\x1b[33m",
	"ROLLED_BACK":     "\x1b[35m", // magenta
}

// marks stand before a step's name in the live view, so its state reads without colour too.
var marks = map[string]string{
	"PENDING": "·", "RUNNING": "›", "RETRY": "›", "COMPLETE": "✓", "ERROR": "✗",
	"TIMEDOUT": "…", "ROLLED_BACK": "↺", "ROLLBACK_FAILED": "✗",
}

// View shows one job. Its zero value is not usable: make it with Live or Plain.
type View struct {
	out  io.Writer
	live bool
	// width truncates live lines (0: never), since a line the terminal wraps would take two
	// rows and the next redraw would move up too few.
	width int
	order []string

	frame []string          // live: the last frame drawn, to move up over and to skip a repeat
	job   ticket.Status     // plain: the job's status last shown
	steps map[string]string // plain: each step's status last shown
	seen  bool
}

// Live redraws the job in place on a terminal width columns wide (0: do not truncate).
// order is the action's steps in the order they run (the catalogue's); steps the ticket has
// and order lacks follow, by name.
func Live(out io.Writer, width int, order []string) *View {
	return &View{out: out, live: true, width: width, order: order}
}

// Plain writes one line per change.
func Plain(out io.Writer, order []string) *View {
	return &View{out: out, order: order, steps: map[string]string{}}
}

// Show brings the view up to date with t.
func (v *View) Show(t *ticket.View) error {
	if v.live {
		return v.redraw(t)
	}
	return v.changes(t)
}

// stepNames is t's steps in running order.
func (v *View) stepNames(t *ticket.View) []string {
	var names []string
	for _, s := range v.order {
		if _, ok := t.StepStatus[s]; ok {
			names = append(names, s)
		}
	}
	for _, s := range slices.Sorted(maps.Keys(t.StepStatus)) {
		if !slices.Contains(names, s) {
			names = append(names, s)
		}
	}
	return names
}

// outcome is what a terminal ticket adds below its steps: why it failed, and what it made
// that still exists. A job that ended ERROR or CANCELLED was rolled back, so its results name
// what is gone (what a ROLLBACK_FAILED step left is for an operator, who reads it with asvc
// get); a TIMEDOUT job kept its completed steps for a restart.
func outcome(t *ticket.View) [][2]string {
	if !t.Status.Terminal() {
		return nil
	}
	var out [][2]string
	if t.ErrorCategory != "" || t.ErrorDescription != "" {
		out = append(out, [2]string{"error", strings.TrimSpace(t.ErrorCategory + ": " + t.ErrorDescription)})
	}
	if t.Status != ticket.Complete && t.Status != ticket.TimedOut {
		return out
	}
	for _, k := range slices.Sorted(maps.Keys(t.ActionResults)) {
		out = append(out, [2]string{"result", k + "=" + t.ActionResults[k]})
	}
	return out
}

func (v *View) redraw(t *ticket.View) error {
	names := v.stepNames(t)
	pad := 0
	for _, n := range names {
		pad = max(pad, len(n))
	}
	lines := []string{v.fit(t.Action+" "+t.TicketID+" ", string(t.Status))}
	for _, n := range names {
		s := t.StepStatus[n]
		mark := marks[s]
		if mark == "" {
			mark = " "
		}
		lines = append(lines, v.fit(fmt.Sprintf("  %s %-*s ", mark, pad, n), s))
	}
	for _, o := range outcome(t) {
		lines = append(lines, v.fit(fmt.Sprintf("  %-6s ", o[0]), o[1]))
	}
	if slices.Equal(lines, v.frame) {
		return nil
	}
	var b strings.Builder
	if len(v.frame) > 0 {
		fmt.Fprintf(&b, cursorUp, len(v.frame))
	}
	for _, l := range lines {
		b.WriteString(clearLine + l + "\n")
	}
	// A shorter frame clears the rows the last one used below it, and keeps them, so the
	// next redraw still moves up to the frame's first row.
	for len(lines) < len(v.frame) {
		b.WriteString(clearLine + "\n")
		lines = append(lines, "")
	}
	v.frame = lines
	_, err := io.WriteString(v.out, b.String())
	return err
}

// fit is a live line, label then status, cut to the terminal's width and the status coloured
// (after cutting, so that the escapes are never cut or counted).
func (v *View) fit(label, status string) string {
	c, coloured := colours[status]
	if v.width > 0 {
		r := []rune(label + status)
		if len(r) >= v.width {
			r = r[:v.width-1]
		}
		if n := len([]rune(label)); len(r) <= n {
			return string(r)
		}
		status = string(r[len([]rune(label)):])
	}
	if coloured {
		return label + c + status + reset
	}
	return label + status
}

func (v *View) changes(t *ticket.View) error {
	var b strings.Builder
	line := func(kind, name, state string) {
		fmt.Fprintf(&b, "%s %s %s %s\n", t.TicketID, kind, name, state)
	}
	jobChanged := !v.seen || t.Status != v.job
	// A job that starts is shown before its steps move, one that ends after them: the lines
	// then read in the order things happened.
	if jobChanged && !t.Status.Terminal() {
		line("job", t.Action, string(t.Status))
	}
	for _, n := range v.stepNames(t) {
		s := t.StepStatus[n]
		old, known := v.steps[n]
		if s != old && (known || s != string(ticket.StepPending)) {
			line("step", n, s)
		}
		v.steps[n] = s
	}
	if jobChanged && t.Status.Terminal() {
		line("job", t.Action, string(t.Status))
		for _, o := range outcome(t) {
			fmt.Fprintf(&b, "%s %s %s\n", t.TicketID, o[0], o[1])
		}
	}
	v.seen, v.job = true, t.Status
	_, err := io.WriteString(v.out, b.String())
	return err
}

// Poll is how often Follow reads the ticket: First after a change, growing by half each
// time nothing changed, up to Most.
type Poll struct {
	First, Most time.Duration
}

// DefaultPoll reads often while steps move (a step takes tens of milliseconds to seconds)
// and backs off to one read in two seconds while a step waits on an outside system.
var DefaultPoll = Poll{First: 100 * time.Millisecond, Most: 2 * time.Second}

// Follow shows the ticket fetch returns until it is terminal, and returns its last state.
// It reads with plain GETs rather than the API's long-poll: the long-poll answers only once
// the job is terminal, so the steps' moves between would never be seen.
func Follow(ctx context.Context, v *View, p Poll, first *ticket.View, fetch func(context.Context) (*ticket.View, error)) (*ticket.View, error) {
	t := first
	wait := p.First
	for {
		if err := v.Show(t); err != nil {
			return t, err
		}
		if t.Status.Terminal() {
			return t, nil
		}
		select {
		case <-ctx.Done():
			return t, ctx.Err()
		case <-time.After(wait):
		}
		next, err := fetch(ctx)
		if err != nil {
			return t, err
		}
		if changed(t, next) {
			wait = p.First
		} else {
			wait = min(wait*3/2, p.Most)
		}
		t = next
	}
}

func changed(a, b *ticket.View) bool {
	return a.Status != b.Status || !maps.Equal(a.StepStatus, b.StepStatus)
}
