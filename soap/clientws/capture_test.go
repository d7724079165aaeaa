package clientws_test

import (
	"encoding/xml"
	"github.com/wsusmock/wsusmock/internal/wiretest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/soap/clientws"
)

// newMessage returns an empty wrapper for a ClientWebService body element, or nil for
// elements of other services.
func newMessage(name xml.Name) any {
	if name.Space != clientws.Namespace {
		return nil
	}
	switch name.Local {
	case "SyncUpdates":
		return new(clientws.SyncUpdates)
	case "SyncUpdatesResponse":
		return new(clientws.SyncUpdatesResponse)
	case "GetExtendedUpdateInfo":
		return new(clientws.GetExtendedUpdateInfo)
	case "GetExtendedUpdateInfoResponse":
		return new(clientws.GetExtendedUpdateInfoResponse)
	}
	return nil
}

// TestCapturesRoundTrip decodes every real ClientWebService request and response into
// the generated types, writes them back and compares the element trees. Any captured
// element the types do not know (or know in another position) shows up as a
// difference, so this checks names, namespaces and order against real traffic.
func TestCapturesRoundTrip(t *testing.T) {
	dir := wiretest.FlowDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		for _, file := range []string{"request.body", "response.body"} {
			data, err := os.ReadFile(filepath.Join(dir, e.Name(), file))
			if err != nil {
				t.Fatal(err)
			}
			env, err := wiretest.ParseTree(data)
			if err != nil {
				t.Fatalf("%s/%s: %v", e.Name(), file, err)
			}
			want := wiretest.BodyChild(env)
			if want == nil {
				t.Fatalf("%s/%s: no SOAP Body child", e.Name(), file)
			}
			msg := newMessage(want.Name)
			if msg == nil {
				continue // another service's message; its package checks it
			}
			if _, err := wiretest.DecodeBody(data, msg); err != nil {
				t.Fatalf("%s/%s: decode: %v", e.Name(), file, err)
			}
			out, err := xml.Marshal(msg)
			if err != nil {
				t.Fatalf("%s/%s: marshal: %v", e.Name(), file, err)
			}
			got, err := wiretest.ParseTree(out)
			if err != nil {
				t.Fatalf("%s/%s: reparse: %v", e.Name(), file, err)
			}
			if msg, ok := wiretest.SameTree("", want, got); !ok {
				t.Errorf("%s/%s: %s", e.Name(), file, msg)
			}
			checked++
		}
	}
	// 000001-000015 hold 6 ClientWebService exchanges
	if checked != 12 {
		t.Errorf("checked %d ClientWebService messages, want 12", checked)
	}
}

func decodeCapture[T any](t *testing.T, exchange, file string) *T {
	t.Helper()
	v := new(T)
	if _, err := wiretest.DecodeBody(wiretest.ReadCapture(t, exchange, file), v); err != nil {
		t.Fatalf("%s/%s: %v", exchange, file, err)
	}
	return v
}

func TestCaptureSyncUpdatesRequests(t *testing.T) {
	req := decodeCapture[clientws.SyncUpdates](t, "000001", "request.body")
	wantExp := time.Date(2026, 10, 4, 16, 3, 35, 996723600, time.UTC)
	if req.Cookie == nil || !req.Cookie.Expiration.Equal(wantExp) {
		t.Fatalf("cookie = %+v, want Expiration %v", req.Cookie, wantExp)
	}
	if len(req.Cookie.EncryptedData) == 0 {
		t.Error("cookie EncryptedData empty; base64 not decoded")
	}
	p := req.Parameters
	if p == nil || p.InstalledNonLeafUpdateIDs == nil || p.OtherCachedUpdateIDs == nil {
		t.Fatalf("parameters = %+v", p)
	}
	if n := len(p.InstalledNonLeafUpdateIDs.Int); n != 87 || p.InstalledNonLeafUpdateIDs.Int[0] != 16 {
		t.Errorf("InstalledNonLeafUpdateIDs: %d ints starting %v, want 87 starting 16", n, p.InstalledNonLeafUpdateIDs.Int[:min(n, 1)])
	}
	if n := len(p.OtherCachedUpdateIDs.Int); n != 1029 {
		t.Errorf("OtherCachedUpdateIDs: %d ints, want 1029", n)
	}
	if p.ExpressQuery || p.SkipSoftwareSync || !p.NeedTwoGroupOutOfScopeUpdates || !p.AlsoPerformRegularSync {
		t.Errorf("flags = %v %v %v %v, want false false true true", p.ExpressQuery, p.SkipSoftwareSync, p.NeedTwoGroupOutOfScopeUpdates, p.AlsoPerformRegularSync)
	}
	if p.ComputerSpec == nil || p.ProductsParameters == nil || !strings.HasPrefix(p.ProductsParameters.Products, "PN=Client.OS.rs2.amd64") {
		t.Errorf("ComputerSpec %v, ProductsParameters %+v", p.ComputerSpec, p.ProductsParameters)
	}

	// later rounds report the detectoids that evaluated as installed
	later := decodeCapture[clientws.SyncUpdates](t, "000003", "request.body")
	if n := len(later.Parameters.InstalledNonLeafUpdateIDs.Int); n != 94 {
		t.Errorf("000003 InstalledNonLeafUpdateIDs: %d ints, want 94", n)
	}

	// the driver round carries the device list instead of the cached updates
	drv := decodeCapture[clientws.SyncUpdates](t, "000014", "request.body").Parameters
	if !drv.SkipSoftwareSync || drv.OtherCachedUpdateIDs != nil || drv.SystemSpec == nil || len(drv.SystemSpec.Device) != 75 {
		t.Fatalf("driver round: SkipSoftwareSync %v, OtherCachedUpdateIDs %v, SystemSpec %v", drv.SkipSoftwareSync, drv.OtherCachedUpdateIDs, drv.SystemSpec)
	}
	d := drv.SystemSpec.Device[0].InstalledDriver
	if d == nil || d.DriverVerVersion != 2814751477604196 || d.DriverRank != -1 || d.Class != "Printer" ||
		!d.DriverVerDate.Equal(time.Date(2006, 6, 21, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("first installedDriver = %+v", d)
	}
	if g := drv.ComputerSpec.HardwareIDs.Guid; len(g) == 0 || g[0] != "458ab48b-acb9-5863-b5a8-d2c32f0d3e6f" {
		t.Errorf("ComputerSpec HardwareIDs = %v", g)
	}
	if drv.FeatureScoreMatchingKey != "AMD64.10.0" {
		t.Errorf("FeatureScoreMatchingKey = %q", drv.FeatureScoreMatchingKey)
	}
}

func TestCaptureSyncUpdatesResponses(t *testing.T) {
	tests := []struct {
		exchange  string
		count     int
		firstID   int32
		firstDep  int32
		action    clientws.DeploymentAction
		isLeaf    bool
		truncated bool
		noDrivers string
	}{
		{"000001", 6, 107176, 7605, clientws.DeploymentActionEvaluate, false, false, "false"},
		{"000003", 30, 197760, 34010, clientws.DeploymentActionBundle, true, true, "false"},
		{"000012", 30, 200957, 32158, clientws.DeploymentActionPreDeploymentCheck, true, true, "false"},
		{"000013", 30, 195434, 0, clientws.DeploymentActionBundle, true, false, "false"},
		{"000014", 0, 0, 0, "", false, false, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.exchange, func(t *testing.T) {
			res := decodeCapture[clientws.SyncUpdatesResponse](t, tt.exchange, "response.body").SyncUpdatesResult
			if res == nil {
				t.Fatal("no SyncUpdatesResult")
			}
			if res.Truncated != tt.truncated || res.DriverSyncNotNeeded != tt.noDrivers {
				t.Errorf("Truncated %v DriverSyncNotNeeded %q, want %v %q", res.Truncated, res.DriverSyncNotNeeded, tt.truncated, tt.noDrivers)
			}
			if res.NewCookie == nil || len(res.NewCookie.EncryptedData) == 0 || res.NewCookie.Expiration.IsZero() {
				t.Errorf("NewCookie = %+v", res.NewCookie)
			}
			var updates []*clientws.UpdateInfo
			if res.NewUpdates != nil {
				updates = res.NewUpdates.UpdateInfo
			}
			if len(updates) != tt.count {
				t.Fatalf("%d NewUpdates, want %d", len(updates), tt.count)
			}
			if tt.count == 0 {
				return
			}
			u := updates[0]
			if u.ID != tt.firstID || u.Deployment == nil || u.Deployment.Action != tt.action || u.IsLeaf != tt.isLeaf {
				t.Errorf("first UpdateInfo = ID %d IsLeaf %v Deployment %+v, want %d %v %s", u.ID, u.IsLeaf, u.Deployment, tt.firstID, tt.isLeaf, tt.action)
			}
			if tt.firstDep != 0 && u.Deployment.ID != tt.firstDep {
				t.Errorf("first Deployment ID = %d, want %d", u.Deployment.ID, tt.firstDep)
			}
			if !u.Deployment.IsAssigned || u.Deployment.LastChangeTime != "2026-10-04" || u.Deployment.AutoSelect != "0" {
				t.Errorf("first Deployment = %+v", u.Deployment)
			}
			if !strings.HasPrefix(u.Xml, "<UpdateIdentity UpdateID=") {
				t.Errorf("Xml fragment = %.60q, want an unescaped <UpdateIdentity ...", u.Xml)
			}
		})
	}

	// the one approved update of the capture is offered with Action Install
	res := decodeCapture[clientws.SyncUpdatesResponse](t, "000012", "response.body").SyncUpdatesResult
	var installs []int32
	for _, u := range res.NewUpdates.UpdateInfo {
		if u.Deployment.Action == clientws.DeploymentActionInstall {
			installs = append(installs, u.ID)
		}
	}
	if len(installs) != 1 || installs[0] != 200996 {
		t.Errorf("Install updates in 000012 = %v, want [200996]", installs)
	}
}

func TestCaptureGetExtendedUpdateInfo(t *testing.T) {
	req := decodeCapture[clientws.GetExtendedUpdateInfo](t, "000015", "request.body")
	if req.RevisionIDs == nil || len(req.RevisionIDs.Int) != 18 || req.RevisionIDs.Int[0] != 191472 {
		t.Errorf("revisionIDs = %v", req.RevisionIDs)
	}
	wantTypes := []clientws.XmlUpdateFragmentType{clientws.XmlUpdateFragmentTypeExtended, clientws.XmlUpdateFragmentTypeLocalizedProperties}
	if req.InfoTypes == nil || len(req.InfoTypes.XmlUpdateFragmentType) != 2 ||
		req.InfoTypes.XmlUpdateFragmentType[0] != wantTypes[0] || req.InfoTypes.XmlUpdateFragmentType[1] != wantTypes[1] {
		t.Errorf("infoTypes = %v, want %v", req.InfoTypes, wantTypes)
	}
	if req.Locales == nil || strings.Join(req.Locales.String, ",") != "en-US,en" {
		t.Errorf("locales = %v", req.Locales)
	}
	if req.GeoId != "USA" || !strings.HasPrefix(req.DeviceAttributes, "ActivationChannel=") || req.CallerAttributes == "" {
		t.Errorf("GeoId %q deviceAttributes %.30q callerAttributes %.30q", req.GeoId, req.DeviceAttributes, req.CallerAttributes)
	}

	res := decodeCapture[clientws.GetExtendedUpdateInfoResponse](t, "000015", "response.body").GetExtendedUpdateInfoResult
	if res == nil || res.Updates == nil || res.FileLocations == nil {
		t.Fatalf("result = %+v", res)
	}
	// one Extended and one LocalizedProperties fragment per revision
	if n := len(res.Updates.Update); n != 36 {
		t.Errorf("%d Updates, want 36", n)
	}
	ids := map[int32]int{}
	for _, u := range res.Updates.Update {
		ids[u.ID]++
	}
	for _, id := range req.RevisionIDs.Int {
		if ids[id] != 2 {
			t.Errorf("revision %d has %d fragments, want 2", id, ids[id])
		}
	}
	if !strings.HasPrefix(res.Updates.Update[0].Xml, "<ExtendedProperties ") {
		t.Errorf("first fragment = %.40q", res.Updates.Update[0].Xml)
	}
	if n := len(res.FileLocations.FileLocation); n != 9 {
		t.Errorf("%d FileLocations, want 9", n)
	}
	fl := res.FileLocations.FileLocation[0]
	if len(fl.FileDigest) != 20 || fl.FileDigest[0] != 0xa3 || fl.Url != "http://192.0.2.1:8530/Content/49/A379D5526FB3A7A0423DA1CD7FC3182A8D448449.exe" {
		t.Errorf("first FileLocation = digest %x url %s, want a SHA-1 a379d552... and its content URL", []byte(fl.FileDigest), fl.Url)
	}
}
