// Package cli is the one command-line convention of mockwsus, client-sim
// and wsusrepro, so that a script can rely on the same things from all
// three:
//
//   - "--help", "-h" and "help CMD" print the command's usage on standard
//     output and exit 0;
//   - a bad flag or argument prints one line, with the hint
//     "run 'PROG CMD --help'", on standard error and exits 2;
//   - every message has one prefix, the program's name (a library's own
//     "mockwsus: " or "clientsim: " prefix is not repeated after it);
//   - exit status 0 is success, 1 means the run found what it was asked to
//     find or failed its checks (each command's usage says which), 2 a
//     usage or environment error (a file that cannot be read, a server
//     that cannot be reached).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// Exit statuses.
const (
	ExitOK = 0
	// ExitFound is "the run found what it was asked to find, or failed its
	// checks": a failed expectation, a failed search, KB954960 detected.
	ExitFound = 1
	// ExitUsage is a usage or environment error.
	ExitUsage = 2
)

// Command is one command of a program: its flags and its usage text.
type Command struct {
	// Prog is the program ("wsusrepro"); Name the command ("run"), empty
	// for a program that is its own command (mockwsus serving).
	Prog, Name string
	// Args is the synopsis of the positional arguments, e.g. "FILE...".
	Args string
	// Summary says in one line what the command does; Doc may add
	// paragraphs.
	Summary, Doc string
	// Exit says what each exit status means for this command.
	Exit string
	// Flags are the command's flags; they print nothing themselves.
	Flags *flag.FlagSet
}

// NewCommand returns a command with an empty flag set.
func NewCommand(prog, name, args, summary, exit string) *Command {
	c := &Command{Prog: prog, Name: name, Args: args, Summary: summary, Exit: exit}
	c.Flags = flag.NewFlagSet(c.FullName(), flag.ContinueOnError)
	// The flag package's own messages (the error, then every flag) are
	// replaced by one line and a hint; usage goes where it was asked for.
	c.Flags.SetOutput(io.Discard)
	c.Flags.Usage = func() {}
	return c
}

// FullName is "PROG NAME", or PROG alone.
func (c *Command) FullName() string {
	if c.Name == "" {
		return c.Prog
	}
	return c.Prog + " " + c.Name
}

// WriteUsage prints the command's usage: synopsis, summary, flags with
// their defaults, and exit statuses.
func (c *Command) WriteUsage(w io.Writer) {
	synopsis := c.FullName()
	hasFlags := false
	c.Flags.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		synopsis += " [flags]"
	}
	if c.Args != "" {
		synopsis += " " + c.Args
	}
	fmt.Fprintf(w, "usage: %s\n\n%s\n", synopsis, c.Summary)
	if c.Doc != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Doc))
	}
	if hasFlags {
		fmt.Fprint(w, "\nflags:\n")
		c.Flags.SetOutput(w)
		c.Flags.PrintDefaults()
		c.Flags.SetOutput(io.Discard)
	}
	switch {
	case strings.HasPrefix(c.Exit, "\n"): // a table, one status a line
		fmt.Fprintf(w, "\nexit status:%s\n", c.Exit)
	case c.Exit != "":
		fmt.Fprintf(w, "\nexit status: %s\n", c.Exit)
	}
}

// Parse parses args, flags and positional arguments in any order (a "--"
// ends the flags). On -h or --help it prints the usage to stdout and
// returns flag.ErrHelp, which Report turns into exit status 0; a bad flag
// is a *UsageError.
func (c *Command) Parse(args []string, stdout io.Writer) ([]string, error) {
	var pos []string
	for {
		if err := c.Flags.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.WriteUsage(stdout)
				return nil, flag.ErrHelp
			}
			return nil, c.Usagef("%v", err)
		}
		rest := c.Flags.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops at "--" (consumed) or at the first positional
		// argument: after a "--" everything is positional.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// NoArgs refuses positional arguments of a command that takes none.
func (c *Command) NoArgs(pos []string) error {
	if len(pos) > 0 {
		return c.Usagef("unexpected argument %q", pos[0])
	}
	return nil
}

// Usagef returns a usage error of this command.
func (c *Command) Usagef(format string, args ...any) error {
	return &UsageError{Cmd: c.FullName(), Msg: fmt.Sprintf(format, args...)}
}

// UsageError is a bad command line: exit status 2, printed as one line
// with a hint to the command's usage.
type UsageError struct {
	// Cmd is the full command ("wsusrepro run").
	Cmd string
	Msg string
}

func (e *UsageError) Error() string {
	return fmt.Sprintf("%s: %s (run '%s --help')", e.Cmd, e.Msg, e.Cmd)
}

// ExitError ends the program with Code; Err, when set, is printed first
// (nil when the command already said why, e.g. in its report).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Found is exit status 1 with a message: the run found what it was asked
// to find, or failed its checks.
func Found(err error) error { return &ExitError{Code: ExitFound, Err: err} }

// Exit is exit status code with nothing more to print.
func Exit(code int) error { return &ExitError{Code: code} }

// Report prints err (one line, one prefix) to stderr and returns the exit
// status for it: 0 for nil and for help, an ExitError's code (or that of an
// error with an ExitCode method), 2 for a usage error and for any other
// error (the environment: files, network).
func Report(prog string, err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, (&UsageError{Cmd: ue.Cmd, Msg: Clean(ue.Msg)}).Error())
		return ExitUsage
	}
	code := ExitUsage
	var ee *ExitError
	var coded interface{ ExitCode() int }
	switch {
	case errors.As(err, &ee):
		code = ee.Code
		if ee.Err == nil {
			return code
		}
		err = ee.Err
	case errors.As(err, &coded):
		code = coded.ExitCode()
	}
	fmt.Fprintf(stderr, "%s: %s\n", prog, Clean(err.Error()))
	return code
}

// packages are the prefixes this module's packages put on their errors
// (and the programs' own names): the program's prefix replaces them.
var packages = []string{"mockwsus", "mockwsustest", "clientsim", "client-sim", "wsusrepro", "soap", "scenarios",
	"scenario", "capture", "detect", "corpus", "bench", "profile", "wulog", "updatexml", "catalog", "behaviour",
	"sdlog", "adminclient", "xpress", "atomicfile", "yamlguard"}

// Clean removes the package prefixes from a message: at its start and after
// every ": " (a wrapped error's), so that "clientsim: profile: unknown"
// reads "unknown" after the program's name.
func Clean(msg string) string {
	parts := strings.Split(msg, ": ")
	out := parts[:0]
	for i, p := range parts {
		if i < len(parts)-1 && isPackage(p) {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ": ")
}

func isPackage(s string) bool {
	for _, p := range packages {
		if s == p {
			return true
		}
	}
	return false
}

// Main runs a program's run function with a context cancelled by SIGINT
// and SIGTERM and exits as Report says.
func Main(prog string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(Report(prog, err, os.Stderr))
}
