package wulog

import (
	"fmt"
	"strings"
)

// DefaultCriteria is the search criteria Automatic Updates passes on WUA 7
// and WUA 10 (PowerShell/PowerShell#18361 shows it on WUA 10; the WUA 7 form
// starts the same way in the wincm.ch excerpt quoted by our protocol notes).
const DefaultCriteria = `IsInstalled=0 and DeploymentAction='Installation' or ` +
	`IsPresent=1 and DeploymentAction='Uninstallation' or ` +
	`IsInstalled=1 and DeploymentAction='Installation' and RebootRequired=1 or ` +
	`IsInstalled=0 and DeploymentAction='Uninstallation' and RebootRequired=1`

// LoggingInitialized writes the banner WUA writes when the service (or a
// client process loading wuapi.dll) starts logging.
//
// Classic: Misc "===========  Logging initialized (build: B, tz: Z)  ===========",
// "  = Process: ...", "  = Module: ..." [S LegacyUpdate#8, a WUA 7.6 file;
// KB902093 lists the three lines]. The paths are those of wuauserv on XP
// [I: the XP casing of %windir%].
//
// WUA10: Agent "WU client version B", "Base directory: ...", "Datastore
// directory: ..." [I: from memory of decoded logs; decoded logs print no tz,
// so tzOffset is not used].
func (w *Writer) LoggingInitialized(build, tzOffset string) {
	w.block(func(b *block) {
		if b.w.flavour == WUA10 {
			b.linef("Agent", "WU client version %s", build)
			b.line("Agent", `Base directory: C:\Windows\SoftwareDistribution`)
			b.line("Agent", `Datastore directory: C:\Windows\SoftwareDistribution\DataStore\DataStore.edb`)
			return
		}
		b.linef("Misc", "===========  Logging initialized (build: %s, tz: %s)  ===========", build, tzOffset)
		b.line("Misc", `  = Process: C:\WINDOWS\System32\svchost.exe`)
		b.line("Misc", `  = Module: C:\WINDOWS\system32\wuaueng.dll`)
	})
}

// SearchStart writes the start of a search by callerID with DefaultCriteria
// against WSUS; see SearchStartWith.
func (w *Writer) SearchStart(callerID string) {
	w.SearchStartWith(callerID, DefaultCriteria)
}

// SearchStartWith writes the start of a search by callerID (the COM API
// client, e.g. "AutomaticUpdates") with the given criteria against WSUS.
//
// Classic: COMAPI "-------------", "-- START --  COMAPI: Search [ClientId = C]",
// "---------", "<<-- SUBMITTED -- COMAPI: Search [ClientId = C]" [S
// LegacyUpdate#8]; Agent "*************", "** START **  Agent: Finding
// updates [CallerId = C]", "*********" [S the END banner in LegacyUpdate#8
// mirrored; KB902093], "  * Online = Yes; Ignore download priority = No"
// [P KB902093], "  * Criteria = "..."" [S wincm.ch], "  * ServiceID =
// {3DA21691-...} Managed" [S wincm.ch].
//
// WUA10: ComApi "* START *   Search ClientId = C" [I]; Agent "* START *
// Finding updates CallerId = C  Id = N", "Online = Yes; Interactive = No;
// AllowCachedResults = No; Ignore download priority = No", "ServiceID = {...}
// Managed", "Search Scope = {Machine}", "Caller SID for Applicability:
// S-1-5-18" [P support article "Feature updates are not offered on
// Intune-managed Windows 10 devices"; S PowerShell#18361 for "Criteria = "].
// N counts searches from 1 per Writer family.
func (w *Writer) SearchStartWith(callerID, criteria string) {
	w.block(func(b *block) {
		s := b.w.s
		s.searchSeq++
		s.searchIDs[callerID] = s.searchSeq
		if b.w.flavour == WUA10 {
			b.linef("ComApi", "* START *   Search ClientId = %s", callerID)
			b.linef("Agent", "* START * Finding updates CallerId = %s  Id = %d", callerID, s.searchSeq)
			b.line("Agent", "Online = Yes; Interactive = No; AllowCachedResults = No; Ignore download priority = No")
			b.linef("Agent", "Criteria = \"%s\"", criteria)
			b.linef("Agent", "ServiceID = %s Managed", WSUSServiceID)
			b.line("Agent", "Search Scope = {Machine}")
			b.line("Agent", "Caller SID for Applicability: S-1-5-18")
			return
		}
		b.line("COMAPI", "-------------")
		b.linef("COMAPI", "-- START --  COMAPI: Search [ClientId = %s]", callerID)
		b.line("COMAPI", "---------")
		b.linef("COMAPI", "<<-- SUBMITTED -- COMAPI: Search [ClientId = %s]", callerID)
		b.line("Agent", "*************")
		b.linef("Agent", "** START **  Agent: Finding updates [CallerId = %s]", callerID)
		b.line("Agent", "*********")
		b.line("Agent", "  * Online = Yes; Ignore download priority = No")
		b.linef("Agent", "  * Criteria = \"%s\"", criteria)
		b.linef("Agent", "  * ServiceID = %s Managed", WSUSServiceID)
	})
}

// SyncBanner writes the start of a protocol-talker synchronisation; kind is
// "server updates" (SyncUpdates rounds) or "extended update info"
// (GetExtendedUpdateInfo).
//
// Classic: PT "+++++++++++  PT: Synchronizing <kind>  +++++++++++", PT
// "  + ServiceId = S, Server URL = U" [P KB954960 and the advisory; KB902093
// for "extended update info"; the double spaces are the real file's, see
// the package documentation].
//
// WUA10: ProtocolTalker "ServiceId = S, Server URL = U" only; decoded logs
// show no "+++ PT: Synchronizing" banner [S DCourtel/Wsus_Package_Publisher#4,
// PowerShell#18361].
func (w *Writer) SyncBanner(kind, serviceID, serverURL string) {
	w.block(func(b *block) {
		if b.w.flavour == WUA10 {
			b.linef("ProtocolTalker", "ServiceId = %s, Server URL = %s", serviceID, serverURL)
			return
		}
		b.linef("PT", "+++++++++++  PT: Synchronizing %s  +++++++++++", kind)
		b.linef("PT", "  + ServiceId = %s, Server URL = %s", serviceID, serverURL)
	})
}

// CachedCookieExpired writes the line WUA writes before it re-authorises
// because its cached cookie expired (or the client's PID changed).
//
// Classic: PT "WARNING: Cached cookie has expired or new PID is available"
// [S wincm.ch 2016]. WUA10: ProtocolTalker, same text [I].
func (w *Writer) CachedCookieExpired() {
	w.block(func(b *block) {
		b.line(b.comp("PT", "ProtocolTalker"), "WARNING: Cached cookie has expired or new PID is available")
	})
}

// SimpleTargetingCookie writes the start of GetAuthorizationCookie against
// the SimpleAuth web service at authURL.
//
// Both flavours: PT/ProtocolTalker "Initializing simple targeting cookie,
// clientId = C, target group = G, DNS name = D", then "  Server URL = U" [P
// support article "Troubleshoot Windows Update error 0x80244007", symptom 3;
// the two-space indent of the classic URL line is [I], by analogy with
// "  + ServiceId"; WUA10 drops it as it drops the "  + " of the ServiceId
// line].
func (w *Writer) SimpleTargetingCookie(clientID, targetGroup, dnsName, authURL string) {
	w.block(func(b *block) {
		c := b.comp("PT", "ProtocolTalker")
		b.linef(c, "Initializing simple targeting cookie, clientId = %s, target group = %s, DNS name = %s",
			clientID, targetGroup, dnsName)
		if b.w.flavour == WUA10 {
			b.linef(c, "Server URL = %s", authURL)
			return
		}
		b.linef(c, "  Server URL = %s", authURL)
	})
}

// SOAPFault writes what WUA logs when method (the operation name:
// "SyncUpdates", "GetCookie", "GetAuthorizationCookie", ...) came back with
// a SOAP fault.
//
// Classic, component PT, exactly [P KB954960 and the advisory]:
//
//	WARNING: <method> failure, error = 0x%08X, soap client error = %d, soap error code = %d, HTTP status code = %d
//	WARNING: SOAP Fault: 0x%06x
//	WARNING: faultstring:<FaultString>
//	WARNING: ErrorCode:<ErrorCode>(<ErrorCodeNumber>)
//	WARNING: Message:<Message, or (null) when empty>
//	WARNING: Method:<Method>
//	WARNING: ID:<ID>
//
// httpStatus is what WUA prints, not necessarily what the server sent: WUA 7
// printed 200 for the KB954960 fault although ASMX sends faults with 500
// (see the protocol notes, open question 1); pass 200 to match the KB.
//
// WUA10, component WebServices: "WARNING: Nws Failure: errorCode=0x803d0013",
// "WARNING: The body of the received message contained a fault.",
// "WARNING: Soap fault info:", "WARNING: reason: <FaultString>",
// "WARNING: code: <Server|Client>", "WARNING: detail: <detail>...</detail>",
// "WARNING: Soap fault detail: errorCode='...', message='...', id='...',
// method='...'", "FATAL: OnCallFailure failed with hr=0X%08X" [P support
// article "Troubleshoot Windows Update error 0x80244007", symptoms 2 and 3,
// a Windows 8.1 text log whose "WS" component is "WebServices" once decoded],
// with "WS error: <detail>...</detail>" before the FATAL line [P KB4096317,
// Windows 10]. method and httpStatus are not printed by WUA 10, nor the
// detail lines for a fault without a detail (FaultInfo.NoDetail: WCF's and
// ASP.NET's own faults) [I].
func (w *Writer) SOAPFault(method string, f FaultInfo, httpStatus int) {
	n := f.ErrorCodeNumber
	if n == 0 {
		n, _ = errorCodeIndex(f.ErrorCode)
	}
	w.block(func(b *block) {
		if b.w.flavour == WUA10 {
			code := f.FaultCode
			if code == "" {
				code = faultCodeName(f.SoapErrorCode)
			}
			detail := fmt.Sprintf("<detail><ErrorCode>%s</ErrorCode><Message>%s</Message><ID>%s</ID><Method>%s</Method></detail>",
				f.ErrorCode, f.Message, f.ID, f.Method)
			c := "WebServices"
			b.line(c, "WARNING: Nws Failure: errorCode=0x803d0013")
			b.line(c, "WARNING: The body of the received message contained a fault.")
			b.line(c, "WARNING: Soap fault info:")
			b.linef(c, "WARNING: reason: %s", f.FaultString)
			b.linef(c, "WARNING: code: %s", code)
			if !f.NoDetail {
				b.linef(c, "WARNING: detail: %s", detail)
				b.linef(c, "WARNING: Soap fault detail: errorCode='%s', message='%s', id='%s', method='%s'",
					f.ErrorCode, f.Message, f.ID, f.Method)
				b.linef(c, "WS error: %s", detail)
			}
			b.linef(c, "FATAL: OnCallFailure failed with hr=0X%08X", f.HResult)
			return
		}
		msg := f.Message
		if msg == "" {
			msg = "(null)"
		}
		b.linef("PT", "WARNING: %s failure, error = 0x%08X, soap client error = %d, soap error code = %d, HTTP status code = %d",
			method, f.HResult, f.SoapClientError, f.SoapErrorCode, httpStatus)
		b.linef("PT", "WARNING: SOAP Fault: 0x%06x", f.SoapErrorCode)
		b.linef("PT", "WARNING: faultstring:%s", f.FaultString)
		b.linef("PT", "WARNING: ErrorCode:%s(%d)", f.ErrorCode, n)
		b.linef("PT", "WARNING: Message:%s", msg)
		b.linef("PT", "WARNING: Method:%s", f.Method)
		b.linef("PT", "WARNING: ID:%s", f.ID)
	})
}

// TransportFailure writes what WUA logs when method failed without a SOAP
// fault: a WinHTTP error (0x80072EFD cannot connect, 0x80072EE2 timeout,
// 0x80072EE7 name not resolved), an HTTP status error (0x80244016-24, see
// HTTPStatusHResult) or a WU_E_PT_SOAPCLIENT_* error. detail, if not empty,
// is the lower layer's own message, logged first.
//
// Classic: Misc "WARNING: <detail>" (e.g. "Send failed with hr = 80072efd.")
// [I], then PT "WARNING: <method> failure, error = 0x%08X, soap client error
// = %d, soap error code = 0, HTTP status code = %d" [P the KB954960 line's
// format]. The soap client error is ATL's SOAPCLIENT_ERROR: 5 (send) for
// WinHTTP errors as wuerror.h documents for WU_E_PT_SOAPCLIENT_SEND, 10
// (parse) with the real status for HTTP status errors [I], the code itself
// for 0x80244001-0A; the status printed for non-HTTP errors is 200 [I, as for
// faults].
//
// WUA10, component WebServices: "WS error: <detail>", "WS error: The server
// returned HTTP status code 'N (0xN)' with text '...'." for HTTP status
// errors, "*FAILED* [%08X] Web service call" [I: NWS error strings and WUA
// 10's *FAILED* convention].
func (w *Writer) TransportFailure(method string, hr uint32, detail string) {
	sce, status := transportCodes(hr)
	w.block(func(b *block) {
		if b.w.flavour == WUA10 {
			if detail != "" {
				b.linef("WebServices", "WS error: %s", detail)
			}
			if st, ok := httpStatusOf(hr); ok {
				b.linef("WebServices", "WS error: The server returned HTTP status code '%d (0x%X)' with text '%s'.",
					st, st, httpReason[st])
			}
			b.linef("WebServices", "*FAILED* [%08X] Web service call", hr)
			return
		}
		if detail != "" {
			b.linef("Misc", "WARNING: %s", detail)
		}
		b.linef("PT", "WARNING: %s failure, error = 0x%08X, soap client error = %d, soap error code = %d, HTTP status code = %d",
			method, hr, sce, SoapErrorUnknown, status)
	})
}

// PTError writes the protocol talker's summary of a failed call.
//
// Classic: PT "WARNING: PTError: 0x%08x" (lower-case hex) [S blog.expta.com
// 2008-10-20; P support article 0x80244007 symptom 2]. WUA10:
// ProtocolTalker, same text [I from that Windows 8.1 log].
func (w *Writer) PTError(hr uint32) {
	w.block(func(b *block) {
		b.linef(b.comp("PT", "ProtocolTalker"), "WARNING: PTError: 0x%08x", hr)
	})
}

// SyncFailed writes the unwinding of a failed SyncUpdates; see SyncFailedIn.
func (w *Writer) SyncFailed(hr uint32) {
	w.SyncFailedIn("SyncUpdates", hr)
}

// SyncFailedIn writes the unwinding of a synchronisation that failed in
// method with hr.
//
// Classic: PT "WARNING: <method>_WithRecovery failed.: 0x%08x" [P support
// article 0x80244007 symptom 2, WUA 7 wording on Windows 8.1], PT
// "WARNING: Sync of Updates: 0x%08x", PT "WARNING: SyncServerUpdatesInternal
// failed: 0x%08x", Agent "  * WARNING: Failed to synchronize, error =
// 0x%08X" [P blogs.technet.com/sus 2008-09-18, a WUA 7 log].
//
// WUA10: ProtocolTalker "*FAILED* [%08X] <method>_WithRecovery failed" [P
// KB4096317], "*FAILED* [%08X] SyncServerUpdatesInternal failed" [I].
func (w *Writer) SyncFailedIn(method string, hr uint32) {
	w.block(func(b *block) {
		if b.w.flavour == WUA10 {
			b.linef("ProtocolTalker", "*FAILED* [%08X] %s_WithRecovery failed", hr, method)
			b.linef("ProtocolTalker", "*FAILED* [%08X] SyncServerUpdatesInternal failed", hr)
			return
		}
		b.linef("PT", "WARNING: %s_WithRecovery failed.: 0x%08x", method, hr)
		b.linef("PT", "WARNING: Sync of Updates: 0x%08x", hr)
		b.linef("PT", "WARNING: SyncServerUpdatesInternal failed: 0x%08x", hr)
		b.linef("Agent", "  * WARNING: Failed to synchronize, error = 0x%08X", hr)
	})
}

// SearchFailed writes the end of callerID's search that failed with hr.
//
// Classic: Agent "  * WARNING: Exit code = 0x%08X", "*********",
// "**  END  **  Agent: Finding updates [CallerId = C]", "*************"
// [P blogs.technet.com/sus 2008-09-18; S LegacyUpdate#8 for the banner's
// spacing], Agent "WARNING: WU client failed Searching for update with error
// 0x%08x" [S blog.expta.com 2008-10-20], COMAPI ">>--  RESUMED  -- COMAPI:
// Search [ClientId = C]" [S LegacyUpdate#8], "  - Updates found = 0",
// "  - WARNING: Exit code = 0x%08X" [I], "---------", "--  END  --  COMAPI:
// Search [ClientId = C]", "-------------" [I: the START banner mirrored].
//
// WUA10: Agent "Exit code = 0x%08X", "* END * Finding updates CallerId = C
// Id = N" [P support article on Intune feature updates]; ComApi "*RESUMED*
// Search ClientId = C", "Updates found = 0", "Exit code = 0x%08X", "* END *
// Search ClientId = C" [I].
func (w *Writer) SearchFailed(callerID string, hr uint32) {
	w.block(func(b *block) {
		if b.w.flavour == WUA10 {
			id := b.endSearch(callerID)
			b.linef("Agent", "Exit code = 0x%08X", hr)
			b.linef("Agent", "* END * Finding updates CallerId = %s  Id = %d", callerID, id)
			b.linef("ComApi", "*RESUMED* Search ClientId = %s", callerID)
			b.line("ComApi", "Updates found = 0")
			b.linef("ComApi", "Exit code = 0x%08X", hr)
			b.linef("ComApi", "* END *   Search ClientId = %s", callerID)
			return
		}
		b.linef("Agent", "  * WARNING: Exit code = 0x%08X", hr)
		b.agentEnd(callerID)
		b.linef("Agent", "WARNING: WU client failed Searching for update with error 0x%08x", hr)
		b.linef("COMAPI", ">>--  RESUMED  -- COMAPI: Search [ClientId = %s]", callerID)
		b.line("COMAPI", "  - Updates found = 0")
		b.linef("COMAPI", "  - WARNING: Exit code = 0x%08X", hr)
		b.comapiEnd(callerID)
	})
}

// AddedUpdate writes that a revision of updateID was added to the search
// result. updateID may be given with or without braces, in any case.
//
// Classic: Agent "  * Added update {GUID}.rev to search result" [S ConfigMgr
// "Track the software update deployment process"]. WUA10: Agent "Added
// update GUID.rev to search result" [S PowerShell#17886].
func (w *Writer) AddedUpdate(updateID string, rev int) {
	id := strings.ToUpper(strings.Trim(updateID, "{}"))
	w.block(func(b *block) {
		if b.w.flavour == WUA10 {
			b.linef("Agent", "Added update %s.%d to search result", id, rev)
			return
		}
		b.linef("Agent", "  * Added update {%s}.%d to search result", id, rev)
	})
}

// SearchSucceeded writes the end of callerID's successful search.
//
// Classic: Agent "  * Found F updates and C categories in search; evaluated
// appl. rules of E out of D deployed entities" [P KB902093; S ConfigMgr
// "Track the software update deployment process"], the Agent END banner,
// COMAPI ">>--  RESUMED  -- COMAPI: Search [ClientId = C]", "  - Updates
// found = F", the COMAPI END banner (see SearchFailed).
//
// WUA10: Agent "Found ... deployed entities" [I: the classic text without
// its bullet], "* END * Finding updates CallerId = C  Id = N"; ComApi lines
// as in SearchFailed without the exit code.
func (w *Writer) SearchSucceeded(callerID string, found, categories, evaluated, deployed int) {
	w.block(func(b *block) {
		if b.w.flavour == WUA10 {
			id := b.endSearch(callerID)
			b.linef("Agent", "Found %d updates and %d categories in search; evaluated appl. rules of %d out of %d deployed entities",
				found, categories, evaluated, deployed)
			b.linef("Agent", "* END * Finding updates CallerId = %s  Id = %d", callerID, id)
			b.linef("ComApi", "*RESUMED* Search ClientId = %s", callerID)
			b.linef("ComApi", "Updates found = %d", found)
			b.linef("ComApi", "* END *   Search ClientId = %s", callerID)
			return
		}
		b.linef("Agent", "  * Found %d updates and %d categories in search; evaluated appl. rules of %d out of %d deployed entities",
			found, categories, evaluated, deployed)
		b.agentEnd(callerID)
		b.linef("COMAPI", ">>--  RESUMED  -- COMAPI: Search [ClientId = %s]", callerID)
		b.linef("COMAPI", "  - Updates found = %d", found)
		b.comapiEnd(callerID)
	})
}

// agentEnd writes the classic Agent END banner.
func (b *block) agentEnd(callerID string) {
	b.line("Agent", "*********")
	b.linef("Agent", "**  END  **  Agent: Finding updates [CallerId = %s]", callerID)
	b.line("Agent", "*************")
}

// comapiEnd writes the classic COMAPI END banner.
func (b *block) comapiEnd(callerID string) {
	b.line("COMAPI", "---------")
	b.linef("COMAPI", "--  END  --  COMAPI: Search [ClientId = %s]", callerID)
	b.line("COMAPI", "-------------")
}

// endSearch returns and forgets the WUA 10 Id of callerID's search; a search
// that was never started gets the next Id, as WUA would have given it one.
func (b *block) endSearch(callerID string) int {
	s := b.w.s
	id, ok := s.searchIDs[callerID]
	if !ok {
		s.searchSeq++
		id = s.searchSeq
	}
	delete(s.searchIDs, callerID)
	return id
}
