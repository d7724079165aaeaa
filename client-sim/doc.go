// Package clientsim simulates the Windows Update Agent talking to a WSUS
// server, one computer (Agent, Run) or a fleet of them (RunFleet): WUA 7 of
// Windows XP, Server 2003, Vista and Server 2008, and the Windows 10/11
// agent (profiles win10 and win11), whose requests follow the native
// Windows 11 capture. It knows only the wire: it
// speaks the ClientWebService, SimpleAuth and Reporting web services with the
// generated types of soap/clientws, soap/simpleauth and soap/reporting,
// evaluates the updates' applicability rules against a machine profile
// (client-sim/profile) with updatexml, and writes WindowsUpdate.log with
// client-sim/wulog, so that its log and its result can be compared with a
// real agent's.
//
// # A search
//
// Sync runs what Automatic Updates' detection runs: the self-update check
// (GET /selfupdate/wuident.cab, which must be a cabinet signed for
// Microsoft; WUA 10 has none), GetConfig, one authorization cookie per
// plug-in GetConfig offers (GetAuthorizationCookie on the SimpleAuth URL for
// SimpleTargeting, none for Anonymous), GetCookie, RegisterComputer when the
// server requires registration, SyncUpdates rounds until no answer is Truncated or
// brings a new non-leaf update, the driver pass (SkipSoftwareSync),
// GetExtendedUpdateInfo for the updates found and their categories in
// batches of MaxExtendedUpdatesPerRequest, and ReportEventBatch with the
// detection event (147 succeeded, 148 failed).
//
// Each fault's ErrorCode gets the reaction MS-WUSP prescribes (CookieExpired:
// re-authorise; InvalidCookie, ServerChanged: GetConfig, re-authorise,
// RefreshCache; ConfigChanged: GetConfig, re-authorise; RegistrationRequired:
// RegisterComputer; FileLocationChanged: GetFileLocations), then the call is
// retried, at most twice. Any other fault ends the search with the HRESULT
// the agent derives from its fault code (0x8024400E for Server, 0x8024400D
// for Client on WUA 7; 0x80244007 for every fault when the log is WUA 10's).
// Each computer has its own HTTP transport and connections; a request that
// fails on a reused keep-alive connection before any answer byte, because
// the connection was gone, is sent once more on a new connection, as
// WinHTTP does. Transport failures end it with the HRESULT a real agent reports
// (0x80072EFD cannot connect, 0x80072EE2 timeout, 0x80244019 for HTTP 404,
// ...). Every call has a deadline and a search at most MaxRoundTrips
// exchanges, so the agent never hangs or loops.
//
// # Determinism
//
// A Config's Seed and Index fix the computer: its SusClientId, its name
// (XPSP3-OFF-0001.lab.local), the process and thread IDs of its log and the
// GUIDs of its reporting events. With a clock.Virtual the log and the Result
// (less Timings) are the same bytes on every run.
package clientsim
