package mockwsus_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

const (
	nsSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	nsSOAP12 = "http://www.w3.org/2003/05/soap-envelope"
)

func env11(body string) string {
	return `<s:Envelope xmlns:s="` + nsSOAP11 + `"><s:Body>` + body + `</s:Body></s:Envelope>`
}

var getConfigBody = `<GetConfig xmlns="` + clientws.Namespace + `"><protocolVersion>1.0</protocolVersion></GetConfig>`

// unsized hides a body's length, so the request has no Content-Length
// (ContentLength -1, as with chunked transfer encoding).
type unsized struct{ io.Reader }

// Every malformed or misdirected request gets a SOAP fault or a 4xx with a
// message that says what is wrong: never a panic, a hang or a silent 200.
func TestBadInput(t *testing.T) {
	big := bytes.Repeat([]byte(" "), soap.DefaultMaxBody+1)
	copy(big, `<s:Envelope xmlns:s="`+nsSOAP11+`"><s:Body>`)
	tests := []struct {
		name        string
		method      string
		path        string
		contentType string // "" leaves the header out
		action      string // "" leaves SOAPAction out; sent quoted
		body        []byte
		noLength    bool
		wantStatus  int
		wantCode    string // SOAP fault code; "" means a plain-text answer
		wantText    string // in the faultstring or the text body
		soap12      bool   // the fault must be a SOAP 1.2 one
	}{
		{name: "malformed XML", body: []byte(env11(getConfigBody)[:120]), action: clientws.ActionGetConfig,
			wantStatus: 400, wantCode: soap.CodeClient, wantText: "Server was unable to read request. ---> soap: malformed envelope"},
		{name: "not XML at all", body: []byte("hello, server"), action: clientws.ActionGetConfig,
			wantStatus: 400, wantCode: soap.CodeClient, wantText: "malformed envelope"},
		{name: "empty body", body: nil, action: clientws.ActionGetConfig,
			wantStatus: 400, wantCode: soap.CodeClient, wantText: "empty body"},
		{name: "not UTF-8", body: []byte(env11(`<GetConfig xmlns="` + clientws.Namespace + `"><protocolVersion>` + "\xff\xfe" + `</protocolVersion></GetConfig>`)), action: clientws.ActionGetConfig,
			wantStatus: 400, wantCode: soap.CodeClient, wantText: "not UTF-8"},
		{name: "value of the wrong type", body: []byte(env11(`<SyncUpdates xmlns="` + clientws.Namespace + `"><parameters><InstalledNonLeafUpdateIDs><int>eleven</int></InstalledNonLeafUpdateIDs></parameters></SyncUpdates>`)), action: clientws.ActionSyncUpdates,
			wantStatus: 400, wantCode: soap.CodeClient, wantText: "decoding SyncUpdates"},
		{name: "unknown operation", body: []byte(env11(`<NoSuchOperation xmlns="` + clientws.Namespace + `"/>`)), action: clientws.Action("NoSuchOperation"),
			wantStatus: 500, wantCode: soap.CodeClient, wantText: "Server did not recognize the value of HTTP Header SOAPAction: " + clientws.Action("NoSuchOperation") + "."},
		{name: "missing SOAPAction", body: []byte(env11(getConfigBody)),
			wantStatus: 400, wantCode: soap.CodeClient, wantText: "the SOAPAction header is missing"},
		{name: "empty SOAPAction", body: []byte(env11(getConfigBody)), action: " ",
			wantStatus: 400, wantCode: soap.CodeClient, wantText: "the request names no action"},
		{name: "SOAPAction of another service on this path", body: []byte(env11(`<GetAuthorizationCookie xmlns="` + simpleauth.Namespace + `"><clientId>c1</clientId></GetAuthorizationCookie>`)), action: simpleauth.ActionGetAuthorizationCookie,
			wantStatus: 500, wantCode: soap.CodeClient, wantText: "Server did not recognize the value of HTTP Header SOAPAction: " + simpleauth.ActionGetAuthorizationCookie + "."},
		{name: "client operation on the reporting path", path: reportingPath, body: []byte(env11(getConfigBody)), action: clientws.ActionGetConfig,
			wantStatus: 500, wantCode: soap.CodeClient, wantText: "Server did not recognize the value of HTTP Header SOAPAction"},
		{name: "body element not matching the action", body: []byte(env11(getConfigBody)), action: clientws.ActionGetCookie,
			wantStatus: 500, wantCode: soap.CodeClient, wantText: "Server was unable to read request. ---> The body element {" + clientws.Namespace + "}GetConfig does not match the action " + clientws.ActionGetCookie + "."},
		{name: "wrong namespace on the body element", body: []byte(env11(`<GetConfig xmlns="` + reporting.Namespace + `"><protocolVersion>1.0</protocolVersion></GetConfig>`)), action: clientws.ActionGetConfig,
			wantStatus: 500, wantCode: soap.CodeClient, wantText: "The body element {" + reporting.Namespace + "}GetConfig does not match the action"},
		{name: "unqualified body element", body: []byte(env11(`<GetConfig><protocolVersion>1.0</protocolVersion></GetConfig>`)), action: clientws.ActionGetConfig,
			wantStatus: 500, wantCode: soap.CodeClient, wantText: "The body element {}GetConfig does not match the action"},
		{name: "body over the limit with Content-Length", body: big, action: clientws.ActionGetConfig,
			wantStatus: 413, wantCode: soap.CodeClient, wantText: "Maximum request length exceeded."},
		{name: "body over the limit without Content-Length", body: big, noLength: true, action: clientws.ActionGetConfig,
			wantStatus: 413, wantCode: soap.CodeClient, wantText: "Maximum request length exceeded."},
		{name: "body at the limit without Content-Length is read", body: big[:soap.DefaultMaxBody], noLength: true, action: clientws.ActionGetConfig,
			wantStatus: 400, wantCode: soap.CodeClient, wantText: "malformed envelope"},
		{name: "GET on the asmx", method: http.MethodGet, body: nil,
			wantStatus: 405, wantCode: soap.CodeClient, wantText: "SOAP requests are POSTs"},
		{name: "PUT on the asmx", method: http.MethodPut, body: []byte(env11(getConfigBody)), action: clientws.ActionGetConfig,
			wantStatus: 405, wantCode: soap.CodeClient, wantText: "SOAP requests are POSTs"},
		{name: "unknown path", path: "/ClientWebService/other.asmx", body: []byte(env11(getConfigBody)), action: clientws.ActionGetConfig,
			wantStatus: 404, wantText: "no such path /ClientWebService/other.asmx"},
		{name: "root path", method: http.MethodGet, path: "/",
			wantStatus: 404, wantText: "no such path /"},
		{name: "DTD with an entity", body: []byte(`<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY x "xxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]>` + env11(`<GetConfig xmlns="`+clientws.Namespace+`"><protocolVersion>&y;</protocolVersion></GetConfig>`)), action: clientws.ActionGetConfig,
			wantStatus: 400, wantCode: soap.CodeClient, wantText: "DTDs are not allowed"},
		{name: "external entity reference", body: []byte(env11(`<GetConfig xmlns="` + clientws.Namespace + `"><protocolVersion>&xxe;</protocolVersion></GetConfig>`)), action: clientws.ActionGetConfig,
			wantStatus: 400, wantCode: soap.CodeClient, wantText: "malformed envelope"},
		{name: "text/html content type", contentType: "text/html; charset=utf-8", body: []byte(env11(getConfigBody)), action: clientws.ActionGetConfig,
			wantStatus: 415, wantCode: soap.CodeClient, wantText: "unsupported content type"},
		{name: "SOAP 1.2 envelope sent as text/xml", body: []byte(`<s:Envelope xmlns:s="` + nsSOAP12 + `"><s:Body>` + getConfigBody + `</s:Body></s:Envelope>`), action: clientws.ActionGetConfig,
			wantStatus: 500, wantCode: soap.CodeVersionMismatch, wantText: "envelope version mismatch"},
		{name: "SOAP 1.2: malformed XML", contentType: soap.ContentTypeSOAP12 + `; action="` + clientws.ActionGetConfig + `"`, body: []byte(`<s:Envelope xmlns:s="` + nsSOAP12 + `"><s:Body><GetConfig`),
			wantStatus: 400, wantCode: soap.CodeClient, wantText: "malformed envelope", soap12: true},
		{name: "SOAP 1.2: no action", contentType: soap.ContentTypeSOAP12, body: []byte(`<s:Envelope xmlns:s="` + nsSOAP12 + `"><s:Body>` + getConfigBody + `</s:Body></s:Envelope>`),
			wantStatus: 400, wantCode: soap.CodeClient, wantText: "the request names no action", soap12: true},
		{name: "SOAP 1.2: body over the limit", contentType: soap.ContentTypeSOAP12, body: big, noLength: true,
			wantStatus: 413, wantCode: soap.CodeClient, wantText: "Maximum request length exceeded.", soap12: true},
		{name: "SOAP 1.2: unknown operation", contentType: soap.ContentTypeSOAP12 + `; action="` + clientws.Action("NoSuchOperation") + `"`, body: []byte(`<s:Envelope xmlns:s="` + nsSOAP12 + `"><s:Body><NoSuchOperation xmlns="` + clientws.Namespace + `"/></s:Body></s:Envelope>`),
			wantStatus: 500, wantCode: soap.CodeClient, wantText: "Server did not recognize the value of HTTP Header SOAPAction", soap12: true},
		{name: "SOAP 1.1 envelope sent as SOAP 1.2", contentType: soap.ContentTypeSOAP12 + `; action="` + clientws.ActionGetConfig + `"`, body: []byte(env11(getConfigBody)),
			wantStatus: 500, wantCode: soap.CodeVersionMismatch, wantText: "envelope version mismatch", soap12: true},
		{name: "unknown envelope namespace", body: []byte(`<s:Envelope xmlns:s="urn:not-soap"><s:Body>` + getConfigBody + `</s:Body></s:Envelope>`), action: clientws.ActionGetConfig,
			wantStatus: 500, wantCode: soap.CodeVersionMismatch, wantText: "envelope namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, mockwsus.Config{})
			method, path, ct := tt.method, tt.path, tt.contentType
			if method == "" {
				method = http.MethodPost
			}
			if path == "" {
				path = clientPath
			}
			if ct == "" && method == http.MethodPost {
				ct = soap.ContentTypeSOAP11
			}
			var body io.Reader = bytes.NewReader(tt.body)
			if tt.noLength {
				body = unsized{body}
			}
			r := httptest.NewRequest(method, "http://"+wireHost+path, body)
			if ct != "" {
				r.Header.Set("Content-Type", ct)
			}
			if tt.action != "" {
				r.Header["SOAPAction"] = []string{`"` + strings.TrimSpace(tt.action) + `"`}
				if strings.TrimSpace(tt.action) == "" {
					r.Header["SOAPAction"] = []string{tt.action}
				}
			}
			if tt.noLength && r.ContentLength != -1 {
				t.Fatalf("test request has ContentLength %d, want none", r.ContentLength)
			}
			rec := httptest.NewRecorder()
			h.srv.ServeHTTP(rec, r)

			if rec.Code != tt.wantStatus {
				t.Errorf("HTTP %d, want %d; body:\n%.600s", rec.Code, tt.wantStatus, rec.Body)
			}
			if rec.Code == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "POST" {
				t.Errorf("405 without Allow: POST (RFC 9110 requires Allow), headers %v", rec.Header())
			}
			if tt.wantCode == "" {
				if !strings.Contains(rec.Body.String(), tt.wantText) {
					t.Errorf("body %q lacks %q", rec.Body, tt.wantText)
				}
			} else {
				f, err := soap.ParseFault(rec.Body.Bytes())
				if err != nil {
					t.Fatalf("answer is not a SOAP fault: %v\n%.600s", err, rec.Body)
				}
				if f.Code != tt.wantCode || !strings.Contains(f.String, tt.wantText) {
					t.Errorf("fault %s %q, want %s containing %q", f.Code, f.String, tt.wantCode, tt.wantText)
				}
				if f.Detail != nil {
					t.Errorf("fault raised before WSUS code ran carries a WSUS detail %+v", f.Detail)
				}
				wantCT, wantNS := soap.ContentTypeSOAP11, nsSOAP11
				if tt.soap12 {
					wantCT, wantNS = soap.ContentTypeSOAP12, nsSOAP12
				}
				if got := rec.Header().Get("Content-Type"); got != wantCT || !strings.Contains(rec.Body.String(), `xmlns:soap="`+wantNS+`"`) {
					t.Errorf("fault Content-Type %q, want a fault in %q (the version the client spoke):\n%s", got, wantCT, rec.Body)
				}
			}
			if h.sdlog.Len() != 0 {
				t.Errorf("a request refused before WSUS code ran wrote SoftwareDistribution.log:\n%s", h.sdlog)
			}
			entries := exchanges(h.srv)
			if len(entries) != 1 || entries[0].Status != rec.Code {
				t.Errorf("journal = %+v, want one entry with status %d", entries, rec.Code)
			}
		})
	}
}

// The same checks over a real connection for the two cases where the
// transport matters: a body larger than the limit is refused without
// reading it all, and a request without a body gets an answer.
func TestBadInputOverHTTP(t *testing.T) {
	h := newHarness(t, mockwsus.Config{MaxBody: 1 << 10})
	body := bytes.Repeat([]byte("x"), 64<<10)
	for _, sized := range []bool{true, false} {
		var rd io.Reader = bytes.NewReader(body)
		if !sized {
			rd = unsized{rd}
		}
		req, err := http.NewRequest(http.MethodPost, h.http.URL+clientPath, rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", soap.ContentTypeSOAP11)
		req.Header["SOAPAction"] = []string{`"` + clientws.ActionGetConfig + `"`}
		resp, err := h.http.Client().Do(req)
		if err != nil {
			t.Fatalf("sized=%t: %v", sized, err)
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !bytes.Contains(out, []byte("Maximum request length exceeded.")) {
			t.Errorf("sized=%t: HTTP %d %s, want 413 with the ASP.NET message", sized, resp.StatusCode, out)
		}
	}
	resp, err := h.http.Client().Get(h.http.URL + clientPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET %s: HTTP %d, want 405", clientPath, resp.StatusCode)
	}
}
