// Command genasl writes the Step Functions definitions of the action catalogue,
// statemachines/<action>.asl.json, from package actions. Run it from the module root after
// changing the catalogue or the generator: go run ./cmd/genasl
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/actionservice/actionservice/shared/actions"
	"github.com/actionservice/actionservice/shared/service"
)

func main() {
	dir := flag.String("dir", "statemachines", "directory to write <action>.asl.json into")
	flag.Parse()
	written, err := actions.WriteStateMachines(*dir)
	if err != nil {
		service.Logger().Error("genasl", "err", err)
		os.Exit(1)
	}
	for _, f := range written {
		fmt.Println(f)
	}
}
