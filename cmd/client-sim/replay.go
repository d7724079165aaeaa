package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wsusmock/wsusmock/capture"
)

// replayDifferError is a replay whose answers differ: exit status 1.
type replayDifferError struct{ differs, errors int }

func (e *replayDifferError) Error() string {
	return fmt.Sprintf("replay: %d exchanges differ, %d failed", e.differs, e.errors)
}

// runReplay is `client-sim replay DIR --server URL [--against URL2] [--json]`:
// re-send recorded requests in order, re-threading the live cookie and
// revision IDs, and compare each answer structurally with the recorded one
// (or with a second server's).
func runReplay(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("replay", e)
	server := fs.String("server", "", "server to replay against (required)")
	against := fs.String("against", "", "a second server: replay the same traffic against both and report where they part")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	timeout := fs.Duration("timeout", 30*time.Second, "deadline of each request")
	clientID := fs.String("client-id", "", "client ID to register as when the capture starts mid-session (default: the capture's, else a fixed one)")
	var dir string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		dir, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if dir == "" || *server == "" {
		return usagef("usage: client-sim replay DIR --server URL [--against URL2] [--json]")
	}
	exchanges, err := capture.Read(dir)
	if err != nil {
		return err
	}
	opts := capture.ReplayOptions{ClientID: *clientID}
	ctx, cancel := context.WithTimeout(ctx, *timeout*time.Duration(len(exchanges)+8))
	defer cancel()
	var rep *capture.ReplayReport
	if *against != "" {
		rep, err = capture.ReplayAgainst(ctx, exchanges, *server, *against, opts)
	} else {
		rep, err = capture.Replay(ctx, exchanges, *server, opts)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		err = rep.WriteJSON(e.stdout)
	} else {
		err = rep.WriteText(e.stdout)
	}
	if err != nil {
		return err
	}
	if rep.Differs+rep.Errors > 0 {
		return &replayDifferError{differs: rep.Differs, errors: rep.Errors}
	}
	return nil
}
