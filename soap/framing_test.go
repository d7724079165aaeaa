package soap_test

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// Both framings write the same message: the agent's reader gets the same
// value back; only the bytes around the body differ, as the real servers'
// do.
func TestWriteResponseFramed(t *testing.T) {
	body := &clientws.GetConfig{ProtocolVersion: "2.90"}
	tests := []struct {
		framing soap.Framing
		v       soap.Version
		prefix  string
	}{
		{soap.FramingASMX, soap.SOAP11, `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><GetConfig `},
		{soap.FramingWCF, soap.SOAP11, `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><GetConfig `},
		{soap.FramingWCF, soap.SOAP12, `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body `},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		if err := soap.WriteResponseFramed(rec, tt.v, tt.framing, body); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(rec.Body.Bytes(), []byte(tt.prefix)) {
			t.Errorf("framing %d: %s\nwant it to start %s", tt.framing, rec.Body, tt.prefix)
		}
		var back clientws.GetConfig
		if err := soap.ParseResponse(rec.Body.Bytes(), &back); err != nil || back.ProtocolVersion != "2.90" {
			t.Errorf("framing %d: read back %+v, %v", tt.framing, back, err)
		}
		if rec.Header().Get("Content-Type") != tt.v.ContentType() || rec.Code != 200 {
			t.Errorf("framing %d: HTTP %d %q", tt.framing, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
}
