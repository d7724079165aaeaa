package mockwsus

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/wsusmock/wsusmock/xpress"
)

// Response compression. A WSUS answers a SOAP request that says
// Accept-Encoding: xpress with its envelope Xpress-compressed (MS-WUSP 2.1:
// the server SHOULD; the captures' server did, for every answer, with
// Content-Encoding: xpress and Vary: Accept-Encoding). An agent that does
// not ask gets the plain envelope, byte for byte what it got before.

// acceptsXpress reports whether the request's Accept-Encoding lists xpress
// with a quality above zero.
func acceptsXpress(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for coding := range strings.SplitSeq(v, ",") {
			name, params, _ := strings.Cut(coding, ";")
			if !strings.EqualFold(strings.TrimSpace(name), "xpress") {
				continue
			}
			q := 1.0
			for p := range strings.SplitSeq(params, ";") {
				k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			return q > 0
		}
	}
	return false
}

// compressor returns where to write the SOAP answer to r and a function to
// call once it is written: w itself and a no-op when r did not ask for
// xpress, else a buffer whose finish encodes it and writes it to w.
func (s *Server) compressor(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, func() error) {
	if !acceptsXpress(r) {
		return w, func() error { return nil }
	}
	x := &xpressWriter{ResponseWriter: w, status: http.StatusOK}
	return x, x.finish
}

// xpressWriter holds an answer until finish compresses it.
type xpressWriter struct {
	http.ResponseWriter
	status int
	body   []byte
}

func (x *xpressWriter) WriteHeader(status int) { x.status = status }

func (x *xpressWriter) Write(p []byte) (int, error) {
	x.body = append(x.body, p...)
	return len(p), nil
}

func (x *xpressWriter) finish() error {
	h := x.ResponseWriter.Header()
	h.Add("Vary", "Accept-Encoding")
	if len(x.body) == 0 {
		x.ResponseWriter.WriteHeader(x.status)
		return nil
	}
	wire := xpress.Encode(nil, x.body)
	h.Set("Content-Encoding", "xpress")
	h.Set("Content-Length", strconv.Itoa(len(wire)))
	x.ResponseWriter.WriteHeader(x.status)
	_, err := x.ResponseWriter.Write(wire)
	return err
}
