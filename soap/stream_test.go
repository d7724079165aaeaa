package soap

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
	"github.com/wsusmock/wsusmock/soap/xmlstream"
)

// The streaming decoder against encoding/xml. Fuzz with
//
//	go test -run='^$' -fuzz=FuzzStreamDecode -fuzztime=60s ./soap/

// streamTypes are the message types with a streaming decoder, each made
// fresh.
var streamTypes = []func() StreamDecoder{
	func() StreamDecoder { return new(clientws.GetConfig) },
	func() StreamDecoder { return new(clientws.GetConfigResponse) },
	func() StreamDecoder { return new(clientws.GetCookie) },
	func() StreamDecoder { return new(clientws.GetCookieResponse) },
	func() StreamDecoder { return new(clientws.RegisterComputer) },
	func() StreamDecoder { return new(clientws.RegisterComputerResponse) },
	func() StreamDecoder { return new(clientws.StartCategoryScan) },
	func() StreamDecoder { return new(clientws.SyncUpdates) },
	func() StreamDecoder { return new(clientws.SyncUpdatesResponse) },
	func() StreamDecoder { return new(clientws.RefreshCache) },
	func() StreamDecoder { return new(clientws.RefreshCacheResponse) },
	func() StreamDecoder { return new(clientws.GetExtendedUpdateInfo) },
	func() StreamDecoder { return new(clientws.GetExtendedUpdateInfoResponse) },
	func() StreamDecoder { return new(clientws.GetFileLocations) },
	func() StreamDecoder { return new(clientws.GetFileLocationsResponse) },
	func() StreamDecoder { return new(simpleauth.GetAuthorizationCookie) },
	func() StreamDecoder { return new(simpleauth.GetAuthorizationCookieResponse) },
	func() StreamDecoder { return new(reporting.ReportEventBatch) },
	func() StreamDecoder { return new(reporting.ReportEventBatchResponse) },
}

// streamOutcome is what each path made of one input as one type.
type streamOutcome struct {
	sniffed bool // the fast path read the envelope
	decoded bool // and the operation and the rest
	fast    any
	slow    any
	slowErr error
	// slow sniff, for comparing the envelope's reading
	slowReq    *Request
	slowAction string
	fastReq    *Request
	fastAction string
}

var testInterner = &xmlstream.Interner{MinLen: 0, MaxBytes: 8 << 20}

// bothWays decodes data as the type mk makes, on the fast path alone
// (no fallback) and on the slow path alone.
func bothWays(data []byte, mk func() StreamDecoder) streamOutcome {
	var o streamOutcome
	if req, action, ok := sniffStream(data); ok {
		o.sniffed, o.fastReq, o.fastAction = true, req, action
		v := mk()
		d := req.stream
		req.stream = nil
		// Every text goes through an interner, so that the second and
		// later types decoded from one input take its shortcut.
		d.SetInterner(testInterner)
		if v.DecodeStream(d, req.Operation.Space, req.Operation.Local) == nil && finishStream(d) {
			o.decoded, o.fast = true, v
		}
	}
	req, action, err := sniff(data)
	o.slowReq, o.slowAction = req, action
	if err != nil {
		o.slowErr = err
		return o
	}
	v := mk()
	if err := req.Decode(v); err != nil {
		o.slowErr = err
		return o
	}
	o.slow = v
	return o
}

// checkAgree fails when the fast path accepted what the slow path refuses
// or read it differently.
func checkAgree(t *testing.T, data []byte) {
	t.Helper()
	for _, mk := range streamTypes {
		o := bothWays(data, mk)
		if o.sniffed {
			if o.slowReq == nil {
				t.Fatalf("%T: the fast path read an envelope sniff refuses (%v):\n%q", mk(), o.slowErr, data)
			}
			if o.fastReq.Version != o.slowReq.Version || o.fastReq.Operation != o.slowReq.Operation || o.fastAction != o.slowAction {
				t.Fatalf("%T: envelope read as %v %v %q, sniff reads %v %v %q:\n%q", mk(), o.fastReq.Version, o.fastReq.Operation, o.fastAction, o.slowReq.Version, o.slowReq.Operation, o.slowAction, data)
			}
		}
		if !o.decoded {
			continue
		}
		if o.slowErr != nil {
			t.Fatalf("%T: the fast path decoded what encoding/xml refuses (%v):\n%q", mk(), o.slowErr, data)
		}
		if !reflect.DeepEqual(o.fast, o.slow) {
			t.Fatalf("%T: fast and slow paths differ:\nfast %+v\nslow %+v\ninput %q", mk(), o.fast, o.slow, data)
		}
	}
}

// streamSeeds are inputs of every kind: the real captures, each message
// type encoded with values in every field, the fuzz corpora of the other
// targets, and edge cases of the subset.
func streamSeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	flow := shared.FlowDir(tb)
	for _, name := range []string{"request.body", "response.body"} {
		files, err := filepath.Glob(filepath.Join(flow, "*", name))
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	for _, v := range filledMessages() {
		for _, ver := range []Version{SOAP11, SOAP12} {
			b, err := EncodeRequest(ver, v)
			if err != nil {
				tb.Fatal(err)
			}
			seeds = append(seeds, b)
			b, err = AppendEnvelope(nil, ver, "soap", v)
			if err != nil {
				tb.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	for _, dir := range []string{"FuzzReadRequest", "FuzzParseResponse", "FuzzParseFault"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "fuzz", dir, "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			lines := strings.Split(string(b), "\n")
			if len(lines) > 1 && strings.HasPrefix(lines[1], "[]byte(") {
				if s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")")); err == nil {
					seeds = append(seeds, []byte(s))
				}
			}
		}
	}
	const (
		open  = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>`
		close = `</s:Body></s:Envelope>`
		su    = `<SyncUpdates xmlns="` + clientws.Namespace + `">`
	)
	for _, body := range []string{
		su + `<parameters><ExpressQuery> true </ExpressQuery><InstalledNonLeafUpdateIDs><int> 16 </int><int>+28</int><int>-0</int></InstalledNonLeafUpdateIDs></parameters></SyncUpdates>`,
		su + `<parameters><ExpressQuery></ExpressQuery><InstalledNonLeafUpdateIDs/><OtherCachedUpdateIDs><int>2147483647</int><int>-2147483648</int></OtherCachedUpdateIDs></parameters></SyncUpdates>`,
		su + `<parameters><InstalledNonLeafUpdateIDs><int>2147483648</int></InstalledNonLeafUpdateIDs></parameters></SyncUpdates>`,
		su + `<parameters><InstalledNonLeafUpdateIDs><int>1</int></InstalledNonLeafUpdateIDs><InstalledNonLeafUpdateIDs><int>2</int></InstalledNonLeafUpdateIDs></parameters></SyncUpdates>`,
		su + `<cookie><Expiration>2026-10-04T16:03:35Z</Expiration><EncryptedData>AAAA</EncryptedData></cookie><cookie><Expiration/></cookie></SyncUpdates>`,
		su + `<cookie><EncryptedData/></cookie><x:parameters xmlns:x="urn:x" a='1' b="2"><x:ExpressQuery>1</x:ExpressQuery><Unknown><a>t</a></Unknown></x:parameters></SyncUpdates>`,
		su + `<parameters><FeatureScoreMatchingKey>a &amp; b &lt;c&gt; &quot;d&apos; &#65;&#x42;&#xD;&#10;</FeatureScoreMatchingKey><ProductsParameters><DeviceAttributes>x` + "\r\n" + `y` + "\r" + `z</DeviceAttributes></ProductsParameters></parameters></SyncUpdates>`,
		su + `<parameters><FeatureScoreMatchingKey>a &bogus; b</FeatureScoreMatchingKey></parameters></SyncUpdates>`,
		su + `<parameters><FeatureScoreMatchingKey>a ]]> b</FeatureScoreMatchingKey></parameters></SyncUpdates>`,
		su + `<parameters><FeatureScoreMatchingKey>a <b>x</b> c</FeatureScoreMatchingKey></parameters></SyncUpdates>`,
		su + `<parameters><FeatureScoreMatchingKey>` + "\x01" + `</FeatureScoreMatchingKey></parameters></SyncUpdates>`,
		su + `<parameters><FeatureScoreMatchingKey>&#0;</FeatureScoreMatchingKey></parameters></SyncUpdates>`,
		su + `<parameters><FeatureScoreMatchingKey>&#xD800;</FeatureScoreMatchingKey></parameters></SyncUpdates>`,
		su + `<parameters><FeatureScoreMatchingKey>` + "\uFFFE" + `</FeatureScoreMatchingKey></parameters></SyncUpdates>`,
		su + `<parameters><FeatureScoreMatchingKey>é ü 中文</FeatureScoreMatchingKey></parameters></SyncUpdates>`,
		su + `<parameters ><ExpressQuery >yes</ExpressQuery ></parameters></SyncUpdates>`,
		su + `<parameters><ExpressQuery>true</ExpressQuery></parameters></SyncUpdates><extra/>`,
		su + `<parameters><ExpressQuery>true</parameters></ExpressQuery></SyncUpdates>`,
		su + `</SyncUpdates>` + close + `<x/>`,
		`<p:SyncUpdates xmlns:p="` + clientws.Namespace + `"><p:cookie/></p:SyncUpdates>`,
		`<p:SyncUpdates><p:cookie/></p:SyncUpdates>`,
		`<SyncUpdates xmlns="urn:other"/>`,
		`<GetCookie xmlns="` + clientws.Namespace + `"><authCookies><AuthorizationCookie><PlugInId>SimpleTargeting</PlugInId><CookieData>QUJD</CookieData></AuthorizationCookie><AuthorizationCookie/></authCookies><lastChange>2026-01-01T00:00:00</lastChange><currentTime> </currentTime></GetCookie>`,
		`<GetCookie xmlns="` + clientws.Namespace + `"><authCookies><AuthorizationCookie><CookieData>!!</CookieData></AuthorizationCookie></authCookies></GetCookie>`,
		`<RegisterComputer xmlns="` + clientws.Namespace + `"><computerInfo><OSMajorVersion>10</OSMajorVersion><OSServicePackMajorNumber>40000</OSServicePackMajorNumber><OldProductType>255</OldProductType></computerInfo></RegisterComputer>`,
		`<RegisterComputer xmlns="` + clientws.Namespace + `"><computerInfo><OldProductType>256</OldProductType><SuiteMask>-1</SuiteMask></computerInfo></RegisterComputer>`,
		`<SyncUpdatesResponse xmlns="` + clientws.Namespace + `"><SyncUpdatesResult><NewUpdates><UpdateInfo><ID>1</ID><Deployment><ID>2</ID><Action>Install</Action><CacheLifetimeMinutes>5</CacheLifetimeMinutes></Deployment><IsLeaf>true</IsLeaf><Xml>&lt;UpdateIdentity UpdateID="x" /&gt;</Xml><Verification Timestamp="2026-01-01T00:00:00Z" LeafCertificateId="7" Signature="QUJD" Algorithm="sha1"/></UpdateInfo></NewUpdates><Truncated>false</Truncated></SyncUpdatesResult></SyncUpdatesResponse>`,
		`<SyncUpdatesResponse xmlns="` + clientws.Namespace + `"><SyncUpdatesResult><NewUpdates><UpdateInfo><Verification xmlns:Algorithm="urn:a" LeafCertificateId=""/></UpdateInfo></NewUpdates></SyncUpdatesResult></SyncUpdatesResponse>`,
		`<SyncUpdatesResponse xmlns="` + clientws.Namespace + `"><SyncUpdatesResult><NewUpdates><UpdateInfo><Verification Signature="QU&amp;JD"/></UpdateInfo></NewUpdates></SyncUpdatesResult></SyncUpdatesResponse>`,
		`<ReportEventBatch xmlns="` + reporting.Namespace + `"><eventBatch><ReportingEvent><BasicData><EventID>147</EventID></BasicData></ReportingEvent></eventBatch></ReportEventBatch>`,
	} {
		seeds = append(seeds, []byte(open+body+close))
	}
	for _, doc := range []string{
		"\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n" + open + `<GetConfig xmlns="` + clientws.Namespace + `"/>` + close + "\n",
		`<?xml version="1.1"?>` + open + `<GetConfig xmlns="` + clientws.Namespace + `"/>` + close,
		` <?xml version="1.0"?>` + open + `<GetConfig xmlns="` + clientws.Namespace + `"/>` + close,
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><a:Action xmlns:a="http://www.w3.org/2005/08/addressing"> urn:x </a:Action><h>1<i/></h></s:Header><s:Body><GetConfig xmlns="` + clientws.Namespace + `"/></s:Body></s:Envelope>`,
		`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/><s:Header/><s:Body><GetConfig xmlns="` + clientws.Namespace + `"/></s:Body></s:Envelope>`,
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"> x <s:Body><GetConfig xmlns="` + clientws.Namespace + `"/></s:Body></s:Envelope>`,
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>`,
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetConfig xmlns="` + clientws.Namespace + `"/></s:Body></s:Envelope><s:Envelope/>`,
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><t:Body xmlns:t="http://www.w3.org/2003/05/soap-envelope"><GetConfig xmlns="` + clientws.Namespace + `"/></t:Body></s:Envelope>`,
	} {
		seeds = append(seeds, []byte(doc))
	}
	return seeds
}

// filledMessages are message values with every field the fast path reads
// set, so that their encodings exercise each generated case.
func filledMessages() []any {
	ints := &clientws.ArrayOfInt{Int: []int32{1, -2, 2147483647}}
	cookie := &clientws.Cookie{Expiration: clientws.NewDateTime(clientws.DateTime{}.Time.AddDate(2026, 0, 0)), EncryptedData: []byte("sealed & <secret>")}
	strs := &clientws.ArrayOfString{String: []string{"en", "a<b", ""}}
	v := uint16(30)
	dep := &clientws.Deployment{ID: 9, Action: "Install", Deadline: "2026-01-01T00:00:00Z", IsAssigned: true, LastChangeTime: "2008-06-10", HardwareIds: strs, DriverMetadata: &clientws.DriverMetadata{Model: "m"}, CacheLifetimeMinutes: &v, TargetGroupId: "g"}
	ver := &clientws.Verification{LeafCertificateId: 7, Signature: []byte{1, 2, 3}, Algorithm: "sha256"}
	return []any{
		&clientws.GetConfig{ProtocolVersion: "1.20"},
		&clientws.GetCookie{AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{{PlugInId: "SimpleTargeting", CookieData: []byte("abc")}, {}}}, OldCookie: cookie, ProtocolVersion: "1.20"},
		&clientws.RegisterComputer{Cookie: cookie, ComputerInfo: &clientws.ComputerInfo{DnsName: "pc.lab", OSMajorVersion: 10, OSBuildNumber: 26100, OSServicePackMajorNumber: -3, OldProductType: 1, SuiteMask: 256, ClientVersionQfeNumber: 7, OSDescription: "Windows & <co>"}},
		&clientws.SyncUpdates{Cookie: cookie, Parameters: &clientws.SyncUpdateParameters{ExpressQuery: true, InstalledNonLeafUpdateIDs: ints, OtherCachedUpdateIDs: &clientws.ArrayOfInt{}, SkipSoftwareSync: true,
			SystemSpec:        &clientws.ArrayOfDevice{Device: []*clientws.Device{{HardwareIDs: strs, InstalledDriver: &clientws.InstalledDriver{MatchingID: "m", DriverVerVersion: -1 << 40, DriverRank: 3}, DeviceFlags: 2}}},
			FilterCategoryIds: &clientws.ArrayOfCategoryIdentifier{CategoryIdentifier: []*clientws.CategoryIdentifier{{Id: "c1"}}}, ComputerSpec: &clientws.ComputerHardwareSpecification{HardwareIDs: &clientws.ArrayOfGuid{Guid: []clientws.Guid{"h1", "h2"}}},
			ExtendedUpdateInfoParameters: &clientws.ExtendedUpdateInfoParameters{XmlUpdateFragmentTypes: &clientws.ArrayOfXmlUpdateFragmentType{XmlUpdateFragmentType: []clientws.XmlUpdateFragmentType{"Extended"}}, Locales: strs},
			ProductsParameters:           &clientws.SyncProductsParameters{SyncCurrentVersionOnly: true, Products: "PN=x&y"}, PendingUpdateIDs: ints}},
		&clientws.GetExtendedUpdateInfo{Cookie: cookie, RevisionIDs: ints, InfoTypes: &clientws.ArrayOfXmlUpdateFragmentType{XmlUpdateFragmentType: []clientws.XmlUpdateFragmentType{"Core", "Extended"}}, Locales: strs, GeoId: "244"},
		&clientws.GetFileLocations{Cookie: cookie, FileDigests: &clientws.ArrayOfBase64Binary{Base64Binary: []clientws.Base64Binary{{1, 2}, {}}}},
		&clientws.RefreshCache{Cookie: cookie, GlobalIDs: &clientws.ArrayOfUpdateIdentity{UpdateIdentity: []*clientws.UpdateIdentity{{UpdateID: "u", RevisionNumber: 2}}}},
		&clientws.GetConfigResponse{GetConfigResult: &clientws.Config{IsRegistrationRequired: true, AuthInfo: &clientws.ArrayOfAuthPlugInInfo{AuthPlugInInfo: []*clientws.AuthPlugInInfo{{PlugInID: "SimpleTargeting", ServiceUrl: "x"}}}, AllowedEventIds: ints, Properties: &clientws.ArrayOfConfigurationProperty{ConfigurationProperty: []*clientws.ConfigurationProperty{{Name: "a", Value: "b"}}}}},
		&clientws.GetCookieResponse{GetCookieResult: cookie},
		&clientws.RegisterComputerResponse{},
		&clientws.SyncUpdatesResponse{SyncUpdatesResult: &clientws.SyncInfo{NewUpdates: &clientws.ArrayOfUpdateInfo{UpdateInfo: []*clientws.UpdateInfo{{ID: 1, Deployment: dep, IsLeaf: true, Xml: `<UpdateIdentity UpdateID="x" />` + "\r\n\t&", Verification: ver}}}, OutOfScopeRevisionIDs: ints, ChangedUpdates: &clientws.ArrayOfUpdateInfo{}, Truncated: true, NewCookie: cookie, DriverSyncNotNeeded: "false"}},
		&clientws.GetExtendedUpdateInfoResponse{GetExtendedUpdateInfoResult: &clientws.ExtendedUpdateInfo{Updates: &clientws.ArrayOfUpdateData{Update: []*clientws.UpdateData{{ID: 3, Xml: "<Extended/>"}}}, FileLocations: &clientws.ArrayOfFileLocation{FileLocation: []*clientws.FileLocation{{FileDigest: []byte{9}, Url: "http://127.0.0.1/Content/x"}}}, OutOfScopeRevisionIDs: ints}},
		&clientws.RefreshCacheResponse{RefreshCacheResult: &clientws.ArrayOfRefreshCacheResult{RefreshCacheResult: []*clientws.RefreshCacheResult{{RevisionID: 1, GlobalID: &clientws.UpdateIdentity{UpdateID: "u"}, IsLeaf: true, Deployment: dep}}}},
		&simpleauth.GetAuthorizationCookie{ClientId: "id", TargetGroupName: "g", DnsName: "pc"},
		&simpleauth.GetAuthorizationCookieResponse{GetAuthorizationCookieResult: &simpleauth.AuthorizationCookie{PlugInId: "SimpleTargeting", CookieData: []byte("c")}},
		&reporting.ReportEventBatch{Cookie: &reporting.Cookie{EncryptedData: []byte("c")}, EventBatch: &reporting.ArrayOfReportingEvent{ReportingEvent: []*reporting.ReportingEvent{{BasicData: &reporting.BasicData{EventID: 147, Win32HResult: -2145107924, AppName: "AU", TargetID: &reporting.ComputerTargetIdentifier{Sid: "s"}, UpdateID: &reporting.UpdateRevisionIdentifier{UpdateID: "u", RevisionNumber: 1}}, ExtendedData: &reporting.ExtendedData{ReplacementStrings: &reporting.ArrayOfString{String: []string{"a", "b"}}}}}}},
		&reporting.ReportEventBatchResponse{ReportEventBatchResult: true},
	}
}

// TestStreamAgreesOnSeeds runs the differential check on every seed.
func TestStreamAgreesOnSeeds(t *testing.T) {
	for _, s := range streamSeeds(t) {
		checkAgree(t, s)
	}
}

// TestStreamTakesRealTraffic: the fast path must actually carry the
// traffic it exists for. Every captured request and answer, and every
// message type filled in every field, decodes without falling back.
func TestStreamTakesRealTraffic(t *testing.T) {
	var docs [][]byte
	flow := shared.FlowDir(t)
	files, err := filepath.Glob(filepath.Join(flow, "*", "re*.body"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures in %s: %v", flow, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
	}
	for _, v := range filledMessages() {
		b, err := EncodeRequest(SOAP11, v)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
		b, err = AppendEnvelope(nil, SOAP12, "soap", v)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
	}
	for i, doc := range docs {
		req, _, err := sniff(doc)
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if req.Operation.Local == "Fault" {
			continue
		}
		var mk func() StreamDecoder
		for _, m := range streamTypes {
			if reflect.TypeOf(m()).Elem().Name() == req.Operation.Local {
				mk = m
			}
		}
		if mk == nil {
			t.Fatalf("document %d: no streaming type for %s", i, req.Operation.Local)
		}
		o := bothWays(doc, mk)
		if !o.decoded {
			t.Errorf("document %d (%s) fell back to encoding/xml:\n%.300s", i, req.Operation.Local, doc)
		}
		if !reflect.DeepEqual(o.fast, o.slow) {
			t.Errorf("document %d (%s): fast and slow paths differ", i, req.Operation.Local)
		}
	}
}

// FuzzStreamDecode: on any input and for every message type, the
// streaming path either declines or produces exactly what encoding/xml
// produces, and reads the envelope as sniff does; and the public entry
// points (which fall back) return the same value or the same error as the
// slow path alone.
func FuzzStreamDecode(f *testing.F) {
	for _, s := range streamSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgree(t, data)
		for _, mk := range streamTypes {
			viaPublic := mk()
			errPublic := ParseResponse(data, viaPublic)
			o := bothWays(data, mk)
			if (errPublic == nil) != (o.slowErr == nil) {
				t.Fatalf("%T: ParseResponse error %v, slow path error %v", viaPublic, errPublic, o.slowErr)
			}
			if errPublic == nil && !reflect.DeepEqual(viaPublic, o.slow) {
				t.Fatalf("%T: ParseResponse and the slow path differ", viaPublic)
			}
		}
	})
}

// TestStreamFallbackKeepsErrors: a request the fast path declines gets
// the slow path's error, word for word.
func TestStreamFallbackKeepsErrors(t *testing.T) {
	for _, body := range []string{
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><SyncUpdates xmlns="` + clientws.Namespace + `"><parameters><InstalledNonLeafUpdateIDs><int>x</int></InstalledNonLeafUpdateIDs></parameters></SyncUpdates></s:Body></s:Envelope>`,
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><SyncUpdates xmlns="` + clientws.Namespace + `"><parameters></SyncUpdates></s:Body></s:Envelope>`,
		`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><SyncUpdates xmlns="` + clientws.Namespace + `"/></s:Body></s:Envelope>junk`,
	} {
		req, _, ok := sniffStream([]byte(body))
		if !ok {
			t.Fatalf("the fast path did not read the envelope of %s", body)
		}
		errFast := req.Decode(new(clientws.SyncUpdates))
		slow, _, err := sniff([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		errSlow := slow.Decode(new(clientws.SyncUpdates))
		if errFast == nil || errSlow == nil || errFast.Error() != errSlow.Error() {
			t.Errorf("errors differ: %v / %v", errFast, errSlow)
		}
	}
}
