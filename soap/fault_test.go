package soap_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/internal/golden"
	"github.com/wsusmock/wsusmock/soap"
)

// invalidParameters is the fault WSUS sends for a SyncUpdates call with bad
// parameters (the support article's example, wsus-protocol.md section 3).
func invalidParameters() *soap.Fault {
	return &soap.Fault{
		Code: soap.CodeClient,
		Detail: &soap.FaultDetail{
			ErrorCode: "InvalidParameters",
			Message:   "parameters.OtherCachedUpdateIDs",
			ID:        "8889e6f6-2d4a-4bb8-a1b9-7b3c0bd5e5c1",
			Method:    `"` + actionSync + `"`,
		},
	}
}

func TestFaultEnvelopeGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		v    soap.Version
		f    *soap.Fault
	}{
		{"testdata/fault_invalidparameters_soap11.golden.xml", soap.SOAP11, invalidParameters()},
		{"testdata/fault_invalidparameters_soap12.golden.xml", soap.SOAP12, invalidParameters()},
		{"testdata/fault_internal_soap11.golden.xml", soap.SOAP11, &soap.Fault{Code: soap.CodeServer, Detail: &soap.FaultDetail{
			ErrorCode: "InternalServerError", ID: "c0a7445f-b989-43fa-ac20-11f8ca65fa8c", Method: `"` + actionSync + `"`}}},
		{"testdata/fault_nodetail_soap11.golden.xml", soap.SOAP11, &soap.Fault{Code: soap.CodeClient,
			String: "Server did not recognize the value of HTTP Header SOAPAction: urn:x.", Actor: "http://wsus/ClientWebService/client.asmx"}},
		{"testdata/fault_nodetail_soap12.golden.xml", soap.SOAP12, &soap.Fault{Code: soap.CodeClient,
			String: "Server did not recognize the value of HTTP Header SOAPAction: urn:x.", Actor: "http://wsus/ClientWebService/client.asmx"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got := tc.f.Envelope(tc.v)
			golden.Assert(t, tc.file, got)
			if _, err := soap.ParseFault(got); err != nil {
				t.Errorf("ParseFault of the golden output: %v", err)
			}
		})
	}
}

// normalized is what ParseFault gives back for f: the sent faultstring and
// code, and none of the fields that do not travel.
func normalized(f *soap.Fault) *soap.Fault {
	g := *f
	if g.String == "" {
		g.String = soap.DefaultFaultString
	}
	if g.Code == "" {
		g.Code = soap.CodeServer
	}
	g.HTTPStatus, g.Cause = 0, nil
	if f.Detail != nil {
		d := *f.Detail
		g.Detail = &d
	}
	return &g
}

func TestParseFaultRoundTrip(t *testing.T) {
	faults := map[string]*soap.Fault{
		"invalid parameters": invalidParameters(),
		"empty message":      {Code: soap.CodeServer, Detail: &soap.FaultDetail{ErrorCode: "InternalServerError", ID: "id", Method: `"m"`}},
		"empty detail":       {Code: soap.CodeClient, Detail: &soap.FaultDetail{}},
		"no detail":          {Code: soap.CodeClient},
		"zero fault":         {},
		"version mismatch":   {Code: soap.CodeVersionMismatch, String: "wrong envelope"},
		"must understand":    {Code: soap.CodeMustUnderstand, Actor: "urn:actor"},
		"not sent fields":    {Code: soap.CodeServer, HTTPStatus: 503, Cause: errors.New("disk full")},
		"escaping":           {Code: soap.CodeClient, String: `a < b & "c" > d ]]>`, Detail: &soap.FaultDetail{Message: "line1\r\nline2\ttab  ", Method: `"<&>"`}},
		"non-ASCII":          {Code: soap.CodeClient, String: "Échec — 失敗", Detail: &soap.FaultDetail{Message: "ü"}},
	}
	for name, f := range faults {
		for _, v := range []soap.Version{soap.SOAP11, soap.SOAP12} {
			t.Run(name+"/"+v.String(), func(t *testing.T) {
				env := f.Envelope(v)
				got, err := soap.ParseFault(env)
				if err != nil {
					t.Fatalf("ParseFault: %v\n%s", err, env)
				}
				if want := normalized(f); !reflect.DeepEqual(got, want) {
					t.Errorf("ParseFault =\n%#v %#v\nwant\n%#v %#v\n%s", got, got.Detail, want, want.Detail, env)
				}
				// ParseResponse hands back the same fault.
				var rf *soap.Fault
				if err := soap.ParseResponse(env, new(node)); !errors.As(err, &rf) || !reflect.DeepEqual(rf, got) {
					t.Errorf("ParseResponse = %v, want the fault %v", err, got)
				}
			})
		}
	}
}

func TestFaultEmptyMessageKeepsElement(t *testing.T) {
	f := &soap.Fault{Code: soap.CodeServer, Detail: &soap.FaultDetail{ErrorCode: "InternalServerError", ID: "x"}}
	for _, v := range []soap.Version{soap.SOAP11, soap.SOAP12} {
		env := f.Envelope(v)
		for _, el := range []string{"ErrorCode", "Message", "ID", "Method"} {
			if !bytes.Contains(env, []byte("<"+el+">")) && !bytes.Contains(env, []byte("<"+el+"/>")) {
				t.Errorf("%v: no %s element in\n%s", v, el, env)
			}
		}
		got, err := soap.ParseFault(env)
		if err != nil {
			t.Fatal(err)
		}
		if got.Detail == nil || got.Detail.Message != "" || got.Detail.ErrorCode != "InternalServerError" {
			t.Errorf("%v: detail = %+v", v, got.Detail)
		}
	}
}

func TestFaultAbsentDetail(t *testing.T) {
	f := &soap.Fault{Code: soap.CodeClient, String: "Server did not recognize the value of HTTP Header SOAPAction."}
	for _, v := range []soap.Version{soap.SOAP11, soap.SOAP12} {
		env := f.Envelope(v)
		if bytes.Contains(bytes.ToLower(env), []byte("detail")) {
			t.Errorf("%v: a detail element without Detail:\n%s", v, env)
		}
		got, err := soap.ParseFault(env)
		if err != nil {
			t.Fatal(err)
		}
		if got.Detail != nil || got.ErrorCode() != "" {
			t.Errorf("%v: Detail = %+v", v, got.Detail)
		}
	}
}

func TestParseFault(t *testing.T) {
	fault11 := func(code, decls string) string {
		return `<s:Envelope xmlns:s="` + ns11 + `"` + decls + `><s:Body><s:Fault><faultcode>` + code + `</faultcode><faultstring>Fault occurred</faultstring></s:Fault></s:Body></s:Envelope>`
	}
	fault12 := func(code, decls string) string {
		return `<env:Envelope xmlns:env="` + ns12 + `"` + decls + `><env:Body><env:Fault><env:Code><env:Value>` + code + `</env:Value><env:Subcode><env:Value>x:y</env:Value></env:Subcode></env:Code>` +
			`<env:Reason><env:Text xml:lang="de">Fehler</env:Text><env:Text xml:lang="en">Fault</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`
	}
	tests := []struct {
		name     string
		data     string
		wantErr  error
		wantCode string
		wantNS   string // CodeNamespace: "" for a standard code
	}{
		// oks
		{name: "soap11 s prefix as WS2025 sends it", data: fault11("s:Client", ""), wantCode: soap.CodeClient},
		{name: "soap11 code with white space", data: fault11(" s:Server\n", ""), wantCode: soap.CodeServer},
		{name: "soap11 second prefix for the envelope namespace", data: fault11("e:VersionMismatch", ` xmlns:e="`+ns11+`"`), wantCode: soap.CodeVersionMismatch},
		{name: "soap11 prefix declared on faultcode", data: strings.Replace(fault11("q:MustUnderstand", ""), "<faultcode>", `<faultcode xmlns:q="`+ns11+`">`, 1), wantCode: soap.CodeMustUnderstand},
		{name: "soap12 Sender", data: fault12("env:Sender", ""), wantCode: soap.CodeClient},
		{name: "soap12 Receiver", data: fault12("env:Receiver", ""), wantCode: soap.CodeServer},
		{name: "soap12 prefix declared on Value", data: strings.Replace(fault12("p:Receiver", ""), "<env:Value>", `<env:Value xmlns:p="`+ns12+`">`, 1), wantCode: soap.CodeServer},

		// oks: namespace-qualified codes that are not the standard ones are
		// faults too, with their namespace.
		{name: "WCF InternalServiceFault, prefix declared on faultcode", data: strings.Replace(fault11("a:InternalServiceFault", ""), "<faultcode>", `<faultcode xmlns:a="`+nsWCFDispatcher+`">`, 1), wantCode: "InternalServiceFault", wantNS: nsWCFDispatcher},
		{name: "soap11 prefix bound to another namespace", data: fault11("o:Client", ` xmlns:o="urn:other"`), wantCode: "Client", wantNS: "urn:other"},
		{name: "soap11 prefix bound to the SOAP 1.2 namespace", data: fault11("o:Client", ` xmlns:o="`+ns12+`"`), wantCode: "Client", wantNS: ns12},
		{name: "soap11 prefix rebound on faultcode", data: strings.Replace(fault11("s:Client", ""), "<faultcode>", `<faultcode xmlns:s="urn:other">`, 1), wantCode: "Client", wantNS: "urn:other"},
		{name: "soap11 unprefixed faultcode in a default namespace", data: strings.Replace(fault11("Server", ""), "<faultcode>", `<faultcode xmlns="`+ns11+`">`, 1), wantCode: soap.CodeServer},
		{name: "soap11 unknown local code", data: fault11("s:Boom", ""), wantCode: "Boom", wantNS: ns11},
		{name: "soap11 dotted code", data: fault11("s:Client.Authentication", ""), wantCode: "Client.Authentication", wantNS: ns11},
		{name: "soap11 SOAP 1.2 code name", data: fault11("s:Sender", ""), wantCode: "Sender", wantNS: ns11},

		// fails
		{name: "soap11 unprefixed faultcode", data: fault11("Client", ""), wantErr: soap.ErrFaultSyntax},
		{name: "soap11 undeclared prefix", data: fault11("soap:Client", ""), wantErr: soap.ErrFaultSyntax},
		{name: "soap11 empty local code", data: fault11("s:", ""), wantErr: soap.ErrFaultSyntax},
		{name: "soap11 empty prefix", data: fault11(":Client", ""), wantErr: soap.ErrFaultSyntax},
		{name: "soap11 two colons", data: fault11("s:a:b", ""), wantErr: soap.ErrFaultSyntax},
		{name: "soap11 no faultcode", data: `<s:Envelope xmlns:s="` + ns11 + `"><s:Body><s:Fault><faultstring>x</faultstring></s:Fault></s:Body></s:Envelope>`, wantErr: soap.ErrFaultSyntax},
		{name: "soap11 SOAP 1.2 fault shape", data: strings.ReplaceAll(fault12("env:Sender", ""), ns12, ns11), wantErr: soap.ErrFaultSyntax},
		{name: "soap12 SOAP 1.1 code name", data: fault12("env:Client", ""), wantCode: "Client", wantNS: ns12},
		{name: "soap12 unprefixed Value", data: fault12("Sender", ""), wantErr: soap.ErrFaultSyntax},
		{name: "no Fault: a normal response", data: env11(getConfig), wantErr: soap.ErrFaultSyntax},
		{name: "no Fault: Fault not first in Body", data: env11(getConfig + `<s:Fault><faultcode>s:Client</faultcode></s:Fault>`), wantErr: soap.ErrFaultSyntax},
		{name: "no Fault: Fault in another namespace", data: env11(`<Fault><faultcode>s:Client</faultcode></Fault>`), wantErr: soap.ErrFaultSyntax},
		{name: "empty", data: "", wantErr: soap.ErrEmptyBody},
		{name: "not XML", data: "Service Unavailable", wantErr: soap.ErrMalformed},
		{name: "IIS 503 page", data: iis503, wantErr: soap.ErrMalformed},
		{name: "truncated", data: fault11("s:Client", "")[:120], wantErr: soap.ErrMalformed},
		{name: "trailing junk", data: fault11("s:Client", "") + "<x/>", wantErr: soap.ErrMalformed},
		{name: "DTD", data: `<!DOCTYPE x [<!ENTITY c "Client">]>` + fault11("s:&c;", ""), wantErr: soap.ErrMalformed},
		{name: "unknown envelope namespace", data: strings.ReplaceAll(fault11("s:Client", ""), ns11, "urn:soap"), wantErr: soap.ErrVersionMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := soap.ParseFault([]byte(tt.data))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseFault error = %v, want one wrapping %v", err, tt.wantErr)
				}
				if f != nil {
					t.Errorf("a fault came back with the error")
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseFault: %v", err)
			}
			if f.Code != tt.wantCode || f.CodeNamespace != tt.wantNS {
				t.Errorf("Code = %q in %q, want %q in %q", f.Code, f.CodeNamespace, tt.wantCode, tt.wantNS)
			}
			if f.Standard() != (tt.wantNS == "") {
				t.Errorf("Standard() = %v", f.Standard())
			}
		})
	}
}

func TestParseFaultSOAP12Fields(t *testing.T) {
	data := `<env:Envelope xmlns:env="` + ns12 + `"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value></env:Code>` +
		`<env:Reason><env:Text xml:lang="en">first</env:Text><env:Text xml:lang="de">zweite</env:Text></env:Reason>` +
		`<env:Node>urn:node</env:Node><env:Role>urn:role</env:Role>` +
		`<env:Detail><w:Extra xmlns:w="urn:w"/><ErrorCode>CookieExpired</ErrorCode><Message>m</Message><ID>i</ID><Method>"a"</Method><ErrorCode>second</ErrorCode></env:Detail>` +
		`</env:Fault></env:Body></env:Envelope>`
	f, err := soap.ParseFault([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := &soap.Fault{Code: soap.CodeClient, String: "first", Actor: "urn:role",
		Detail: &soap.FaultDetail{ErrorCode: "CookieExpired", Message: "m", ID: "i", Method: `"a"`}}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("ParseFault = %+v %+v, want %+v %+v", f, f.Detail, want, want.Detail)
	}
}

func TestFaultStatus(t *testing.T) {
	for _, tc := range []struct{ status, want int }{
		{0, 500}, {500, 500}, {503, 503}, {400, 400}, {200, 200},
		{42, 500}, {100, 500}, {199, 500}, {600, 500}, {-1, 500},
	} {
		if got := (&soap.Fault{HTTPStatus: tc.status}).Status(); got != tc.want {
			t.Errorf("Status() with HTTPStatus %d = %d, want %d", tc.status, got, tc.want)
		}
	}
}

func TestFaultError(t *testing.T) {
	cause := errors.New("duplicate key 8862")
	f := invalidParameters()
	f.Cause = cause
	msg := f.Error()
	for _, want := range []string{"Client", soap.DefaultFaultString, "InvalidParameters", "parameters.OtherCachedUpdateIDs", f.Detail.ID} {
		if !strings.Contains(msg, want) {
			t.Errorf("Error() = %q lacks %q", msg, want)
		}
	}
	if !errors.Is(f, cause) {
		t.Error("errors.Is does not reach the cause")
	}
	wrapped := fmt.Errorf("mockwsus: SyncUpdates: %w", f)
	var got *soap.Fault
	if !errors.As(wrapped, &got) || got != f {
		t.Error("errors.As does not find the fault")
	}
	if s := (&soap.Fault{}).Error(); !strings.Contains(s, "Server") {
		t.Errorf("zero fault Error() = %q, want the Server code it is sent with", s)
	}
}

func TestWriteFault(t *testing.T) {
	for _, tc := range []struct {
		v          soap.Version
		f          *soap.Fault
		wantStatus int
	}{
		{soap.SOAP11, invalidParameters(), 500},
		{soap.SOAP12, invalidParameters(), 500},
		{soap.SOAP11, &soap.Fault{Code: soap.CodeClient, HTTPStatus: 400}, 400},
		{soap.SOAP11, &soap.Fault{Code: soap.CodeServer, HTTPStatus: 200}, 200},
		{soap.SOAP12, &soap.Fault{Code: soap.CodeServer, HTTPStatus: 7}, 500},
	} {
		t.Run(fmt.Sprintf("%v/%d", tc.v, tc.f.HTTPStatus), func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := soap.WriteFault(w, tc.v, tc.f); err != nil {
				t.Fatal(err)
			}
			res := w.Result()
			if res.StatusCode != tc.wantStatus {
				t.Errorf("status = %d, want %d", res.StatusCode, tc.wantStatus)
			}
			if ct := res.Header.Get("Content-Type"); ct != tc.v.ContentType() {
				t.Errorf("Content-Type = %q, want %q", ct, tc.v.ContentType())
			}
			if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(w.Body.Len()) {
				t.Errorf("Content-Length = %q, body has %d bytes", cl, w.Body.Len())
			}
			if cc := res.Header.Get("Cache-Control"); cc != "private" {
				t.Errorf("Cache-Control = %q", cc)
			}
			if !bytes.Equal(w.Body.Bytes(), tc.f.Envelope(tc.v)) {
				t.Error("body is not Envelope(v)")
			}
			var f *soap.Fault
			if err := soap.ParseResponse(w.Body.Bytes(), nil); !errors.As(err, &f) || !reflect.DeepEqual(f, normalized(tc.f)) {
				t.Errorf("ParseResponse = %v", err)
			}
		})
	}
}
