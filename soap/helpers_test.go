package soap_test

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
)

// Namespaces and actions of the WSUS services, as the tests use them.
const (
	nsClient     = "http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService"
	nsReporting  = "http://www.microsoft.com/SoftwareDistribution"
	actionSync   = nsClient + "/SyncUpdates"
	actionConfig = nsClient + "/GetConfig"
	ns11         = "http://schemas.xmlsoap.org/soap/envelope/"
	ns12         = "http://www.w3.org/2003/05/soap-envelope"
	// nsWCFDispatcher is the namespace of WCF's own fault codes
	// (a:InternalServiceFault, a:ActionNotSupported).
	nsWCFDispatcher = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"
)

// env11 and env12 wrap body (the Body's content) the way the Windows Update
// Agent frames a request.
func env11(body string) string {
	return `<s:Envelope xmlns:s="` + ns11 + `"><s:Body>` + body + `</s:Body></s:Envelope>`
}

func env12(body string) string {
	return `<s:Envelope xmlns:s="` + ns12 + `"><s:Body>` + body + `</s:Body></s:Envelope>`
}

// getConfig is a small operation element in the client namespace.
const getConfig = `<GetConfig xmlns="` + nsClient + `"><protocolVersion>1.20</protocolVersion></GetConfig>`

// getConfigOp is the struct a GetConfig request decodes into.
type getConfigOp struct {
	XMLName         xml.Name `xml:"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService GetConfig"`
	ProtocolVersion string   `xml:"protocolVersion"`
}

// node decodes any element: the generic struct the tests decode unknown
// operations and responses into.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []node     `xml:",any"`
}

// hdr builds a header from key/value pairs with Set (canonical keys).
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// hiddenLength hides the length of a body from httptest.NewRequest, so the
// request has no Content-Length (ContentLength -1, as with chunked encoding).
type hiddenLength struct{ io.Reader }

// newPost returns a POST to the client web service with body and header.
func newPost(body string, h http.Header) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/ClientWebService/client.asmx", strings.NewReader(body))
	for k, v := range h {
		r.Header[k] = v
	}
	return r
}
