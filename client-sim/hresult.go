package clientsim

import (
	"fmt"
	"strconv"
	"strings"
)

// HResult is a Windows HRESULT as the Windows Update Agent reports it, e.g.
// 0x8024400E. It prints as "0x8024400E" (upper-case hex, eight digits), the
// form of the agent's "error = 0x%08X" lines and of support articles.
type HResult uint32

// String returns "0x%08X".
func (h HResult) String() string { return fmt.Sprintf("0x%08X", uint32(h)) }

// MarshalText returns the String form, so that JSON and text encodings
// carry "0x8024400E" rather than a number no support article uses.
func (h HResult) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText reads any form ParseHResult accepts.
func (h *HResult) UnmarshalText(b []byte) error {
	v, err := ParseHResult(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// Failed reports whether h is an error (the severity bit is set).
func (h HResult) Failed() bool { return h&0x80000000 != 0 }

// ParseHResult reads "0x8024400E", "8024400e" or a decimal number (as
// ReportingEvent.Win32HResult carries it, possibly negative).
func ParseHResult(s string) (HResult, error) {
	t := strings.TrimSpace(s)
	if strings.HasPrefix(t, "0x") || strings.HasPrefix(t, "0X") {
		v, err := strconv.ParseUint(t[2:], 16, 32)
		if err != nil {
			return 0, fmt.Errorf("clientsim: HRESULT %q: %w", s, err)
		}
		return HResult(v), nil
	}
	if v, err := strconv.ParseInt(t, 10, 64); err == nil && v >= -1<<31 && v < 1<<32 {
		return HResult(uint32(v)), nil
	}
	v, err := strconv.ParseUint(t, 16, 32)
	if err != nil {
		return 0, fmt.Errorf("clientsim: HRESULT %q is neither 0x-hex nor decimal", s)
	}
	return HResult(v), nil
}

// HRESULTs the simulated agent reports. Names and values are those of
// wuerror.h (WU_E_*) and winhttp.h (ERROR_WINHTTP_* as HRESULT_FROM_WIN32);
// see docs/wsus-protocol.md section 7 for the protocol talker's range.
const (
	HRSuccess HResult = 0

	// WU_E_CALL_CANCELLED: the caller cancelled the search (context done).
	HRCallCancelled HResult = 0x8024000B

	// WinHTTP errors, which the agent passes through unchanged.
	HRTimeout         HResult = 0x80072EE2 // ERROR_WINHTTP_TIMEOUT
	HRNameNotResolved HResult = 0x80072EE7 // ERROR_WINHTTP_NAME_NOT_RESOLVED
	HRCannotConnect   HResult = 0x80072EFD // ERROR_WINHTTP_CANNOT_CONNECT
	HRConnectionError HResult = 0x80072EFE // ERROR_WINHTTP_CONNECTION_ERROR (reset, closed mid-answer)
	HRRedirectFailed  HResult = 0x80072F7C // ERROR_WINHTTP_REDIRECT_FAILED (too many redirects)
	HRSecureFailure   HResult = 0x80072F8F // ERROR_WINHTTP_SECURE_FAILURE (certificate not trusted)

	// WU_E_PT_SOAPCLIENT_* and WU_E_PT_SOAP_*: 0x80244000 + ATL's
	// SOAPCLIENT_ERROR, or the fault code specific values.
	HRSoapClientSend       HResult = 0x80244005 // WU_E_PT_SOAPCLIENT_SEND
	HRSoapClientSoapFault  HResult = 0x80244007 // WU_E_PT_SOAPCLIENT_SOAPFAULT (every fault on WUA 10)
	HRSoapClientParseFault HResult = 0x80244008 // WU_E_PT_SOAPCLIENT_PARSEFAULT
	HRSoapClientRead       HResult = 0x80244009 // WU_E_PT_SOAPCLIENT_READ
	HRSoapClientParse      HResult = 0x8024400A // WU_E_PT_SOAPCLIENT_PARSE
	HRSoapVersion          HResult = 0x8024400B // WU_E_PT_SOAP_VERSION
	HRSoapMustUnderstand   HResult = 0x8024400C // WU_E_PT_SOAP_MUST_UNDERSTAND
	HRSoapClient           HResult = 0x8024400D // WU_E_PT_SOAP_CLIENT: faultcode Client
	HRSoapServer           HResult = 0x8024400E // WU_E_PT_SOAP_SERVER: faultcode Server (KB954960)

	HRExceededMaxServerTrips HResult = 0x80244010 // WU_E_PT_EXCEEDED_MAX_SERVER_TRIPS
	HRRefreshCacheRequired   HResult = 0x80244015 // WU_E_PT_REFRESH_CACHE_REQUIRED: InvalidCookie, ServerChanged

	// WU_E_PT_HTTP_STATUS_*: an HTTP status without a usable SOAP answer.
	HRHTTPBadRequest   HResult = 0x80244016 // 400
	HRHTTPDenied       HResult = 0x80244017 // 401
	HRHTTPForbidden    HResult = 0x80244018 // 403
	HRHTTPNotFound     HResult = 0x80244019 // 404
	HRHTTPBadMethod    HResult = 0x8024401A // 405
	HRHTTPProxyAuthReq HResult = 0x8024401B // 407
	HRHTTPTimeout      HResult = 0x8024401C // 408
	HRHTTPConflict     HResult = 0x8024401D // 409
	HRHTTPGone         HResult = 0x8024401E // 410
	HRHTTPServerError  HResult = 0x8024401F // 500 without a parsable fault
	HRHTTPNotSupported HResult = 0x80244020 // 501
	HRHTTPBadGateway   HResult = 0x80244021 // 502
	HRHTTPUnavailable  HResult = 0x80244022 // 503
	HRHTTPGatewayTime  HResult = 0x80244023 // 504
	HRHTTPVersion      HResult = 0x80244024 // 505
	HRHTTPNotMapped    HResult = 0x8024402B // any other status

	HRFileLocationsChanged HResult = 0x80244025 // WU_E_PT_FILE_LOCATIONS_CHANGED: FileLocationChanged
	HRNoAuthPlugins        HResult = 0x80244027 // WU_E_PT_NO_AUTH_PLUGINS_REQUESTED: GetConfig's AuthInfo is empty
	HRNoAuthCookies        HResult = 0x80244028 // WU_E_PT_NO_AUTH_COOKIES_CREATED: no plug-in the agent knows
	HRInvalidConfigProp    HResult = 0x80244029 // WU_E_PT_INVALID_CONFIG_PROP
	HRPTUnexpected         HResult = 0x80244FFF // WU_E_PT_UNEXPECTED

	// WU_E_EE_UNKNOWN_EXPRESSION and WU_E_EE_INVALID_EXPRESSION: an
	// applicability rule the evaluator does not know, or a malformed one.
	HRUnknownExpression HResult = 0x8024E001
	HRInvalidExpression HResult = 0x8024E002
)

var httpStatusHResults = map[int]HResult{
	400: HRHTTPBadRequest, 401: HRHTTPDenied, 403: HRHTTPForbidden, 404: HRHTTPNotFound,
	405: HRHTTPBadMethod, 407: HRHTTPProxyAuthReq, 408: HRHTTPTimeout, 409: HRHTTPConflict,
	410: HRHTTPGone, 500: HRHTTPServerError, 501: HRHTTPNotSupported, 502: HRHTTPBadGateway,
	503: HRHTTPUnavailable, 504: HRHTTPGatewayTime, 505: HRHTTPVersion,
}

// HTTPStatusHResult is the WU_E_PT_HTTP_STATUS_* error the agent reports for
// an HTTP status that carried no usable SOAP answer (wuerror.h; section 7 of
// the protocol notes): 0x8024402B for a status the table does not name.
func HTTPStatusHResult(status int) HResult {
	if hr, ok := httpStatusHResults[status]; ok {
		return hr
	}
	return HRHTTPNotMapped
}

// bitsHTTPError is the BG_E_HTTP_ERROR_* value (0x80190000 + status) the
// agent's downloader logs for a failed self-update file request, e.g.
// 0x80190194 for 404, before mapping it to WU_E_PT_HTTP_STATUS_*.
func bitsHTTPError(status int) HResult { return HResult(0x80190000 | uint32(status&0xffff)) }
