package simpleauth_test

import (
	"encoding/xml"
	"reflect"
	"testing"

	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

func TestRoundTrip(t *testing.T) {
	for name, msg := range map[string]any{
		"GetAuthorizationCookie": &simpleauth.GetAuthorizationCookie{
			ClientId: "e1da06a3-5601-43c9-bac3-52d5db701494", TargetGroupName: "", DnsName: "xp-sp3.example.org",
		},
		"GetAuthorizationCookieResponse": &simpleauth.GetAuthorizationCookieResponse{
			GetAuthorizationCookieResult: &simpleauth.AuthorizationCookie{PlugInId: "SimpleTargeting", CookieData: simpleauth.Base64Binary{0xde, 0xad, 0xbe, 0xef}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := xml.Marshal(msg)
			if err != nil {
				t.Fatal(err)
			}
			back := reflect.New(reflect.TypeOf(msg).Elem()).Interface()
			if err := xml.Unmarshal(out, back); err != nil {
				t.Fatal(err)
			}
			reflect.ValueOf(msg).Elem().FieldByName("XMLName").Set(reflect.ValueOf(xml.Name{Space: simpleauth.Namespace, Local: name}))
			if !reflect.DeepEqual(msg, back) {
				t.Errorf("round trip differs\n got %#v\nwant %#v\n xml %s", back, msg, out)
			}
		})
	}
}

// The element names and order are those of MS-WUSP; note PlugInId (lower-case d), unlike
// GetConfig's PlugInID.
func TestWireShape(t *testing.T) {
	req, err := xml.Marshal(simpleauth.GetAuthorizationCookie{ClientId: "c", TargetGroupName: "g", DnsName: "d"})
	if err != nil {
		t.Fatal(err)
	}
	const wantReq = `<GetAuthorizationCookie xmlns="http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService">` +
		`<clientId>c</clientId><targetGroupName>g</targetGroupName><dnsName>d</dnsName></GetAuthorizationCookie>`
	if string(req) != wantReq {
		t.Errorf("request = %s\nwant %s", req, wantReq)
	}
	resp, err := xml.Marshal(simpleauth.GetAuthorizationCookieResponse{
		GetAuthorizationCookieResult: &simpleauth.AuthorizationCookie{PlugInId: "SimpleTargeting", CookieData: simpleauth.Base64Binary{1, 2, 3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	const wantResp = `<GetAuthorizationCookieResponse xmlns="http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService">` +
		`<GetAuthorizationCookieResult><PlugInId>SimpleTargeting</PlugInId><CookieData>AQID</CookieData></GetAuthorizationCookieResult></GetAuthorizationCookieResponse>`
	if string(resp) != wantResp {
		t.Errorf("response = %s\nwant %s", resp, wantResp)
	}
}

func TestActions(t *testing.T) {
	const want = "http://www.microsoft.com/SoftwareDistribution/Server/SimpleAuthWebService/GetAuthorizationCookie"
	if simpleauth.ActionGetAuthorizationCookie != want || simpleauth.Action(simpleauth.OpGetAuthorizationCookie) != want {
		t.Errorf("action = %q", simpleauth.ActionGetAuthorizationCookie)
	}
}
