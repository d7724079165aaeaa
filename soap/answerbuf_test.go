package soap_test

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// TestParseResponseCopies: the agent reads answers into pooled buffers
// (ReadBody) and gives each back once ParseResponse has decoded it, so a
// decoded answer (a fault too) must not change when its buffer is
// overwritten, on the fast path and on the encoding/xml path (a comment
// makes the fast path decline).
func TestParseResponseCopies(t *testing.T) {
	frag := `<upd:Update xmlns:upd="u"><upd:UpdateIdentity UpdateID="a" RevisionNumber="1"/>` + strings.Repeat("x", 300) + `</upd:Update>`
	answers := []struct {
		name string
		v    any
		out  func() any
	}{
		{name: "SyncUpdates", v: &clientws.SyncUpdatesResponse{SyncUpdatesResult: &clientws.SyncInfo{
			NewCookie: &clientws.Cookie{EncryptedData: clientws.Base64Binary(bytes.Repeat([]byte{7}, 64))},
			NewUpdates: &clientws.ArrayOfUpdateInfo{UpdateInfo: []*clientws.UpdateInfo{
				{ID: 1, Deployment: &clientws.Deployment{ID: 2, Action: clientws.DeploymentActionInstall, LastChangeTime: "2026-01-01"}, IsLeaf: true, Xml: frag},
				{ID: 3, Deployment: &clientws.Deployment{ID: 4, Action: clientws.DeploymentActionEvaluate, LastChangeTime: "2026-01-02"}, Xml: "plain & <escaped>"},
			}},
		}}, out: func() any { return &clientws.SyncUpdatesResponse{} }},
		{name: "GetExtendedUpdateInfo", v: &clientws.GetExtendedUpdateInfoResponse{GetExtendedUpdateInfoResult: &clientws.ExtendedUpdateInfo{
			Updates: &clientws.ArrayOfUpdateData{Update: []*clientws.UpdateData{{ID: 1, Xml: frag}, {ID: 1, Xml: "<b>t</b> &amp;"}}},
		}}, out: func() any { return &clientws.GetExtendedUpdateInfoResponse{} }},
		{name: "GetCookie", v: &clientws.GetCookieResponse{GetCookieResult: &clientws.Cookie{EncryptedData: clientws.Base64Binary("sealed")}},
			out: func() any { return &clientws.GetCookieResponse{} }},
	}
	for _, a := range answers {
		for _, slow := range []bool{false, true} {
			data, err := soap.AppendEnvelope(nil, soap.SOAP11, "soap", a.v)
			if err != nil {
				t.Fatal(err)
			}
			if slow {
				data = bytes.Replace(data, []byte("<soap:Body>"), []byte("<soap:Body><!-- c -->"), 1)
			}
			want, got := a.out(), a.out()
			if err := soap.ParseResponse(bytes.Clone(data), want); err != nil {
				t.Fatalf("%s: %v", a.name, err)
			}
			buf := bytes.Clone(data)
			if err := soap.ParseResponse(buf, got); err != nil {
				t.Fatal(err)
			}
			for i := range buf {
				buf[i] = 'x'
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s (slow path %v): the decoded answer changed when its buffer was overwritten", a.name, slow)
			}
		}
	}
	// A fault.
	rec := httptest.NewRecorder()
	if err := soap.WriteFault(rec, soap.SOAP11, &soap.Fault{Code: "Server", String: "Fault occurred & more", Detail: &soap.FaultDetail{ErrorCode: "InternalServerError", ID: "dca48bff"}}); err != nil {
		t.Fatal(err)
	}
	buf := rec.Body.Bytes()
	err1 := soap.ParseResponse(bytes.Clone(buf), nil)
	err2 := soap.ParseResponse(buf, nil)
	for i := range buf {
		buf[i] = 'x'
	}
	var f1, f2 *soap.Fault
	if !errors.As(err1, &f1) || !errors.As(err2, &f2) || !reflect.DeepEqual(f1, f2) {
		t.Errorf("the fault changed when its buffer was overwritten: %+v, %+v", f1, f2)
	}
}
