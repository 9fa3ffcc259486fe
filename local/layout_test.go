package local_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/actionservice/actionservice"

// goList runs `go list` from the module root with the Lambda build's target and tags (as the
// Makefile builds them), so that the dependencies are the ones a bootstrap links.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-tags", "lambda.norpc"}, args...)...)
	cmd.Dir = ".."
	cmd.Env = append(cmd.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, stderr.String())
	}
	return strings.Fields(string(out))
}

// forbidden says why a dependency may not be linked into a deployed binary, or "".
func forbidden(dep string) string {
	switch {
	case dep == module+"/local" || strings.HasPrefix(dep, module+"/local/"):
		return "local/ never deploys"
	case dep == "testing":
		return "the testing package has no place in a binary"
	case strings.Contains(dep, "moto"):
		return "moto is test support"
	}
	return ""
}

func TestNoLambdaLinksLocalCode(t *testing.T) {
	mains := goList(t, "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, "./functions/...")
	if len(mains) == 0 {
		t.Fatal("no main packages under functions/")
	}
	for _, pkg := range mains {
		for _, dep := range goList(t, "-deps", pkg) {
			if why := forbidden(dep); why != "" {
				t.Errorf("%s links %s: %s", pkg, dep, why)
			}
		}
	}
}

func TestNoCommandLinksTesting(t *testing.T) {
	cmds := goList(t, "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`, "./cmd/...")
	if len(cmds) == 0 {
		t.Fatal("no main packages under cmd/")
	}
	for _, pkg := range cmds {
		for _, dep := range goList(t, "-deps", pkg) {
			if dep == "testing" {
				t.Errorf("%s links testing: test helpers belong in *test packages, which only tests import", pkg)
			}
		}
	}
}
