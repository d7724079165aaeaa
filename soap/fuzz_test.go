package soap_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wsusmock/wsusmock/soap"
)

// The seed corpora under testdata/fuzz/<Name>/ run as ordinary tests; fuzz
// with e.g.
//
//	go test -run='^$' -fuzz=FuzzReadRequest -fuzztime=60s ./soap/

// sentinels are the errors every failure of the codec wraps.
var sentinels = []error{
	soap.ErrMalformed, soap.ErrVersionMismatch, soap.ErrNoAction, soap.ErrTooLarge,
	soap.ErrContentType, soap.ErrMethod, soap.ErrEmptyBody, soap.ErrFaultSyntax, soap.ErrTimeout,
}

// watchdog crashes the process when one input takes longer than a few
// seconds: the fuzzer then saves the input, where a slow input would
// otherwise only stall it.
func watchdog(t *testing.T) (stop func() bool) {
	name := t.Name()
	return time.AfterFunc(5*time.Second, func() { panic(name + ": one input took over 5s") }).Stop
}

// wellFormed is an independent oracle for what the codec accepts: one root
// element, well-formed to the end by encoding/xml, UTF-8 (after an optional
// byte order mark), with nothing but white space, comments and processing
// instructions around the root and no DTD anywhere.
func wellFormed(data []byte) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return errors.New("not UTF-8")
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	depth, roots := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if roots != 1 {
				return fmt.Errorf("%d root elements", roots)
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.Trim(t, " \t\r\n")) != 0 {
				return fmt.Errorf("text %q outside the root", t)
			}
		case xml.Directive:
			return fmt.Errorf("directive %q", t)
		}
	}
}

func wrapsSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// seedEnvelopes are representative inputs shared by the fuzz targets.
func seedEnvelopes() []string {
	return []string{
		env11(getConfig),
		env12(getConfig),
		`<s:Envelope xmlns:s="` + ns12 + `">` + wsaHeader2005 + `<s:Body>` + getConfig + `</s:Body></s:Envelope>`,
		"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"" + ns11 + "\" xmlns:w=\"" + nsClient + "\"><soap:Header><h:x xmlns:h=\"urn:h\">1</h:x></soap:Header><soap:Body><w:GetConfig><w:protocolVersion>1.20</w:protocolVersion></w:GetConfig></soap:Body></soap:Envelope>",
		`<Envelope xmlns="` + ns11 + `"><Body><SyncUpdates xmlns="` + nsClient + `"><parameters><InstalledNonLeafUpdateIDs><int>16</int><int>28</int></InstalledNonLeafUpdateIDs></parameters></SyncUpdates></Body></Envelope>`,
		string(invalidParameters().Envelope(soap.SOAP11)),
		string(invalidParameters().Envelope(soap.SOAP12)),
		`<s:Envelope xmlns:s="` + ns11 + `"><s:Body><s:Fault><faultcode xmlns:e="` + ns11 + `">e:Server</faultcode><faultstring/><detail><ErrorCode>InternalServerError</ErrorCode><Message></Message></detail></s:Fault></s:Body></s:Envelope>`,
		`<s:Envelope xmlns:s="` + ns11 + `"><s:Body><s:Fault><faultcode>Client</faultcode></s:Fault></s:Body></s:Envelope>`,
		billionLaughs,
		externalEntity,
		iis503,
		env11(getConfig)[:90],
		env11(getConfig) + "junk",
		env11(""),
		"",
		"hello",
	}
}

func FuzzReadRequest(f *testing.F) {
	for _, body := range seedEnvelopes() {
		f.Add([]byte(body), ct11, `"`+actionSync+`"`)
	}
	f.Add([]byte(env12(getConfig)), ct12Action, "")
	f.Add([]byte(env12(getConfig)), "application/soap+xml;action=urn:x;charset", "")
	f.Add([]byte(env11(getConfig)), "", actionSync)
	f.Add([]byte(env11(getConfig)), "text/xml; charset=\"utf-8\"", `  ""  `)
	f.Fuzz(func(t *testing.T, body []byte, contentType, soapAction string) {
		defer watchdog(t)()
		r := httptest.NewRequest(http.MethodPost, "/ClientWebService/client.asmx", bytes.NewReader(body))
		// As a server sees them: keys canonical, values as sent.
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if soapAction != "" {
			r.Header.Set("SOAPAction", soapAction)
		}
		req, err := soap.ReadRequest(r, 1<<16)
		if err != nil {
			if req != nil {
				t.Fatalf("a request with error %v", err)
			}
			if !wrapsSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if req.Version != soap.SOAP11 && req.Version != soap.SOAP12 {
			t.Fatalf("Version = %d", req.Version)
		}
		if req.Action == "" || req.QuotedAction != `"`+req.Action+`"` {
			t.Fatalf("Action %q, QuotedAction %q", req.Action, req.QuotedAction)
		}
		if req.Operation.Local == "" {
			t.Fatal("no operation name")
		}
		if !bytes.Equal(req.Raw, body) {
			t.Fatal("Raw is not the body")
		}
		// Decoding twice gives the same outcome.
		var a, b node
		errA, errB := req.Decode(&a), req.Decode(&b)
		if (errA == nil) != (errB == nil) {
			t.Fatalf("Decode twice: %v, then %v", errA, errB)
		}
		if errA != nil {
			if !errors.Is(errA, soap.ErrMalformed) {
				t.Fatalf("Decode error %v does not wrap ErrMalformed", errA)
			}
			return
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("Decode twice differs:\n%+v\n%+v", a, b)
		}
		if err := wellFormed(body); err != nil {
			t.Fatalf("accepted a request that is not well formed: %v", err)
		}
		if a.XMLName != req.Operation {
			t.Fatalf("decoded %v, sniffed %v", a.XMLName, req.Operation)
		}
	})
}

func FuzzParseFault(f *testing.F) {
	for _, s := range seedEnvelopes() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(t)()
		got, err := soap.ParseFault(data)
		if err != nil {
			if got != nil {
				t.Fatalf("a fault with error %v", err)
			}
			if !wrapsSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		switch got.Code {
		case soap.CodeClient, soap.CodeServer, soap.CodeVersionMismatch, soap.CodeMustUnderstand:
		default:
			if got.Standard() || got.Code == "" {
				t.Fatalf("Code = %q in %q", got.Code, got.CodeNamespace)
			}
		}
		if err := wellFormed(data); err != nil {
			t.Fatalf("accepted a fault that is not well formed: %v", err)
		}
		// ParseResponse sees the same fault.
		var rf *soap.Fault
		if err := soap.ParseResponse(data, nil); !errors.As(err, &rf) || !reflect.DeepEqual(rf, got) {
			t.Fatalf("ParseResponse = %v, ParseFault = %v", err, got)
		}
		// What was parsed renders and parses back unchanged.
		for _, v := range []soap.Version{soap.SOAP11, soap.SOAP12} {
			env := got.Envelope(v)
			again, err := soap.ParseFault(env)
			if err != nil {
				t.Fatalf("%v: ParseFault(Envelope): %v\n%s", v, err, env)
			}
			if want := normalized(got); !reflect.DeepEqual(again, want) {
				t.Fatalf("%v: round trip\n%#v %#v\nwant\n%#v %#v\n%s", v, again, again.Detail, want, want.Detail, env)
			}
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range seedEnvelopes() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer watchdog(t)()
		var n node
		err := soap.ParseResponse(data, &n)
		var fault *soap.Fault
		if err == nil || errors.As(err, &fault) {
			if err := wellFormed(data); err != nil {
				t.Fatalf("accepted a response that is not well formed: %v", err)
			}
		}
		switch {
		case errors.As(err, &fault):
			pf, perr := soap.ParseFault(data)
			if perr != nil || !reflect.DeepEqual(pf, fault) {
				t.Fatalf("ParseResponse gave fault %v, ParseFault %v, %v", fault, pf, perr)
			}
		case err != nil:
			if !wrapsSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
		default:
			if n.XMLName.Local == "" {
				t.Fatal("decoded no element")
			}
			if err := soap.ParseResponse(data, nil); err != nil {
				t.Fatalf("ParseResponse with node ok, with nil out: %v", err)
			}
			if _, err := soap.ParseFault(data); !errors.Is(err, soap.ErrFaultSyntax) {
				t.Fatalf("ParseFault of a non-fault response = %v", err)
			}
		}
	})
}
