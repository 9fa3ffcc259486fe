// Command asvc is the Action Service's command-line client: it submits actions and shows
// their jobs' steps live, and lists, counts, restarts and deletes jobs. `asvc --help` and the
// README's "Command-line client" say how.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/actionservice/actionservice/cmd/asvc/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.OS())
	stop()
	os.Exit(code)
}
