package mockwsus

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

// fill sets every exported field of the value v points to, recursively:
// text with every character encoding/xml escapes, numbers, true, two
// elements per list (the second nil when they are pointers). A field added
// to an answer type is then set here and must be written by appendAnswer.
func fill(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		if depth > 8 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), depth+1)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[clientws.DateTime]() {
			v.Set(reflect.ValueOf(clientws.NewDateTime(time.Date(2026, 10, 4, 16, 3, 35, 996723600, time.FixedZone("x", 3600)))))
			return
		}
		if v.Type() == reflect.TypeFor[xml.Name]() {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.String:
		v.SetString("a\"b'c&d<e>f\tg\nh\ri\x01j\uFFFEé")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(-7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte{0xfb, 0xff, 1})
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		fill(s.Index(0), depth+1)
		if s.Index(1).Kind() != reflect.Pointer {
			fill(s.Index(1), depth+1)
		}
		v.Set(s)
	}
}

func filled[T any]() *T {
	v := new(T)
	fill(reflect.ValueOf(v).Elem(), 0)
	return v
}

// TestAppendAnswerIsEncodingXML: the byte writer writes what encoding/xml
// writes, for answers with every field set, with the deployments the
// server makes, and with lists and results left empty or nil.
func TestAppendAnswerIsEncodingXML(t *testing.T) {
	cat, err := catalog.Default(1)
	if err != nil {
		t.Fatal(err)
	}
	frags := &fragmentCache{}
	var offers []offer
	deadline := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, u := range cat.Updates() {
		d := catalog.Deployment{ID: int32(9000 + i), Action: "Install", IsAssigned: i%2 == 0, LastChange: deadline, DownloadPriority: i % 3}
		if i%4 == 0 {
			d.Deadline = &deadline
		}
		offers = append(offers, offer{Update: u, Deployment: d})
	}
	withDeployments := filled[syncUpdatesResponse]()
	withDeployments.SyncUpdatesResult.NewUpdates.UpdateInfo = updateInfos(offers, frags)
	withDeployments.SyncUpdatesResult.ChangedUpdates.UpdateInfo = updateInfos(offers[:3], frags)
	extended := filled[getExtendedUpdateInfoResponse]()
	extended.GetExtendedUpdateInfoResult.Updates.Update[0].Xml = frags.extendedOf(cat.Updates()[0])
	answers := []any{
		withDeployments,
		&syncUpdatesResponse{},
		&syncUpdatesResponse{SyncUpdatesResult: &syncInfo{NewUpdates: &arrayOfUpdateInfo{}, OutOfScopeRevisionIDs: &clientws.ArrayOfInt{}}},
		filled[getExtendedUpdateInfoResponse](),
		extended,
		&getExtendedUpdateInfoResponse{GetExtendedUpdateInfoResult: &extendedUpdateInfo{}},
		&getExtendedUpdateInfoResponse{},
		filled[clientws.GetCookieResponse](),
		&clientws.GetCookieResponse{GetCookieResult: &clientws.Cookie{}},
		&clientws.GetCookieResponse{},
		filled[clientws.RegisterComputerResponse](),
		filled[simpleauth.GetAuthorizationCookieResponse](),
		&simpleauth.GetAuthorizationCookieResponse{GetAuthorizationCookieResult: &simpleauth.AuthorizationCookie{}},
		&simpleauth.GetAuthorizationCookieResponse{},
		filled[reporting.ReportEventBatchResponse](),
		&reporting.ReportEventBatchResponse{},
	}
	for i, resp := range answers {
		if !appendable(resp) {
			t.Fatalf("answer %d (%T) is not appendable", i, resp)
		}
		want, err := xml.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendAnswer([]byte("prefix"), resp)
		if !ok || !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Errorf("answer %d (%T):\nappendAnswer %s\nencoding/xml %s", i, resp, got, want)
		}
	}
	// A deployment with fields the server never sets goes through
	// encoding/xml.
	odd := filled[syncUpdatesResponse]()
	if appendable(odd) {
		t.Error("a SyncUpdates answer with every Deployment field set is appendable; appendDeployment writes only wireDeployment's fields")
	}
	for _, resp := range []any{&clientws.RefreshCacheResponse{}, &clientws.GetConfigResponse{}} {
		if appendable(resp) {
			t.Errorf("%T is appendable but appendAnswer does not write it", resp)
		}
	}
}
