package wulog

import (
	"fmt"
	"strings"
)

// Reporting event IDs WUA queues after a detection (ReportingEvents.log
// names them AGENT_DETECTION_SUCCEEDED/FAILED).
const (
	EventDetectionSucceeded = 147
	EventDetectionFailed    = 148
)

// zeroGUID is the update ID of events that concern no single update.
const zeroGUID = "00000000-0000-0000-0000-000000000000"

// ReportEvent is one reporting event as WUA 7 logs it when queueing it for
// ReportEventBatch. Zero fields get the values a detection event has.
type ReportEvent struct {
	RecordID string // the event record's GUID; braces optional
	EventID  int    // EventDetectionSucceeded or EventDetectionFailed
	UpdateID string // the update concerned; empty means the zero GUID
	HResult  uint32 // 0 on success
	CallerID string // the client; empty means "AutomaticUpdates"
	Count    int    // updates detected, for the 147 text
	Text     string // empty means the standard text for EventID
}

// DetectionSucceeded returns the 147 event for a detection that found n
// updates.
func DetectionSucceeded(recordID string, n int) ReportEvent {
	return ReportEvent{RecordID: recordID, EventID: EventDetectionSucceeded, Count: n}
}

// DetectionFailed returns the 148 event for a detection that failed with hr.
func DetectionFailed(recordID string, hr uint32) ReportEvent {
	return ReportEvent{RecordID: recordID, EventID: EventDetectionFailed, HResult: hr}
}

// ReportEvent writes the REPORT EVENT line of e.
//
// Classic: Report "REPORT EVENT: {R}<TAB>YYYY-MM-DD HH:MM:SS:mmm+zzzz<TAB>1
// <TAB>147|148<TAB>101<TAB>{U}<TAB>0<TAB>H<TAB>C<TAB>Success|Failure<TAB>
// Software Synchronization<TAB>text", H being 0 or the HRESULT in lower-case
// hex; texts "Windows Update Client successfully detected N updates." and
// "Windows Update Client failed to detect with error 0x%08x." [S
// sergey-su/logjoint test logs for the 147 line; P "Troubleshoot Windows
// Update error 0x8024002E" for the 148 fields in ReportingEvents.log].
// The event time is the line's time with the numeric UTC offset of the
// Writer's location.
//
// WUA10: nothing. The decoded Windows 10 logs we could read carry no REPORT
// EVENT lines (events go to the event log and ReportEventBatch), and we do
// not invent one.
func (w *Writer) ReportEvent(e ReportEvent) {
	if w.flavour == WUA10 {
		return
	}
	caller := e.CallerID
	if caller == "" {
		caller = "AutomaticUpdates"
	}
	update := strings.Trim(e.UpdateID, "{}")
	if update == "" {
		update = zeroGUID
	}
	status := "Success"
	text := e.Text
	if e.EventID == EventDetectionFailed {
		status = "Failure"
		if text == "" {
			text = fmt.Sprintf("Windows Update Client failed to detect with error 0x%08x.", e.HResult)
		}
	} else if text == "" {
		text = fmt.Sprintf("Windows Update Client successfully detected %d updates.", e.Count)
	}
	hr := "0"
	if e.HResult != 0 {
		hr = fmt.Sprintf("%08x", e.HResult)
	}
	w.block(func(b *block) {
		when := fmt.Sprintf("%s:%03d%s", b.t.Format("2006-01-02 15:04:05"), b.t.Nanosecond()/1e6, b.t.Format("-0700"))
		b.linef("Report", "REPORT EVENT: {%s}\t%s\t1\t%d\t101\t{%s}\t0\t%s\t%s\t%s\tSoftware Synchronization\t%s",
			strings.ToUpper(strings.Trim(e.RecordID, "{}")), when, e.EventID, strings.ToUpper(update), hr, caller, status, text)
	})
}
