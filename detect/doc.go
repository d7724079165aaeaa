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
// # Inputs: every form people publish or paste
//
// The rules are strict about what the lines say and free about their form.
// The reader undoes, before any rule runs:
//
//   - encodings: UTF-8 with or without a byte order mark, UTF-16LE and
//     UTF-16BE with a byte order mark or without one (recognised by the NUL
//     byte of every other byte); CRLF or LF;
//   - the time columns: a real time stamp ("2008-06-13 19:59:56:617",
//     "2019/06/05 11:07:40.9876520", "13.06.2008 19:59:56,617": year first or
//     last, the fraction after a colon, a dot or a comma), placeholders
//     ("Date Time", localised "Dato Klokkeslett") or none at all;
//   - white space: TABs, runs of spaces, indentation, trailing spaces,
//     blank lines between lines, list bullets and quote marks before a
//     pasted line; message text is compared with white space collapsed;
//   - lines wrapped (mail breaks long lines, even between a stack frame's
//     "at" and its method: a line that starts no entry continues the one
//     above, up to a blank line, a code fence or a few lines) and lines run
//     together (an entry starts at each time stamp, at each second fault
//     marker such as "WARNING:" or "ThrowException:", and at each " at
//     Namespace.Type.Method(" stack frame);
//   - HTML entities (&quot; &#39; &lt; &gt; &amp; ...) and quotes of any
//     kind around the duplicate key ('8862', "8862");
//   - "<lines removed>" markers in any language inside a stack (a line that
//     is not a frame neither ends nor breaks the record);
//   - http:// or https:// in the Method and actor URLs;
//   - layouts: the classic WindowsUpdate.log of WUA 5-7 and Windows 8.x
//     ("2008-06-13 19:59:56:617 788 ee4 PT text": PID and TID in hex), the
//     Windows 10/11 Get-WindowsUpdateLog output ("2019/06/05
//     11:07:40.9876520 21136 16428 ProtocolTalker text"), SoftwareDistribution.log
//     ("2008-06-14 02:59:57.642 UTC Error w3wp.12 Source message" and the
//     exception's "at" frames), and CMTrace-style entries as ConfigMgr's
//     WUAHandler.log writes them (<![LOG[text]LOG]!><time="..." date="..."
//     component="WUAHandler" ... thread="N" ...>, possibly over several
//     lines), whose thread and component stand in for missing columns.
//
// A line is a client line when it carries the client columns (PID, TID,
// component) after a time stamp, or a known message (WARNING:, FATAL:,
// *FAILED*, WS error:, ...) after at most a few placeholder columns; a
// server line when a level and a process.thread column (Error w3wp.12)
// follow at most a few columns, or when it is a ThrowException or a .NET
// exception message without its columns. Lines without a thread (an
// excerpt pasted without its columns) join the latest fault block, and a
// ThrowException without a thread follows the latest Error record.
//
// Scan reads every regular text file it is given or finds in a folder;
// it skips what is not a regular file, is larger than the size cap or is
// binary (a NUL byte in the decoded head). Sniff classifies a file from
// its head.
//
// # Verdicts
//
//   - confirmed: the server's exception (below), or a client finding and a
//     server finding with one fault ID;
//   - probable: the client's SyncUpdates failure 0x8024400E with ErrorCode
//     InternalServerError, with or without the Method and ID lines after it
//     (or the WUA 10 fault report with ErrorCode InternalServerError from
//     SyncUpdates). A SqlException timeout in SyncUpdates makes the client
//     log exactly the same lines, so the client side alone is never more
//     than probable; the report says so and what would settle it (the
//     fault ID in SoftwareDistribution.log);
//   - possible: the first line alone, the SOAP fault lines without their
//     ErrorCode, a server exception cut before the caller of Hashtable.Add,
//     fragments (0x8024400E lines of the unwinding or of WUAHandler without
//     any fault report in the file);
//   - none.
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
// "Message:", "Method:" and "ID:" lines. It is probable when ErrorCode is
// InternalServerError (and the Method, when present, ends in
// /ClientWebService/SyncUpdates, with or without quotes, http or https),
// possible when the ErrorCode line is missing. It is nothing at all when
// a line contradicts the signature (another ErrorCode, another Method, a
// soap error code other than 400, a SOAP Fault other than 0x000190).
//
// WUA 10 (and the "WS" lines of the Windows 8.x text log): the block is
// the web-services fault report ("Nws Failure", "Soap fault info:",
// "reason:", "code:", "detail: <detail>...", "Soap fault detail:
// errorCode='...'", "WS error: <detail>", "FATAL: OnCallFailure failed with
// hr=0X80244007") and the protocol talker's unwinding ("PTError:",
// "*FAILED* [80244007] SyncUpdates_WithRecovery failed", or in the Windows
// 8.x wording "SyncUpdates_WithRecovery failed.: 0x80244007"). It is
// probable when the detail has ErrorCode InternalServerError and the
// Method is .../ClientWebService/SyncUpdates or, without a Method, the
// unwinding names SyncUpdates; nothing when the code is not Server, the
// ErrorCode or Method differ, the hr is another error, or neither the
// Method nor the unwinding names SyncUpdates.
//
// Fragments: "PTError: 0x8024400e", "SyncUpdates_WithRecovery failed.:
// 0x8024400e", "Sync of Updates: 0x8024400e", "SyncServerUpdatesInternal
// failed: 0x8024400e", "Failed to synchronize, error = 0x8024400E" and
// WUAHandler's "Scan failed with error = 0x8024400e" are possible only in
// a file without any fault report: next to another method's failure
// (GetAuthorizationCookie) they belong to it.
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
// Confirmed: the full stack, with or without the ThrowException (the
// exception is the fault itself). Possible: the stack shows no frame
// outside System.Collections (cut before the caller) in a record from
// ClientImplementation.SyncUpdates or without columns, since a duplicate
// key elsewhere in SyncUpdates (SoftwareSync) would look the same.
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
// client-only signature stays probable: the client side alone cannot tell
// it from a SqlException timeout, so scan the server log too when you have
// it. Client findings without an ID cannot be correlated and are never
// dismissed.
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
//     server log is scanned, probable client-side otherwise (see above).
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
// A Report has the verdict, the evidence lines behind it (file, line,
// text), what would settle it, the incidents, the findings, the dismissed
// findings and the files scanned; WriteText renders it for people,
// WriteJSON for tools with stable camelCase field names ("verdict",
// "detected", "evidence", "settle", "faultId", ...; lists are [] when
// empty, never null). Detected is true for confirmed and probable. A
// command-line front end exits ExitFound (confirmed or probable),
// ExitPossible (3), ExitNotFound (1), or ExitError (2) when nothing could
// be read (no file, an empty folder, only binary files) or on an error.
//
// # Scoring
//
// Score runs a detector over a corpus: one directory per case under the
// corpus directory and corpus/labels.json mapping each case name to
// {"positive": bool, "verdict": optional, "description": ..., "variant":
// ...}. The detector is either a shell command, in which {case} is
// replaced by the shell-quoted case directory and which prints
// {"verdict": "confirmed|probable|possible|none"} or {"detected": bool} on
// stdout or, without JSON, exits 0 (found), 1 (not found) or 3 (possible);
// output that starts like JSON and is not a valid answer, and any other
// exit status, are errors of that case, and a command the shell cannot
// run is one error for the whole score; or an in-process Detector
// function. A positive case answered possible is a missed confirmation,
// not a false negative; both are counted. ReferenceCommand, `wsusrepro
// detect --json {case}`, is the reference detector, and ReferenceDetector
// is the same detector in process.
package detect
