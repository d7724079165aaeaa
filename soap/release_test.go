package soap_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// TestReleaseKeepsDecodedValues: after Release the body's buffer is reused
// by the next request, and what was decoded from the first request must not
// change: decoding copies everything it keeps, on the fast path and on the
// encoding/xml path (a comment makes the fast path decline), and Release
// takes Raw away so that nothing reads the reused bytes through it.
func TestReleaseKeepsDecodedValues(t *testing.T) {
	sync := func(fill byte) *clientws.SyncUpdates {
		ids := make([]int32, 300)
		for i := range ids {
			ids[i] = int32(fill)*1000 + int32(i)
		}
		return &clientws.SyncUpdates{
			Cookie: &clientws.Cookie{EncryptedData: clientws.Base64Binary(bytes.Repeat([]byte{fill}, 64))},
			Parameters: &clientws.SyncUpdateParameters{
				InstalledNonLeafUpdateIDs: &clientws.ArrayOfInt{Int: ids},
				FeatureScoreMatchingKey:   strings.Repeat(string(rune('a'+fill%26)), 200) + " &amp; <x>",
			},
		}
	}
	for _, slow := range []bool{false, true} {
		read := func(v *clientws.SyncUpdates) (*soap.Request, *clientws.SyncUpdates) {
			t.Helper()
			body, err := soap.EncodeRequest(soap.SOAP11, v)
			if err != nil {
				t.Fatal(err)
			}
			if slow {
				body = bytes.Replace(body, []byte("<parameters>"), []byte("<parameters><!-- c -->"), 1)
			}
			r := httptest.NewRequest(http.MethodPost, "/ClientWebService/client.asmx", bytes.NewReader(body))
			soap.SetRequestHeaders(r.Header, soap.SOAP11, clientws.ActionSyncUpdates)
			req, err := soap.ReadRequest(r, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got clientws.SyncUpdates
			if err := req.Decode(&got); err != nil {
				t.Fatal(err)
			}
			return req, &got
		}
		first, got := read(sync(1))
		want := sync(1)
		first.Release()
		if first.Raw != nil {
			t.Errorf("slow path %v: Raw is still set after Release", slow)
		}
		for i := range 8 {
			next, _ := read(sync(byte(2 + i)))
			next.Release()
		}
		if !reflect.DeepEqual(got.Cookie.EncryptedData, want.Cookie.EncryptedData) ||
			!reflect.DeepEqual(got.Parameters.InstalledNonLeafUpdateIDs, want.Parameters.InstalledNonLeafUpdateIDs) ||
			got.Parameters.FeatureScoreMatchingKey != want.Parameters.FeatureScoreMatchingKey {
			t.Errorf("slow path %v: a value decoded before Release changed when its buffer was reused", slow)
		}
	}
}
