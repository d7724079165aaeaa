package mockwsus_test

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/xpress"
)

// TestModernGolden pins the answers in which a modern WSUS differs from WSUS
// 3.0 SP1, byte for byte: GetConfig, the first SyncUpdates round, the driver
// pass, StartCategoryScan. Rewrite with UPDATE_GOLDEN=1.
func TestModernGolden(t *testing.T) {
	h := newHarness(t, mockwsus.Config{Seed: 1, Version: mockwsus.VersionWSUS2025})
	h.protocol = "2.90"
	cws := clientws.Action

	rec := h.call(soap.SOAP11, clientPath, cws("GetConfig"), &clientws.GetConfig{ProtocolVersion: "2.90"})
	checkGolden(t, "modern_getconfig", rec, ok11)
	if got := rec.Header().Get("Server"); got != "Microsoft-IIS/10.0" {
		t.Errorf("Server %q, want Microsoft-IIS/10.0", got)
	}
	if got := rec.Header().Get("X-AspNet-Version"); got != "4.0.30319" {
		t.Errorf("X-AspNet-Version %q, want 4.0.30319", got)
	}
	var cfg clientws.GetConfigResponse
	if err := decode(t, rec, &cfg); err != nil {
		t.Fatal(err)
	}
	var names []string
	props := map[string]string{}
	for _, p := range cfg.GetConfigResult.Properties.ConfigurationProperty {
		names = append(names, p.Name)
		props[p.Name] = p.Value
	}
	if want := "MaxExtendedUpdatesPerRequest PackageServerShare ProtocolVersion IsInventoryRequired ClientReportingLevel"; joinWords(names) != want {
		t.Errorf("properties %v, want %s", names, want)
	}
	if props["ProtocolVersion"] != "3.2" || props["PackageServerShare"] != `\\WSUS\UpdateServicesPackages` {
		t.Errorf("ProtocolVersion %q PackageServerShare %q", props["ProtocolVersion"], props["PackageServerShare"])
	}
	if cfg.GetConfigResult.AllowedEventIds != nil {
		t.Error("a modern WSUS sends no AllowedEventIds")
	}

	s := h.register(goldenClientID, "win11.lab.local", "")
	rec = h.call(soap.SOAP11, clientPath, cws("SyncUpdates"), &clientws.SyncUpdates{Cookie: s.cookie, Parameters: &clientws.SyncUpdateParameters{}})
	checkGolden(t, "modern_syncupdates_round1", rec, ok11)
	rec = h.call(soap.SOAP11, clientPath, cws("SyncUpdates"), &clientws.SyncUpdates{Cookie: s.cookie, Parameters: &clientws.SyncUpdateParameters{SkipSoftwareSync: true}})
	checkGolden(t, "modern_syncupdates_driverpass", rec, ok11)

	product, _, _ := categories(t, h)
	rec = h.call(soap.SOAP11, clientPath, cws("StartCategoryScan"), &clientws.StartCategoryScan{RequestedCategories: &clientws.ArrayOfCategoryRelationship{
		CategoryRelationship: []*clientws.CategoryRelationship{{IndexOfAndGroup: 0, CategoryId: product}, {IndexOfAndGroup: 1, CategoryId: "dd78b8a1-0b20-45c1-add6-4da72e9364cf"}},
	}})
	checkGolden(t, "modern_startcategoryscan", rec, ok11)
}

func joinWords(s []string) string {
	var b bytes.Buffer
	for i, w := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// categories returns a product, an update classification and a product
// family of the default catalog.
func categories(t *testing.T, h *harness) (product, classification, family clientws.Guid) {
	t.Helper()
	for _, u := range h.srv.Catalog().Updates() {
		switch {
		case u.CategoryType == catalog.CategoryProduct && product == "":
			product = clientws.Guid(u.ID)
		case u.CategoryType == catalog.CategoryClassification && classification == "":
			classification = clientws.Guid(u.ID)
		case u.CategoryType == catalog.CategoryProductFamily && family == "":
			family = clientws.Guid(u.ID)
		}
	}
	if product == "" || classification == "" || family == "" {
		t.Fatalf("the default catalog lacks a product (%q), a classification (%q) or a product family (%q)", product, classification, family)
	}
	return product, classification, family
}

// TestStartCategoryScan checks MS-WUSP's rules for StartCategoryScan on a
// modern WSUS.
func TestStartCategoryScan(t *testing.T) {
	h := newHarness(t, mockwsus.Config{Version: mockwsus.VersionWSUS2025})
	product, classification, family := categories(t, h)
	const unknown = clientws.Guid("dd78b8a1-0b20-45c1-add6-4da72e9364cf")
	rel := func(group int32, id clientws.Guid) *clientws.CategoryRelationship {
		return &clientws.CategoryRelationship{IndexOfAndGroup: group, CategoryId: id}
	}
	tests := []struct {
		name      string
		rels      []*clientws.CategoryRelationship
		preferred []clientws.Guid
		inError   []clientws.Guid
	}{
		{"one product", []*clientws.CategoryRelationship{rel(0, product)}, []clientws.Guid{product}, nil},
		{"product and classification", []*clientws.CategoryRelationship{rel(0, classification), rel(0, product)}, []clientws.Guid{product}, nil},
		{"unknown category takes its group out", []*clientws.CategoryRelationship{rel(0, unknown), rel(0, product), rel(1, product)}, []clientws.Guid{product}, []clientws.Guid{unknown}},
		{"a product family alone clears the list", []*clientws.CategoryRelationship{rel(0, product), rel(1, family)}, nil, nil},
		{"two products in one group clear the list", []*clientws.CategoryRelationship{rel(0, product), rel(0, product)}, nil, nil},
		{"an update is not a category", []*clientws.CategoryRelationship{rel(0, clientws.Guid(h.srv.Catalog().ByRevision(8001).ID))}, nil, []clientws.Guid{clientws.Guid(h.srv.Catalog().ByRevision(8001).ID)}},
		{"nothing requested", nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp clientws.StartCategoryScanResponse
			if _, err := h.post(clientPath, clientws.Action("StartCategoryScan"), &clientws.StartCategoryScan{RequestedCategories: &clientws.ArrayOfCategoryRelationship{CategoryRelationship: tt.rels}}, &resp); err != nil {
				t.Fatal(err)
			}
			var preferred, inError []clientws.Guid
			if resp.PreferredCategoryIds != nil {
				preferred = resp.PreferredCategoryIds.Guid
			}
			if resp.RequestedCategoryIdsInError != nil {
				inError = resp.RequestedCategoryIdsInError.Guid
			}
			if !equalGUIDs(preferred, tt.preferred) || !equalGUIDs(inError, tt.inError) {
				t.Errorf("preferred %v in error %v, want %v and %v", preferred, inError, tt.preferred, tt.inError)
			}
		})
	}
	// Without requestedCategories: InvalidParameters.
	_, err := h.post(clientPath, clientws.Action("StartCategoryScan"), &clientws.StartCategoryScan{}, &clientws.StartCategoryScanResponse{})
	var f *soap.Fault
	if !errors.As(err, &f) || f.Detail == nil || f.Detail.ErrorCode != "InvalidParameters" || f.Detail.Message != "requestedCategories" {
		t.Errorf("StartCategoryScan without categories: %v, want InvalidParameters requestedCategories", err)
	}
}

func equalGUIDs(a, b []clientws.Guid) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Installing a version switches the personality at run time, both ways;
// KB954960 stays fixed on every modern version (the fix shipped in
// 3.1.6001.66).
func TestModernVersionSwitch(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	scan := func() *httptest.ResponseRecorder {
		return h.call(soap.SOAP11, clientPath, clientws.Action("StartCategoryScan"), &clientws.StartCategoryScan{RequestedCategories: &clientws.ArrayOfCategoryRelationship{}})
	}
	if rec := scan(); rec.Code != http.StatusInternalServerError {
		t.Fatalf("3.1 answered StartCategoryScan with HTTP %d", rec.Code)
	}
	for _, v := range []string{"10.0.14393.0", "10.0.17763.1", "10.0.20348.1", mockwsus.VersionWSUS2025} {
		if err := h.srv.SetVersion(v); err != nil {
			t.Fatal(err)
		}
		if rec := scan(); rec.Code != http.StatusOK {
			t.Errorf("%s answered StartCategoryScan with HTTP %d:\n%s", v, rec.Code, rec.Body)
		}
		if m := h.srv.Mode(behaviour.KB954960Name, ""); m != behaviour.Fixed {
			t.Errorf("%s: kb954960 %s by default, want fixed", v, m)
		}
	}
	// Every 3.x version stays WSUS 3.0 as it is, SP2 (3.2.7600.226) too.
	for _, v := range []string{mockwsus.VersionFixed, "3.2.7600.226", "6.3.9600.18228"} {
		if err := h.srv.SetVersion(v); err != nil {
			t.Fatal(err)
		}
		rec := scan()
		assertASMXFault(t, rec, "Server did not recognize the value of HTTP Header SOAPAction: "+clientws.Action("StartCategoryScan")+".")
		if got := rec.Header().Get("Server"); got != "Microsoft-IIS/6.0" {
			t.Errorf("back on %s: Server %q", v, got)
		}
	}
}

// TestXpressNegotiation: an answer is compressed exactly when the request's
// Accept-Encoding lists xpress with a quality above zero, and decodes to the
// bytes the uncompressed answer has; faults too keep their status.
func TestXpressNegotiation(t *testing.T) {
	for _, version := range []string{mockwsus.DefaultVersion, mockwsus.VersionWSUS2025} {
		h := newHarness(t, mockwsus.Config{Version: version})
		send := func(acceptEncoding string, req any, action string) *httptest.ResponseRecorder {
			body, err := soap.EncodeRequest(soap.SOAP11, req)
			if err != nil {
				t.Fatal(err)
			}
			header := http.Header{}
			soap.SetRequestHeaders(header, soap.SOAP11, action)
			if acceptEncoding != "" {
				header.Set("Accept-Encoding", acceptEncoding)
			}
			return h.serve(http.MethodPost, clientPath, header, body)
		}
		getConfig := &clientws.GetConfig{ProtocolVersion: "2.90"}
		plain := send("", getConfig, clientws.Action("GetConfig"))
		for _, tt := range []struct {
			accept     string
			compressed bool
		}{
			{"xpress", true},
			{"XPRESS", true},
			{"gzip, deflate, xpress", true},
			{"xpress;q=0.5", true},
			{"xpress;q=0", false},
			{"gzip", false},
			{"*", false},
			{"", false},
		} {
			t.Run(version+"/"+tt.accept, func(t *testing.T) {
				rec := send(tt.accept, getConfig, clientws.Action("GetConfig"))
				if got := rec.Header().Get("Content-Encoding") == "xpress"; got != tt.compressed {
					t.Fatalf("Content-Encoding %q, compressed %t wanted", rec.Header().Get("Content-Encoding"), tt.compressed)
				}
				body := rec.Body.Bytes()
				if tt.compressed {
					if rec.Header().Get("Vary") != "Accept-Encoding" {
						t.Errorf("Vary %q, want Accept-Encoding", rec.Header().Get("Vary"))
					}
					var err error
					if body, err = xpress.Decode(body, 1<<20); err != nil {
						t.Fatal(err)
					}
				}
				if !bytes.Equal(body, plain.Body.Bytes()) {
					t.Errorf("answer differs from the uncompressed one:\n%s\n%s", body, plain.Body)
				}
			})
		}
		// A fault (no cookie) is compressed too and keeps its 500.
		rec := send("xpress", &clientws.SyncUpdates{}, clientws.Action("SyncUpdates"))
		if rec.Code != http.StatusInternalServerError || rec.Header().Get("Content-Encoding") != "xpress" {
			t.Fatalf("%s fault: HTTP %d, Content-Encoding %q", version, rec.Code, rec.Header().Get("Content-Encoding"))
		}
		body, err := xpress.Decode(rec.Body.Bytes(), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		var f *soap.Fault
		if err := soap.ParseResponse(body, nil); !errors.As(err, &f) || f.Detail == nil || f.Detail.ErrorCode != "InvalidCookie" {
			t.Errorf("%s: decoded fault %v, want InvalidCookie", version, err)
		}
	}
}

// DriverSyncNotNeeded goes only to clients that said protocolVersion 1.7 or
// later in GetCookie (MS-WUSP 2.2.2.2.4), and only from a modern WSUS.
func TestDriverSyncNotNeededNeedsProtocol17(t *testing.T) {
	for _, tt := range []struct {
		version, protocol, want string
	}{
		{mockwsus.VersionWSUS2025, "1.6", ""},
		{mockwsus.VersionWSUS2025, "1.7", "true"},
		{mockwsus.VersionWSUS2025, "2.90", "true"},
		{mockwsus.DefaultVersion, "2.90", ""},
	} {
		h := newHarness(t, mockwsus.Config{Version: tt.version})
		h.protocol = tt.protocol
		s := h.register(goldenClientID, "win11.lab.local", "")
		var resp clientws.SyncUpdatesResponse
		if _, err := h.post(clientPath, clientws.Action("SyncUpdates"), &clientws.SyncUpdates{Cookie: s.cookie, Parameters: &clientws.SyncUpdateParameters{SkipSoftwareSync: true}}, &resp); err != nil {
			t.Fatal(err)
		}
		if got := resp.SyncUpdatesResult.DriverSyncNotNeeded; got != tt.want {
			t.Errorf("%s, client protocol %s: DriverSyncNotNeeded %q, want %q", tt.version, tt.protocol, got, tt.want)
		}
	}
}
