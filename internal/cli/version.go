package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/wsusmock/wsusmock/internal/jsonout"
)

// BuildInfo is what `PROG version` prints: the module's version and the
// commit it was built from, as the Go toolchain stamped them into the
// binary, and the Go version.
type BuildInfo struct {
	Program string `json:"program"`
	Module  string `json:"module"`
	// Version is the module version: a tag (v1.2.0) when built by
	// `go install module@version`, "(devel)" when built in a clone.
	Version string `json:"version"`
	// Commit, CommitTime and Modified come from the VCS stamp; Commit is
	// empty when the binary was built without one (-buildvcs=false, or
	// outside a checkout).
	Commit     string `json:"commit"`
	CommitTime string `json:"commitTime"`
	Modified   bool   `json:"modified"`
	GoVersion  string `json:"goVersion"`
	Platform   string `json:"platform"`
}

// readBuildInfo reads the running binary's build information.
func readBuildInfo(prog string) BuildInfo {
	b := BuildInfo{Program: prog, Version: "(unknown)", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	b.Module, b.Version = info.Main.Path, info.Main.Version
	if info.GoVersion != "" {
		b.GoVersion = info.GoVersion
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = s.Value
		case "vcs.time":
			b.CommitTime = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// WriteText prints the information on four lines.
func (b BuildInfo) WriteText(w io.Writer) error {
	commit := b.Commit
	switch {
	case commit == "":
		commit = "unknown (built without VCS information, e.g. -buildvcs=false)"
	default:
		if b.CommitTime != "" {
			commit += " (" + b.CommitTime + ")"
		}
		if b.Modified {
			commit += ", with uncommitted changes"
		}
	}
	_, err := fmt.Fprintf(w, "%s %s\nmodule  %s\ncommit  %s\ngo      %s %s\n", b.Program, b.Version, b.Module, commit, b.GoVersion, b.Platform)
	return err
}

// versionCommand is `PROG version [--json]`.
func versionCommand(prog string) *Command {
	return NewCommand(prog, "version", "", "print the module version, the commit it was built from and the Go version", "0, or 2 on a usage error")
}

// RunVersion runs `PROG version [--json]`.
func RunVersion(_ context.Context, prog string, args []string, stdout io.Writer) error {
	c := versionCommand(prog)
	asJSON := c.Flags.Bool("json", false, "print the information as JSON")
	pos, err := c.Parse(args, stdout)
	if err != nil {
		return err
	}
	if err := c.NoArgs(pos); err != nil {
		return err
	}
	b := readBuildInfo(prog)
	if *asJSON {
		return jsonout.Write(stdout, &b)
	}
	return b.WriteText(stdout)
}
