package sdlog_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/clock"
	"github.com/wsusmock/wsusmock/mockwsus/sdlog"
)

// The Writer writes SoftwareDistribution.log records as a WSUS 3.0 server
// does: tab-separated columns, CRLF line ends, and an exception's stack
// under its record.
func ExampleWriter_Exception() {
	var buf bytes.Buffer
	w := sdlog.New(&buf, clock.NewVirtual(time.Date(2008, 6, 14, 2, 59, 57, 642_000_000, time.UTC), 0))
	w.Exception(12, sdlog.SourceSyncUpdates, "System.Data.SqlClient.SqlException", sdlog.SQLTimeoutMessage, sdlog.SQLTimeoutFrames[:1])
	fmt.Print(strings.NewReplacer("\t", " | ", "\r", "").Replace(buf.String()))
	// Output:
	// 2008-06-14 02:59:57.642 UTC | Error | w3wp.12 | ClientImplementation.SyncUpdates | System.Data.SqlClient.SqlException: Timeout expired.  The timeout period elapsed prior to completion of the operation or the server is not responding.
	//    at System.Data.SqlClient.SqlConnection.OnError(SqlException exception, Boolean breakConnection)
}
