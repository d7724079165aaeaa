package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/wsusmock/wsusmock/capture"
	"github.com/wsusmock/wsusmock/internal/atomicfile"
	"github.com/wsusmock/wsusmock/internal/cli"
)

const harExit = "0 done; 2 usage or environment error (a HAR or capture that cannot be read, an entry a capture folder cannot hold)"

// runHAR is `mockwsus har import|export`: HAR 1.2 logs (what browsers'
// developer tools, Fiddler and mitmproxy save) to and from capture folders,
// the format of --record and --replay.
func runHAR(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := func(w io.Writer) {
		fmt.Fprintf(w, `usage: mockwsus har import FILE.har DIR
       mockwsus har export DIR [FILE.har]

import writes a HAR log's entries as a capture directory (one folder per exchange, as --record
writes); export writes a capture directory as a HAR log (standard output without FILE.har).
'mockwsus --replay' answers from either.

exit status: %s
`, harExit)
	}
	if len(args) == 0 {
		usage(stderr)
		return cli.Exit(cli.ExitUsage)
	}
	switch args[0] {
	case "import":
		return harImport(args[1:], stdout)
	case "export":
		return harExport(args[1:], stdout)
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return nil
	}
	return &cli.UsageError{Cmd: prog + " har", Msg: fmt.Sprintf("unknown command %q (import or export)", args[0])}
}

func harImport(args []string, stdout io.Writer) error {
	c := cli.NewCommand(prog, "har import", "FILE.har DIR", "write a HAR log's entries as a capture directory (created if needed)", harExit)
	pos, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return c.Usagef("want a HAR file and a directory, got %d arguments", len(pos))
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	exchanges, err := capture.ImportHAR(f, pos[1])
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "imported %d exchanges from %s into %s\n", len(exchanges), pos[0], pos[1])
	return nil
}

func harExport(args []string, stdout io.Writer) error {
	c := cli.NewCommand(prog, "har export", "DIR [FILE.har]", "write a capture directory as a HAR 1.2 log (standard output without FILE.har)", harExit)
	pos, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 && len(pos) != 2 {
		return c.Usagef("want a capture directory and optionally a HAR file, got %d arguments", len(pos))
	}
	exchanges, err := capture.Read(pos[0])
	if err != nil {
		return err
	}
	if len(pos) == 1 || pos[1] == "-" {
		return capture.WriteHAR(stdout, exchanges)
	}
	// Written then renamed: an interrupted export leaves no half file.
	if err := atomicfile.Write(pos[1], 0o644, func(w io.Writer) error { return capture.WriteHAR(w, exchanges) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %d exchanges from %s to %s\n", len(exchanges), pos[0], pos[1])
	return nil
}

// readCapture reads --replay's capture: a directory as --record writes it,
// or a HAR file (imported into a temporary directory that cleanup
// removes).
func readCapture(path string) (exchanges []capture.Exchange, cleanup func(), err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--replay: %w", err)
	}
	if fi.IsDir() {
		exchanges, err = capture.Read(path)
		return exchanges, func() {}, err
	}
	if !strings.EqualFold(filepath.Ext(path), ".har") {
		return nil, nil, fmt.Errorf("--replay %s: want a capture directory or a .har file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	tmp, err := os.MkdirTemp("", "mockwsus-har-")
	if err != nil {
		return nil, nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	exchanges, err = capture.ImportHAR(f, tmp)
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("--replay %s: %w", path, err)
	}
	return exchanges, cleanup, nil
}
