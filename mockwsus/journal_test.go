package mockwsus_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap/reporting"
)

// The journal keeps a bounded number of exchanges and events in memory, the
// newest, however long the server runs; the sink still gets every entry.
func TestJournalLimit(t *testing.T) {
	const limit = 8
	h := newHarness(t, mockwsus.Config{JournalLimit: limit})
	var sink bytes.Buffer
	h.srv.SetJournalSink(&sink)
	s := h.register("c1", "c1.lab.local", "")
	const batches = 25
	for i := range batches {
		req := reportRequest(s.cookie, "c1", h)
		req.EventBatch.ReportingEvent[0].BasicData.EventInstanceID = reporting.Guid(fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
		req.EventBatch.ReportingEvent[0].BasicData.SequenceNumber = int32(i)
		if _, err := h.post(reportingPath, reporting.ActionReportEventBatch, req, &reporting.ReportEventBatchResponse{}); err != nil {
			t.Fatal(err)
		}
	}
	entries := h.srv.Journal().Entries()
	if len(entries) > limit || len(entries) == 0 {
		t.Errorf("%d entries in memory, limit %d", len(entries), limit)
	}
	total := uint64(1 + 4 + batches) // the server's start, then the exchanges
	if last := entries[len(entries)-1]; last.Seq != total || last.Operation != "ReportEventBatch" {
		t.Errorf("newest entry %+v, want seq %d", last, total)
	}
	if got := h.srv.Journal().Dropped() + uint64(len(entries)); got != total {
		t.Errorf("dropped + kept = %d, want %d entries", got, total)
	}
	events := h.srv.Journal().Events()
	if len(events) > limit || len(events) == 0 {
		t.Errorf("%d events in memory, limit %d", len(events), limit)
	}
	var lines int
	sc := bufio.NewScanner(&sink)
	for sc.Scan() {
		var e mockwsus.Entry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("sink line %q: %v", sc.Text(), err)
		}
		lines++
	}
	if lines != int(total) {
		t.Errorf("sink got %d lines, want all %d entries", lines, total)
	}
}
