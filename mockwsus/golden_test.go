package mockwsus_test

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/wsusmock/wsusmock/internal/golden"
	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

// The golden files under testdata/golden/ are the raw response bodies of
// every operation, as the server writes them for seed 1 on the harness's
// virtual clock. Rewrite them with
//
//	UPDATE_GOLDEN=1 go test -run TestGoldenWire ./mockwsus/

const goldenClientID = "e1da06a3-5601-43c9-bac3-52d5db701494"

func goldenPath(name string) string { return filepath.Join("testdata", "golden", name) }

// exchangeWant is what one golden exchange must answer.
type exchangeWant struct {
	status int
	ct     string
}

var (
	ok11    = exchangeWant{http.StatusOK, soap.ContentTypeSOAP11}
	ok12    = exchangeWant{http.StatusOK, soap.ContentTypeSOAP12}
	fault11 = exchangeWant{http.StatusInternalServerError, soap.ContentTypeSOAP11}
	fault12 = exchangeWant{http.StatusInternalServerError, soap.ContentTypeSOAP12}
)

// checkGolden asserts status and content type and compares the body with
// testdata/golden/<name>.xml.
func checkGolden(t *testing.T, name string, rec *httptest.ResponseRecorder, want exchangeWant) {
	t.Helper()
	if rec.Code != want.status {
		t.Errorf("%s: HTTP %d, want %d; body:\n%s", name, rec.Code, want.status, rec.Body)
	}
	if got := rec.Header().Get("Content-Type"); got != want.ct {
		t.Errorf("%s: Content-Type %q, want %q", name, got, want.ct)
	}
	golden.Assert(t, goldenPath(name+".xml"), rec.Body.Bytes())
}

// evaluate sorts the non-leaf updates of a SyncUpdates answer as an agent
// on Windows XP with Office 2003 does: categories and the XP and Office 2003
// detectoids are installed, the other detectoids are only cached.
func evaluate(t *testing.T, info *clientws.SyncInfo, installed, cached *[]int32) {
	t.Helper()
	for _, u := range info.NewUpdates.UpdateInfo {
		switch {
		case u.IsLeaf:
			t.Fatalf("leaf update %d in a non-leaf round", u.ID)
		case strings.Contains(u.Xml, `UpdateType="Category"`), u.ID == detXP, u.ID == detOffice2003:
			*installed = append(*installed, u.ID)
		default:
			*cached = append(*cached, u.ID)
		}
	}
}

// goldenFlow runs every operation once against a fresh server whose
// kb954960 behaviour is mode, comparing each answer with its golden file.
// Answers that do not depend on the mode are compared with one file for
// both modes, which proves that the behaviour changes nothing but the leaf
// stage of SyncUpdates. It returns the harness for further checks.
func goldenFlow(t *testing.T, mode behaviour.Mode) *harness {
	h := newHarness(t, mockwsus.Config{Seed: 1, Behaviours: map[string]behaviour.Mode{behaviour.KB954960Name: mode}})
	cws := func(op string) string { return clientws.Action(op) }

	// Handshake.
	rec := h.call(soap.SOAP11, clientPath, cws("GetConfig"), &clientws.GetConfig{ProtocolVersion: "1.0"})
	checkGolden(t, "getconfig", rec, ok11)
	var cfg clientws.GetConfigResponse
	if err := decode(t, rec, &cfg); err != nil {
		t.Fatalf("GetConfig: %v", err)
	}
	checkGolden(t, "getconfig_soap12", h.call(soap.SOAP12, clientPath, cws("GetConfig"), &clientws.GetConfig{ProtocolVersion: "1.0"}), ok12)

	rec = h.call(soap.SOAP11, authPath, simpleauth.ActionGetAuthorizationCookie, &simpleauth.GetAuthorizationCookie{ClientId: goldenClientID, TargetGroupName: "", DnsName: "xp-office.lab.local"})
	checkGolden(t, "getauthorizationcookie", rec, ok11)
	var auth simpleauth.GetAuthorizationCookieResponse
	if err := decode(t, rec, &auth); err != nil {
		t.Fatalf("GetAuthorizationCookie: %v", err)
	}
	ac := auth.GetAuthorizationCookieResult

	rec = h.call(soap.SOAP11, clientPath, cws("GetCookie"), &clientws.GetCookie{
		AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{{PlugInId: ac.PlugInId, CookieData: clientws.Base64Binary(ac.CookieData)}}},
		LastChange:  cfg.GetConfigResult.LastChange, CurrentTime: clientws.NewDateTime(h.clk.Peek()), ProtocolVersion: "1.0",
	})
	checkGolden(t, "getcookie", rec, ok11)
	var ck clientws.GetCookieResponse
	if err := decode(t, rec, &ck); err != nil {
		t.Fatalf("GetCookie: %v", err)
	}
	cookie := ck.GetCookieResult

	checkGolden(t, "registercomputer", h.call(soap.SOAP11, clientPath, cws("RegisterComputer"), &clientws.RegisterComputer{Cookie: cookie, ComputerInfo: &clientws.ComputerInfo{
		DnsName: "xp-office.lab.local", OSMajorVersion: 5, OSMinorVersion: 1, OSBuildNumber: 2600, OSServicePackMajorNumber: 3,
		ClientVersionMajorNumber: 7, ClientVersionMinorNumber: 2, ClientVersionBuildNumber: 6001, ClientVersionQfeNumber: 788,
	}}), ok11)

	// Non-leaf rounds: roots first (round 1, golden), then the product
	// families and the products that need them.
	var installed, cached []int32
	syncReq := func() *clientws.SyncUpdates {
		return &clientws.SyncUpdates{Cookie: cookie, Parameters: &clientws.SyncUpdateParameters{
			InstalledNonLeafUpdateIDs: &clientws.ArrayOfInt{Int: installed},
			OtherCachedUpdateIDs:      &clientws.ArrayOfInt{Int: cached},
		}}
	}
	for round := 1; round <= 3; round++ {
		rec = h.call(soap.SOAP11, clientPath, cws("SyncUpdates"), syncReq())
		if round == 1 {
			checkGolden(t, "syncupdates_round1", rec, ok11)
		}
		var resp clientws.SyncUpdatesResponse
		if err := decode(t, rec, &resp); err != nil {
			t.Fatalf("SyncUpdates round %d: %v", round, err)
		}
		info := resp.SyncUpdatesResult
		if len(info.NewUpdates.UpdateInfo) == 0 {
			t.Fatalf("SyncUpdates round %d offered nothing; the default catalog has three levels of non-leaf updates", round)
		}
		evaluate(t, info, &installed, &cached)
		cookie = info.NewCookie
	}

	// Operations on the cookie of the last non-leaf round: the same bytes in
	// both modes.
	rec = h.call(soap.SOAP11, clientPath, cws("GetExtendedUpdateInfo"), &clientws.GetExtendedUpdateInfo{
		Cookie:      cookie,
		RevisionIDs: &clientws.ArrayOfInt{Int: []int32{8001, catalog.RevOffice2003SP1, 8863, 424242}},
		InfoTypes:   &clientws.ArrayOfXmlUpdateFragmentType{XmlUpdateFragmentType: []clientws.XmlUpdateFragmentType{clientws.XmlUpdateFragmentTypeExtended, clientws.XmlUpdateFragmentTypeLocalizedProperties}},
		Locales:     &clientws.ArrayOfString{String: []string{"en-US", "en"}},
	})
	checkGolden(t, "getextendedupdateinfo", rec, ok11)
	var ext clientws.GetExtendedUpdateInfoResponse
	if err := decode(t, rec, &ext); err != nil {
		t.Fatalf("GetExtendedUpdateInfo: %v", err)
	}
	if oos := ext.GetExtendedUpdateInfoResult.OutOfScopeRevisionIDs.Int; len(oos) != 1 || oos[0] != 424242 {
		t.Errorf("GetExtendedUpdateInfo OutOfScopeRevisionIDs = %v, want [424242] (the unknown revision)", oos)
	}

	file := h.srv.Catalog().ByRevision(8001).Files[0]
	unknown := sha1.Sum([]byte("no such file"))
	checkGolden(t, "getfilelocations", h.call(soap.SOAP11, clientPath, cws("GetFileLocations"), &clientws.GetFileLocations{
		Cookie: cookie, FileDigests: &clientws.ArrayOfBase64Binary{Base64Binary: []clientws.Base64Binary{file.SHA1, unknown[:]}},
	}), ok11)

	ident := func(rev int32) *clientws.UpdateIdentity {
		u := h.srv.Catalog().ByRevision(rev)
		return &clientws.UpdateIdentity{UpdateID: clientws.Guid(u.ID), RevisionNumber: int32(u.RevisionNumber)}
	}
	checkGolden(t, "refreshcache", h.call(soap.SOAP11, clientPath, cws("RefreshCache"), &clientws.RefreshCache{
		Cookie: cookie, GlobalIDs: &clientws.ArrayOfUpdateIdentity{UpdateIdentity: []*clientws.UpdateIdentity{ident(8001), ident(catalog.RevOffice2003SP1), ident(detOffice2003)}},
	}), ok11)

	checkGolden(t, "reporteventbatch", h.call(soap.SOAP11, reportingPath, reporting.ActionReportEventBatch, reportRequest(cookie, goldenClientID, h)), ok11)

	// WSUS 3.0 SP1 had no StartCategoryScan: ASP.NET refuses the action.
	rec = h.call(soap.SOAP11, clientPath, cws("StartCategoryScan"), &clientws.StartCategoryScan{})
	checkGolden(t, "startcategoryscan", rec, fault11)
	assertASMXFault(t, rec, "Server did not recognize the value of HTTP Header SOAPAction: "+cws("StartCategoryScan")+".")

	// The leaf stage: the mode decides.
	rec = h.call(soap.SOAP11, clientPath, cws("SyncUpdates"), syncReq())
	switch mode {
	case behaviour.Buggy:
		checkGolden(t, "syncupdates_leaf_buggy", rec, fault11)
		assertWSUSFault(t, rec, soap.SOAP11, "InternalServerError", "", `"`+cws("SyncUpdates")+`"`)
		rec = h.call(soap.SOAP12, clientPath, cws("SyncUpdates"), syncReq())
		checkGolden(t, "syncupdates_leaf_buggy_soap12", rec, fault12)
		assertWSUSFault(t, rec, soap.SOAP12, "InternalServerError", "", `"`+cws("SyncUpdates")+`"`)
		golden.Assert(t, goldenPath("syncupdates_leaf_buggy.SoftwareDistribution.log"), h.sdlog.Bytes())
	case behaviour.Fixed:
		checkGolden(t, "syncupdates_leaf_fixed", rec, ok11)
		var resp clientws.SyncUpdatesResponse
		if err := decode(t, rec, &resp); err != nil {
			t.Fatalf("fixed leaf SyncUpdates: %v", err)
		}
		info := resp.SyncUpdatesResult
		got := map[int32]clientws.DeploymentAction{}
		for _, u := range info.NewUpdates.UpdateInfo {
			if !u.IsLeaf {
				t.Errorf("non-leaf update %d on the leaf page", u.ID)
			}
			if _, dup := got[u.ID]; dup {
				t.Errorf("revision %d offered twice on one page", u.ID)
			}
			got[u.ID] = u.Deployment.Action
		}
		if got[catalog.RevOffice2003SP1] != "Install" || got[8863] != "Bundle" || got[8001] != "Install" || got[8871] != "Install" {
			t.Errorf("fixed leaf page actions = %v, want 8862 Install, its child 8863 Bundle, 8001 and 8871 Install", got)
		}
		if info.Truncated {
			t.Error("the leaf page of the default catalog is Truncated")
		}
		if strings.Contains(h.sdlog.String(), "Error") {
			t.Errorf("the fixed server logged an error:\n%s", h.sdlog)
		}
	}
	return h
}

func reportRequest(cookie *clientws.Cookie, sid string, h *harness) *reporting.ReportEventBatch {
	return &reporting.ReportEventBatch{
		Cookie:     &reporting.Cookie{Expiration: cookie.Expiration, EncryptedData: cookie.EncryptedData},
		ClientTime: clientws.NewDateTime(h.clk.Peek()),
		EventBatch: &reporting.ArrayOfReportingEvent{ReportingEvent: []*reporting.ReportingEvent{{
			BasicData: &reporting.BasicData{
				TargetID:        &reporting.ComputerTargetIdentifier{Sid: sid},
				TimeAtTarget:    clientws.NewDateTime(h.clk.Peek()),
				EventInstanceID: "fab199c1-6123-44f2-b01c-a5a92201b011",
				NamespaceID:     1, EventID: reporting.EventDetectionSucceeded, SourceID: 101,
				UpdateID: &reporting.UpdateRevisionIdentifier{UpdateID: "00000000-0000-0000-0000-000000000000"},
				AppName:  "AutomaticUpdates",
			},
			ExtendedData: &reporting.ExtendedData{ReplacementStrings: &reporting.ArrayOfString{String: []string{"0"}}, ProcessorArchitecture: "X86Compatible"},
		}}},
	}
}

func TestGoldenWire(t *testing.T) {
	for _, mode := range []behaviour.Mode{behaviour.Buggy, behaviour.Fixed} {
		t.Run(string(mode), func(t *testing.T) { goldenFlow(t, mode) })
	}
}

// Two identical runs write identical bytes, log included: nothing in a
// response depends on the wall clock, the listener or map order.
func TestGoldenWireIsByteStable(t *testing.T) {
	if golden.Update() {
		t.Skip("rewriting golden files")
	}
	a, b := goldenFlow(t, behaviour.Buggy), goldenFlow(t, behaviour.Buggy)
	if !bytes.Equal(a.sdlog.Bytes(), b.sdlog.Bytes()) {
		t.Errorf("two identical runs wrote different SoftwareDistribution.log:\n%s\n---\n%s", a.sdlog, b.sdlog)
	}
}

var faultIDPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// assertWSUSFault checks the shape of a WSUS fault byte by byte as the
// Windows Update Agent's parser needs it: the envelope prefix soap declared
// on the Envelope, faultcode soap:Server (SOAP 1.2: soap:Receiver),
// faultstring "Fault occurred", and a detail whose children ErrorCode,
// Message, ID and Method are unqualified and in that order.
func assertWSUSFault(t *testing.T, rec *httptest.ResponseRecorder, v soap.Version, errorCode, message, method string) {
	t.Helper()
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("fault sent with HTTP %d, want 500", rec.Code)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(rec.Body.Bytes()); err != nil {
		t.Fatalf("fault is not XML: %v\n%s", err, rec.Body)
	}
	env := doc.Root()
	if env.Tag != "Envelope" || env.Space != "soap" || env.SelectAttrValue("xmlns:soap", "") != v.Namespace() {
		t.Fatalf("root = %s:%s xmlns:soap=%q, want soap:Envelope declaring xmlns:soap=%q", env.Space, env.Tag, env.SelectAttrValue("xmlns:soap", ""), v.Namespace())
	}
	if env.SelectAttr("xmlns") != nil {
		t.Errorf("Envelope declares a default namespace; the detail children would not be unqualified")
	}
	fault := env.FindElement("./soap:Body/soap:Fault")
	if fault == nil {
		t.Fatalf("no soap:Body/soap:Fault in\n%s", rec.Body)
	}
	var code, reason, detailPath string
	if v == soap.SOAP12 {
		code, reason, detailPath = "./soap:Code/soap:Value", "./soap:Reason/soap:Text", "./soap:Detail"
		if got := childTags(fault); got != "soap:Code soap:Reason soap:Detail" {
			t.Errorf("Fault children = %s, want soap:Code soap:Reason soap:Detail", got)
		}
	} else {
		code, reason, detailPath = "./faultcode", "./faultstring", "./detail"
		if got := childTags(fault); got != "faultcode faultstring detail" {
			t.Errorf("Fault children = %s, want faultcode faultstring detail", got)
		}
	}
	wantCode := "soap:Server"
	if v == soap.SOAP12 {
		wantCode = "soap:Receiver"
	}
	if got := text(fault, code); got != wantCode {
		t.Errorf("fault code = %q, want %q", got, wantCode)
	}
	if got := text(fault, reason); got != "Fault occurred" {
		t.Errorf("fault string = %q, want %q", got, "Fault occurred")
	}
	detail := fault.FindElement(detailPath)
	if detail == nil {
		t.Fatalf("fault has no detail:\n%s", rec.Body)
	}
	if got := childTags(detail); got != "ErrorCode Message ID Method" {
		t.Errorf("detail children = %q, want unqualified ErrorCode Message ID Method", got)
	}
	for _, c := range detail.ChildElements() {
		if len(c.Attr) != 0 {
			t.Errorf("detail child %s has attributes %v; it must be unqualified and bare", c.Tag, c.Attr)
		}
	}
	if got := text(detail, "ErrorCode"); got != errorCode {
		t.Errorf("ErrorCode = %q, want %q", got, errorCode)
	}
	if got := text(detail, "Message"); got != message {
		t.Errorf("Message = %q, want %q", got, message)
	}
	if got := text(detail, "ID"); !faultIDPattern.MatchString(got) {
		t.Errorf("ID = %q, want a lower-case GUID", got)
	}
	if got := text(detail, "Method"); got != method {
		t.Errorf("Method = %q, want %q", got, method)
	}
}

// assertASMXFault checks a fault ASP.NET raises before WSUS code runs:
// soap:Client, the ASP.NET message as faultstring, no WSUS detail.
func assertASMXFault(t *testing.T, rec *httptest.ResponseRecorder, faultString string) {
	t.Helper()
	f, err := soap.ParseFault(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("not a SOAP fault: %v\n%s", err, rec.Body)
	}
	if f.Code != soap.CodeClient || f.String != faultString || f.Detail != nil {
		t.Errorf("fault = %s %q detail %+v, want Client %q without detail", f.Code, f.String, f.Detail, faultString)
	}
	if rec.Code != http.StatusInternalServerError {
		t.Errorf("ASP.NET fault sent with HTTP %d, want 500", rec.Code)
	}
}

func childTags(e *etree.Element) string {
	var tags []string
	for _, c := range e.ChildElements() {
		tags = append(tags, c.FullTag())
	}
	return strings.Join(tags, " ")
}

func text(e *etree.Element, path string) string {
	c := e.FindElement(path)
	if c == nil {
		return fmt.Sprintf("<no %s>", path)
	}
	return c.Text()
}
