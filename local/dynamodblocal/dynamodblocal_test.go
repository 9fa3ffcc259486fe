package dynamodblocal_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	localdynamodb "github.com/actionservice/actionservice/local/dynamodb"
	"github.com/actionservice/actionservice/local/dynamodb/dynamodbtest"
	"github.com/actionservice/actionservice/local/dynamodblocal"
)

func TestServerAnswersTheSDKAndStopsAtCleanup(t *testing.T) {
	var url string
	t.Run("server", func(t *testing.T) {
		s := dynamodbtest.ForDynamoDBLocal(t)
		url = s.URL
		if _, err := localdynamodb.Client(s.URL).ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
			t.Fatal(err)
		}
	})
	if url == "" {
		return // skipped or failed, and said why
	}
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("%s still answers after the test's cleanup", url)
	}
}

// childEnv makes the test binary, run again by TestServerDiesWithTheProcessThatStartedIt,
// start a server, print its URL and exit without stopping it.
const childEnv = "DYNAMODBLOCAL_TEST_CHILD"

// A test binary shares one server among its tests and never stops it: the server must end
// with the binary, not outlive it as a stray JVM.
func TestServerDiesWithTheProcessThatStartedIt(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		s, err := dynamodblocal.Start(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Println("URL=" + s.URL)
		return
	}
	dynamodbtest.SkipWithoutDynamoDBLocal(t)
	child := exec.Command(os.Args[0], "-test.run=^TestServerDiesWithTheProcessThatStartedIt$")
	child.Env = append(os.Environ(), childEnv+"=1")
	out, err := child.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	var url string
	for sc := bufio.NewScanner(strings.NewReader(string(out))); sc.Scan(); {
		if u, ok := strings.CutPrefix(sc.Text(), "URL="); ok {
			url = u
		}
	}
	if url == "" {
		t.Fatalf("child printed no URL:\n%s", out)
	}
	// The kernel kills it as the child exits; the port closes once the JVM is gone.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(url)
		if err != nil {
			return
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatalf("the server at %s outlived the process that started it", url)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
