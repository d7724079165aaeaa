package capture

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the fields this
// package reads and writes. Two custom fields (HAR allows them with a
// leading underscore) carry what HAR has no place for, so that a capture
// exported and imported again is the same: _exchange (the folder name) and
// _meta (meta.json).
type harFile struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string          `json:"startedDateTime"`
	Time            float64         `json:"time"`
	Request         harRequest      `json:"request"`
	Response        harResponse     `json:"response"`
	Cache           struct{}        `json:"cache"`
	Timings         harTimings      `json:"timings"`
	Exchange        string          `json:"_exchange,omitempty"`
	Meta            json.RawMessage `json:"_meta,omitempty"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []harNV      `json:"cookies"`
	Headers     []harNV      `json:"headers"`
	QueryString []harNV      `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize int          `json:"headersSize"`
	BodySize    int64        `json:"bodySize"`
}

type harPostData struct {
	MimeType string  `json:"mimeType"`
	Text     *string `json:"text,omitempty"`
	// Encoding is not in HAR 1.2's postData, but tools that must carry
	// binary bodies write "base64" here as in content; it is honoured.
	Encoding string `json:"encoding,omitempty"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []harNV    `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int64      `json:"bodySize"`
}

type harContent struct {
	Size     int64   `json:"size"`
	MimeType string  `json:"mimeType"`
	Text     *string `json:"text,omitempty"`
	Encoding string  `json:"encoding,omitempty"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// WriteHAR writes exchanges as a HAR 1.2 log. Bodies that are not valid
// UTF-8 are base64 (content.encoding, and postData.encoding likewise);
// bodies not retained are left out. Each entry keeps its folder name and
// meta.json in the custom fields _exchange and _meta.
func WriteHAR(w io.Writer, exchanges []Exchange) error {
	f := harFile{Log: harLog{Version: "1.2", Creator: harCreator{Name: "github.com/wsusmock/wsusmock/capture", Version: "1"}, Entries: []harEntry{}}}
	for i := range exchanges {
		e, err := toHAR(&exchanges[i])
		if err != nil {
			return err
		}
		f.Log.Entries = append(f.Log.Entries, e)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("capture: writing HAR: %w", err)
	}
	return nil
}

func toHAR(ex *Exchange) (harEntry, error) {
	meta, err := json.Marshal(ex.Meta)
	if err != nil {
		return harEntry{}, fmt.Errorf("capture: exchange %s: encoding meta: %w", ex.Name, err)
	}
	started := ex.Meta.Time
	if started.IsZero() {
		started = time.Unix(0, 0)
	}
	ms := float64(ex.Meta.Duration) / float64(time.Millisecond)
	e := harEntry{
		StartedDateTime: started.UTC().Format(time.RFC3339Nano),
		Time:            ms,
		Timings:         harTimings{Wait: ms},
		Exchange:        ex.Name,
		Meta:            meta,
	}
	req := &ex.Request
	e.Request = harRequest{
		Method: req.Method, URL: exchangeURL(ex), HTTPVersion: protoOr(req.Proto),
		Cookies: []harNV{}, Headers: harHeaders(req.Header), QueryString: queryOf(req.Target),
		HeadersSize: -1, BodySize: int64(len(req.Body)),
	}
	if req.Body != nil || ex.Meta.Bodies == "" && !bodyless(req.Method) {
		text, enc := bodyText(req.Body)
		e.Request.PostData = &harPostData{MimeType: req.Header.Get("Content-Type"), Text: &text, Encoding: enc}
	}
	res := &ex.Response
	e.Response = harResponse{
		Status: res.StatusCode, StatusText: res.Reason, HTTPVersion: protoOr(res.Proto),
		Cookies: []harNV{}, Headers: harHeaders(res.Header), RedirectURL: res.Header.Get("Location"),
		HeadersSize: -1, BodySize: int64(len(res.Body)),
		Content: harContent{Size: int64(len(res.Body)), MimeType: res.Header.Get("Content-Type")},
	}
	if res.Body != nil || ex.Meta.Bodies == "" {
		text, enc := bodyText(res.Body)
		e.Response.Content.Text, e.Response.Content.Encoding = &text, enc
	} else {
		e.Request.BodySize, e.Response.BodySize = -1, -1
		if n, err := strconv.ParseInt(res.Header.Get("Content-Length"), 10, 64); err == nil {
			e.Response.Content.Size = n
		}
	}
	return e, nil
}

func bodyless(method string) bool {
	switch strings.ToUpper(method) {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodDelete:
		return true
	}
	return false
}

func bodyText(b []byte) (string, string) {
	if utf8.Valid(b) {
		return string(b), ""
	}
	return base64.StdEncoding.EncodeToString(b), "base64"
}

func harHeaders(h Header) []harNV {
	out := make([]harNV, 0, len(h))
	for _, f := range h {
		out = append(out, harNV(f))
	}
	return out
}

// exchangeURL is the absolute URL HAR wants: scheme (meta.json's, else
// http), the Host header, the request-target.
func exchangeURL(ex *Exchange) string {
	t := ex.Request.Target
	if strings.Contains(t, "://") {
		return t
	}
	scheme := ex.Meta.Scheme
	if scheme == "" {
		scheme = "http"
	}
	host := ex.Request.Header.Get("Host")
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host + t
}

func queryOf(target string) []harNV {
	out := []harNV{}
	_, q, ok := strings.Cut(target, "?")
	if !ok {
		return out
	}
	for _, kv := range strings.Split(q, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		out = append(out, harNV{Name: k, Value: v})
	}
	return out
}

// ImportHAR reads a HAR log and writes its entries as exchanges in dir
// (created if needed), returning them as written. Bodies come from
// request.postData.text and response.content.text, base64-decoded when
// their encoding says "base64". A request or response without its body
// text is an error naming the entry, except for GET and HEAD requests,
// whose missing response bodies are recorded as not retained (meta.json's
// bodies), like the real content-headers captures. Because HAR content is
// decoded, a Content-Encoding header is dropped and Content-Length fixed,
// and meta.json keeps the wire encoding, as the real captures do. Entries
// exported by WriteHAR come back with their folder names and meta.json.
//
// An import is all or nothing: every entry is checked and every folder name
// taken before anything is written, and when writing an exchange fails (a
// full disk), the exchanges already written by this import are removed, and
// so is dir if the import created it.
func ImportHAR(r io.Reader, dir string) ([]Exchange, error) {
	return importHAR(r, dir, nil)
}

// importHAR is ImportHAR with a hook run before each file is written
// (tests make it fail as a full disk would).
func importHAR(r io.Reader, dir string, beforeFile func(string) error) ([]Exchange, error) {
	var f harFile
	dec := json.NewDecoder(r)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("capture: reading HAR: %w", err)
	}
	if f.Log.Entries == nil {
		return nil, fmt.Errorf("capture: reading HAR: no log.entries")
	}
	exchanges := make([]Exchange, len(f.Log.Entries))
	for i := range f.Log.Entries {
		ex, err := fromHAR(i, &f.Log.Entries[i])
		if err != nil {
			return nil, err
		}
		exchanges[i] = ex
	}
	_, statErr := os.Stat(dir)
	created := errors.Is(statErr, fs.ErrNotExist)
	w, err := NewWriter(dir, WriterOptions{})
	if err != nil {
		return nil, err
	}
	w.beforeFile = beforeFile
	// Every folder name first, in entry order (a numbered name moves the
	// numbering on, as when writing): a name taken twice, or by an exchange
	// already in dir, fails the import before anything is written.
	names := make([]string, len(exchanges))
	for i := range exchanges {
		name := f.Log.Entries[i].Exchange
		if name == "" {
			names[i] = w.reserve()
			continue
		}
		if err := w.claim(name); err != nil {
			w.releaseClaims(names[:i])
			removeIfCreated(dir, created)
			return nil, fmt.Errorf("capture: har entry %d: %w (nothing imported)", i, err)
		}
		names[i] = name
	}
	out := make([]Exchange, 0, len(exchanges))
	for i, ex := range exchanges {
		written, err := w.writeAs(names[i], ex)
		if err != nil {
			// Undo: the folders written so far, the names of the rest
			// (writeAs released its own), then dir if it is new.
			var undo []error
			for _, done := range out {
				if rerr := os.RemoveAll(filepath.Join(dir, done.Name)); rerr != nil {
					undo = append(undo, rerr)
				}
			}
			w.releaseClaims(names[i+1:])
			removeIfCreated(dir, created)
			if len(undo) > 0 {
				return nil, fmt.Errorf("capture: har entry %d: %w (and removing the %d exchanges imported before it failed: %w)", i, err, len(out), errors.Join(undo...))
			}
			return nil, fmt.Errorf("capture: har entry %d: %w (nothing imported)", i, err)
		}
		out = append(out, written)
	}
	return out, nil
}

// removeIfCreated removes dir after a failed import that created it, if it
// is empty (it is, unless someone else wrote into it meanwhile).
func removeIfCreated(dir string, created bool) {
	if created {
		os.Remove(dir)
	}
}

func fromHAR(i int, e *harEntry) (Exchange, error) {
	var ex Exchange
	fail := func(format string, args ...any) (Exchange, error) {
		return ex, fmt.Errorf("capture: har entry %d (%s %s): %s", i, e.Request.Method, e.Request.URL, fmt.Sprintf(format, args...))
	}
	if e.Request.Method == "" || e.Request.URL == "" {
		return fail("the request has no method or URL")
	}
	u, err := url.Parse(e.Request.URL)
	if err != nil || u.Host == "" {
		return fail("the request URL is not absolute")
	}
	ex.Request = Request{Method: e.Request.Method, Target: targetOf(e.Request.URL), Proto: harProto(e.Request.HTTPVersion)}
	for _, h := range e.Request.Headers {
		// HTTP/2 pseudo-headers (:authority, :path) are not header lines.
		// White space around a field value is not part of it (RFC 9110
		// 5.5), and a headers file would not keep it.
		if !strings.HasPrefix(h.Name, ":") {
			ex.Request.Header = append(ex.Request.Header, HeaderField{Name: h.Name, Value: strings.TrimSpace(h.Value)})
		}
	}
	if !ex.Request.Header.Has("Host") {
		ex.Request.Header = append(Header{{Name: "Host", Value: u.Host}}, ex.Request.Header...)
	}
	if len(e.Meta) > 0 {
		if err := json.Unmarshal(e.Meta, &ex.Meta); err != nil {
			return fail("_meta: %v", err)
		}
	} else {
		if t, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err == nil {
			ex.Meta.Time = t.UTC()
		}
		if e.Time > 0 {
			ex.Meta.Duration = time.Duration(e.Time * float64(time.Millisecond))
		}
		ex.Meta.Scheme = u.Scheme
	}

	// Status 0 with an error is an exchange that got no response, as
	// WriteHAR exports one.
	noResponse := e.Response.Status == 0 && ex.Meta.Error != ""
	if !noResponse {
		ex.Response = Response{Proto: harProto(e.Response.HTTPVersion), StatusCode: e.Response.Status, Reason: strings.TrimSpace(e.Response.StatusText)}
		if ex.Response.StatusCode < 100 || ex.Response.StatusCode > 999 {
			return fail("response status %d is not an HTTP status", e.Response.Status)
		}
		if ex.Response.Reason == "" && len(e.Meta) == 0 {
			ex.Response.Reason = http.StatusText(ex.Response.StatusCode)
		}
		for _, h := range e.Response.Headers {
			if !strings.HasPrefix(h.Name, ":") {
				ex.Response.Header = append(ex.Response.Header, HeaderField{Name: h.Name, Value: strings.TrimSpace(h.Value)})
			}
		}
	}

	// What a folder cannot hold must be refused here, not found unreadable
	// later: the request and status lines and the headers have to read back
	// as they are (FuzzImportHAR, seed 5a73ce17ae7c146b: an httpVersion of
	// "HT\xff\xff/1.1").
	if back, err := parseRequestHead(formatRequestHead(&ex.Request)); err != nil || !reflect.DeepEqual(back, ex.Request) {
		return fail("the request line or headers cannot be stored as a request.headers file (method, URL, httpVersion %q and header names must be HTTP tokens, values one line)", e.Request.HTTPVersion)
	}
	if !noResponse {
		if back, err := parseResponseHead(formatResponseHead(&ex.Response)); err != nil || !reflect.DeepEqual(back, ex.Response) {
			return fail("the status line or headers cannot be stored as a response.headers file (httpVersion %q, statusText and header names must be HTTP tokens, values one line)", e.Response.HTTPVersion)
		}
	}

	get := bodyless(ex.Request.Method)
	switch pd := e.Request.PostData; {
	case pd != nil && pd.Text != nil:
		b, err := decodeHARText(*pd.Text, pd.Encoding)
		if err != nil {
			return fail("request postData: %v", err)
		}
		ex.Request.Body = b
	case get || e.Request.BodySize == 0:
	case ex.Meta.Bodies != "":
	default:
		return fail("the request body is missing (no postData.text): a %s needs its body to be replayed", ex.Request.Method)
	}
	c := e.Response.Content
	switch {
	case noResponse:
	case c.Text != nil:
		b, err := decodeHARText(*c.Text, c.Encoding)
		if err != nil {
			return fail("response content: %v", err)
		}
		ex.Response.Body = b
	case c.Size == 0 || ex.Response.StatusCode == http.StatusNoContent || ex.Response.StatusCode == http.StatusNotModified || strings.EqualFold(ex.Request.Method, http.MethodHead):
	case ex.Meta.Bodies != "":
	case get:
		ex.Meta.Bodies = "not retained (the HAR entry has no response content text)"
	default:
		return fail("the response body is missing (no content.text, content.size %d)", c.Size)
	}
	if len(e.Meta) == 0 && ex.Response.Body != nil {
		if ce := ex.Response.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
			// HAR content is decoded: keep the headers true to the body
			// stored, and note the wire encoding as the real captures do.
			if ex.Meta.Extra == nil {
				ex.Meta.Extra = map[string]json.RawMessage{}
			}
			enc, _ := json.Marshal("Content-Encoding: " + ce)
			ex.Meta.Extra["wire_response_content_encoding"] = enc
			if e.Response.BodySize > 0 {
				ex.Meta.Extra["wire_response_content_length"] = json.RawMessage(strconv.FormatInt(e.Response.BodySize, 10))
			}
			ex.Response.Header.Del("Content-Encoding")
			if ex.Response.Header.Has("Content-Length") {
				ex.Response.Header.Set("Content-Length", strconv.Itoa(len(ex.Response.Body)))
			}
		}
	}
	return ex, nil
}

func decodeHARText(text, encoding string) ([]byte, error) {
	switch strings.ToLower(encoding) {
	case "":
		return []byte(text), nil
	case "base64":
		b, err := base64.StdEncoding.DecodeString(text)
		if err != nil {
			return nil, fmt.Errorf("invalid base64: %w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("unknown encoding %q (want base64 or none)", encoding)
}

// targetOf cuts the request-target out of an absolute URL, textually, so
// that it comes back exactly as it was recorded.
func targetOf(raw string) string {
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	j := strings.IndexAny(rest, "/?")
	if j < 0 {
		return "/"
	}
	t := rest[j:]
	if k := strings.IndexByte(t, '#'); k >= 0 {
		t = t[:k]
	}
	if strings.HasPrefix(t, "?") {
		t = "/" + t
	}
	return t
}

// harProto maps HAR's httpVersion spellings (http/1.1, h2, h3) to a
// request-line protocol.
func harProto(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return "HTTP/1.1"
	case "h2", "http/2", "http/2.0":
		return "HTTP/2.0"
	case "h3", "http/3", "http/3.0":
		return "HTTP/3.0"
	}
	if strings.HasPrefix(strings.ToUpper(v), "HTTP/") {
		return "HTTP/" + v[5:]
	}
	return v
}
