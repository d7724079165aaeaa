package clientsim_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
	"github.com/wsusmock/wsusmock/updatexml"
)

// fake is a scripted WSUS: a minimal, well-behaved server with one
// category (revision 1) and one update in it (revision 2, applicable to
// every machine), that records the operations it is asked for and lets a
// test replace the answer to any call.
type fake struct {
	t *testing.T

	mu    sync.Mutex
	calls []string
	count map[string]int
	// script, when it returns true, has answered the request itself. n
	// counts the calls of op from 1.
	script func(w http.ResponseWriter, r *http.Request, op string, n int) bool
	// truncated makes every software SyncUpdates answer Truncated.
	truncated bool
	// extra are served with the update, in the leaf round.
	extra []*clientws.UpdateInfo
	// maxExtended is GetConfig's MaxExtendedUpdatesPerRequest; 0 means 50.
	maxExtended int
}

const (
	fakeCategoryID = "0fa1201d-4330-4fa8-8ae9-b877473b6441"
	fakeUpdateID   = "6a1d4a9f-8a1b-4c2e-9d1a-1c2b3d4e5f60"
)

var (
	fakeCategory = (&updatexml.Core{
		Identity:    updatexml.Identity{UpdateID: fakeCategoryID, RevisionNumber: 100},
		UpdateType:  updatexml.UpdateTypeCategory,
		Properties:  []updatexml.Attr{{Name: "CategoryType", Value: "UpdateClassification"}},
		IsInstalled: updatexml.True(),
	}).Render()
	fakeUpdate = (&updatexml.Core{
		Identity:      updatexml.Identity{UpdateID: fakeUpdateID, RevisionNumber: 101},
		UpdateType:    updatexml.UpdateTypeSoftware,
		Prerequisites: []updatexml.Prerequisite{{AnyOf: []updatexml.Identity{{UpdateID: fakeCategoryID}}, IsCategory: true}},
		IsInstalled:   updatexml.False(),
		IsInstallable: updatexml.True(),
	}).Render()
)

// newFake starts a fake on 127.0.0.1:0 and returns it with its URL.
func newFake(t *testing.T, script func(w http.ResponseWriter, r *http.Request, op string, n int) bool) (*fake, string) {
	f := &fake{t: t, count: map[string]int{}, script: script}
	ts := httptest.NewServer(f)
	t.Cleanup(ts.Close)
	return f, ts.URL
}

// ops returns the operations asked for so far.
func (f *fake) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := "SelfUpdate"
	if r.Method == http.MethodPost {
		action := strings.Trim(r.Header.Get("SOAPAction"), `"`)
		op = action[strings.LastIndex(action, "/")+1:]
	}
	// Read the body first: only then does net/http watch the connection
	// and cancel r.Context() when the client gives up, which the handlers
	// that wait on it rely on.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	f.mu.Lock()
	f.calls = append(f.calls, op)
	f.count[op]++
	n := f.count[op]
	f.mu.Unlock()
	if f.script != nil && f.script(w, r, op, n) {
		return
	}
	if op == "SelfUpdate" {
		cab, err := mockwsus.SelfUpdateCabinet(1, "wuident.cab")
		if err != nil {
			f.t.Error(err)
		}
		w.Header().Set("Content-Type", "application/vnd.ms-cab-compressed")
		w.Write(cab)
		return
	}
	req, err := soap.ReadRequest(r, 0)
	if err != nil {
		f.t.Errorf("fake: %s: %v", op, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := f.answer(op, req)
	if err != nil {
		f.t.Errorf("fake: %s: %v", op, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := soap.WriteResponse(w, soap.SOAP11, resp); err != nil {
		f.t.Errorf("fake: writing %s: %v", op, err)
	}
}

func fakeCookie() *clientws.Cookie {
	return &clientws.Cookie{
		Expiration:    clientws.NewDateTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)),
		EncryptedData: []byte("fake cookie"),
	}
}

func (f *fake) maxExt() int {
	if f.maxExtended > 0 {
		return f.maxExtended
	}
	return 50
}

// answer is the well-behaved answer to op.
func (f *fake) answer(op string, req *soap.Request) (any, error) {
	switch op {
	case "GetConfig":
		return &clientws.GetConfigResponse{GetConfigResult: &clientws.Config{
			LastChange: clientws.NewDateTime(time.Date(2008, 6, 1, 0, 0, 0, 0, time.UTC)),
			AuthInfo: &clientws.ArrayOfAuthPlugInInfo{AuthPlugInInfo: []*clientws.AuthPlugInInfo{
				{PlugInID: "SimpleTargeting", ServiceUrl: "SimpleAuthWebService/SimpleAuth.asmx"},
			}},
			Properties: &clientws.ArrayOfConfigurationProperty{ConfigurationProperty: []*clientws.ConfigurationProperty{
				{Name: "MaxExtendedUpdatesPerRequest", Value: strconv.Itoa(f.maxExt())},
			}},
		}}, nil
	case "GetAuthorizationCookie":
		return &simpleauth.GetAuthorizationCookieResponse{GetAuthorizationCookieResult: &simpleauth.AuthorizationCookie{
			PlugInId: "SimpleTargeting", CookieData: []byte("auth"),
		}}, nil
	case "GetCookie":
		return &clientws.GetCookieResponse{GetCookieResult: fakeCookie()}, nil
	case "RegisterComputer":
		return &clientws.RegisterComputerResponse{}, nil
	case "SyncUpdates":
		var r clientws.SyncUpdates
		if err := req.Decode(&r); err != nil {
			return nil, err
		}
		return &clientws.SyncUpdatesResponse{SyncUpdatesResult: f.syncInfo(r.Parameters)}, nil
	case "RefreshCache":
		var r clientws.RefreshCache
		if err := req.Decode(&r); err != nil {
			return nil, err
		}
		out := &clientws.ArrayOfRefreshCacheResult{}
		if r.GlobalIDs != nil {
			for _, id := range r.GlobalIDs.UpdateIdentity {
				rev := int32(1)
				if string(id.UpdateID) == fakeUpdateID {
					rev = 2
				}
				out.RefreshCacheResult = append(out.RefreshCacheResult, &clientws.RefreshCacheResult{RevisionID: rev, GlobalID: id, IsLeaf: rev == 2})
			}
		}
		return &clientws.RefreshCacheResponse{RefreshCacheResult: out}, nil
	case "GetExtendedUpdateInfo":
		var r clientws.GetExtendedUpdateInfo
		if err := req.Decode(&r); err != nil {
			return nil, err
		}
		if n := len(r.RevisionIDs.Int); n > f.maxExt() {
			f.t.Errorf("fake: GetExtendedUpdateInfo for %d revisions, MaxExtendedUpdatesPerRequest is %d", n, f.maxExt())
		}
		info := &clientws.ExtendedUpdateInfo{Updates: &clientws.ArrayOfUpdateData{}}
		for _, rev := range r.RevisionIDs.Int {
			title := "Fake Update for Windows XP (KB999999)"
			if rev == 1 {
				title = "Security Updates"
			}
			lp := updatexml.LocalizedProperties{Language: "en", Title: title}
			info.Updates.Update = append(info.Updates.Update, &clientws.UpdateData{ID: rev, Xml: lp.Render()})
		}
		return &clientws.GetExtendedUpdateInfoResponse{GetExtendedUpdateInfoResult: info}, nil
	case "GetFileLocations":
		return &clientws.GetFileLocationsResponse{GetFileLocationsResult: &clientws.GetFileLocationsResults{
			FileLocations: &clientws.ArrayOfFileLocation{}, NewCookie: fakeCookie(),
		}}, nil
	case "ReportEventBatch":
		return &reporting.ReportEventBatchResponse{ReportEventBatchResult: true}, nil
	}
	return nil, &soap.Fault{Code: soap.CodeClient, String: "unknown operation " + op}
}

// syncInfo serves the category to a client that has not installed it, then
// the update, then nothing; the driver pass gets nothing.
func (f *fake) syncInfo(p *clientws.SyncUpdateParameters) *clientws.SyncInfo {
	info := &clientws.SyncInfo{NewUpdates: &clientws.ArrayOfUpdateInfo{}, NewCookie: fakeCookie(), Truncated: f.truncated}
	if p == nil || p.SkipSoftwareSync {
		info.Truncated = false
		return info
	}
	has := func(a *clientws.ArrayOfInt, rev int32) bool {
		if a == nil {
			return false
		}
		for _, r := range a.Int {
			if r == rev {
				return true
			}
		}
		return false
	}
	switch {
	case !has(p.InstalledNonLeafUpdateIDs, 1):
		info.NewUpdates.UpdateInfo = []*clientws.UpdateInfo{{ID: 1, IsLeaf: false, Xml: fakeCategory,
			Deployment: &clientws.Deployment{ID: 1, Action: clientws.DeploymentActionEvaluate, IsAssigned: true}}}
	case !has(p.OtherCachedUpdateIDs, 2):
		info.NewUpdates.UpdateInfo = append([]*clientws.UpdateInfo{{ID: 2, IsLeaf: true, Xml: fakeUpdate,
			Deployment: &clientws.Deployment{ID: 2, Action: clientws.DeploymentActionInstall, IsAssigned: true}}}, f.extra...)
	}
	return info
}

// writeFault answers with a WSUS fault carrying errorCode.
func writeFault(w http.ResponseWriter, r *http.Request, code, errorCode string) {
	soap.WriteFault(w, soap.SOAP11, &soap.Fault{Code: code, Detail: &soap.FaultDetail{
		ErrorCode: errorCode, ID: "0d9f3e0c-1f5e-4c53-9a57-6f1b7b0a2c11", Method: r.Header.Get("SOAPAction"),
	}})
}
