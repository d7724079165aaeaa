// Package detect finds Microsoft Security Advisory 954960 (KB954960) in
// Windows Update Agent and WSUS server logs, and scores detectors against a
// labelled corpus. It is the library behind `wsusrepro detect` and
// `wsusrepro score`.
//
// The fault: on WSUS 3.0 and 3.0 SP1, GetSyncInfo added two deployments of
// one revision (Office 2003 SP1) to a Hashtable, Hashtable.Add threw
// System.ArgumentException, and every SyncUpdates of a computer with Office
// 2003 was answered with an InternalServerError SOAP fault. The advisory
// says administrators "can identify this problem by reviewing the log
// entries on the client or server"; its two excerpts are the signature this
// package looks for.
//
// # Inputs
//
// Three line layouts are recognised, each line on its own, so one file may
// mix them (the advisory's own page holds both excerpts):
//
//   - classic WindowsUpdate.log (WUA 5-7, and the text log of Windows 8.x):
//     "2008-06-13 19:59:56:617 788 ee4 PT text" (milliseconds after a
//     colon, PID and TID in hex);
//   - WUA 10, as Get-WindowsUpdateLog decodes it: "2019/06/05
//     11:07:40.9876520 21136 16428 ProtocolTalker text" (slashes or dashes,
//     fractional seconds after a dot, decimal PID and TID);
//   - SoftwareDistribution.log: "2008-06-14 02:59:57.642 UTC Error w3wp.12
//     ClientImplementation.SyncUpdates message", followed by the
//     exception's "at frame" lines, which carry no prefix.
//
// Fields may be separated by TABs or by any run of spaces, because the logs
// people paste into forums, and the advisory's own rendering, collapse
// white space; for the same reason message text is compared with every run
// of white space collapsed to one space ("Key in dictionary: '8862'  Key
// being added" matches with one or two spaces), leading white space and
// blank lines are ignored, and http:// and https:// are both accepted (the
// advisory's rendering rewrote the Method URL to https). Lines end in CRLF
// or LF; a UTF-8 or UTF-16 byte order mark is honoured. A line without one
// of the three prefixes is not a log line, except that it continues the
// server record above it (a stack frame).
//
// Sniff classifies a file by the prefixes in its first 64 KiB; Scan walks
// files and directories, skips what is not a regular file, is larger than
// the size cap, looks binary (a NUL byte in the head) or holds none of the
// three layouts, and parses the rest.
//
// # Client rule (WindowsUpdate.log)
//
// Lines are grouped into fault blocks per thread (PID and TID): a block is
// the run of fault lines a thread writes, and it ends at the first line of
// the same thread that is not one of them (lines of other threads may be
// interleaved) or at the end of the file.
//
// Classic: the block opens with
//
//	WARNING: SyncUpdates failure, error = 0x8024400E, soap client error = 7, soap error code = 400, HTTP status code = 200
//
// and continues with "SOAP Fault: 0x000190", "faultstring:", "ErrorCode:",
// "Message:", "Method:" and "ID:" lines. It is confirmed when ErrorCode is
// InternalServerError, Method ends in /ClientWebService/SyncUpdates (with or
// without quotes, http or https) and an ID is present. It is possible when
// the opening line is there but ErrorCode, Method or ID is missing: an
// excerpt cut short. It is nothing at all when a line contradicts the
// signature (another ErrorCode, another Method, a soap error code other
// than 400, a SOAP Fault other than 0x000190).
//
// WUA 10 (and the "WS" lines of the Windows 8.x text log): the block is
// the web-services fault report ("Nws Failure", "Soap fault info:",
// "reason:", "code:", "detail: <detail>...", "Soap fault detail:
// errorCode='...'", "WS error: <detail>", "FATAL: OnCallFailure failed with
// hr=0X80244007") and the protocol talker's unwinding ("PTError:",
// "*FAILED* [80244007] SyncUpdates_WithRecovery failed", or in the Windows
// 8.x wording "SyncUpdates_WithRecovery failed.: 0x80244007"). It is
// confirmed when the detail has ErrorCode InternalServerError, Method
// .../ClientWebService/SyncUpdates and an ID, and hr 0x80244007 is logged;
// possible when only the ID or the hr is missing, or when the Method is
// missing but the unwinding names SyncUpdates; nothing when the code is not
// Server, the ErrorCode or Method differ, the hr is another error, or
// neither the Method nor the unwinding names SyncUpdates.
//
// The computer of a client finding is the DNS name (else the client ID)
// of the latest "Initializing simple targeting cookie" line before the
// fault, else the file name; the server is the host of the latest "Server
// URL" line.
//
// # Server rule (SoftwareDistribution.log)
//
// An exception record is the KB954960 exception when its message is
//
//	System.ArgumentException: Item has already been added. Key in dictionary: 'N'  Key being added: 'N'
//
// and the first stack frame outside System.Collections (the caller of
// Hashtable.Add) is ClientImplementation.GetSyncInfo, in SyncUpdates (the
// record's source is ClientImplementation.SyncUpdates or a frame is). It is
// paired with the next "ThrowException: actor = ..., ID=..., ErrorCode=...,
// Message=..., Client=..." Warning of the same process and thread (w3wp.12).
// Confirmed: the full stack and a ThrowException with ErrorCode
// InternalServerError and an ID. Possible: no ThrowException follows (an
// excerpt cut short), or the stack shows no frame outside System.Collections
// (cut before the caller) in a record from ClientImplementation.SyncUpdates.
// Nothing: the caller is another method (an ArgumentException elsewhere
// than GetSyncInfo is not this fault), or the ThrowException carries another
// ErrorCode.
//
// # Correlation
//
// Findings that share a fault ID form one incident; an incident with both a
// client and a server finding is confirmed whatever each side alone showed.
// A finding without an ID is an incident of its own.
//
// Every ThrowException of the scanned server logs is remembered with the
// Error record logged before it on its thread. When a client finding's
// fault ID appears there and the server's record of it is not the KB954960
// exception (a System.Data.SqlClient.SqlException timeout in SyncUpdates,
// an ArgumentException from elsewhere, any other Error) or carries another
// ErrorCode, the client finding is dismissed: the client saw the same
// 0x8024400E InternalServerError, but the server proves another cause. The
// dismissal is reported, and does not count as detected. A ThrowException
// with no Error record before it (a cut server excerpt) neither confirms
// nor refutes. When no server log of the scan mentions the ID, a
// client-only full signature stays confirmed: the advisory says the client
// log alone identifies the problem, and the client side alone cannot tell
// it from a SqlException timeout, so scan the server log too when you have
// it. Client findings without an ID (possible) cannot be correlated and
// are never dismissed.
//
// # Look-alikes (no finding, not even possible)
//
//   - SyncUpdates faults with another ErrorCode: InvalidParameters when
//     InstalledNonLeafUpdateIDs exceeds maxInstalledPrerequisites (classic
//     0x8024400D, soap error code 300, SOAP Fault 0x00012c; WUA 10 code
//     Client, errorCode InvalidParameters): the error is not 0x8024400E, or
//     the ErrorCode is not InternalServerError.
//   - InternalServerError from another method (GetAuthorizationCookie on
//     SimpleAuth, GetCookie, ...): the failure line does not name
//     SyncUpdates and the Method is not .../ClientWebService/SyncUpdates,
//     although "SyncServerUpdatesInternal failed: 0x8024400e" and "Failed to
//     synchronize, error = 0x8024400E" follow.
//   - 0x8024400E InternalServerError SyncUpdates caused by another server
//     exception (SqlException timeout): dismissed by correlation when the
//     server log is scanned, confirmed client-side otherwise (see above).
//   - "SyncUpdates failure" with 0x8024401B (proxy authentication, HTTP
//     407), 0x80244022 (HTTP 503, WsusPool stopped) or any other transport
//     error: not 0x8024400E, and no fault detail.
//   - 0x80244010 (WU_E_PT_EXCEEDED_MAX_SERVER_TRIPS): no SOAP fault.
//   - "[8024000E]" (WU_E_XML_INVALID) in WUA 10 logs: another code.
//   - Healthy synchronisations.
//   - An ArgumentException whose caller is not GetSyncInfo, and any other
//     server exception.
//
// # Output
//
// A Report has the incidents, the findings, the dismissed findings and the
// files scanned; WriteText renders it for people, WriteJSON for tools with
// stable field names and a top-level "detected". Detected is true when at
// least one incident is confirmed or possible. A command-line front end
// exits ExitFound, ExitNotFound or ExitError.
//
// # Scoring
//
// Score runs a detector over a corpus: one directory per case under the
// corpus directory and corpus/labels.json mapping each case name to
// {"positive": bool, "description": ..., "variant": ...}. The detector is
// either a shell command, in which {case} is replaced by the shell-quoted
// case directory and which prints {"detected": true|false, ...} on stdout
// or, failing that, exits 0 (found) or 1 (not found), anything else being
// an error; or an in-process Detector function. ReferenceCommand,
// `wsusrepro detect --json {case}`, is the reference detector, and
// ReferenceDetector is the same detector in process.
package detect
