package h1client

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"reflect"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// writeFast writes req as (*http.Request).Write does, byte for byte and
// hook for hook (FuzzWriteFast checks it), for the requests a load sends:
// no Close, TransferEncoding or Trailer, an ASCII host, a body of known
// length held in memory (or none), and no WroteHeaderField hook. It skips
// Request.Write's formatting and sorting machinery. ok is false, with
// nothing written, for any other request, which goes to Request.Write.
// Like Request.Write, it closes the request's body.
func writeFast(w *bufio.Writer, req *http.Request, trace *httptrace.ClientTrace) (ok bool, err error) {
	if req.Close || req.TransferEncoding != nil || req.Trailer != nil || req.URL.Opaque != "" ||
		trace != nil && trace.WroteHeaderField != nil {
		return false, nil
	}
	body, n := req.Body, req.ContentLength
	switch {
	case body == nil || body == http.NoBody:
		if n != 0 {
			return false, nil
		}
	case n <= 0 || !inMemory(body):
		return false, nil
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if !httpguts.ValidHostHeader(host) || strings.IndexByte(host, '%') >= 0 || !ascii(host) {
		return false, nil
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	ruri := req.URL.RequestURI()
	for i := 0; i < len(ruri); i++ {
		if b := ruri[i]; b < ' ' || b == 0x7f {
			return false, nil
		}
	}
	// The header lines in Request.Write's order: sorted keys, without the
	// five it writes itself.
	var keyBuf [16]string
	keys := keyBuf[:0]
	for k := range req.Header {
		switch k {
		case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer":
			continue
		}
		// Request.Write drops invalid names; check refused them already.
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}

	w.WriteString(method)
	w.WriteByte(' ')
	w.WriteString(ruri)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(host)
	w.WriteString("\r\n")
	ua := "Go-http-client/1.1"
	if vv, ok := req.Header["User-Agent"]; ok {
		ua = ""
		if len(vv) > 0 {
			ua = trim(vv[0])
		}
	}
	if ua != "" {
		w.WriteString("User-Agent: ")
		w.WriteString(ua)
		w.WriteString("\r\n")
	}
	if n > 0 || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch {
		var num [20]byte
		w.WriteString("Content-Length: ")
		w.Write(strconv.AppendInt(num[:0], n, 10))
		w.WriteString("\r\n")
	}
	for _, k := range keys {
		for _, v := range req.Header[k] {
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(trim(v))
			w.WriteString("\r\n")
		}
	}
	w.WriteString("\r\n")
	if trace != nil && trace.WroteHeaders != nil {
		trace.WroteHeaders()
	}
	if n > 0 {
		err = writeBody(w, body, n)
	}
	if trace != nil && trace.WroteRequest != nil {
		trace.WroteRequest(httptrace.WroteRequestInfo{Err: err})
	}
	return true, err
}

// writeBody copies a body of length n and closes it, as Request.Write does:
// a body shorter or longer than n is an error.
func writeBody(w *bufio.Writer, body io.ReadCloser, n int64) error {
	ncopy, err := io.Copy(w, io.LimitReader(body, n))
	if err == nil {
		var extra int64
		extra, err = io.Copy(io.Discard, body)
		ncopy += extra
	}
	if cerr := body.Close(); err == nil {
		err = cerr
	}
	if err == nil && ncopy != n {
		err = fmt.Errorf("http: ContentLength=%d with Body length %d", n, ncopy)
	}
	return err
}

// trim is textproto.TrimString: values reach here without CR or LF (check
// refused them), so Request.Write's newline replacement has nothing to do.
func trim(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// The types io.NopCloser returns, as net/http recognises them.
var (
	nopCloserType         = reflect.TypeOf(io.NopCloser(nil))
	nopCloserWriterToType = reflect.TypeOf(io.NopCloser(strings.NewReader("")))
)

// inMemory is net/http's isKnownInMemoryReader for the types a request
// body has (http.NewRequest wraps a *bytes.Reader in io.NopCloser): for
// these Request.Write does not flush the headers before the body.
func inMemory(r io.Reader) bool {
	switch r.(type) {
	case *bytes.Reader, *bytes.Buffer, *strings.Reader:
		return true
	}
	if t := reflect.TypeOf(r); t == nopCloserType || t == nopCloserWriterToType {
		inner, _ := reflect.ValueOf(r).Field(0).Interface().(io.Reader)
		return inner != nil && inMemory(inner)
	}
	return false
}
