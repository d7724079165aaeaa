package clientws

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
)

// syncUpdatesBody is a SyncUpdates of the real captures' size: 94 installed
// non-leaf IDs and 1,300 cached IDs.
func syncUpdatesBody() []byte {
	var b strings.Builder
	b.WriteString(`<SyncUpdates xmlns="` + Namespace + `"><cookie><Expiration>2026-10-04T16:03:35.9967236Z</Expiration><EncryptedData>AAAA</EncryptedData></cookie><parameters><ExpressQuery>false</ExpressQuery><InstalledNonLeafUpdateIDs>`)
	for i := 0; i < 94; i++ {
		fmt.Fprintf(&b, "<int>%d</int>", 100+i*7)
	}
	b.WriteString(`</InstalledNonLeafUpdateIDs><OtherCachedUpdateIDs>`)
	for i := 0; i < 1300; i++ {
		fmt.Fprintf(&b, "<int>%d</int>", 200000+i*3)
	}
	b.WriteString(`</OtherCachedUpdateIDs><SkipSoftwareSync>false</SkipSoftwareSync></parameters></SyncUpdates>`)
	return []byte(b.String())
}

func BenchmarkDecodeSyncUpdates(b *testing.B) {
	body := syncUpdatesBody()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var v SyncUpdates
		if err := xml.Unmarshal(body, &v); err != nil {
			b.Fatal(err)
		}
		if len(v.Parameters.OtherCachedUpdateIDs.Int) != 1300 {
			b.Fatal("lost ints")
		}
	}
}
