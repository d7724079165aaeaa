package behaviour

import (
	"fmt"
	"net/http"
)

// InjectWrongContentTypeName is the registry name of the answer served as
// HTML.
const InjectWrongContentTypeName = "inject-wrong-content-type"

// InjectWrongContentTypeEvery is which requests inject-wrong-content-type
// hits.
const InjectWrongContentTypeEvery = 2

// InjectWrongContentType serves answers as text/html.
//
// Bug: something in front of WSUS rewrites the answer's media type: a
// filtering proxy or a captive portal, an IIS custom error or MIME mapping
// set on the WSUS site by hand. The agent's SOAP client takes only an XML
// media type; an answer labelled text/html is not parsed as SOAP, and the
// agent reports 0x8024400A (WU_E_PT_SOAPCLIENT_PARSE, ATL's
// SOAPCLIENT_PARSE_ERROR) for a 200, or 0x8024401F
// (WU_E_PT_HTTP_STATUS_SERVER_ERROR) for a fault sent with 500, whose
// detail it cannot read. Not 0x80244006 (SOAPCLIENT_SERVER_ERROR): the
// server did answer, and successfully.
//
// Trigger: every 2nd request counted from when the fault was switched on
// (InjectWrongContentTypeEvery). Buggy: the answer is unchanged but for its
// Content-Type, "text/html; charset=utf-8". Fixed: text/xml.
//
// Source: wuerror.h WU_E_PT_SOAPCLIENT_PARSE; ATL Server SOAPCLIENT_ERROR
// (protocol notes section 7).
type InjectWrongContentType struct{}

// Info documents the behaviour.
func (InjectWrongContentType) Info() Info {
	return Info{
		Name:    InjectWrongContentTypeName,
		Bug:     "answers are labelled text/html (a filtering proxy, an IIS MIME or custom-error setting)",
		Trigger: fmt.Sprintf("every %dnd request since the fault was switched on", InjectWrongContentTypeEvery),
		Buggy:   "Content-Type text/html; agents report 0x8024400A (WU_E_PT_SOAPCLIENT_PARSE) for a 200, 0x8024401F for a 500",
		Fixed:   "text/xml",
		Source:  "wuerror.h WU_E_PT_SOAPCLIENT_PARSE; ATL Server SOAPCLIENT_PARSE_ERROR",
	}
}

// DefaultMode: no fault unless switched on.
func (InjectWrongContentType) DefaultMode(string) Mode { return Fixed }

// Injects hits every InjectWrongContentTypeEvery-th request.
func (InjectWrongContentType) Injects(m Mode, n uint64) (string, bool) {
	if !everyNth(m, n, InjectWrongContentTypeEvery) {
		return "", false
	}
	return fmt.Sprintf("%s: request %d since switched on (every %dnd): served as text/html", InjectWrongContentTypeName, n, InjectWrongContentTypeEvery), true
}

// InjectResponse serves the request with another Content-Type.
func (InjectWrongContentType) InjectResponse(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter)) {
	b := buffer(w, next)
	b.header.Set("Content-Type", "text/html; charset=utf-8")
	b.copyHeader(w)
	w.WriteHeader(b.status)
	w.Write(b.body.Bytes())
}
