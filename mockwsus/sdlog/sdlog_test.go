package sdlog_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/internal/golden"
	"github.com/wsusmock/wsusmock/mockwsus/sdlog"
)

const (
	actor   = "https://wsusebc/ClientWebService/client.asmx"
	faultID = "c0a7445f-b989-43fa-ac20-11f8ca65fa8c"
)

// serverStart is the advisory's server time, 2008-06-14 02:59:57.642 UTC.
var serverStart = time.Date(2008, 6, 14, 2, 59, 57, 642_000_000, time.UTC)

// kb954960Block writes what WSUS 3.0 SP1 logs for one failing SyncUpdates.
func kb954960Block(w *sdlog.Writer) {
	w.DuplicateKeyException(12, "8862")
	w.ThrowException(12, actor, faultID, "InternalServerError", "", "")
}

func TestGoldenKB954960(t *testing.T) {
	var buf bytes.Buffer
	w := sdlog.New(&buf, clock.NewVirtual(serverStart, time.Millisecond))
	kb954960Block(w)
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, filepath.Join("testdata", "kb954960.golden"), buf.Bytes())
}

func TestExactLines(t *testing.T) {
	var buf bytes.Buffer
	w := sdlog.New(&buf, clock.NewVirtual(serverStart, 0))
	kb954960Block(w)
	lines := strings.Split(buf.String(), "\r\n")
	wantFirst := "2008-06-14 02:59:57.642 UTC\tError\tw3wp.12\tClientImplementation.SyncUpdates\t" +
		"System.ArgumentException: Item has already been added. Key in dictionary: '8862'  Key being added: '8862'"
	if lines[0] != wantFirst {
		t.Errorf("first line\n got %q\nwant %q", lines[0], wantFirst)
	}
	if lines[1] != "   at System.Collections.Hashtable.Insert(Object key, Object nvalue, Boolean add)" {
		t.Errorf("first frame %q", lines[1])
	}
	wantWarn := "2008-06-14 02:59:57.642 UTC\tWarning\tw3wp.12\tSoapUtilities.CreateException\t" +
		"ThrowException: actor = https://wsusebc/ClientWebService/client.asmx, ID=c0a7445f-b989-43fa-ac20-11f8ca65fa8c, " +
		"ErrorCode=InternalServerError, Message=, Client=?"
	if got := lines[len(lines)-2]; got != wantWarn {
		t.Errorf("warning line\n got %q\nwant %q", got, wantWarn)
	}
	if lines[len(lines)-1] != "" {
		t.Errorf("output does not end with CRLF: %q", buf.String())
	}
	if strings.Count(buf.String(), "\n") != strings.Count(buf.String(), "\r\n") {
		t.Error("bare LF in output")
	}
}

func TestLogNormalisesLineBreaks(t *testing.T) {
	var buf bytes.Buffer
	w := sdlog.New(&buf, clock.NewVirtual(serverStart, 0))
	w.Info(7, "Client.GetConfig", "a\nb\r\nc\rd")
	want := "2008-06-14 02:59:57.642 UTC\tInfo\tw3wp.7\tClient.GetConfig\ta\r\nb\r\nc\r\nd\r\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

func TestOtherFaultsUseTheSameHelpers(t *testing.T) {
	var buf bytes.Buffer
	w := sdlog.New(&buf, clock.NewVirtual(serverStart, 0))
	w.Exception(9, sdlog.SourceSyncUpdates, "System.Data.SqlClient.SqlException", sdlog.SQLTimeoutMessage,
		sdlog.Stack(sdlog.SQLTimeoutFrames, sdlog.SyncUpdatesFrames[2:], sdlog.ASMXFrames))
	w.ThrowException(9, actor, faultID, "InternalServerError", "", "")
	w.ThrowException(4, "http://wsusebc/ClientWebService/client.asmx", faultID, "InvalidParameters",
		"parameters.InstalledNonLeafUpdateIDs", "0f3b6a2c-1e4d-4c8a-b7e9-5a2d3c4b1f60")
	out := buf.String()
	for _, s := range []string{
		"\tError\tw3wp.9\tClientImplementation.SyncUpdates\tSystem.Data.SqlClient.SqlException: Timeout expired.  The timeout period",
		"\r\n   at System.Data.SqlClient.SqlCommand.ExecuteReader(CommandBehavior behavior)\r\n   at Microsoft.UpdateServices.Internal.ClientImplementation.SyncUpdates(",
		"ErrorCode=InvalidParameters, Message=parameters.InstalledNonLeafUpdateIDs, Client=0f3b6a2c-1e4d-4c8a-b7e9-5a2d3c4b1f60\r\n",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

// countingWriter records each Write call.
type countingWriter struct {
	mu     sync.Mutex
	writes []string
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes = append(c.writes, string(p))
	return len(p), nil
}

func TestConcurrentRecordsAreWholeWrites(t *testing.T) {
	var cw countingWriter
	w := sdlog.New(&cw, clock.NewVirtual(serverStart, time.Millisecond))
	const workers, rounds = 8, 50
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				w.DuplicateKeyException(g, "8862")
			}
		}()
	}
	wg.Wait()
	frames := len(sdlog.Stack(sdlog.HashtableAddFrames, sdlog.SyncUpdatesFrames, sdlog.ASMXFrames))
	if len(cw.writes) != workers*rounds {
		t.Fatalf("got %d writes, want %d", len(cw.writes), workers*rounds)
	}
	for _, wr := range cw.writes {
		if strings.Count(wr, "\r\n") != frames+1 || !strings.HasSuffix(wr, "\r\n") {
			t.Fatalf("record not written whole: %q", wr)
		}
	}
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("disk full")
}

func TestWriteErrorIsKept(t *testing.T) {
	var fw failingWriter
	w := sdlog.New(&fw, clock.NewVirtual(serverStart, 0))
	w.Info(1, "A.B", "x")
	w.Info(1, "A.B", "y")
	if err := w.Err(); err == nil || !strings.HasPrefix(err.Error(), "sdlog: write: ") {
		t.Fatalf("Err() = %v", err)
	}
	if fw.n != 1 {
		t.Errorf("writer called %d times, want 1", fw.n)
	}
}

// Every record lost after a write error is counted and reported to the
// handler, with the first error: a full disk is never silent.
func TestLostRecordsAreReported(t *testing.T) {
	var fw failingWriter
	w := sdlog.New(&fw, clock.NewVirtual(serverStart, 0))
	var reports []int
	var first error
	w.OnError(func(err error, lost int) {
		if first == nil {
			first = err
		}
		reports = append(reports, lost)
	})
	for i := 0; i < 3; i++ {
		w.Error(1, "A.B", "x")
	}
	if w.Lost() != 3 || len(reports) != 3 || reports[2] != 3 {
		t.Errorf("Lost() = %d, reports %v; want 3 records lost, each reported", w.Lost(), reports)
	}
	if first == nil || !strings.Contains(first.Error(), "disk full") {
		t.Errorf("reported error %v, want the destination's", first)
	}
}
