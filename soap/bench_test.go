package soap_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/soap"
)

// syncUpdatesOp is enough of the SyncUpdates request for the benchmark: the
// two id lists are what makes the request big.
type syncUpdatesOp struct {
	XMLName xml.Name `xml:"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService SyncUpdates"`
	Cookie  struct {
		Expiration    string `xml:"Expiration"`
		EncryptedData string `xml:"EncryptedData"`
	} `xml:"cookie"`
	Parameters struct {
		ExpressQuery                  bool    `xml:"ExpressQuery"`
		InstalledNonLeafUpdateIDs     []int32 `xml:"InstalledNonLeafUpdateIDs>int"`
		OtherCachedUpdateIDs          []int32 `xml:"OtherCachedUpdateIDs>int"`
		SkipSoftwareSync              bool    `xml:"SkipSoftwareSync"`
		NeedTwoGroupOutOfScopeUpdates bool    `xml:"NeedTwoGroupOutOfScopeUpdates"`
		AlsoPerformRegularSync        bool    `xml:"AlsoPerformRegularSync"`
		ProductsParameters            struct {
			SyncCurrentVersionOnly bool   `xml:"SyncCurrentVersionOnly"`
			DeviceAttributes       string `xml:"DeviceAttributes"`
			CallerAttributes       string `xml:"CallerAttributes"`
			Products               string `xml:"Products"`
		} `xml:"ProductsParameters"`
	} `xml:"parameters"`
}

// syncUpdatesRequest builds a SyncUpdates request of the size a native agent
// sends on a full scan (94 installed non-leaf ids, 1,300 other cached ids,
// about 28 KB), framed as the agent frames it.
func syncUpdatesRequest(installed, cached int) []byte {
	var b strings.Builder
	b.WriteString(`<s:Envelope xmlns:s="` + ns11 + `"><s:Body><SyncUpdates xmlns="` + nsClient + `"><cookie><Expiration>2026-10-04T16:03:35.9967236Z</Expiration><EncryptedData>`)
	b.WriteString(strings.Repeat("A", 452) + "=")
	b.WriteString(`</EncryptedData></cookie><parameters><ExpressQuery>false</ExpressQuery><InstalledNonLeafUpdateIDs>`)
	id := 16
	for i := range installed {
		id += 7 + i*37%1900
		b.WriteString("<int>" + strconv.Itoa(id) + "</int>")
	}
	b.WriteString(`</InstalledNonLeafUpdateIDs><OtherCachedUpdateIDs>`)
	id = 100000
	for i := range cached {
		id += 3 + i*13%150
		b.WriteString("<int>" + strconv.Itoa(id) + "</int>")
	}
	b.WriteString(`</OtherCachedUpdateIDs><SkipSoftwareSync>false</SkipSoftwareSync><NeedTwoGroupOutOfScopeUpdates>true</NeedTwoGroupOutOfScopeUpdates><AlsoPerformRegularSync>true</AlsoPerformRegularSync><ComputerSpec/><ProductsParameters><SyncCurrentVersionOnly>false</SyncCurrentVersionOnly><DeviceAttributes>`)
	for i := range 60 {
		fmt.Fprintf(&b, "Attribute%02d=Value%d;", i, i*7919)
	}
	b.WriteString(`</DeviceAttributes><CallerAttributes>Interactive=0;SheddingAware=1;Id=&lt;&lt;PROCESS&gt;&gt;: powershell.exe;</CallerAttributes><Products>`)
	for i := range 40 {
		fmt.Fprintf(&b, "PN=Product%d.amd64&amp;V=10.0.%d.1;", i, 26000+i)
	}
	b.WriteString(`</Products></ProductsParameters></parameters></SyncUpdates></s:Body></s:Envelope>`)
	return []byte(b.String())
}

func TestSyncUpdatesRequestDecodes(t *testing.T) {
	body := syncUpdatesRequest(94, 1300)
	req, err := soap.ReadRequest(newPost(string(body), hdr("Content-Type", ct11, "SOAPAction", `"`+actionSync+`"`)), 0)
	if err != nil {
		t.Fatal(err)
	}
	var op syncUpdatesOp
	if err := req.Decode(&op); err != nil {
		t.Fatal(err)
	}
	p := op.Parameters
	if len(p.InstalledNonLeafUpdateIDs) != 94 || len(p.OtherCachedUpdateIDs) != 1300 || !p.AlsoPerformRegularSync || p.ProductsParameters.Products == "" {
		t.Errorf("decoded %d and %d ids, %+v", len(p.InstalledNonLeafUpdateIDs), len(p.OtherCachedUpdateIDs), p.ProductsParameters)
	}
	t.Logf("request is %d bytes", len(body))
}

// BenchmarkReadRequestSyncUpdates measures the server's read path for the
// biggest routine request: ReadRequest plus Decode into a struct with []int32
// id lists.
func BenchmarkReadRequestSyncUpdates(b *testing.B) {
	body := syncUpdatesRequest(94, 1300)
	r := newPost("", hdr("Content-Type", ct11, "SOAPAction", `"`+actionSync+`"`))
	rd := bytes.NewReader(body)
	r.Body = io.NopCloser(rd)
	r.ContentLength = int64(len(body))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		req, err := soap.ReadRequest(r, 0)
		if err != nil {
			b.Fatal(err)
		}
		var op syncUpdatesOp
		if err := req.Decode(&op); err != nil {
			b.Fatal(err)
		}
		if len(op.Parameters.OtherCachedUpdateIDs) != 1300 {
			b.Fatal("ids lost")
		}
	}
}
