package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
)

// limitFlags are the server's limits a user can change from the command
// line (docs/limits.md lists each with its default and what exceeding it
// gets). The defaults are the shipped WSUS values, so a user only names the
// ones a test needs to move.
type limitFlags struct {
	maxBody                   byteSize
	maxDiscard                byteSize
	maxHeaderBytes            byteSize
	maxElements               int
	pageSize                  int
	maxInstalledPrerequisites int
	maxCachedUpdates          int
	maxExtendedUpdates        int
	cookieLifetime            time.Duration
	writeTimeout              time.Duration
	serverLogLimit            byteSize
}

func (l *limitFlags) register(fs *flag.FlagSet) {
	l.maxBody = soap.DefaultMaxBody
	l.maxHeaderBytes = mockwsus.DefaultMaxHeaderBytes
	l.maxDiscard = mockwsus.DefaultMaxDiscard
	fs.Var(&l.maxBody, "max-body", "largest SOAP request body, in bytes or with KiB/MiB (ASP.NET maxRequestLength; 413 past it)")
	fs.Var(&l.maxDiscard, "max-discard", "largest request body over --max-body that is still read and thrown away before the 413 answer, so that clients that send before they read get it (IIS maxAllowedContentLength; larger bodies: answer and close unread; 0 reads none)")
	fs.Var(&l.maxHeaderBytes, "max-header-bytes", "largest request line and headers, in bytes or with KiB/MiB (431 past it)")
	fs.IntVar(&l.maxElements, "max-elements", 0, "most elements of one SOAP request, counted before decoding (413 past it; 0: 100000, or twice max-cached-updates+max-installed-prerequisites if more)")
	fs.IntVar(&l.pageSize, "page-size", mockwsus.DefaultPageSize, "most updates one SyncUpdates answer carries (Truncated past it)")
	fs.IntVar(&l.maxInstalledPrerequisites, "max-installed-prerequisites", mockwsus.DefaultMaxInstalledPrerequisites, "most InstalledNonLeafUpdateIDs a SyncUpdates may send (web.config maxInstalledPrerequisites; InvalidParameters past it)")
	fs.IntVar(&l.maxCachedUpdates, "max-cached-updates", mockwsus.DefaultMaxCachedUpdates, "most OtherCachedUpdateIDs a SyncUpdates may send (web.config maxCachedUpdate; InvalidParameters past it)")
	fs.IntVar(&l.maxExtendedUpdates, "max-extended-updates", mockwsus.DefaultMaxExtendedUpdatesPerRequest, "MaxExtendedUpdatesPerRequest that GetConfig advertises and GetExtendedUpdateInfo enforces")
	fs.DurationVar(&l.cookieLifetime, "cookie-lifetime", mockwsus.DefaultCookieLifetime, "how long a cookie is valid (CookieExpired past it)")
	l.serverLogLimit = mockwsus.DefaultServerLogLimit
	fs.Var(&l.serverLogLimit, "server-log-limit", "bytes of SoftwareDistribution.log kept in memory for the admin API (GET /logs/SoftwareDistribution.log; older lines are dropped there, never from --log-dir's file)")
	fs.DurationVar(&l.writeTimeout, "write-timeout", mockwsus.DefaultWriteTimeout, "how long handling a request and writing its answer may take (connection closed past it)")
}

// check refuses values that would make the server unusable, naming the
// flag, rather than letting 0 silently mean the default.
func (l *limitFlags) check() error {
	for _, c := range []struct {
		name string
		v    int64
		min  int64
	}{
		{"max-body", int64(l.maxBody), 1},
		{"max-header-bytes", int64(l.maxHeaderBytes), 1},
		{"max-discard", int64(l.maxDiscard), 0},
		{"max-elements", int64(l.maxElements), 0},
		{"page-size", int64(l.pageSize), 1},
		{"max-installed-prerequisites", int64(l.maxInstalledPrerequisites), 1},
		{"max-cached-updates", int64(l.maxCachedUpdates), 1},
		{"max-extended-updates", int64(l.maxExtendedUpdates), 1},
		{"cookie-lifetime", int64(l.cookieLifetime), int64(time.Second)},
		{"write-timeout", int64(l.writeTimeout), int64(time.Second)},
		{"server-log-limit", int64(l.serverLogLimit), 4096},
	} {
		if c.v < c.min {
			if c.min >= int64(time.Second) {
				return fmt.Errorf("--%s %v: want at least 1s", c.name, time.Duration(c.v))
			}
			return fmt.Errorf("--%s %d: want at least %d", c.name, c.v, c.min)
		}
	}
	if int64(l.serverLogLimit) > 1<<30 {
		return fmt.Errorf("--server-log-limit %d: want at most 1GiB", l.serverLogLimit)
	}
	if int64(l.maxDiscard) > 4<<30 {
		// IIS's maxAllowedContentLength is a 32-bit count.
		return fmt.Errorf("--max-discard %d: want at most 4GiB", l.maxDiscard)
	}
	if int64(l.maxHeaderBytes) > 1<<30 {
		return fmt.Errorf("--max-header-bytes %d: want at most 1GiB", l.maxHeaderBytes)
	}
	return nil
}

func (l *limitFlags) apply(cfg *mockwsus.Config) {
	cfg.MaxBody = int64(l.maxBody)
	cfg.MaxDiscard = int64(l.maxDiscard)
	if l.maxDiscard == 0 {
		cfg.MaxDiscard = -1 // Config's 0 means the default
	}
	cfg.MaxElements = l.maxElements
	cfg.PageSize = l.pageSize
	cfg.MaxInstalledPrerequisites = l.maxInstalledPrerequisites
	cfg.MaxCachedUpdates = l.maxCachedUpdates
	cfg.MaxExtendedUpdatesPerRequest = l.maxExtendedUpdates
	cfg.CookieLifetime = l.cookieLifetime
	cfg.ServerLogLimit = int(l.serverLogLimit)
}

func (l *limitFlags) applyListen(lopts *mockwsus.ListenOptions) {
	lopts.WriteTimeout = l.writeTimeout
	lopts.MaxHeaderBytes = int(l.maxHeaderBytes)
}

// byteSize is a flag value of bytes: "4194304", "4MiB", "64KiB" (also KB
// and MB, read as binary units, since that is what the limits are).
type byteSize int64

func (b *byteSize) String() string {
	switch v := int64(*b); {
	case v != 0 && v%(1<<20) == 0:
		return strconv.FormatInt(v>>20, 10) + "MiB"
	case v != 0 && v%(1<<10) == 0:
		return strconv.FormatInt(v>>10, 10) + "KiB"
	default:
		return strconv.FormatInt(v, 10)
	}
}

func (b *byteSize) Set(s string) error {
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil || v < 0 || v > (1<<40)/mult {
		return fmt.Errorf("%q: want a number of bytes, optionally with KiB, MiB or GiB (e.g. 4MiB)", s)
	}
	*b = byteSize(v * mult)
	return nil
}
