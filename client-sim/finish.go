package clientsim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
)

// Reporting constants of a detection event (protocol notes, section 2.4).
const (
	reportNamespaceID = 1
	reportSourceID    = 101 // the agent
	zeroGUID          = "00000000-0000-0000-0000-000000000000"
)

// finish ends the search: the found updates or the failure in the log and
// the Result, then the detection event (147 or 148), queued and uploaded.
func (s *session) finish(ctx context.Context, fail *exchangeError) {
	res := s.res
	res.Deployed = len(s.cache.byRev)
	res.Evaluated = s.cache.evaluatedCount()
	res.Categories = s.cache.categoryCount()
	recordID := s.id.events.GUID()
	var ev wulog.ReportEvent
	if fail == nil {
		found := s.cache.found()
		for _, u := range found {
			s.log.AddedUpdate(u.id.UpdateID, u.id.RevisionNumber)
			res.Updates = append(res.Updates, FoundUpdate{
				RevisionID: u.rev, UpdateID: u.id.UpdateID, RevisionNumber: u.id.RevisionNumber,
				Title: u.title, KB: u.kb, Classification: s.cache.classification(u), Action: u.action,
			})
		}
		s.log.SearchSucceeded(s.callerID(), len(found), res.Categories, res.Evaluated, res.Deployed)
		res.Success = true
		ev = wulog.DetectionSucceeded(recordID, len(found))
	} else {
		s.logFailure(fail)
		res.HResultCode = uint32(fail.hr)
		res.FailedOperation = fail.op
		res.Reason = fail.reason
		if fail.fault != nil {
			res.Fault = faultInfo(fail)
		}
		ev = wulog.DetectionFailed(recordID, uint32(fail.hr))
	}
	res.HResult = HResult(res.HResultCode)
	s.log.ReportEvent(ev)
	if ctx.Err() == nil {
		s.report(ctx, recordID, ev)
	}
}

// pt is the flavour's name of the protocol talker component.
func (s *session) pt() string {
	if s.flavour == wulog.WUA10 {
		return "ProtocolTalker"
	}
	return "PT"
}

// logFailure writes why the search failed, then the unwinding WUA logs.
func (s *session) logFailure(fail *exchangeError) {
	hr := uint32(fail.hr)
	switch {
	case fail.op == "SelfUpdate":
		// [S] "Agent * WARNING: Skipping scan, self-update check returned
		// 0x80244019" (jjameson 2008); no synchronisation took place.
		s.log.Line("Agent", fmt.Sprintf("  * WARNING: Skipping scan, self-update check returned 0x%08X", hr))
		s.log.SearchFailed(s.callerID(), hr)
		return
	case fail.fault != nil:
		s.logFault(fail)
	case fail.hr == HRExceededMaxServerTrips:
		// [I] WUA's wording for WU_E_PT_EXCEEDED_MAX_SERVER_TRIPS.
		s.log.Line(s.pt(), fmt.Sprintf("WARNING: Exceeded max server round trips: 0x%08X", hr))
	case fail.protocol:
		s.log.Line(s.pt(), fmt.Sprintf("WARNING: %s failure, error = 0x%08X: %s", fail.op, hr, fail.reason))
	default:
		s.log.TransportFailure(fail.op, hr, fail.detail)
	}
	s.log.PTError(hr)
	s.log.SyncFailedIn(fail.op, hr)
	s.log.SearchFailed(s.callerID(), hr)
}

// report uploads the detection event with ReportEventBatch, as WUA's
// reporter does once the search is over. The upload never changes the
// search's result; it needs a cookie, so a search that failed before
// GetCookie reports nothing.
//
// Classic log lines: Report "Uploading N events using cached cookie,
// reporting URL = U", "Reporter successfully uploaded N events." [I: WUA 7
// logs as remembered; no copy found]; WUA 10 writes neither.
func (s *session) report(ctx context.Context, recordID string, ev wulog.ReportEvent) {
	if s.cfg.SkipReporting || s.cookie == nil {
		return
	}
	// The reporter is not the search: it gets its own round-trip budget.
	s.maxTrips = s.res.RoundTrips + 4*(maxRecoveries+1)
	classic := s.flavour == wulog.Classic
	if classic {
		s.log.Line("Report", "Uploading 1 events using cached cookie, reporting URL = "+s.urls.reporting)
	}
	event := s.reportingEvent(recordID, ev)
	op := reporting.OpReportEventBatch
	var resp reporting.ReportEventBatchResponse
	e := s.withRecovery(ctx, op, func() *exchangeError {
		resp = reporting.ReportEventBatchResponse{}
		return s.soapCall(ctx, op, s.urls.reporting, reporting.ActionReportEventBatch, reportRequest(s.cookie, s.clk.Now(), event), &resp)
	})
	switch {
	case e != nil:
		if classic {
			s.log.Line("Report", fmt.Sprintf("WARNING: Reporter failed to upload events with hr = %x.", uint32(e.hr)))
		}
	case !resp.ReportEventBatchResult:
		if classic {
			s.log.Line("Report", "WARNING: Reporter failed to upload events: the server answered false.")
		}
	default:
		if classic {
			s.log.Line("Report", "Reporter successfully uploaded 1 events.")
		}
		s.res.ReportedEvents = append(s.res.ReportedEvents, ev.EventID)
	}
}

// reportingEvent is the ReportingEvent of a detection event: NamespaceID 1,
// SourceID 101, the client ID as TargetID, the zero update, AppName the
// caller, and the count or the error as replacement string, as the
// captured native events carry them.
func (s *session) reportingEvent(recordID string, ev wulog.ReportEvent) *reporting.ReportingEvent {
	p := s.cfg.Profile
	repl := fmt.Sprint(ev.Count)
	if ev.EventID == wulog.EventDetectionFailed {
		repl = fmt.Sprintf("0x%08x", ev.HResult)
	}
	event := &reporting.ReportingEvent{
		BasicData: &reporting.BasicData{
			TargetID:        &reporting.ComputerTargetIdentifier{Sid: s.id.clientID},
			SequenceNumber:  0,
			TimeAtTarget:    clientws.NewDateTime(s.clk.Now()),
			EventInstanceID: reporting.Guid(strings.ToLower(recordID)),
			NamespaceID:     reportNamespaceID,
			EventID:         int16(ev.EventID),
			SourceID:        reportSourceID,
			UpdateID:        &reporting.UpdateRevisionIdentifier{UpdateID: zeroGUID},
			Win32HResult:    int32(ev.HResult),
			AppName:         s.callerID(),
		},
		ExtendedData: &reporting.ExtendedData{
			ReplacementStrings:    &reporting.ArrayOfString{String: []string{repl}},
			ComputerBrand:         p.Manufacturer,
			ComputerModel:         p.Model,
			BiosRevision:          p.BIOSVersion,
			ProcessorArchitecture: reporting.ProcessorArchitecture(processorArchitecture(p.ProcessorArchitecture.String())),
			OSVersion: &reporting.DetailedVersion{
				Major: int32(p.OS.Major), Minor: int32(p.OS.Minor), Build: int32(p.OS.Build),
				ServicePackMajor: int32(p.OS.SPMajor), ServicePackMinor: int32(p.OS.SPMinor),
			},
			OSLocaleID: int32(p.OSLocale),
		},
		PrivateData: &reporting.PrivateData{ComputerDnsName: s.id.computer},
	}
	if s.wua10 {
		// The captured WUA 10 events (flow/000016-000018) carry MiscData
		// (key=value strings; G is the agent's version) and an empty
		// PrivateData.
		ua := p.Agent.UserAgentVersion
		if ua == "" {
			ua = p.AgentVersion
		}
		event.ExtendedData.MiscData = &reporting.ArrayOfString{String: []string{"G=" + ua, "AppName=" + s.callerID()}}
		event.PrivateData = &reporting.PrivateData{}
	}
	return event
}

// reportRequest builds a ReportEventBatch request carrying one event.
func reportRequest(cookie *clientws.Cookie, now time.Time, event *reporting.ReportingEvent) *reporting.ReportEventBatch {
	return &reporting.ReportEventBatch{
		Cookie:     &reporting.Cookie{Expiration: cookie.Expiration, EncryptedData: cookie.EncryptedData},
		ClientTime: clientws.NewDateTime(now),
		EventBatch: &reporting.ArrayOfReportingEvent{ReportingEvent: []*reporting.ReportingEvent{event}},
	}
}
