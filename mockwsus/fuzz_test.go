package mockwsus_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wsusmock/wsusmock/internal/clock"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

// The seed corpora under testdata/fuzz/<Name>/ run as ordinary tests. Fuzz
// with
//
//	go test -run='^$' -fuzz=FuzzServeSOAP -fuzztime=60s ./mockwsus/
//	go test -run='^$' -fuzz=FuzzDecodeSyncUpdates -fuzztime=60s ./mockwsus/

// fuzzOps are the endpoints FuzzServeSOAP posts to, by index.
var fuzzOps = []struct{ path, action string }{
	{clientPath, clientws.ActionGetConfig},
	{clientPath, clientws.ActionGetCookie},
	{clientPath, clientws.ActionRegisterComputer},
	{clientPath, clientws.ActionSyncUpdates},
	{clientPath, clientws.ActionGetExtendedUpdateInfo},
	{clientPath, clientws.ActionGetFileLocations},
	{clientPath, clientws.ActionRefreshCache},
	{authPath, simpleauth.ActionGetAuthorizationCookie},
	{reportingPath, reporting.ActionReportEventBatch},
	{clientPath, clientws.ActionStartCategoryScan},
}

// fuzzServer is a server whose clock stands still, so cookies in the seed
// corpus stay valid however long the fuzzer runs, and whose Logf records
// what the server calls a bug of its own (an unclassified error). Its
// Workstations group runs kb954960 fixed, the rest of the server buggy.
type fuzzServer struct {
	srv    *mockwsus.Server
	mu     sync.Mutex
	logged []string
}

func newFuzzServer(t testing.TB) *fuzzServer {
	fs := &fuzzServer{}
	srv, err := mockwsus.New(mockwsus.Config{
		Seed: 1, Clock: clock.NewVirtual(clock.DefaultStart, 0), JournalLimit: 64,
		Logf: func(format string, args ...any) {
			fs.mu.Lock()
			defer fs.mu.Unlock()
			fs.logged = append(fs.logged, fmt.Sprintf(format, args...))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SetMode(behaviour.KB954960Name, behaviour.Fixed, "Workstations"); err != nil {
		t.Fatal(err)
	}
	fs.srv = srv
	return fs
}

func (fs *fuzzServer) post(path, action string, v soap.Version, body []byte) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "http://"+wireHost+path, bytes.NewReader(body))
	soap.SetRequestHeaders(r.Header, v, action)
	rec := httptest.NewRecorder()
	fs.srv.ServeHTTP(rec, r)
	return rec
}

func (fs *fuzzServer) takeLogged() []string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := fs.logged
	fs.logged = nil
	return out
}

// validRequests registers a computer in group on fs and returns one valid
// request body per entry of fuzzOps, carrying its live cookie. Its
// SyncUpdates reaches the leaf stage as an Office 2003 client.
func validRequests(t testing.TB, fs *fuzzServer, clientID, group string) [][]byte {
	enc := func(v any) []byte {
		b, err := soap.EncodeRequest(soap.SOAP11, v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var auth simpleauth.GetAuthorizationCookieResponse
	authReq := &simpleauth.GetAuthorizationCookie{ClientId: clientID, DnsName: clientID + ".lab.local", TargetGroupName: group}
	if err := soap.ParseResponse(fs.post(authPath, simpleauth.ActionGetAuthorizationCookie, soap.SOAP11, enc(authReq)).Body.Bytes(), &auth); err != nil {
		t.Fatal(err)
	}
	getCookie := &clientws.GetCookie{AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{
		{PlugInId: auth.GetAuthorizationCookieResult.PlugInId, CookieData: clientws.Base64Binary(auth.GetAuthorizationCookieResult.CookieData)},
	}}, ProtocolVersion: "1.0"}
	var ck clientws.GetCookieResponse
	if err := soap.ParseResponse(fs.post(clientPath, clientws.ActionGetCookie, soap.SOAP11, enc(getCookie)).Body.Bytes(), &ck); err != nil {
		t.Fatal(err)
	}
	cookie := ck.GetCookieResult
	register := &clientws.RegisterComputer{Cookie: cookie, ComputerInfo: &clientws.ComputerInfo{DnsName: clientID + ".lab.local", OSMajorVersion: 5, OSMinorVersion: 1}}
	if rec := fs.post(clientPath, clientws.ActionRegisterComputer, soap.SOAP11, enc(register)); rec.Code != 200 {
		t.Fatalf("RegisterComputer: %d %s", rec.Code, rec.Body)
	}
	file := fs.srv.Catalog().ByRevision(8001).Files[0]
	u := fs.srv.Catalog().ByRevision(8862)
	return [][]byte{
		enc(&clientws.GetConfig{ProtocolVersion: "1.0"}),
		enc(getCookie),
		enc(register),
		enc(&clientws.SyncUpdates{Cookie: cookie, Parameters: &clientws.SyncUpdateParameters{
			InstalledNonLeafUpdateIDs: &clientws.ArrayOfInt{Int: []int32{101, 102, 103, 110, 111, 112, 113, 120, 130, 131, 132, 133, 1002, 1020}},
			OtherCachedUpdateIDs:      &clientws.ArrayOfInt{Int: []int32{1003, 1004, 1005, 8001, 424242}},
		}}),
		enc(&clientws.GetExtendedUpdateInfo{Cookie: cookie, RevisionIDs: &clientws.ArrayOfInt{Int: []int32{8001, 8862, 8863, 424242}},
			InfoTypes: &clientws.ArrayOfXmlUpdateFragmentType{XmlUpdateFragmentType: []clientws.XmlUpdateFragmentType{clientws.XmlUpdateFragmentTypeCore, clientws.XmlUpdateFragmentTypeExtended, clientws.XmlUpdateFragmentTypeLocalizedProperties}},
			Locales:   &clientws.ArrayOfString{String: []string{"en"}}}),
		enc(&clientws.GetFileLocations{Cookie: cookie, FileDigests: &clientws.ArrayOfBase64Binary{Base64Binary: []clientws.Base64Binary{file.SHA1}}}),
		enc(&clientws.RefreshCache{Cookie: cookie, GlobalIDs: &clientws.ArrayOfUpdateIdentity{UpdateIdentity: []*clientws.UpdateIdentity{{UpdateID: clientws.Guid(u.ID), RevisionNumber: int32(u.RevisionNumber)}}}}),
		enc(authReq),
		enc(&reporting.ReportEventBatch{Cookie: &reporting.Cookie{Expiration: cookie.Expiration, EncryptedData: cookie.EncryptedData}, EventBatch: &reporting.ArrayOfReportingEvent{ReportingEvent: []*reporting.ReportingEvent{{
			BasicData:    &reporting.BasicData{TargetID: &reporting.ComputerTargetIdentifier{Sid: clientID}, EventInstanceID: "fab199c1-6123-44f2-b01c-a5a92201b011", NamespaceID: 1, EventID: 147, SourceID: 101},
			ExtendedData: &reporting.ExtendedData{ReplacementStrings: &reporting.ArrayOfString{String: []string{"0"}}},
		}}}}),
		enc(&clientws.StartCategoryScan{}),
	}
}

// anyElement decodes any element, to check a response's name.
type anyElement struct {
	XMLName xml.Name
}

// FuzzServeSOAP posts arbitrary bodies with each SOAPAction through the
// whole handler. The server must answer every request with a status and a
// well-formed answer: a response of the operation (200), a SOAP fault, or a
// 4xx; it must never panic and never hit an error it does not classify.
func FuzzServeSOAP(f *testing.F) {
	fs := newFuzzServer(f)
	for i, body := range validRequests(f, fs, "fuzz-fixed", "Workstations") {
		f.Add(uint8(i), false, body)
		f.Add(uint8(i), true, bytes.ReplaceAll(body, []byte(soap.NamespaceSOAP11), []byte(soap.NamespaceSOAP12)))
		f.Add(uint8((i+1)%len(fuzzOps)), false, body) // the body of another operation
	}
	buggy := validRequests(f, fs, "fuzz-buggy", "")
	f.Add(uint8(3), false, buggy[3]) // the kb954960 fault
	f.Add(uint8(3), false, []byte(`<s:Envelope xmlns:s="`+soap.NamespaceSOAP11+`"><s:Body><SyncUpdates xmlns="`+clientws.Namespace+`"><cookie><EncryptedData>!!</EncryptedData></cookie></SyncUpdates></s:Body></s:Envelope>`))
	f.Add(uint8(0), false, []byte{})
	fs.takeLogged()
	f.Fuzz(func(t *testing.T, op uint8, soap12 bool, body []byte) {
		target := fuzzOps[int(op)%len(fuzzOps)]
		v := soap.SOAP11
		if soap12 {
			v = soap.SOAP12
		}
		rec := fs.post(target.path, target.action, v, body)
		if logged := fs.takeLogged(); len(logged) > 0 {
			t.Fatalf("the server logged %q for body %q", logged, body)
		}
		entries := fs.srv.Journal().Entries()
		if last := entries[len(entries)-1]; last.Status != rec.Code {
			t.Fatalf("journal says HTTP %d, the answer was %d", last.Status, rec.Code)
		}
		switch rec.Code {
		case http.StatusOK:
			var el anyElement
			if err := soap.ParseResponse(rec.Body.Bytes(), &el); err != nil {
				t.Fatalf("HTTP 200 with an unreadable answer: %v\n%s", err, rec.Body)
			}
			op := target.action[strings.LastIndex(target.action, "/")+1:]
			if el.XMLName.Local != op+"Response" {
				t.Fatalf("HTTP 200 answering %s with %v", op, el.XMLName)
			}
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusInternalServerError:
			f, err := soap.ParseFault(rec.Body.Bytes())
			if err != nil {
				t.Fatalf("HTTP %d without a readable SOAP fault: %v\n%s", rec.Code, err, rec.Body)
			}
			if f.Detail != nil && (f.Detail.ErrorCode == "" || f.Detail.ID == "") {
				t.Fatalf("WSUS fault without ErrorCode or ID: %+v", f.Detail)
			}
			if f.Detail != nil && f.Detail.ErrorCode == "InternalServerError" && !strings.Contains(target.action, "SyncUpdates") {
				t.Fatalf("InternalServerError from %s: %s", target.action, rec.Body)
			}
		default:
			t.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
		}
	})
}

// FuzzDecodeSyncUpdates decodes arbitrary bytes as a SyncUpdates request:
// never a panic, every failure one of the soap package's errors, and what
// decodes re-encodes to a request that decodes to the same bytes again.
func FuzzDecodeSyncUpdates(f *testing.F) {
	fs := newFuzzServer(f)
	f.Add(validRequests(f, fs, "fuzz-fixed", "Workstations")[3])
	f.Add([]byte(`<s:Envelope xmlns:s="` + soap.NamespaceSOAP11 + `"><s:Body><SyncUpdates xmlns="` + clientws.Namespace + `"><parameters><ExpressQuery>false</ExpressQuery><InstalledNonLeafUpdateIDs><int>16</int><int>28</int></InstalledNonLeafUpdateIDs><OtherCachedUpdateIDs/><SkipSoftwareSync>true</SkipSoftwareSync></parameters></SyncUpdates></s:Body></s:Envelope>`))
	f.Add([]byte(`<s:Envelope xmlns:s="` + soap.NamespaceSOAP11 + `"><s:Body><SyncUpdates xmlns="` + clientws.Namespace + `"><cookie><Expiration>2026-10-04T16:03:35.9967236Z</Expiration><EncryptedData>AAAA</EncryptedData></cookie></SyncUpdates></s:Body></s:Envelope>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		decode := func(body []byte) (*clientws.SyncUpdates, error) {
			r := httptest.NewRequest(http.MethodPost, "http://"+wireHost+clientPath, bytes.NewReader(body))
			soap.SetRequestHeaders(r.Header, soap.SOAP11, clientws.ActionSyncUpdates)
			req, err := soap.ReadRequest(r, 0)
			if err != nil {
				return nil, err
			}
			var su clientws.SyncUpdates
			if err := req.Decode(&su); err != nil {
				return nil, err
			}
			return &su, nil
		}
		su, err := decode(data)
		if err != nil {
			for _, sentinel := range []error{soap.ErrMalformed, soap.ErrVersionMismatch, soap.ErrEmptyBody, soap.ErrTooLarge} {
				if errors.Is(err, sentinel) {
					return
				}
			}
			t.Fatalf("error %v wraps none of the soap package's errors", err)
		}
		if su.XMLName.Local != "SyncUpdates" || su.XMLName.Space != clientws.Namespace {
			return // another operation: ReadRequest only sniffs, the server checks the name
		}
		once, err := soap.EncodeRequest(soap.SOAP11, su)
		if err != nil {
			t.Fatalf("re-encoding a decoded request: %v", err)
		}
		again, err := decode(once)
		if err != nil {
			t.Fatalf("a re-encoded request does not decode: %v\n%s", err, once)
		}
		twice, err := soap.EncodeRequest(soap.SOAP11, again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(once, twice) {
			t.Fatalf("encoding is not stable:\n%s\n%s", once, twice)
		}
	})
}

// The committed seeds carry cookies of the fuzz server; they only help the
// fuzzer while they still reach the deep paths. This fails when a change
// of cookie sealing, clock or catalog makes them stale: regenerate them
// from validRequests.
func TestFuzzSeedsReachDeepPaths(t *testing.T) {
	fs := newFuzzServer(t)
	validRequests(t, fs, "fuzz-fixed", "Workstations")
	validRequests(t, fs, "fuzz-buggy", "")
	tests := []struct {
		file       string
		wantStatus int
		wantText   string
	}{
		{"syncupdates-leaf-buggy-fault", 500, "<ErrorCode>InternalServerError</ErrorCode>"},
		{"syncupdates-leaf-buggy-fault-soap12", 500, "<ErrorCode>InternalServerError</ErrorCode>"},
		{"syncupdates-leaf-fixed-page", 200, "<IsLeaf>true</IsLeaf>"},
		{"getextendedupdateinfo", 200, "<FileLocation>"},
		{"reporteventbatch", 200, "<ReportEventBatchResult>true</ReportEventBatchResult>"},
		{"refreshcache", 200, "<RevisionID>8862</RevisionID>"},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzServeSOAP", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != 4 || lines[0] != "go test fuzz v1" {
			t.Fatalf("%s is not a FuzzServeSOAP corpus file", tt.file)
		}
		op, err1 := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "byte("), ")"))
		body, err2 := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[3], "[]byte("), ")"))
		if err1 != nil || err2 != nil || len(op) != 1 {
			t.Fatalf("%s: %v %v", tt.file, err1, err2)
		}
		v := soap.SOAP11
		if lines[2] == "bool(true)" {
			v = soap.SOAP12
		}
		target := fuzzOps[int(op[0])%len(fuzzOps)]
		rec := fs.post(target.path, target.action, v, []byte(body))
		if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantText) {
			t.Errorf("seed %s: HTTP %d, want %d with %s (stale seed? regenerate it from validRequests):\n%.400s", tt.file, rec.Code, tt.wantStatus, tt.wantText, rec.Body)
		}
	}
}
