package behaviour

import "net/http"

// AppPoolDownName is the registry name of the stopped WsusPool behaviour.
const AppPoolDownName = "app-pool-down"

// AppPoolDown reproduces a stopped WSUS application pool (WsusPool) in IIS.
//
// Bug: the WsusPool stops (rapid-fail protection after repeated worker
// crashes, or its private memory limit) and IIS answers every request for
// the WSUS web services and content with HTTP 503 "Service Unavailable"
// before any WSUS code runs. Agents report 0x80244022
// (WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL), a look-alike of KB954960's
// "SyncUpdates failure" lines with another error and no SOAP fault.
//
// Trigger: the pool's state, for every request (GetConfig first).
// Buggy: HTTP 503 with IIS's HTML body for every path. Fixed: the pool runs.
//
// Source: wuerror.h (0x80244022) and the WSUS troubleshooting guidance on
// WsusPool stopping (shared/docs/wsus-protocol.md section 7).
type AppPoolDown struct{}

// Info documents the behaviour.
func (AppPoolDown) Info() Info {
	return Info{
		Name:    AppPoolDownName,
		Bug:     "WsusPool application pool stopped in IIS",
		Trigger: "every request while the pool is stopped",
		Buggy:   "HTTP 503 Service Unavailable (IIS HTML) for every path; agents report 0x80244022",
		Fixed:   "the pool runs; requests reach WSUS",
		Source:  "wuerror.h WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL; WSUS WsusPool troubleshooting",
	}
}

// DefaultMode: a pool runs unless told otherwise.
func (AppPoolDown) DefaultMode(string) Mode { return Fixed }

// InterceptHTTP answers 503 while the pool is stopped.
func (AppPoolDown) InterceptHTTP(m Mode, method, path string) error {
	if m != Buggy {
		return nil
	}
	return &HTTPError{Behaviour: AppPoolDownName, Status: http.StatusServiceUnavailable, Body: `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">` + "\r\n" +
		`<HTML><HEAD><TITLE>Service Unavailable</TITLE>` + "\r\n" +
		`<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>` + "\r\n" +
		`<BODY><h2>Service Unavailable</h2>` + "\r\n" +
		`<hr><p>HTTP Error 503. The service is unavailable.</p>` + "\r\n" +
		`</BODY></HTML>` + "\r\n"}
}
