// Command genevents writes events/: a sample event for every function of template.yaml (see
// package local/invoke), from the routing table and the catalogue. Run it from the repository
// root (make events) after changing either; a test fails while the committed files are stale.
package main

import (
	"fmt"
	"os"

	"github.com/actionservice/actionservice/local/invoke"
)

func main() {
	if err := invoke.Write("events"); err != nil {
		fmt.Fprintln(os.Stderr, "genevents:", err)
		os.Exit(1)
	}
}
