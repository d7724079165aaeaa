package soap_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/soap"
)

const (
	wsaHeader2005 = `<s:Header><a:Action s:mustUnderstand="1" xmlns:a="http://www.w3.org/2005/08/addressing">` + actionSync + `</a:Action></s:Header>`
	wsaHeader2004 = `<s:Header><a:Action xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"> ` + actionSync + ` </a:Action></s:Header>`

	billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<s:Envelope xmlns:s="` + ns11 + `"><s:Body><GetConfig xmlns="` + nsClient + `"><protocolVersion>&lol9;</protocolVersion></GetConfig></s:Body></s:Envelope>`

	externalEntity = `<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<s:Envelope xmlns:s="` + ns11 + `"><s:Body><GetConfig xmlns="` + nsClient + `"><protocolVersion>&xxe;</protocolVersion></GetConfig></s:Body></s:Envelope>`

	iis503 = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n" +
		"<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n" +
		"<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n" +
		"<BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n</BODY></HTML>\r\n"
)

var (
	opGetConfig = xml.Name{Space: nsClient, Local: "GetConfig"}
	ct11        = "text/xml; charset=utf-8"
	ct12        = "application/soap+xml; charset=utf-8"
	ct12Action  = `application/soap+xml; charset=utf-8; action="` + actionSync + `"`
)

func TestReadRequest(t *testing.T) {
	big := env11(`<GetConfig xmlns="` + nsClient + `"><protocolVersion>` + strings.Repeat("9", 200) + `</protocolVersion></GetConfig>`)
	tests := []struct {
		name          string
		method        string // "" is POST
		header        http.Header
		body          string
		unknownLength bool  // send without Content-Length
		contentLength int64 // overrides the Content-Length when > 0
		maxBody       int64
		wrapBody      func(io.ReadCloser) io.ReadCloser

		wantErr     error
		wantVersion soap.Version
		wantAction  string
		wantOp      xml.Name
	}{
		// oks
		{name: "soap11 quoted SOAPAction", header: hdr("Content-Type", ct11, "SOAPAction", `"`+actionSync+`"`),
			body: env11(getConfig), wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 unquoted SOAPAction", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: env11(getConfig), wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 quoted SOAPAction with surrounding spaces", header: hdr("Content-Type", ct11, "SOAPAction", ` 	 "`+actionSync+`"  `),
			body: env11(getConfig), wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 unquoted SOAPAction with surrounding spaces", header: hdr("Content-Type", ct11, "SOAPAction", "  "+actionSync+" "),
			body: env11(getConfig), wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 SOAPAction key not canonical (in-process request)",
			header: http.Header{"Content-Type": {ct11}, "SOAPAction": {`"` + actionSync + `"`}},
			body:   env11(getConfig), wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 absent Content-Type is SOAP 1.1", header: hdr("SOAPAction", `"`+actionSync+`"`),
			body: env11(getConfig), wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 media type in upper case", header: hdr("Content-Type", "Text/XML; Charset=UTF-8", "SOAPAction", `"`+actionSync+`"`),
			body: env11(getConfig), wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 Content-Type with a parameter Go's mime refuses", header: hdr("Content-Type", "text/xml; charset", "SOAPAction", actionSync),
			body: env11(getConfig), wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 Header before Body with arbitrary header elements",
			header: hdr("Content-Type", ct11, "SOAPAction", `"`+actionSync+`"`),
			body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Header>` +
				`<h:Trace xmlns:h="urn:x" s:mustUnderstand="0"><h:Id>1</h:Id><h:Deep><h:Deeper a="b">text</h:Deeper></h:Deep></h:Trace>` +
				`<Unqualified>x</Unqualified><!-- a comment --><a:Action xmlns:a="http://www.w3.org/2005/08/addressing">ignored in 1.1</a:Action>` +
				`</s:Header><s:Body>` + getConfig + `</s:Body></s:Envelope>`,
			wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 prefix soap with XML declaration, BOM and comments",
			header: hdr("Content-Type", ct11, "SOAPAction", `"`+actionSync+`"`),
			body: "\xef\xbb\xbf" + `<?xml version="1.0" encoding="utf-8"?>` + "\n<!-- c -->\n" +
				`<soap:Envelope xmlns:soap="` + ns11 + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
				"\n  <soap:Body>\n    " + getConfig + "\n  </soap:Body>\n</soap:Envelope>\n<!-- trailing -->\n",
			wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 prefix SOAP-ENV", header: hdr("Content-Type", ct11, "SOAPAction", `"`+actionSync+`"`),
			body:        `<SOAP-ENV:Envelope xmlns:SOAP-ENV="` + ns11 + `"><SOAP-ENV:Body>` + getConfig + `</SOAP-ENV:Body></SOAP-ENV:Envelope>`,
			wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 default namespace envelope", header: hdr("Content-Type", ct11, "SOAPAction", `"`+actionSync+`"`),
			body:        `<Envelope xmlns="` + ns11 + `"><Body>` + getConfig + `</Body></Envelope>`,
			wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 operation prefix declared on the Envelope", header: hdr("Content-Type", ct11, "SOAPAction", `"`+actionSync+`"`),
			body:        `<soap:Envelope xmlns:soap="` + ns11 + `" xmlns:w="` + nsClient + `"><soap:Body><w:GetConfig><w:protocolVersion>1.20</w:protocolVersion></w:GetConfig></soap:Body></soap:Envelope>`,
			wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 nesting 10,000 deep inside the operation", header: hdr("Content-Type", ct11, "SOAPAction", `"`+actionSync+`"`),
			body:        env11(`<GetConfig xmlns="` + nsClient + `">` + strings.Repeat("<a>", 10000) + strings.Repeat("</a>", 10000) + `<protocolVersion>1</protocolVersion></GetConfig>`),
			wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 body exactly at the limit", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: big, maxBody: int64(len(big)), wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap11 body at the limit without Content-Length", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: big, maxBody: int64(len(big)), unknownLength: true, wantVersion: soap.SOAP11, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap12 action in Content-Type", header: hdr("Content-Type", ct12Action),
			body: env12(getConfig), wantVersion: soap.SOAP12, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap12 unquoted action parameter", header: hdr("Content-Type", "application/soap+xml;action=urn:op"),
			body: env12(getConfig), wantVersion: soap.SOAP12, wantAction: "urn:op", wantOp: opGetConfig},
		{name: "soap12 WS-Addressing 2005/08 Action header", header: hdr("Content-Type", ct12),
			body:        `<s:Envelope xmlns:s="` + ns12 + `">` + wsaHeader2005 + `<s:Body>` + getConfig + `</s:Body></s:Envelope>`,
			wantVersion: soap.SOAP12, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap12 WS-Addressing 2004/08 Action header", header: hdr("Content-Type", ct12),
			body:        `<s:Envelope xmlns:s="` + ns12 + `">` + wsaHeader2004 + `<s:Body>` + getConfig + `</s:Body></s:Envelope>`,
			wantVersion: soap.SOAP12, wantAction: actionSync, wantOp: opGetConfig},
		{name: "soap12 Content-Type action wins over WS-Addressing", header: hdr("Content-Type", `application/soap+xml; action="`+actionConfig+`"`),
			body:        `<s:Envelope xmlns:s="` + ns12 + `">` + wsaHeader2005 + `<s:Body>` + getConfig + `</s:Body></s:Envelope>`,
			wantVersion: soap.SOAP12, wantAction: actionConfig, wantOp: opGetConfig},
		{name: "soap12 a SOAPAction header does not count", header: hdr("Content-Type", ct12, "SOAPAction", actionSync),
			body: env12(getConfig), wantErr: soap.ErrNoAction},

		// fails: method, content type, size
		{name: "GET instead of POST", method: http.MethodGet, header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: env11(getConfig), wantErr: soap.ErrMethod},
		{name: "unsupported media type", header: hdr("Content-Type", "application/json", "SOAPAction", actionSync),
			body: env11(getConfig), wantErr: soap.ErrContentType},
		{name: "unparseable Content-Type", header: hdr("Content-Type", "text/", "SOAPAction", actionSync),
			body: env11(getConfig), wantErr: soap.ErrContentType},
		{name: "over the limit with Content-Length", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: big, maxBody: int64(len(big)) - 1, wantErr: soap.ErrTooLarge},
		{name: "over the limit without Content-Length", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: big, maxBody: int64(len(big)) - 1, unknownLength: true, wantErr: soap.ErrTooLarge},
		{name: "over the limit with an understated Content-Length", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: big, maxBody: 100, contentLength: 50, wantErr: soap.ErrTooLarge},
		{name: "over a http.MaxBytesReader limit", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: big, unknownLength: true,
			wrapBody: func(rc io.ReadCloser) io.ReadCloser { return http.MaxBytesReader(nil, rc, 64) }, wantErr: soap.ErrTooLarge},

		// fails: action
		{name: "soap11 missing SOAPAction", header: hdr("Content-Type", ct11),
			body: env11(getConfig), wantErr: soap.ErrNoAction},
		{name: "soap11 empty quoted SOAPAction", header: hdr("Content-Type", ct11, "SOAPAction", `""`),
			body: env11(getConfig), wantErr: soap.ErrNoAction},
		{name: "soap11 WS-Addressing Action is not a SOAPAction", header: hdr("Content-Type", ct11),
			body:    `<s:Envelope xmlns:s="` + ns11 + `">` + wsaHeader2005 + `<s:Body>` + getConfig + `</s:Body></s:Envelope>`,
			wantErr: soap.ErrNoAction},
		{name: "soap12 with neither action parameter nor Action header", header: hdr("Content-Type", ct12),
			body: env12(getConfig), wantErr: soap.ErrNoAction},

		// fails: version
		{name: "soap12 envelope sent as text/xml", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: env12(getConfig), wantErr: soap.ErrVersionMismatch},
		{name: "soap11 envelope sent as application/soap+xml", header: hdr("Content-Type", ct12Action),
			body: env11(getConfig), wantErr: soap.ErrVersionMismatch},
		{name: "soap12 envelope without Content-Type", header: hdr("SOAPAction", actionSync),
			body: env12(getConfig), wantErr: soap.ErrVersionMismatch},
		{name: "unknown envelope namespace", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelope xmlns:s="http://example.org/soap/envelope/"><s:Body>` + getConfig + `</s:Body></s:Envelope>`, wantErr: soap.ErrVersionMismatch},
		{name: "envelope in no namespace", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<Envelope><Body>` + getConfig + `</Body></Envelope>`, wantErr: soap.ErrVersionMismatch},

		// fails: structure
		{name: "empty body", header: hdr("Content-Type", ct11, "SOAPAction", actionSync), body: "", wantErr: soap.ErrEmptyBody},
		{name: "white space body", header: hdr("Content-Type", ct11, "SOAPAction", actionSync), body: " \r\n\t", wantErr: soap.ErrEmptyBody},
		{name: "BOM only", header: hdr("Content-Type", ct11, "SOAPAction", actionSync), body: "\xef\xbb\xbf\n", wantErr: soap.ErrEmptyBody},
		{name: "XML declaration only", header: hdr("Content-Type", ct11, "SOAPAction", actionSync), body: `<?xml version="1.0"?>`, wantErr: soap.ErrMalformed},
		{name: "wrong root element", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelop xmlns:s="` + ns11 + `"><s:Body>` + getConfig + `</s:Body></s:Envelop>`, wantErr: soap.ErrMalformed},
		{name: "operation as root", header: hdr("Content-Type", ct11, "SOAPAction", actionSync), body: getConfig, wantErr: soap.ErrMalformed},
		{name: "undeclared envelope prefix", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelope><s:Body>` + getConfig + `</s:Body></s:Envelope>`, wantErr: soap.ErrMalformed},
		{name: "Body with no child", header: hdr("Content-Type", ct11, "SOAPAction", actionSync), body: env11(""), wantErr: soap.ErrMalformed},
		{name: "Body with only white space and a comment", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: env11("\n  <!-- nothing -->\n"), wantErr: soap.ErrMalformed},
		{name: "self-closed Body", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Body/></s:Envelope>`, wantErr: soap.ErrMalformed},
		{name: "Envelope without Body", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelope xmlns:s="` + ns11 + `"></s:Envelope>`, wantErr: soap.ErrMalformed},
		{name: "Envelope with a Header only", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Header><x/></s:Header></s:Envelope>`, wantErr: soap.ErrMalformed},
		{name: "two Headers", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Header/><s:Header/><s:Body>` + getConfig + `</s:Body></s:Envelope>`, wantErr: soap.ErrMalformed},
		{name: "Body not in the envelope namespace", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelope xmlns:s="` + ns11 + `"><Body>` + getConfig + `</Body></s:Envelope>`, wantErr: soap.ErrMalformed},
		{name: "unknown element in Envelope", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Trailer/><s:Body>` + getConfig + `</s:Body></s:Envelope>`, wantErr: soap.ErrMalformed},
		{name: "undeclared operation prefix", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: env11(`<w:GetConfig/>`), wantErr: soap.ErrMalformed},
		{name: "text junk", header: hdr("Content-Type", ct11, "SOAPAction", actionSync), body: "hello, world", wantErr: soap.ErrMalformed},
		{name: "text junk before the Envelope", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: "junk" + env11(getConfig), wantErr: soap.ErrMalformed},
		{name: "text in Body before the operation", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: env11("junk" + getConfig), wantErr: soap.ErrMalformed},
		{name: "non-breaking space is not XML white space", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: env11("\u00a0" + getConfig), wantErr: soap.ErrMalformed},
		{name: "HTML page", header: hdr("Content-Type", ct11, "SOAPAction", actionSync), body: iis503, wantErr: soap.ErrMalformed},
		{name: "malformed XML: mismatched end tag", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Header></s:Body></s:Envelope>`, wantErr: soap.ErrMalformed},
		{name: "malformed XML: truncated before the operation", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Bo`, wantErr: soap.ErrMalformed},
		{name: "malformed XML: attribute without value", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelope xmlns:s><s:Body>` + getConfig + `</s:Body></s:Envelope>`, wantErr: soap.ErrMalformed},
		{name: "malformed XML: undefined entity before the operation", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: env11("&xxe;" + getConfig), wantErr: soap.ErrMalformed},
		{name: "DTD with internal entities (billion laughs)", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: billionLaughs, wantErr: soap.ErrMalformed},
		{name: "DTD with an external entity", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: externalEntity, wantErr: soap.ErrMalformed},
		{name: "DTD without entities", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<!DOCTYPE Envelope>` + env11(getConfig), wantErr: soap.ErrMalformed},
		{name: "invalid UTF-8 in the operation name", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: env11("<Get\xffConfig/>"), wantErr: soap.ErrMalformed},
		{name: "invalid UTF-8 in a header", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Header><h>` + "\xc3\x28" + `</h></s:Header><s:Body>` + getConfig + `</s:Body></s:Envelope>`, wantErr: soap.ErrMalformed},
		{name: "invalid UTF-8 in a comment", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: "<!-- \xed\xa0\x80 -->" + env11(getConfig), wantErr: soap.ErrMalformed},
		{name: "invalid UTF-8 inside the operation", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: env11(`<GetConfig xmlns="` + nsClient + `"><protocolVersion>1.` + "\x80" + `</protocolVersion></GetConfig>`), wantErr: soap.ErrMalformed},
		{name: "UTF-16 declared", header: hdr("Content-Type", ct11, "SOAPAction", actionSync),
			body: `<?xml version="1.0" encoding="utf-16"?>` + env11(getConfig), wantErr: soap.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			var body io.Reader = strings.NewReader(tt.body)
			if tt.unknownLength {
				body = hiddenLength{body}
			}
			r := httptest.NewRequest(method, "/ClientWebService/client.asmx", body)
			for k, v := range tt.header {
				r.Header[k] = v
			}
			if tt.contentLength > 0 {
				r.ContentLength = tt.contentLength
			}
			if tt.wrapBody != nil {
				r.Body = tt.wrapBody(r.Body)
			}
			start := time.Now()
			req, err := soap.ReadRequest(r, tt.maxBody)
			if d := time.Since(start); d > time.Second {
				t.Errorf("ReadRequest took %v", d)
			}
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ReadRequest error = %v, want one wrapping %v", err, tt.wantErr)
				}
				if req != nil {
					t.Errorf("ReadRequest returned a request with error %v", err)
				}
				if !strings.HasPrefix(err.Error(), "soap: ") {
					t.Errorf("error %q lacks the package prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadRequest: %v", err)
			}
			if req.Version != tt.wantVersion {
				t.Errorf("Version = %v, want %v", req.Version, tt.wantVersion)
			}
			if req.Action != tt.wantAction {
				t.Errorf("Action = %q, want %q", req.Action, tt.wantAction)
			}
			if want := `"` + tt.wantAction + `"`; req.QuotedAction != want {
				t.Errorf("QuotedAction = %q, want %q", req.QuotedAction, want)
			}
			if req.Operation != tt.wantOp {
				t.Errorf("Operation = %v, want %v", req.Operation, tt.wantOp)
			}
			if string(req.Raw) != tt.body {
				t.Errorf("Raw is not the body")
			}
			var op getConfigOp
			if err := req.Decode(&op); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if op.ProtocolVersion == "" {
				t.Errorf("Decode left protocolVersion empty")
			}
		})
	}
}

// TestReadRequestRefusesEntitiesQuickly makes sure entity declarations are
// refused before anything could expand them, whatever their size.
func TestReadRequestRefusesEntitiesQuickly(t *testing.T) {
	for name, body := range map[string]string{"billion laughs": billionLaughs, "external entity": externalEntity} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			req, err := soap.ReadRequest(newPost(body, hdr("Content-Type", ct11, "SOAPAction", actionSync)), 0)
			if d := time.Since(start); d > time.Second { // expanding would take minutes and gigabytes
				t.Errorf("took %v", d)
			}
			if !errors.Is(err, soap.ErrMalformed) || !strings.Contains(err.Error(), "DTD") {
				t.Fatalf("err = %v, want ErrMalformed naming the DTD", err)
			}
			if req != nil {
				t.Fatal("a request came back")
			}
		})
	}
	// A DTD inside the operation, where sniffing has stopped: encoding/xml
	// never expands entities, so the reference is an error, not 3 GB of lol.
	body := env11(`<GetConfig xmlns="` + nsClient + `"><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><protocolVersion>&b;</protocolVersion></GetConfig>`)
	req, err := soap.ReadRequest(newPost(body, hdr("SOAPAction", actionSync)), 0)
	if err != nil {
		t.Fatal(err)
	}
	var op getConfigOp
	if err := req.Decode(&op); !errors.Is(err, soap.ErrMalformed) {
		t.Fatalf("Decode of an entity reference = %v (%q), want ErrMalformed", err, op.ProtocolVersion)
	}
}

// TestDecodeDeepNesting feeds an operation nested 10,000 deep; Decode must
// answer quickly either way, without exhausting the stack.
func TestDecodeDeepNesting(t *testing.T) {
	const depth = 10000
	deep := strings.Repeat("<a>", depth) + "x" + strings.Repeat("</a>", depth)
	for _, tc := range []struct {
		name string
		body string
		into func() any
		ok   bool // whether Decode must succeed
	}{
		{name: "generic recursive struct", body: env11(`<GetConfig xmlns="` + nsClient + `">` + deep + `</GetConfig>`), into: func() any { return new(node) }},
		{name: "flat struct skips the nesting", body: env11(`<GetConfig xmlns="` + nsClient + `">` + deep + `<protocolVersion>1</protocolVersion></GetConfig>`), into: func() any { return new(getConfigOp) }, ok: true},
		{name: "unclosed nesting", body: env11(`<GetConfig xmlns="` + nsClient + `">` + strings.Repeat("<a>", depth) + `</GetConfig>`), into: func() any { return new(node) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			req, err := soap.ReadRequest(newPost(tc.body, hdr("SOAPAction", actionSync)), 0)
			if err != nil {
				t.Fatal(err)
			}
			err = req.Decode(tc.into())
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
			if tc.ok && err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if err != nil && !errors.Is(err, soap.ErrMalformed) {
				t.Fatalf("Decode error %v does not wrap ErrMalformed", err)
			}
			t.Logf("Decode: %v", err)
		})
	}
}

func TestRequestDecodeTwice(t *testing.T) {
	body := `<soap:Envelope xmlns:soap="` + ns11 + `" xmlns:w="` + nsClient + `"><soap:Header><x/></soap:Header>` +
		`<soap:Body><w:GetConfig><w:protocolVersion>1.20</w:protocolVersion></w:GetConfig></soap:Body></soap:Envelope>`
	req, err := soap.ReadRequest(newPost(body, hdr("Content-Type", ct11, "SOAPAction", `"`+actionConfig+`"`)), 0)
	if err != nil {
		t.Fatal(err)
	}
	if req.Operation != opGetConfig {
		t.Fatalf("Operation = %v", req.Operation)
	}
	var first, second getConfigOp
	if err := req.Decode(&first); err != nil {
		t.Fatalf("first Decode: %v", err)
	}
	if err := req.Decode(&second); err != nil {
		t.Fatalf("second Decode: %v", err)
	}
	want := getConfigOp{XMLName: opGetConfig, ProtocolVersion: "1.20"}
	if first != want || second != want {
		t.Errorf("Decodes = %+v, %+v, want %+v twice", first, second, want)
	}
	var g1, g2, g3 node
	for i, n := range []*node{&g1, &g2, &g3} {
		if err := req.Decode(n); err != nil {
			t.Fatalf("generic Decode %d: %v", i, err)
		}
	}
	if !reflect.DeepEqual(g1, g2) || !reflect.DeepEqual(g2, g3) {
		t.Errorf("generic Decodes differ:\n%+v\n%+v\n%+v", g1, g2, g3)
	}
	if len(g1.Children) != 1 || g1.Children[0].XMLName != (xml.Name{Space: nsClient, Local: "protocolVersion"}) {
		t.Errorf("generic Decode = %+v", g1)
	}
}

func TestRequestDecodeChecksTheRest(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr error
	}{
		{name: "complete", body: env11(getConfig)},
		{name: "further Body entries are skipped", body: env11(getConfig + `<Other><x/></Other>`)},
		{name: "comments and white space after the Envelope", body: env11(getConfig) + "\n<!-- end -->\n"},
		{name: "Body not closed", body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Body>` + getConfig, wantErr: soap.ErrMalformed},
		{name: "Envelope not closed", body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Body>` + getConfig + `</s:Body>`, wantErr: soap.ErrMalformed},
		{name: "operation truncated", body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Body><GetConfig xmlns="` + nsClient + `"><protocolVersion>1.2`, wantErr: soap.ErrMalformed},
		{name: "text after the Envelope", body: env11(getConfig) + "trailing junk", wantErr: soap.ErrMalformed},
		{name: "second root element", body: env11(getConfig) + env11(getConfig), wantErr: soap.ErrMalformed},
		{name: "element after the Body", body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Body>` + getConfig + `</s:Body><s:Body/></s:Envelope>`, wantErr: soap.ErrMalformed},
		{name: "text in Body after the operation", body: env11(getConfig + "junk"), wantErr: soap.ErrMalformed},
		{name: "DTD after the Envelope", body: env11(getConfig) + `<!DOCTYPE x>`, wantErr: soap.ErrMalformed},
		{name: "mismatched end tag", body: `<s:Envelope xmlns:s="` + ns11 + `"><s:Body>` + getConfig + `</s:Envelope></s:Body>`, wantErr: soap.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := soap.ReadRequest(newPost(tt.body, hdr("SOAPAction", actionConfig)), 0)
			if err != nil {
				t.Fatalf("ReadRequest: %v", err)
			}
			for i := range 2 { // the first Decode continues the sniff, the second scans Raw again
				var op getConfigOp
				err := req.Decode(&op)
				if tt.wantErr == nil && err != nil {
					t.Fatalf("Decode %d: %v", i, err)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("Decode %d error = %v, want one wrapping %v", i, err, tt.wantErr)
				}
			}
		})
	}
}

// TestRoundTrip sends EncodeRequest output with SetRequestHeaders through a
// real HTTP server whose handler reads it with ReadRequest and answers with
// WriteResponse or WriteFault; the client reads the answer with ParseResponse.
func TestRoundTrip(t *testing.T) {
	type echoResponse struct {
		XMLName xml.Name `xml:"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService GetConfigResponse"`
		Result  string   `xml:"GetConfigResult"`
		Version string   `xml:"Version"`
		Action  string   `xml:"Action"`
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := soap.ReadRequest(r, 0)
		if err != nil {
			_ = soap.WriteFault(w, soap.SOAP11, &soap.Fault{Code: soap.CodeClient, String: err.Error(), HTTPStatus: http.StatusBadRequest})
			return
		}
		var op getConfigOp
		if err := req.Decode(&op); err != nil {
			_ = soap.WriteFault(w, req.Version, &soap.Fault{Code: soap.CodeClient, String: err.Error()})
			return
		}
		if op.ProtocolVersion == "fault" {
			_ = soap.WriteFault(w, req.Version, &soap.Fault{Code: soap.CodeServer, Detail: &soap.FaultDetail{
				ErrorCode: "InternalServerError", ID: "c0a7445f-b989-43fa-ac20-11f8ca65fa8c", Method: req.QuotedAction}})
			return
		}
		_ = soap.WriteResponse(w, req.Version, echoResponse{Result: op.ProtocolVersion, Version: req.Version.String(), Action: req.Action})
	}))
	defer srv.Close()

	for _, v := range []soap.Version{soap.SOAP11, soap.SOAP12} {
		t.Run(v.String(), func(t *testing.T) {
			send := func(protocolVersion string) (*http.Response, []byte) {
				t.Helper()
				body, err := soap.EncodeRequest(v, getConfigOp{ProtocolVersion: protocolVersion})
				if err != nil {
					t.Fatal(err)
				}
				r, err := http.NewRequest(http.MethodPost, srv.URL+"/ClientWebService/client.asmx", bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				soap.SetRequestHeaders(r.Header, v, actionConfig)
				resp, err := srv.Client().Do(r)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				data, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				return resp, data
			}

			resp, data := send("1.20 <&>")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, data)
			}
			if ct := resp.Header.Get("Content-Type"); ct != v.ContentType() {
				t.Errorf("Content-Type = %q, want %q", ct, v.ContentType())
			}
			var got echoResponse
			if err := soap.ParseResponse(data, &got); err != nil {
				t.Fatalf("ParseResponse: %v\n%s", err, data)
			}
			if got.Result != "1.20 <&>" || got.Version != v.String() || got.Action != actionConfig {
				t.Errorf("response = %+v", got)
			}

			resp, data = send("fault")
			if resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("fault status = %d", resp.StatusCode)
			}
			var f *soap.Fault
			if err := soap.ParseResponse(data, &got); !errors.As(err, &f) {
				t.Fatalf("ParseResponse of a fault = %v, want a *soap.Fault", err)
			}
			if f.Code != soap.CodeServer || f.ErrorCode() != "InternalServerError" || f.Detail.Method != `"`+actionConfig+`"` {
				t.Errorf("fault = %+v %+v", f, f.Detail)
			}
		})
	}
}

func TestSetRequestHeaders(t *testing.T) {
	h := http.Header{}
	h.Set("SOAPAction", "stale") // stored under the canonical key Soapaction
	soap.SetRequestHeaders(h, soap.SOAP11, actionSync)
	//lint:ignore SA1008 SetRequestHeaders keeps the spelling .NET clients send, on purpose not canonical
	if got := h["SOAPAction"]; len(got) != 1 || got[0] != `"`+actionSync+`"` {
		t.Errorf("SOAPAction = %q", got)
	}
	if _, ok := h["Soapaction"]; ok {
		t.Error("the canonical Soapaction key survived next to SOAPAction")
	}
	if ct := h.Get("Content-Type"); ct != soap.ContentTypeSOAP11 {
		t.Errorf("Content-Type = %q", ct)
	}
	soap.SetRequestHeaders(h, soap.SOAP12, actionSync)
	if len(h) != 1 || h.Get("Content-Type") != ct12Action {
		t.Errorf("SOAP 1.2 headers = %v", h)
	}
}

func TestEncodeRequest(t *testing.T) {
	got, err := soap.EncodeRequest(soap.SOAP11, getConfigOp{ProtocolVersion: "1.20"})
	if err != nil {
		t.Fatal(err)
	}
	if want := env11(getConfig); string(got) != want {
		t.Errorf("EncodeRequest =\n%s\nwant\n%s", got, want)
	}
	if _, err := soap.EncodeRequest(soap.SOAP11, nil); err == nil {
		t.Error("EncodeRequest(nil) did not fail")
	}
	if _, err := soap.EncodeRequest(soap.SOAP11, make(chan int)); err == nil {
		t.Error("EncodeRequest(chan) did not fail")
	}
}

func TestAppendEnvelope(t *testing.T) {
	prefix := []byte("keep:")
	got, err := soap.AppendEnvelope(prefix, soap.SOAP12, "", getConfigOp{ProtocolVersion: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("dst not kept: %s", got)
	}
	var op getConfigOp
	if err := soap.ParseResponse(got[len(prefix):], &op); err != nil || op.ProtocolVersion != "1" {
		t.Errorf("ParseResponse(AppendEnvelope) = %v, %+v\n%s", err, op, got)
	}
	empty, err := soap.AppendEnvelope(nil, soap.SOAP11, "SOAP-ENV", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := soap.ParseResponse(empty, nil); !errors.Is(err, soap.ErrMalformed) {
		t.Errorf("an empty Body parsed: %v\n%s", err, empty)
	}
}

func TestWriteResponse(t *testing.T) {
	for _, v := range []soap.Version{soap.SOAP11, soap.SOAP12} {
		w := httptest.NewRecorder()
		if err := soap.WriteResponse(w, v, getConfigOp{ProtocolVersion: "1.20"}); err != nil {
			t.Fatal(err)
		}
		res := w.Result()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != v.ContentType() ||
			res.Header.Get("Content-Length") != strconv.Itoa(w.Body.Len()) || res.Header.Get("Cache-Control") != "private" {
			t.Errorf("%v: status %d, headers %v, body %d bytes", v, res.StatusCode, res.Header, w.Body.Len())
		}
		var op getConfigOp
		if err := soap.ParseResponse(w.Body.Bytes(), &op); err != nil || op.ProtocolVersion != "1.20" {
			t.Errorf("%v: ParseResponse = %v, %+v", v, err, op)
		}
	}
}

func TestParseResponse(t *testing.T) {
	type reportResponse struct {
		XMLName xml.Name `xml:"http://www.microsoft.com/SoftwareDistribution ReportEventBatchResponse"`
		Result  bool     `xml:"ReportEventBatchResult"`
	}
	type syncResponse struct {
		XMLName xml.Name `xml:"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService SyncUpdatesResponse"`
		Result  struct {
			Truncated bool    `xml:"Truncated"`
			IDs       []int32 `xml:"NewUpdates>UpdateInfo>ID"`
		} `xml:"SyncUpdatesResult"`
	}
	report := `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="` + ns11 + `" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><ReportEventBatchResponse xmlns="` + nsReporting + `"><ReportEventBatchResult>true</ReportEventBatchResult></ReportEventBatchResponse></soap:Body></soap:Envelope>`
	sync := `<s:Envelope xmlns:s="` + ns11 + `"><s:Header><x:Trace xmlns:x="urn:x">1</x:Trace></s:Header><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><SyncUpdatesResponse xmlns="` + nsClient + `"><SyncUpdatesResult><NewUpdates><UpdateInfo><ID>107176</ID></UpdateInfo><UpdateInfo><ID>107199</ID></UpdateInfo></NewUpdates><Truncated>true</Truncated></SyncUpdatesResult></SyncUpdatesResponse></s:Body></s:Envelope>`
	fault11 := `<s:Envelope xmlns:s="` + ns11 + `"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring xml:lang="en-US">Fault occurred</faultstring><detail><ErrorCode>InvalidCookie</ErrorCode><Message></Message><ID>8889e6f6-0000-4000-8000-000000000000</ID><Method>"` + actionSync + `"</Method></detail></s:Fault></s:Body></s:Envelope>`

	t.Run("normal response", func(t *testing.T) {
		var got reportResponse
		if err := soap.ParseResponse([]byte(report), &got); err != nil || !got.Result {
			t.Errorf("ParseResponse = %v, %+v", err, got)
		}
		var s syncResponse
		if err := soap.ParseResponse([]byte(sync), &s); err != nil || !s.Result.Truncated || !reflect.DeepEqual(s.Result.IDs, []int32{107176, 107199}) {
			t.Errorf("ParseResponse = %v, %+v", err, s)
		}
		if err := soap.ParseResponse([]byte(report), nil); err != nil {
			t.Errorf("ParseResponse(nil out) = %v", err)
		}
	})
	t.Run("fault", func(t *testing.T) {
		for _, out := range []any{nil, new(reportResponse)} {
			err := soap.ParseResponse([]byte(fault11), out)
			var f *soap.Fault
			if !errors.As(err, &f) {
				t.Fatalf("ParseResponse = %v, want a *soap.Fault", err)
			}
			if f.Code != soap.CodeClient || f.String != "Fault occurred" || f.ErrorCode() != "InvalidCookie" || f.Detail.Message != "" {
				t.Errorf("fault = %+v, detail %+v", f, f.Detail)
			}
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			data string
			out  any
			want []error // any of
		}{
			{name: "IIS 503 page", data: iis503, want: []error{soap.ErrMalformed, soap.ErrEmptyBody}},
			{name: "HTML without doctype", data: "<html><body><h1>Bad Request</h1></body></html>", want: []error{soap.ErrMalformed, soap.ErrEmptyBody}},
			{name: "plain text", data: "Bad Request", want: []error{soap.ErrMalformed, soap.ErrEmptyBody}},
			{name: "empty", data: "", want: []error{soap.ErrEmptyBody}},
			{name: "other element than expected", data: sync, out: new(reportResponse), want: []error{soap.ErrMalformed}},
			{name: "unknown envelope namespace", data: strings.ReplaceAll(report, ns11, "urn:other"), want: []error{soap.ErrVersionMismatch}},
			{name: "fault without a prefixed code", data: strings.Replace(fault11, "s:Client", "Client", 1), want: []error{soap.ErrFaultSyntax}},
			{name: "fault with trailing junk", data: fault11 + "junk", want: []error{soap.ErrMalformed}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := soap.ParseResponse([]byte(tc.data), tc.out)
				var f *soap.Fault
				if errors.As(err, &f) {
					t.Fatalf("got a fault: %v", err)
				}
				for _, want := range tc.want {
					if errors.Is(err, want) {
						return
					}
				}
				t.Errorf("ParseResponse = %v, want one wrapping %v", err, tc.want)
			})
		}
	})
	t.Run("truncated", func(t *testing.T) {
		// Every proper prefix of a response or fault is an error, never a
		// result or a *Fault.
		for _, doc := range []string{report, sync, fault11} {
			for i := range len(doc) {
				err := soap.ParseResponse([]byte(doc[:i]), new(node))
				var f *soap.Fault
				if err == nil || errors.As(err, &f) || !(errors.Is(err, soap.ErrMalformed) || errors.Is(err, soap.ErrEmptyBody)) {
					t.Fatalf("ParseResponse(%q) = %v", doc[:i], err)
				}
			}
		}
	})
}
