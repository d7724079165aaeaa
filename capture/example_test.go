package capture_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/wsusmock/wsusmock/capture"
)

// Record wraps a handler and writes each exchange as one folder of a
// capture directory; Read reads the directory back, and Operation names the
// SOAP operation of each exchange.
func ExampleRecord() {
	dir, err := os.MkdirTemp("", "capture-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	w, err := capture.NewWriter(dir, capture.WriterOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	server := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/xml; charset=utf-8")
		io.WriteString(rw, `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetConfigResponse/></soap:Body></soap:Envelope>`)
	})
	req := httptest.NewRequest(http.MethodPost, "/ClientWebService/client.asmx",
		strings.NewReader(`<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetConfig/></soap:Body></soap:Envelope>`))
	req.Header.Set("SOAPAction", `"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig"`)
	capture.Record(server, w).ServeHTTP(httptest.NewRecorder(), req)
	w.Wait()
	if err := w.Err(); err != nil {
		fmt.Println(err)
		return
	}

	exchanges, err := capture.Read(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, ex := range exchanges {
		fmt.Println(ex.Name, ex.Request.Method, ex.Request.Path(), ex.Operation(), ex.Response.StatusCode)
	}

	// The folder is plain files a person can read and edit (the File*
	// constants name them).
	files, _ := os.ReadDir(filepath.Join(dir, "000001"))
	for _, f := range files {
		fmt.Println(f.Name())
	}
	// Output:
	// 000001 POST /ClientWebService/client.asmx GetConfig 200
	// meta.json
	// request.body
	// request.headers
	// response.body
	// response.headers
}
