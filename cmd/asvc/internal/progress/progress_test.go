package progress_test

import (
	"strings"
	"testing"

	"github.com/actionservice/actionservice/cmd/asvc/internal/progress"
	"github.com/actionservice/actionservice/shared/ticket"
)

var order = []string{"CreateUmsDomain", "CreateKmsDomain"}

func job(status ticket.Status, ums, kms string) *ticket.View {
	return &ticket.View{TicketID: "T1", Action: "createDomain", Status: status,
		StepStatus: ticket.StringMap{"CreateKmsDomain": kms, "CreateUmsDomain": ums}}
}

func TestLiveViewRedrawsTheJobInPlaceAsItsStepsMove(t *testing.T) {
	var out strings.Builder
	v := progress.Live(&out, 0, order)
	done := job(ticket.Complete, "COMPLETE", "COMPLETE")
	done.ActionResults = ticket.StringMap{"domainId": "42"}
	for _, j := range []*ticket.View{
		job(ticket.Pending, "PENDING", "PENDING"),
		job(ticket.Running, "RUNNING", "PENDING"),
		job(ticket.Running, "RUNNING", "PENDING"), // nothing moved: nothing is drawn
		job(ticket.Running, "COMPLETE", "RUNNING"),
		done,
	} {
		if err := v.Show(j); err != nil {
			t.Fatal(err)
		}
	}
	want := "" +
		"\r\x1b[2KcreateDomain T1 PENDING\n" +
		"\r\x1b[2K  · CreateUmsDomain PENDING\n" +
		"\r\x1b[2K  · CreateKmsDomain PENDING\n" +
		"\x1b[3A" +
		"\r\x1b[2KcreateDomain T1 \x1b[36mRUNNING\x1b[0m\n" +
		"\r\x1b[2K  › CreateUmsDomain \x1b[36mRUNNING\x1b[0m\n" +
		"\r\x1b[2K  · CreateKmsDomain PENDING\n" +
		"\x1b[3A" +
		"\r\x1b[2KcreateDomain T1 \x1b[36mRUNNING\x1b[0m\n" +
		"\r\x1b[2K  ✓ CreateUmsDomain \x1b[32mCOMPLETE\x1b[0m\n" +
		"\r\x1b[2K  › CreateKmsDomain \x1b[36mRUNNING\x1b[0m\n" +
		"\x1b[3A" +
		"\r\x1b[2KcreateDomain T1 \x1b[32mCOMPLETE\x1b[0m\n" +
		"\r\x1b[2K  ✓ CreateUmsDomain \x1b[32mCOMPLETE\x1b[0m\n" +
		"\r\x1b[2K  ✓ CreateKmsDomain \x1b[32mCOMPLETE\x1b[0m\n" +
		"\r\x1b[2K  result domainId=42\n"
	if out.String() != want {
		t.Errorf("frames:\n%q\nwant:\n%q", out.String(), want)
	}
}

func TestLiveViewCutsLinesToTheTerminalWidthSoThatNoneWraps(t *testing.T) {
	var out strings.Builder
	v := progress.Live(&out, 20, order)
	if err := v.Show(job(ticket.Running, "COMPLETE", "RUNNING")); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"\r\x1b[2KcreateDomain T1 \x1b[36mRUN\x1b[0m\n" +
		"\r\x1b[2K  ✓ CreateUmsDomain\n" +
		"\r\x1b[2K  › CreateKmsDomain\n"
	if out.String() != want {
		t.Errorf("frame:\n%q\nwant:\n%q", out.String(), want)
	}
}

func TestPlainViewPrintsOneLinePerChange(t *testing.T) {
	var out strings.Builder
	v := progress.Plain(&out, order)
	failed := job(ticket.Error, "ROLLED_BACK", "ERROR")
	failed.ErrorCategory, failed.ErrorDescription = "CONFLICT", "CreateKmsDomain: refused"
	failed.ActionResults = ticket.StringMap{"domainId": "42"}
	for _, j := range []*ticket.View{
		job(ticket.Pending, "PENDING", "PENDING"),
		job(ticket.Running, "RUNNING", "PENDING"),
		job(ticket.Running, "RUNNING", "PENDING"),
		job(ticket.Running, "COMPLETE", "RUNNING"),
		failed,
	} {
		if err := v.Show(j); err != nil {
			t.Fatal(err)
		}
	}
	want := `T1 job createDomain PENDING
T1 job createDomain RUNNING
T1 step CreateUmsDomain RUNNING
T1 step CreateUmsDomain COMPLETE
T1 step CreateKmsDomain RUNNING
T1 step CreateUmsDomain ROLLED_BACK
T1 step CreateKmsDomain ERROR
T1 job createDomain ERROR
T1 error CONFLICT: CreateKmsDomain: refused
`
	if out.String() != want {
		t.Errorf("lines:\n%s\nwant (no result of a rolled-back job):\n%s", out.String(), want)
	}
}
