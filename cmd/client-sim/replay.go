package main

import (
	"context"
	"fmt"
	"time"

	"github.com/wsusmock/wsusmock/capture"
	"github.com/wsusmock/wsusmock/internal/cli"
)

// replayDifferError is a replay whose answers differ: exit status 1.
type replayDifferError struct{ differs, errors int }

func (e *replayDifferError) Error() string {
	return fmt.Sprintf("replay: %d exchanges differ, %d failed", e.differs, e.errors)
}

func (e *replayDifferError) ExitCode() int { return cli.ExitFound }

// runReplay is `client-sim replay DIR --server URL [--against URL2] [--json]`:
// re-send recorded requests in order, re-threading the live cookie and
// revision IDs, and compare each answer structurally with the recorded one
// (or with a second server's).
func runReplay(ctx context.Context, args []string, e env) error {
	cmd := cli.NewCommand(prog, "replay", "DIR", "re-send the requests of a capture directory to a server, in order, and diff its answers structurally with the recorded ones (or with a second server's)",
		"0 every answer matches; 1 answers differ or exchanges failed; 2 usage or environment error")
	fs := cmd.Flags
	server := fs.String("server", "", "server to replay against (required)")
	against := fs.String("against", "", "a second server: replay the same traffic against both and report where they part")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	timeout := fs.Duration("timeout", 30*time.Second, "deadline of each request")
	clientID := fs.String("client-id", "", "client ID to register as when the capture starts mid-session (default: the capture's, else a fixed one)")
	pos, err := cmd.Parse(args, e.stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return cmd.Usagef("want one capture directory, got %d arguments", len(pos))
	}
	if *server == "" {
		return cmd.Usagef("--server is required")
	}
	dir := pos[0]
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
