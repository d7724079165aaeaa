package soap_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/soap"
)

// TestRealCaptures feeds every captured request through ReadRequest and every
// captured response through ParseResponse.
func TestRealCaptures(t *testing.T) {
	// Real exchanges between a native Windows Update Agent and a Windows
	// Server 2025 WSUS (see its SOURCE-README.md), read in place.
	flow := shared.FlowDir(t)
	dirs, err := filepath.Glob(filepath.Join(flow, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) == 0 {
		t.Fatalf("%s holds no captures", flow)
	}
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			read := func(name string) []byte {
				t.Helper()
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			var meta struct {
				SOAPAction string `json:"soap_action"`
				Method     string `json:"method"`
				Status     int    `json:"status"`
			}
			if err := json.Unmarshal(read("meta.json"), &meta); err != nil {
				t.Fatalf("meta.json: %v", err)
			}
			body := read("request.body")
			// request.headers is the request line and header block as sent.
			r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(read("request.headers"))))
			if err != nil {
				t.Fatalf("request.headers: %v", err)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))

			req, err := soap.ReadRequest(r, 0)
			if err != nil {
				t.Fatalf("ReadRequest: %v", err)
			}
			if req.Version != soap.SOAP11 {
				t.Errorf("Version = %v, want SOAP 1.1", req.Version)
			}
			wantAction := strings.Trim(meta.SOAPAction, `"`)
			if req.Action != wantAction {
				t.Errorf("Action = %q, want %q", req.Action, wantAction)
			}
			if req.QuotedAction != meta.SOAPAction {
				t.Errorf("QuotedAction = %q, want meta.json's %q", req.QuotedAction, meta.SOAPAction)
			}
			ns, op := wantAction[:strings.LastIndex(wantAction, "/")], wantAction[strings.LastIndex(wantAction, "/")+1:]
			if want := (xml.Name{Space: ns, Local: op}); req.Operation != want {
				t.Errorf("Operation = %v, want %v", req.Operation, want)
			}
			var n node
			if err := req.Decode(&n); err != nil {
				t.Errorf("Decode: %v", err)
			}

			var resp node
			err = soap.ParseResponse(read("response.body"), &resp)
			var f *soap.Fault
			if errors.As(err, &f) {
				t.Fatalf("ParseResponse returned a fault: %v", f)
			}
			if err != nil {
				t.Fatalf("ParseResponse: %v", err)
			}
			if want := op + "Response"; resp.XMLName.Local != want || resp.XMLName.Space != ns {
				t.Errorf("response element = %v, want {%s %s}", resp.XMLName, ns, want)
			}
		})
	}
}
