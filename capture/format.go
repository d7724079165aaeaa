package capture

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// File names inside an exchange folder, and the redaction manifest of a
// capture directory.
const (
	FileRequestHeaders  = "request.headers"
	FileRequestBody     = "request.body"
	FileResponseHeaders = "response.headers"
	FileResponseBody    = "response.body"
	FileMeta            = "meta.json"
	FileRedactions      = "redactions.json"
)

// HeaderField is one header line.
type HeaderField struct {
	Name  string
	Value string
}

// Header is an HTTP header in wire order. A slice rather than an
// http.Header because the real captures keep the order and spelling the
// Windows Update Agent sent (SOAPAction, Host last), and a capture read and
// written again must come out the same.
type Header []HeaderField

// Get returns the first value of name (case-insensitive), or "".
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Has reports whether h has a field called name (case-insensitive).
func (h Header) Has(name string) bool {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return true
		}
	}
	return false
}

// Values returns every value of name (case-insensitive), in order.
func (h Header) Values(name string) []string {
	var out []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f.Value)
		}
	}
	return out
}

// Clone returns a copy of h that shares nothing with it.
func (h Header) Clone() Header {
	if h == nil {
		return nil
	}
	return append(Header(nil), h...)
}

// Set replaces the first field called name, drops the others, and appends
// the field when h has none, keeping every other field in place.
func (h *Header) Set(name, value string) {
	out := (*h)[:0:0]
	done := false
	for _, f := range *h {
		if strings.EqualFold(f.Name, name) {
			if !done {
				out = append(out, HeaderField{Name: f.Name, Value: value})
				done = true
			}
			continue
		}
		out = append(out, f)
	}
	if !done {
		out = append(out, HeaderField{Name: name, Value: value})
	}
	*h = out
}

// Del removes every field called name.
func (h *Header) Del(name string) {
	out := (*h)[:0:0]
	for _, f := range *h {
		if !strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	*h = out
}

// HTTP returns h as an http.Header (canonical keys).
func (h Header) HTTP() http.Header {
	out := make(http.Header, len(h))
	for _, f := range h {
		out.Add(f.Name, f.Value)
	}
	return out
}

// conventionalNames are the spellings the Windows Update Agent and IIS use
// for headers Go canonicalises differently; a recording shows them as the
// wire had them.
var conventionalNames = map[string]string{
	"Soapaction":       "SOAPAction",
	"Ms-Cv":            "MS-CV",
	"X-Aspnet-Version": "X-AspNet-Version",
	"Etag":             "ETag",
	"Www-Authenticate": "WWW-Authenticate",
}

// headerFromHTTP turns an http.Header into a Header: host (if not empty)
// first as http.Request.Write does, then the fields sorted by name.
func headerFromHTTP(hh http.Header, host string) Header {
	var out Header
	if host != "" {
		out = append(out, HeaderField{Name: "Host", Value: host})
	}
	keys := make([]string, 0, len(hh))
	for k := range hh {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := k
		if c, ok := conventionalNames[http.CanonicalHeaderKey(k)]; ok {
			name = c
		}
		for _, v := range hh[k] {
			out = append(out, HeaderField{Name: name, Value: v})
		}
	}
	return out
}

// Request is a recorded HTTP request.
type Request struct {
	Method string
	// Target is the request-target of the request line, e.g.
	// /ClientWebService/client.asmx (path and query).
	Target string
	// Proto is the protocol of the request line, e.g. HTTP/1.1.
	Proto  string
	Header Header
	// Body is nil when empty or not retained (see Meta.Bodies).
	Body []byte
}

// Path returns Target without its query, as meta.json's path.
func (r *Request) Path() string {
	t := r.Target
	if i := strings.Index(t, "://"); i >= 0 {
		// An absolute-form target (a request to a proxy).
		rest := t[i+3:]
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return "/"
		}
		t = rest[j:]
	}
	if i := strings.IndexAny(t, "?#"); i >= 0 {
		t = t[:i]
	}
	return t
}

// SOAPAction returns the request's SOAP action without quotes: the
// SOAPAction header (SOAP 1.1) or the action parameter of a SOAP 1.2
// Content-Type; "" when it has neither.
func (r *Request) SOAPAction() string {
	if v := r.Header.Values("SOAPAction"); len(v) > 0 {
		return unquote(v[0])
	}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil {
		return unquote(params["action"])
	}
	return ""
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return s
}

// Response is a recorded HTTP response.
type Response struct {
	Proto      string
	StatusCode int
	// Reason is the reason phrase of the status line ("OK").
	Reason string
	Header Header
	// Body is nil when empty or not retained (see Meta.Bodies).
	Body []byte
}

// Exchange is one request and its response, as one folder of a capture.
type Exchange struct {
	// Name is the folder name: 000001, 000002, ... for exchanges this
	// package writes; any name for folders read.
	Name     string
	Request  Request
	Response Response
	Meta     Meta
}

// Operation returns the SOAP operation of the exchange (the last segment
// of its action), or "" for a request that is not SOAP.
func (e *Exchange) Operation() string {
	a := e.Request.SOAPAction()
	if a == "" {
		return ""
	}
	return a[strings.LastIndexByte(a, '/')+1:]
}

// Meta is meta.json. The fields of the real captures are kept with their
// meaning: *_body_bytes and *_body_sha256 describe the body file as stored;
// *_body_size is the original size on the wire (before redaction or
// truncation). Fields this package does not know are kept in Extra and
// written back, so a capture read and written again is unchanged.
type Meta struct {
	Method     string // method
	Path       string // path
	SOAPAction string // soap_action, as the header carried it (quoted)
	Status     int    // status

	RequestBodyBytes      int64  // request_body_bytes
	RequestBodySHA256     string // request_body_sha256
	RequestBodySize       int64  // request_body_size
	RequestBodyTruncated  bool   // request_body_truncated (ours)
	ResponseBodyBytes     int64  // response_body_bytes
	ResponseBodySHA256    string // response_body_sha256
	ResponseBodySize      int64  // response_body_size
	ResponseBodyTruncated bool   // response_body_truncated (ours)

	// Sanitized says redaction was applied (sanitized).
	Sanitized bool
	// Bodies, when not empty, says why body files are absent (bodies), as
	// the real content-headers captures do: "not retained (...)".
	Bodies string

	// Ours: when the request arrived, how long the exchange took, the
	// scheme the client used, and what went wrong (error).
	Time     time.Time     // time
	Duration time.Duration // duration_ms (milliseconds, fractional)
	Scheme   string        // scheme
	Error    string        // error

	// Extra holds the fields this package does not know, compacted.
	Extra map[string]json.RawMessage
}

// metaKeys are the JSON names of the known fields.
var metaKeys = map[string]bool{
	"method": true, "path": true, "soap_action": true, "status": true,
	"request_body_bytes": true, "request_body_sha256": true, "request_body_size": true, "request_body_truncated": true,
	"response_body_bytes": true, "response_body_sha256": true, "response_body_size": true, "response_body_truncated": true,
	"sanitized": true, "bodies": true, "time": true, "duration_ms": true, "scheme": true, "error": true,
}

// MarshalJSON writes the fields with sorted keys, as the real captures do.
func (m Meta) MarshalJSON() ([]byte, error) {
	out := map[string]any{}
	for k, v := range m.Extra {
		if !metaKeys[k] {
			out[k] = v
		}
	}
	out["method"] = m.Method
	out["path"] = m.Path
	out["status"] = m.Status
	if m.SOAPAction != "" {
		out["soap_action"] = m.SOAPAction
	}
	if m.RequestBodySHA256 != "" || m.RequestBodyBytes != 0 {
		out["request_body_bytes"] = m.RequestBodyBytes
		out["request_body_sha256"] = m.RequestBodySHA256
	}
	if m.RequestBodySize != 0 || m.RequestBodySHA256 != "" {
		out["request_body_size"] = m.RequestBodySize
	}
	if m.ResponseBodySHA256 != "" || m.ResponseBodyBytes != 0 {
		out["response_body_bytes"] = m.ResponseBodyBytes
		out["response_body_sha256"] = m.ResponseBodySHA256
	}
	if m.ResponseBodySize != 0 || m.ResponseBodySHA256 != "" {
		out["response_body_size"] = m.ResponseBodySize
	}
	if m.RequestBodyTruncated {
		out["request_body_truncated"] = true
	}
	if m.ResponseBodyTruncated {
		out["response_body_truncated"] = true
	}
	if m.Sanitized {
		out["sanitized"] = true
	}
	if m.Bodies != "" {
		out["bodies"] = m.Bodies
	}
	if !m.Time.IsZero() {
		out["time"] = m.Time.UTC().Format(time.RFC3339Nano)
	}
	if m.Duration != 0 {
		out["duration_ms"] = float64(m.Duration) / float64(time.Millisecond)
	}
	if m.Scheme != "" {
		out["scheme"] = m.Scheme
	}
	if m.Error != "" {
		out["error"] = m.Error
	}
	// Indented, keys sorted, no HTML escaping: the layout of the real
	// captures' meta.json (Python's json.dumps(indent=2, sort_keys=True)).
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads known fields strictly (a wrong type is an error) and
// keeps the rest in Extra.
func (m *Meta) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	if raw == nil {
		return errors.New("not a JSON object")
	}
	*m = Meta{}
	field := func(key string, dst any) error {
		v, ok := raw[key]
		if !ok || string(v) == "null" {
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("field %s: %w", key, err)
		}
		return nil
	}
	var timeText string
	var durMS float64
	for _, f := range []struct {
		key string
		dst any
	}{
		{"method", &m.Method}, {"path", &m.Path}, {"soap_action", &m.SOAPAction}, {"status", &m.Status},
		{"request_body_bytes", &m.RequestBodyBytes}, {"request_body_sha256", &m.RequestBodySHA256},
		{"request_body_size", &m.RequestBodySize}, {"request_body_truncated", &m.RequestBodyTruncated},
		{"response_body_bytes", &m.ResponseBodyBytes}, {"response_body_sha256", &m.ResponseBodySHA256},
		{"response_body_size", &m.ResponseBodySize}, {"response_body_truncated", &m.ResponseBodyTruncated},
		{"sanitized", &m.Sanitized}, {"bodies", &m.Bodies}, {"time", &timeText}, {"duration_ms", &durMS},
		{"scheme", &m.Scheme}, {"error", &m.Error},
	} {
		if err := field(f.key, f.dst); err != nil {
			return err
		}
	}
	if timeText != "" {
		t, err := time.Parse(time.RFC3339Nano, timeText)
		if err != nil {
			return fmt.Errorf("field time: %w", err)
		}
		m.Time = t.UTC()
	}
	// Rounded to the nanosecond: exact for any duration below 104 days.
	m.Duration = time.Duration(math.Round(durMS * float64(time.Millisecond)))
	for k, v := range raw {
		if metaKeys[k] {
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return fmt.Errorf("field %s: %w", k, err)
		}
		if m.Extra == nil {
			m.Extra = map[string]json.RawMessage{}
		}
		m.Extra[k] = json.RawMessage(buf.Bytes())
	}
	return nil
}

// formatRequestHead renders the request line and header block, CRLF, with
// the blank line that ends it.
func formatRequestHead(r *Request) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s\r\n", r.Method, r.Target, protoOr(r.Proto))
	writeFields(&b, r.Header)
	return b.Bytes()
}

// formatResponseHead renders the status line and header block.
func formatResponseHead(r *Response) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %03d", protoOr(r.Proto), r.StatusCode)
	if r.Reason != "" {
		b.WriteString(" " + r.Reason)
	}
	b.WriteString("\r\n")
	writeFields(&b, r.Header)
	return b.Bytes()
}

func protoOr(p string) string {
	if p == "" {
		return "HTTP/1.1"
	}
	return p
}

func writeFields(b *bytes.Buffer, h Header) {
	for _, f := range h {
		b.WriteString(f.Name)
		b.WriteString(": ")
		b.WriteString(f.Value)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
}

// parseHead splits a header file into its first line and fields. CRLF and
// LF line ends are both accepted; a folded line (leading white space)
// continues the previous value.
func parseHead(data []byte) (string, Header, error) {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if strings.TrimSpace(text) == "" {
		return "", nil, errors.New("empty")
	}
	lines := strings.Split(text, "\n")
	first := lines[0]
	var h Header
	for i, line := range lines[1:] {
		n := i + 2
		if line == "" {
			// The blank line ends the block; only blank lines may follow.
			for _, rest := range lines[i+2:] {
				if strings.TrimSpace(rest) != "" {
					return "", nil, fmt.Errorf("line %d: text after the blank line that ends the headers", n+1)
				}
			}
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(h) == 0 {
				return "", nil, fmt.Errorf("line %d: continuation line before any header", n)
			}
			// An obsolete line folding is one space (RFC 9112 5.2); a
			// folded line of white space only adds nothing, so that the
			// value reads back the same once written on one line
			// (FuzzParseHeads, seed 62403b02c3bd9a1e).
			if more := strings.TrimSpace(line); more != "" {
				if last := &h[len(h)-1]; last.Value == "" {
					last.Value = more
				} else {
					last.Value += " " + more
				}
			}
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return "", nil, fmt.Errorf("line %d: %q is not a header line (Name: value)", n, clip(line, 60))
		}
		h = append(h, HeaderField{Name: name, Value: strings.TrimSpace(value)})
	}
	return first, h, nil
}

func parseRequestHead(data []byte) (Request, error) {
	first, h, err := parseHead(data)
	if err != nil {
		return Request{}, err
	}
	parts := strings.Fields(first)
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "HTTP/") {
		return Request{}, fmt.Errorf("line 1: %q is not a request line (METHOD target HTTP/x.y)", clip(first, 60))
	}
	return Request{Method: parts[0], Target: parts[1], Proto: parts[2], Header: h}, nil
}

func parseResponseHead(data []byte) (Response, error) {
	first, h, err := parseHead(data)
	if err != nil {
		return Response{}, err
	}
	proto, rest, _ := strings.Cut(first, " ")
	codeText, reason, _ := strings.Cut(rest, " ")
	code, err := strconv.Atoi(codeText)
	if !strings.HasPrefix(proto, "HTTP/") || len(codeText) != 3 || err != nil || code < 100 {
		return Response{}, fmt.Errorf("line 1: %q is not a status line (HTTP/x.y code reason)", clip(first, 60))
	}
	return Response{Proto: proto, StatusCode: code, Reason: strings.TrimSpace(reason), Header: h}, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Read reads every exchange of a capture directory: each subfolder (names
// starting with "." are temporary and skipped) is one exchange. Folders
// with numeric names come first in numeric order (gaps are fine: the real
// captures keep a selection), then the others ordered by the frame_request
// of their meta.json, then by name.
func Read(dir string) ([]Exchange, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("capture: reading capture directory: %w", err)
	}
	var out []Exchange
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if e.Type()&fs.ModeSymlink != 0 {
			// A link could lead a replay or a diff anywhere on the disk.
			return nil, fmt.Errorf("capture: %s is a symbolic link: exchange folders must be real directories inside the capture", filepath.Join(dir, e.Name()))
		}
		if !e.IsDir() {
			continue
		}
		ex, err := readExchange(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, ex)
	}
	sort.SliceStable(out, func(i, j int) bool { return exchangeLess(&out[i], &out[j]) })
	return out, nil
}

func exchangeLess(a, b *Exchange) bool {
	na, errA := strconv.ParseUint(a.Name, 10, 64)
	nb, errB := strconv.ParseUint(b.Name, 10, 64)
	switch {
	case errA == nil && errB == nil:
		return na < nb
	case errA == nil:
		return true
	case errB == nil:
		return false
	}
	fa, fb := frame(a), frame(b)
	if fa != fb {
		return fa < fb
	}
	return a.Name < b.Name
}

func frame(e *Exchange) int64 {
	var n int64
	if raw, ok := e.Meta.Extra["frame_request"]; ok {
		json.Unmarshal(raw, &n)
	}
	return n
}

// readExchange reads one exchange folder. Every error names the folder and
// the file. A body file may be absent only when meta.json's bodies field
// says why, and response.headers only when meta.json records an error and
// no status (the client got no response).
func readExchange(folder string) (Exchange, error) {
	ex := Exchange{Name: filepath.Base(folder)}
	fail := func(file string, format string, args ...any) error {
		return fmt.Errorf("capture: %s: %s", filepath.Join(folder, file), fmt.Sprintf(format, args...))
	}
	read := func(file string) ([]byte, bool, error) {
		b, err := readRegular(filepath.Join(folder, file))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, false, fail(file, "%v", err)
		}
		return b, true, nil
	}

	metaData, ok, err := read(FileMeta)
	if err != nil {
		return ex, err
	}
	if !ok {
		return ex, fail(FileMeta, "missing (every exchange folder needs one)")
	}
	if err := json.Unmarshal(metaData, &ex.Meta); err != nil {
		return ex, fail(FileMeta, "malformed: %v", err)
	}

	head, ok, err := read(FileRequestHeaders)
	if err != nil {
		return ex, err
	}
	if !ok {
		return ex, fail(FileRequestHeaders, "missing")
	}
	if ex.Request, err = parseRequestHead(head); err != nil {
		return ex, fail(FileRequestHeaders, "malformed: %v", err)
	}

	head, ok, err = read(FileResponseHeaders)
	if err != nil {
		return ex, err
	}
	switch {
	case ok:
		if ex.Response, err = parseResponseHead(head); err != nil {
			return ex, fail(FileResponseHeaders, "malformed: %v", err)
		}
		if ex.Meta.Status != 0 && ex.Meta.Status != ex.Response.StatusCode {
			return ex, fail(FileResponseHeaders, "status %d, but meta.json says %d", ex.Response.StatusCode, ex.Meta.Status)
		}
	case ex.Meta.Error != "" && ex.Meta.Status == 0:
		// The client got no response; meta.json says what happened.
	default:
		return ex, fail(FileResponseHeaders, "missing (meta.json records no error that would explain it)")
	}

	bodies := []struct {
		file    string
		dst     *[]byte
		sum     string
		size    int64
		present bool
	}{
		{FileRequestBody, &ex.Request.Body, ex.Meta.RequestBodySHA256, ex.Meta.RequestBodyBytes, true},
		{FileResponseBody, &ex.Response.Body, ex.Meta.ResponseBodySHA256, ex.Meta.ResponseBodyBytes, ok},
	}
	for _, b := range bodies {
		data, found, err := read(b.file)
		if err != nil {
			return ex, err
		}
		if !found {
			if ex.Meta.Bodies != "" || !b.present {
				continue
			}
			return ex, fail(b.file, "missing (meta.json's bodies field does not say the bodies were not retained)")
		}
		if b.sum != "" && !strings.EqualFold(b.sum, sha256Hex(data)) {
			return ex, fail(b.file, "sha256 %s does not match meta.json's %s", sha256Hex(data), b.sum)
		}
		if b.size != 0 && b.size != int64(len(data)) {
			return ex, fail(b.file, "%d bytes, but meta.json says %d", len(data), b.size)
		}
		if len(data) > 0 {
			*b.dst = data
		}
	}
	return ex, nil
}

// MaxFileSize bounds each file Read takes from a capture folder: recorded
// bodies are capped at DefaultMaxBody (16 MiB) and the real captures keep
// none of the update payloads, so a larger file is not a capture's.
const MaxFileSize = 256 << 20

// errNotRegular is readRegular's refusal of a link, a FIFO, a device or a
// directory where a file should be.
var errNotRegular = errors.New("not a regular file (symbolic links, FIFOs and devices are refused)")

// readRegular reads a regular file of at most MaxFileSize bytes. A symbolic
// link is refused rather than followed (it could lead outside the capture),
// and so is anything else that is not a plain file (a FIFO would block the
// reader forever). The file opened is checked to be the one examined.
func readRegular(path string) ([]byte, error) {
	before, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !before.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: errNotRegular}
	}
	if before.Size() > MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("%d bytes, more than the %d a capture file may have", before.Size(), MaxFileSize)}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	after, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !os.SameFile(before, after) {
		return nil, &fs.PathError{Op: "read", Path: path, Err: errors.New("replaced while being read")}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("more than the %d bytes a capture file may have", MaxFileSize)}
	}
	return data, nil
}
