// Package capture records, stores, imports, serves and replays HTTP
// exchanges between Windows Update Agents and WSUS servers (real ones or
// mockwsus), and compares servers structurally on the same traffic. It is
// the library behind the record and replay modes of cmd/mockwsus and
// cmd/client-sim.
//
// # Format
//
// A capture is a directory with one folder per exchange, numbered in
// arrival order (000001, 000002, ...; Read accepts gaps and other names,
// as the real captures in shared/captures have), each holding:
//
//	request.headers   request line and headers, CRLF, as on the wire
//	request.body      request body
//	response.headers  status line and headers
//	response.body     response body
//	meta.json         method, path, soap_action, status,
//	                  request_/response_body_bytes and _sha256 (the file),
//	                  request_/response_body_size (the original size),
//	                  sanitized, bodies; and ours: time, duration_ms, scheme,
//	                  error, request_/response_body_truncated
//
// Unknown meta.json fields (frame_request, wire_response_content_encoding,
// ...) are kept. Body files may be absent when meta.json's bodies field
// says why (the real content-headers captures), and response.headers when
// meta.json records an error and no status (the client got no answer).
// Writer writes each exchange into a temporary folder and renames it into
// place, so a capture never holds half an exchange. ImportHAR and WriteHAR
// convert from and to HAR 1.2.
//
// Record (middleware) and NewProxy (reverse proxy) record what they serve,
// unchanged and streaming, keeping at most WriterOptions.MaxBody bytes per
// body. WriterOptions.Redact removes host names, IP addresses and cookie
// contents before anything is written, and lists each redaction in
// redactions.json by kind, SHA-256 of the original and replacement.
//
// # Replay server matching rule
//
// NewReplayServer answers each request with a recorded response:
//
//  1. Candidates are the recorded exchanges with the same method, the same
//     path (compared case-insensitively, as IIS does) and the same SOAP
//     action (SOAPAction header, or the action of a SOAP 1.2 Content-Type;
//     none for GET and other non-SOAP requests), whose request has the
//     same operation element (the first child of the SOAP Body).
//  2. Among the candidates whose operation element is structurally equal
//     to the request's (same elements, attributes and text, in any order,
//     ignoring the volatile fields below and the cookie), the first not
//     yet used, in capture order, answers. For non-SOAP requests the
//     structure is the request-target with its query, the Range header
//     and the body.
//  3. Otherwise the candidate most similar to the request answers (Dice
//     coefficient over the leaves: path=value pairs), unused candidates
//     before used ones at equal similarity, then capture order.
//  4. No candidate: a SOAP request gets a SOAP 1.1 Client fault with HTTP
//     500, whose faultstring names the operation and why nothing matched;
//     any other request gets 404.
//
// # Replay as a client
//
// Replay re-sends the recorded requests in order and re-threads live state
// into them: the live cookie replaces the recorded one (a capture that
// needs a cookie before it got one, such as the real captures, which start
// in the middle of a session, first registers with GetConfig,
// GetAuthorizationCookie, GetCookie and RegisterComputer, as the client ID
// of its GetAuthorizationCookie or reporting events' TargetID/Sid when it
// has one); the NewCookie of every live SyncUpdates and GetFileLocations
// replaces it in turn; a live authorization cookie and GetConfig LastChange
// go into a recorded GetCookie. Revision IDs are server-local: from the
// UpdateInfo (and Update, RefreshCacheResult) elements of the recorded and
// of the live responses the replay learns which identity (UpdateID and
// RevisionNumber of the Core fragment) each revision ID stands for, and
// rewrites the InstalledNonLeafUpdateIDs, OtherCachedUpdateIDs,
// CachedDriverIDs and revisionIDs of later requests to the live server's
// numbers. A request that needs no change is sent byte for byte.
//
// Each live response is compared with the recorded one structurally: the
// HTTP status; the fault (faultcode and WSUS ErrorCode, or none); the
// operation (response element); then element by element, with update lists
// (NewUpdates, ChangedUpdates, GetExtendedUpdateInfo's Updates,
// RefreshCacheResult) matched by update identity and compared on their
// deployment actions and fields, lists of revision IDs compared through the
// identities each side gave them, and keyed lists (FileLocation by
// FileDigest, ConfigurationProperty by Name) matched by key. An empty list
// and an absent one are the same. Non-SOAP responses are compared byte for
// byte, or by Content-Length, Content-Range and Content-Type when the
// capture has no body. The verdict is same, differs (with path-like lines
// such as "SyncUpdatesResult/NewUpdates: 30 updates recorded, 0 live") or
// error (the server could not be asked).
//
// Volatile fields, never compared, because they differ between two correct
// runs:
//
//   - cookie contents: EncryptedData, Expiration, CookieData (and, when
//     matching requests, the whole cookie and oldCookie);
//   - times: LastChange, LastChangeTime, Deadline, lastChange,
//     currentTime, clientTime, TimeAtTarget;
//   - Verification (signature and its timestamp);
//   - the fault ID (detail/ID) and EventInstanceID (fresh GUIDs);
//   - server-local numbering: the ID of UpdateInfo, Update and Deployment,
//     RefreshCacheResult's RevisionID (replaced by update identities);
//   - the scheme and host of content URLs (Url, PiecesHashUrl,
//     BlockMapUrl): the server's name as the client called it.
//
// ReplayAgainst sends the same traffic to two live servers and compares
// them with each other; its report's FirstDifference is where they part.
// ReplayReport renders as text (WriteText) and JSON (WriteJSON).
package capture
