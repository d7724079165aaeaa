package wulog

import "strings"

// HRESULTs of the protocol talker that the event methods and their callers
// need (wuerror.h, WU_E_PT_*).
const (
	HRSoapClientSend      uint32 = 0x80244005 // WU_E_PT_SOAPCLIENT_SEND
	HRSoapClientSoapFault uint32 = 0x80244007 // WU_E_PT_SOAPCLIENT_SOAPFAULT: every fault on WUA 10
	HRSoapVersion         uint32 = 0x8024400B // WU_E_PT_SOAP_VERSION
	HRSoapMustUnderstand  uint32 = 0x8024400C // WU_E_PT_SOAP_MUST_UNDERSTAND
	HRSoapClient          uint32 = 0x8024400D // WU_E_PT_SOAP_CLIENT: faultcode Client on WUA 7
	HRSoapServer          uint32 = 0x8024400E // WU_E_PT_SOAP_SERVER: faultcode Server on WUA 7 (KB954960)
	HRHTTPStatusNotMapped uint32 = 0x8024402B // WU_E_PT_HTTP_STATUS_NOT_MAPPED
)

// ATL Server SOAPCLIENT_ERROR values, printed as "soap client error = N"
// (atlsoap.h; wuerror.h maps 0x80244000+N to them).
const (
	SoapClientSuccess    = 0
	SoapClientConnect    = 4
	SoapClientSend       = 5
	SoapClientServer     = 6
	SoapClientSoapFault  = 7
	SoapClientParseFault = 8
	SoapClientRead       = 9
	SoapClientParse      = 10
)

// ATL Server SOAP_ERROR_CODE values, printed as "soap error code = N" and
// as "SOAP Fault: 0x%06x" (atlsoap.h).
const (
	SoapErrorUnknown        = 0
	SoapErrorVersion        = 100
	SoapErrorMustUnderstand = 200
	SoapErrorClient         = 300
	SoapErrorServer         = 400
)

// FaultInfo is what WUA knows about a SOAP fault it received, i.e. what it
// logs. NewFaultInfo fills it the way each flavour's WUA derives it.
type FaultInfo struct {
	HResult         uint32 // the error WUA reports: 0x8024400E for a Server fault on WUA 7, 0x80244007 on WUA 10
	SoapClientError int    // ATL SOAPCLIENT_ERROR; 7 (SOAPCLIENT_SOAPFAULT) for a fault
	SoapErrorCode   int    // ATL SOAP_ERROR_CODE from faultcode; 400 for Server
	FaultString     string // the fault's faultstring; WSUS sends "Fault occurred"
	ErrorCode       string // detail/ErrorCode, e.g. "InternalServerError"
	ErrorCodeNumber int    // WUA's number for ErrorCode (5 for InternalServerError); 0 means look it up
	Message         string // detail/Message; empty is logged as "(null)" by WUA 7
	Method          string // detail/Method, the SOAPAction with its double quotes
	ID              string // detail/ID, the fault's GUID
	FaultCode       string // faultcode local name ("Server"); empty means derive from SoapErrorCode
	// NoDetail marks a fault without a detail element (WCF's and ASP.NET's
	// own faults): WUA 10 then logs no detail lines.
	NoDetail bool
}

// errorCodes is the WSUS ErrorCode enumeration in declaration order. WUA 7
// prints a code as Name(N) with N counted from 1 in this order: the advisory
// shows InternalServerError(5), the fifth name. The other numbers follow from
// that rule and one third-party copy of the enum; they are not confirmed.
var errorCodes = []string{
	"InvalidCookie",
	"ConfigChanged",
	"RegistrationRequired",
	"ServerChanged",
	"InternalServerError",
	"CookieExpired",
	"InvalidParameters",
	"InvalidAuthorizationCookie",
	"RegistrationNotRequired",
	"RedirectorLocationChanged",
	"ServerBusy",
	"FileLocationChanged",
	"DeploymentSynchronizationNotAllowed",
	"IncompatibleProtocolVersion",
	"FileDigestsMissing",
}

// errorCodeIndex returns WUA 7's number for a WSUS ErrorCode name
// ("InternalServerError" gives 5) and whether the name is known.
func errorCodeIndex(name string) (int, bool) {
	for i, n := range errorCodes {
		if n == name {
			return i + 1, true
		}
	}
	return 0, false
}

// SoapErrorCodeOf maps a SOAP 1.1 faultcode ("soap:Server", "Client", ...)
// to ATL's SOAP_ERROR_CODE, ignoring the prefix.
func SoapErrorCodeOf(faultCode string) int {
	if i := strings.LastIndexByte(faultCode, ':'); i >= 0 {
		faultCode = faultCode[i+1:]
	}
	switch faultCode {
	case "VersionMismatch":
		return SoapErrorVersion
	case "MustUnderstand":
		return SoapErrorMustUnderstand
	case "Client":
		return SoapErrorClient
	case "Server":
		return SoapErrorServer
	}
	return SoapErrorUnknown
}

// faultCodeName is the inverse of SoapErrorCodeOf, for WUA 10's "code:" line.
func faultCodeName(code int) string {
	switch code {
	case SoapErrorVersion:
		return "VersionMismatch"
	case SoapErrorMustUnderstand:
		return "MustUnderstand"
	case SoapErrorClient:
		return "Client"
	case SoapErrorServer:
		return "Server"
	}
	return ""
}

// FaultHResult is the error the flavour's WUA reports for a SOAP fault with
// the given ATL SOAP error code. WUA 7 replaces SOAPCLIENT_SOAPFAULT by the
// fault-code specific 0x8024400B-E (wuerror.h); WUA 10, whose web-service
// stack is not ATL, reports every fault as 0x80244007 (support article
// "Troubleshoot Windows Update error 0x80244007").
func (f Flavour) FaultHResult(soapErrorCode int) uint32 {
	if f == WUA10 {
		return HRSoapClientSoapFault
	}
	switch soapErrorCode {
	case SoapErrorVersion:
		return HRSoapVersion
	case SoapErrorMustUnderstand:
		return HRSoapMustUnderstand
	case SoapErrorClient:
		return HRSoapClient
	case SoapErrorServer:
		return HRSoapServer
	}
	return HRSoapClientSoapFault
}

// NewFaultInfo returns the FaultInfo the flavour's WUA derives from a fault
// with the given faultcode (prefix ignored), faultstring and detail fields.
func NewFaultInfo(f Flavour, faultCode, faultString, errorCode, message, method, id string) FaultInfo {
	code := SoapErrorCodeOf(faultCode)
	n, _ := errorCodeIndex(errorCode)
	return FaultInfo{
		HResult:         f.FaultHResult(code),
		SoapClientError: SoapClientSoapFault,
		SoapErrorCode:   code,
		FaultString:     faultString,
		ErrorCode:       errorCode,
		ErrorCodeNumber: n,
		Message:         message,
		Method:          method,
		ID:              id,
	}
}

// httpStatusHResults maps HTTP statuses to WU_E_PT_HTTP_STATUS_* (wuerror.h).
var httpStatusHResults = map[int]uint32{
	400: 0x80244016, 401: 0x80244017, 403: 0x80244018, 404: 0x80244019,
	405: 0x8024401A, 407: 0x8024401B, 408: 0x8024401C, 409: 0x8024401D,
	410: 0x8024401E, 500: 0x8024401F, 501: 0x80244020, 502: 0x80244021,
	503: 0x80244022, 504: 0x80244023, 505: 0x80244024,
}

// HTTPStatusHResult is the error WUA reports for an HTTP status other than
// 200 without a usable SOAP fault.
func HTTPStatusHResult(status int) uint32 {
	if hr, ok := httpStatusHResults[status]; ok {
		return hr
	}
	return HRHTTPStatusNotMapped
}

// httpStatusOf is the inverse of HTTPStatusHResult for the mapped statuses.
func httpStatusOf(hr uint32) (int, bool) {
	for status, h := range httpStatusHResults {
		if h == hr {
			return status, true
		}
	}
	return 0, false
}

// httpReason is the reason phrase NWS quotes in WUA 10's HTTP status line.
var httpReason = map[int]string{
	400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
	405: "Method Not Allowed", 407: "Proxy Authentication Required",
	408: "Request Timeout", 409: "Conflict", 410: "Gone",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
}

// transportCodes returns the "soap client error" and "HTTP status code" WUA 7
// prints on a "<Method> failure" line for a non-fault error hr:
//   - an HTTP status error (0x80244016-24) carries its status; WUA 7 logs
//     these with soap client error 10 (the body is not a SOAP response) [I];
//   - WU_E_PT_SOAPCLIENT_* (0x80244001-0A) are the ATL code itself;
//   - anything else (WinHTTP 0x8007xxxx: cannot connect, timeout, name not
//     resolved, ...) is SOAPCLIENT_SEND_ERROR, "failed to send a message for
//     reasons of WU_E_WINHTTP_* error codes" (wuerror.h), and WUA prints the
//     status it initialised, 200, as it does for faults.
func transportCodes(hr uint32) (soapClientError, httpStatus int) {
	if status, ok := httpStatusOf(hr); ok {
		return SoapClientParse, status
	}
	if hr >= 0x80244001 && hr <= 0x8024400A {
		return int(hr - 0x80244000), 200
	}
	return SoapClientSend, 200
}
