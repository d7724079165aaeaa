package clientws_test

import (
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/soap/clientws"
)

var (
	// Times with 100 ns resolution survive the 7-digit wire format exactly.
	expiry = clientws.NewDateTime(time.Date(2026, 10, 4, 16, 3, 35, 996723600, time.UTC))
	cookie = &clientws.Cookie{Expiration: expiry, EncryptedData: clientws.Base64Binary("opaque cookie bytes")}
)

func ints(v ...int32) *clientws.ArrayOfInt { return &clientws.ArrayOfInt{Int: v} }

func strs(v ...string) *clientws.ArrayOfString { return &clientws.ArrayOfString{String: v} }

func deployment(id int32, action clientws.DeploymentAction) *clientws.Deployment {
	return &clientws.Deployment{
		ID: id, Action: action, IsAssigned: true, LastChangeTime: "2026-10-04",
		AutoSelect: "0", AutoDownload: "0", SupersedenceBehavior: "0",
	}
}

// representative values of every request and response wrapper of the service
func messages() map[string]any {
	return map[string]any{
		"GetConfig": &clientws.GetConfig{ProtocolVersion: "1.0"},
		"GetConfigResponse": &clientws.GetConfigResponse{GetConfigResult: &clientws.Config{
			LastChange:             clientws.NewDateTime(time.Date(2007, 1, 31, 4, 16, 35, 240000000, time.UTC)),
			IsRegistrationRequired: true,
			AuthInfo: &clientws.ArrayOfAuthPlugInInfo{AuthPlugInInfo: []*clientws.AuthPlugInInfo{
				{PlugInID: "SimpleTargeting", ServiceUrl: "SimpleAuthWebService/SimpleAuth.asmx"},
			}},
			AllowedEventIds: ints(147, 148),
			Properties: &clientws.ArrayOfConfigurationProperty{ConfigurationProperty: []*clientws.ConfigurationProperty{
				{Name: "MaxExtendedUpdatesPerRequest", Value: "50"},
				{Name: "ProtocolVersion", Value: "3.1"},
			}},
		}},
		"GetCookie": &clientws.GetCookie{
			AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{
				{PlugInId: "SimpleTargeting", CookieData: clientws.Base64Binary{1, 2, 3, 4}},
			}},
			OldCookie:       cookie,
			LastChange:      clientws.NewDateTime(time.Date(2007, 1, 31, 4, 16, 35, 0, time.UTC)),
			CurrentTime:     clientws.NewDateTime(time.Date(2026, 10, 4, 15, 3, 35, 100, time.UTC)),
			ProtocolVersion: "1.8",
		},
		"GetCookieResponse": &clientws.GetCookieResponse{GetCookieResult: cookie},
		"RegisterComputer": &clientws.RegisterComputer{Cookie: cookie, ComputerInfo: &clientws.ComputerInfo{
			DnsName: "xp-sp3.example.org", OSMajorVersion: 5, OSMinorVersion: 1, OSBuildNumber: 2600,
			OSServicePackMajorNumber: 3, OSLocale: "en-US", ComputerManufacturer: "QEMU", ComputerModel: "Standard PC",
			BiosVersion: "1.0", BiosName: "EDK II", BiosReleaseDate: clientws.NewDateTime(time.Date(2022, 2, 2, 0, 0, 0, 0, time.UTC)),
			ProcessorArchitecture: "X86Compatible", SuiteMask: 256, OldProductType: 1, NewProductType: 1,
			ClientVersionMajorNumber: 7, ClientVersionMinorNumber: 2, ClientVersionBuildNumber: 6001, ClientVersionQfeNumber: 788,
		}},
		"RegisterComputerResponse": &clientws.RegisterComputerResponse{},
		"StartCategoryScan": &clientws.StartCategoryScan{RequestedCategories: &clientws.ArrayOfCategoryRelationship{
			CategoryRelationship: []*clientws.CategoryRelationship{{IndexOfAndGroup: 0, CategoryId: "8c3fcc84-7410-4a95-8b89-a166a0190486"}},
		}},
		"StartCategoryScanResponse": &clientws.StartCategoryScanResponse{
			PreferredCategoryIds:        &clientws.ArrayOfGuid{Guid: []clientws.Guid{"8c3fcc84-7410-4a95-8b89-a166a0190486"}},
			RequestedCategoryIdsInError: &clientws.ArrayOfGuid{},
		},
		"SyncUpdates": &clientws.SyncUpdates{Cookie: cookie, Parameters: &clientws.SyncUpdateParameters{
			InstalledNonLeafUpdateIDs:     ints(16, 28, 55),
			OtherCachedUpdateIDs:          ints(3, 8862),
			SystemSpec:                    &clientws.ArrayOfDevice{Device: []*clientws.Device{{HardwareIDs: strs(`PCI\VEN_8086`), InstalledDriver: &clientws.InstalledDriver{DriverVerDate: clientws.NewDateTime(time.Date(2006, 6, 21, 0, 0, 0, 0, time.UTC)), DriverVerVersion: 2814751477604196, DriverRank: -1}}}},
			SkipSoftwareSync:              false,
			NeedTwoGroupOutOfScopeUpdates: true,
			ComputerSpec:                  &clientws.ComputerHardwareSpecification{HardwareIDs: &clientws.ArrayOfGuid{Guid: []clientws.Guid{"458ab48b-acb9-5863-b5a8-d2c32f0d3e6f"}}},
			ProductsParameters:            &clientws.SyncProductsParameters{DeviceAttributes: "App=WU_OS", Products: "PN=Client.OS.rs2.amd64"},
		}},
		"SyncUpdatesResponse": &clientws.SyncUpdatesResponse{SyncUpdatesResult: &clientws.SyncInfo{
			NewUpdates: &clientws.ArrayOfUpdateInfo{UpdateInfo: []*clientws.UpdateInfo{
				{ID: 107176, Deployment: deployment(7605, clientws.DeploymentActionEvaluate), IsLeaf: false, Xml: `<UpdateIdentity UpdateID="378c0b3f-b3be-471d-ac6c-21e0f96d7de4" RevisionNumber="200" /><Properties UpdateType="Detectoid" />`},
				{ID: 8862, Deployment: deployment(1, clientws.DeploymentActionInstall), IsLeaf: true, IsShared: true, Xml: `<Properties UpdateType="Software" />`},
			}},
			OutOfScopeRevisionIDs: ints(42),
			Truncated:             false,
			NewCookie:             cookie,
			DriverSyncNotNeeded:   "false",
		}},
		"RefreshCache": &clientws.RefreshCache{Cookie: cookie, GlobalIDs: &clientws.ArrayOfUpdateIdentity{UpdateIdentity: []*clientws.UpdateIdentity{
			{UpdateID: "378c0b3f-b3be-471d-ac6c-21e0f96d7de4", RevisionNumber: 200},
		}}},
		"RefreshCacheResponse": &clientws.RefreshCacheResponse{RefreshCacheResult: &clientws.ArrayOfRefreshCacheResult{RefreshCacheResult: []*clientws.RefreshCacheResult{
			{RevisionID: 107176, GlobalID: &clientws.UpdateIdentity{UpdateID: "378c0b3f-b3be-471d-ac6c-21e0f96d7de4", RevisionNumber: 200}, Deployment: deployment(7605, clientws.DeploymentActionEvaluate)},
		}}},
		"GetExtendedUpdateInfo": &clientws.GetExtendedUpdateInfo{
			Cookie:      cookie,
			RevisionIDs: ints(191472, 192576),
			InfoTypes: &clientws.ArrayOfXmlUpdateFragmentType{XmlUpdateFragmentType: []clientws.XmlUpdateFragmentType{
				clientws.XmlUpdateFragmentTypeExtended, clientws.XmlUpdateFragmentTypeLocalizedProperties,
			}},
			Locales: strs("en-US", "en"),
			GeoId:   "USA",
		},
		"GetExtendedUpdateInfoResponse": &clientws.GetExtendedUpdateInfoResponse{GetExtendedUpdateInfoResult: &clientws.ExtendedUpdateInfo{
			Updates: &clientws.ArrayOfUpdateData{Update: []*clientws.UpdateData{{ID: 191472, Xml: `<ExtendedProperties DefaultPropertiesLanguage="en" />`}}},
			FileLocations: &clientws.ArrayOfFileLocation{FileLocation: []*clientws.FileLocation{
				{FileDigest: clientws.Base64Binary("01234567890123456789"), Url: "http://wsus:8530/Content/49/A379.exe"},
			}},
			OutOfScopeRevisionIDs: ints(5),
		}},
		"GetFileLocations": &clientws.GetFileLocations{Cookie: cookie, FileDigests: &clientws.ArrayOfBase64Binary{
			Base64Binary: []clientws.Base64Binary{clientws.Base64Binary("01234567890123456789")},
		}},
		"GetFileLocationsResponse": &clientws.GetFileLocationsResponse{GetFileLocationsResult: &clientws.GetFileLocationsResults{
			FileLocations: &clientws.ArrayOfFileLocation{FileLocation: []*clientws.FileLocation{{FileDigest: clientws.Base64Binary{9, 9}, Url: "http://wsus/Content/a.cab"}}},
			NewCookie:     cookie,
		}},
	}
}

func TestRoundTrip(t *testing.T) {
	for name, msg := range messages() {
		t.Run(name, func(t *testing.T) {
			out, err := xml.Marshal(msg)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(out), "<"+name+` xmlns="`+clientws.Namespace+`">`) {
				t.Errorf("marshal starts %.120s, want <%s xmlns=%q>", out, name, clientws.Namespace)
			}
			back := reflect.New(reflect.TypeOf(msg).Elem()).Interface()
			if err := xml.Unmarshal(out, back); err != nil {
				t.Fatalf("unmarshal %s: %v", out, err)
			}
			// XMLName is filled on the way back only
			reflect.ValueOf(msg).Elem().FieldByName("XMLName").Set(reflect.ValueOf(xml.Name{Space: clientws.Namespace, Local: name}))
			if !reflect.DeepEqual(msg, back) {
				t.Errorf("round trip differs\n got %#v\nwant %#v\n xml %s", back, msg, out)
			}
		})
	}
}

// Required members are written even when they hold the zero value; optional ones
// (IsShared has default false) are left out, as WSUS does.
func TestRequiredMembersAreWritten(t *testing.T) {
	resp := clientws.SyncUpdatesResponse{SyncUpdatesResult: &clientws.SyncInfo{
		NewUpdates: &clientws.ArrayOfUpdateInfo{UpdateInfo: []*clientws.UpdateInfo{{ID: 0, Deployment: &clientws.Deployment{}}}},
	}}
	out, err := xml.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		"<Truncated>false</Truncated>", "<IsLeaf>false</IsLeaf>", "<UpdateInfo><ID>0</ID>",
		"<Deployment><ID>0</ID><Action></Action><IsAssigned>false</IsAssigned></Deployment>",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("marshal lacks %s:\n%s", want, s)
		}
	}
	for _, unwanted := range []string{"IsShared", "Verification", "NewCookie", "DriverSyncNotNeeded"} {
		if strings.Contains(s, unwanted) {
			t.Errorf("marshal has optional %s:\n%s", unwanted, s)
		}
	}

	params, err := xml.Marshal(clientws.SyncUpdateParameters{})
	if err != nil {
		t.Fatal(err)
	}
	want := "<SyncUpdateParameters><ExpressQuery>false</ExpressQuery><SkipSoftwareSync>false</SkipSoftwareSync>" +
		"<NeedTwoGroupOutOfScopeUpdates>false</NeedTwoGroupOutOfScopeUpdates><AlsoPerformRegularSync>false</AlsoPerformRegularSync></SyncUpdateParameters>"
	if string(params) != want {
		t.Errorf("empty SyncUpdateParameters = %s, want %s", params, want)
	}
}
