package behaviour

import (
	"fmt"
	"io"
	"net/http"
)

// Inject503WindowName is the registry name of the 503 window.
const Inject503WindowName = "inject-503-window"

// Defaults of inject-503-window: the window is requests
// Inject503WindowStart through Inject503WindowStart+Inject503WindowLength,
// counted from when the fault was switched on.
const (
	Inject503WindowStart  = 3
	Inject503WindowLength = 4
)

// Inject503Window answers 503 for a window of requests, then recovers.
//
// Bug: a server that is briefly unavailable: HTTP.sys's queue for the
// WsusPool is full (queueLength, 1000 by default), the pool is recycling, or
// rapid-fail protection stopped it until an administrator or a script starts
// it again. HTTP.sys answers 503 "Service Unavailable" before any WSUS code
// runs, and agents report 0x80244022 (WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL)
// until the window has passed; the next search succeeds. Unlike
// app-pool-down it ends by itself.
//
// Trigger: requests 3 through 7 counted from when the fault was switched on
// (Inject503WindowStart and Inject503WindowStart+Inject503WindowLength,
// inclusive). Buggy: those get HTTP 503 with HTTP.sys's HTML page; the
// others are served. Fixed: every request is served.
//
// Source: wuerror.h WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL; IIS application
// pool queueLength and rapid-fail protection.
type Inject503Window struct{}

// Info documents the behaviour.
func (Inject503Window) Info() Info {
	return Info{
		Name:    Inject503WindowName,
		Bug:     "the server is unavailable for a while (HTTP.sys queue full, pool recycling), then recovers",
		Trigger: fmt.Sprintf("requests %d through %d since the fault was switched on", Inject503WindowStart, Inject503WindowStart+Inject503WindowLength),
		Buggy:   "HTTP 503 Service Unavailable (HTTP.sys HTML) inside the window; agents report 0x80244022 until it has passed",
		Fixed:   "every request is served",
		Source:  "wuerror.h WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL; IIS queueLength and rapid-fail protection",
	}
}

// DefaultMode: no fault unless switched on.
func (Inject503Window) DefaultMode(string) Mode { return Fixed }

// Injects hits the requests of the window.
func (Inject503Window) Injects(m Mode, n uint64) (string, bool) {
	if m != Buggy || n < Inject503WindowStart || n > Inject503WindowStart+Inject503WindowLength {
		return "", false
	}
	return fmt.Sprintf("%s: request %d since switched on (window %d..%d): HTTP 503", Inject503WindowName, n, Inject503WindowStart, Inject503WindowStart+Inject503WindowLength), true
}

// http503Page is HTTP.sys's own 503 page.
const http503Page = `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">` + "\r\n" +
	`<HTML><HEAD><TITLE>Service Unavailable</TITLE>` + "\r\n" +
	`<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>` + "\r\n" +
	`<BODY><h2>Service Unavailable</h2>` + "\r\n" +
	`<hr><p>HTTP Error 503. The service is unavailable.</p>` + "\r\n" +
	`</BODY></HTML>` + "\r\n"

// InjectResponse answers 503 without serving the request.
func (Inject503Window) InjectResponse(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter)) {
	h := w.Header()
	h.Del("X-Powered-By") // HTTP.sys answers, not ASP.NET
	h.Del("X-AspNet-Version")
	h.Set("Server", "Microsoft-HTTPAPI/2.0")
	h.Set("Content-Type", "text/html; charset=us-ascii")
	w.WriteHeader(http.StatusServiceUnavailable)
	io.WriteString(w, http503Page)
}
