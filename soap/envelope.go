// Package soap is the wire layer shared by the WSUS mock server and the
// Windows Update Agent simulator: SOAP 1.1 and 1.2 envelopes, action
// resolution, response encoding and the Fault shape the Windows Update Agent
// parses. It knows nothing of WSUS behaviour; the WSUS message types live in
// its subpackages clientws, simpleauth and reporting, generated from WSDL.
//
// Server side: ReadRequest sniffs an incoming HTTP request (envelope version,
// action, operation element) and Request.Decode unmarshals the operation;
// WriteResponse and WriteFault answer. Client side: EncodeRequest and
// SetRequestHeaders build a request, ParseResponse reads an answer and returns a
// *Fault when the server sent one.
//
// Hot path (stream.go): messages of the generated types are read by
// soap/xmlstream and their generated DecodeStream first, and by encoding/xml
// only when that declines (anything outside a plain subset of XML, and every
// error), so encoding/xml keeps every check and error message; they are
// written by their generated AppendXML, byte-identical to encoding/xml.
package soap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/wsusmock/wsusmock/soap/xmlstream"
)

// Envelope namespaces and the content types that go with them.
const (
	NamespaceSOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
	NamespaceSOAP12 = "http://www.w3.org/2003/05/soap-envelope"
	// WS-Addressing namespaces a SOAP 1.2 sender may put its Action in.
	NamespaceWSA       = "http://www.w3.org/2005/08/addressing"
	NamespaceWSA200408 = "http://schemas.xmlsoap.org/ws/2004/08/addressing"

	NamespaceXSI = "http://www.w3.org/2001/XMLSchema-instance"
	NamespaceXSD = "http://www.w3.org/2001/XMLSchema"

	ContentTypeSOAP11 = "text/xml; charset=utf-8"
	ContentTypeSOAP12 = "application/soap+xml; charset=utf-8"
)

// DefaultMaxBody is the request body limit when none is given: 4 MiB, the
// default maxRequestLength of ASP.NET, which is what a WSUS 3.0 web service
// enforced.
const DefaultMaxBody = 4 << 20

// Version is a SOAP version.
type Version int

// The SOAP versions the codec speaks.
const (
	SOAP11 Version = 11
	SOAP12 Version = 12
)

// Namespace returns the envelope namespace of v.
func (v Version) Namespace() string {
	if v == SOAP12 {
		return NamespaceSOAP12
	}
	return NamespaceSOAP11
}

// ContentType returns the Content-Type of a message of version v.
func (v Version) ContentType() string {
	if v == SOAP12 {
		return ContentTypeSOAP12
	}
	return ContentTypeSOAP11
}

func (v Version) String() string {
	if v == SOAP12 {
		return "SOAP 1.2"
	}
	return "SOAP 1.1"
}

// Errors ReadRequest and ParseResponse return, wrapped with detail. The server
// turns them into faults or 4xx answers in one place; tests match them with
// errors.Is.
var (
	ErrMalformed       = errors.New("soap: malformed envelope")
	ErrVersionMismatch = errors.New("soap: envelope version mismatch")
	ErrNoAction        = errors.New("soap: no action")
	ErrTooLarge        = errors.New("soap: request body too large")
	ErrContentType     = errors.New("soap: unsupported content type")
	ErrMethod          = errors.New("soap: method not allowed")
	ErrEmptyBody       = errors.New("soap: empty body")
	// ErrTimeout: the body did not arrive before the connection's read
	// deadline (the listener's ReadTimeout).
	ErrTimeout = errors.New("soap: request body not received in time")
)

// Request is a sniffed SOAP request.
type Request struct {
	Version Version
	// Action is the action without quotes, e.g.
	// http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates.
	Action string
	// QuotedAction is the action as a SOAP 1.1 SOAPAction header carries it,
	// with its double quotes: the form WSUS echoes in a fault's Method.
	QuotedAction string
	// Operation is the name of the Body's first child element.
	Operation xml.Name
	// Raw is the whole request body.
	Raw []byte

	// dec is positioned just after the operation's start element until the
	// first Decode uses it; later Decodes scan Raw again.
	dec   *xml.Decoder
	start xml.StartElement
	// scope holds the namespace declarations of the Envelope and Body start
	// tags, outermost first: the bindings in scope at the operation, which a
	// fault needs to resolve the prefix of its faultcode.
	scope []xml.Attr
	// stream is the fast path's decoder (stream.go), positioned after the
	// operation's start tag, when sniffStream read the envelope.
	stream *xmlstream.Decoder
	// pooled: Raw is a buffer of bodyPool, for Release.
	pooled bool
}

// ReadRequest reads and sniffs r's body, at most maxBody bytes (0 means
// DefaultMaxBody). It resolves the action as ASMX does: for SOAP 1.1 from the
// SOAPAction header (quoted or not); for SOAP 1.2 from the action parameter of
// Content-Type or else a WS-Addressing Action header. The envelope's
// namespace must agree with the content type; an absent Content-Type is taken
// as SOAP 1.1. The body is read into a pooled buffer: a caller done with the
// request (its answer written) may give it back with Release.
//
// The errors wrap ErrMethod, ErrContentType, ErrTooLarge, ErrTimeout,
// ErrEmptyBody, ErrMalformed, ErrVersionMismatch or ErrNoAction. ReadRequest reads the
// envelope only up to the operation's start tag; Decode checks the rest.
func ReadRequest(r *http.Request, maxBody int64) (*Request, error) {
	if r.Method != http.MethodPost {
		return nil, fmt.Errorf("%w: %s (SOAP requests are POSTs)", ErrMethod, r.Method)
	}
	ct := r.Header.Get("Content-Type")
	ctVersion, ctAction, err := parseContentType(ct)
	if err != nil {
		return nil, err
	}
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	if r.ContentLength > maxBody {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, r.ContentLength, maxBody)
	}
	raw, err := readBody(r.Body, r.ContentLength, maxBody)
	if err != nil {
		putBody(raw)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, mbe.Limit)
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, fmt.Errorf("%w: %d bytes read: %w", ErrTimeout, len(raw), err)
		}
		return nil, fmt.Errorf("%w: reading body: %w", ErrMalformed, err)
	}
	if int64(len(raw)) > maxBody {
		putBody(raw)
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, maxBody)
	}
	req, wsaAction, ok := sniffStream(raw)
	if !ok {
		req, wsaAction, err = sniff(raw)
		if err != nil {
			putBody(raw)
			return nil, err
		}
	}
	req.pooled = true
	if req.Version != ctVersion {
		if ct == "" {
			ct = "no Content-Type"
		}
		return nil, fmt.Errorf("%w: a %s envelope sent as %q", ErrVersionMismatch, req.Version, ct)
	}
	switch req.Version {
	case SOAP11:
		h, ok := soapActionHeader(r.Header)
		if !ok {
			return nil, fmt.Errorf("%w: the SOAPAction header is missing", ErrNoAction)
		}
		req.Action = unquoteAction(h)
	case SOAP12:
		req.Action = unquoteAction(ctAction)
		if req.Action == "" {
			req.Action = wsaAction
		}
	}
	if req.Action == "" {
		return nil, fmt.Errorf("%w: the request names no action", ErrNoAction)
	}
	req.QuotedAction = `"` + req.Action + `"`
	return req, nil
}

// readBody reads at most limit+1 bytes of body, sized up front from the
// Content-Length hint (already checked against limit) when there is one.
func readBody(body io.Reader, hint, limit int64) ([]byte, error) {
	if body == nil {
		return nil, nil
	}
	buf := getBody()
	if hint > 0 && int64(cap(buf)) < hint+bytes.MinRead {
		buf = slices.Grow(buf, int(hint)+bytes.MinRead)
	}
	b := bytes.NewBuffer(buf)
	_, err := b.ReadFrom(io.LimitReader(body, limit+1))
	return b.Bytes(), err
}

// ReadBody reads body into a pooled buffer sized from hint (a
// Content-Length the caller has bounded), at most limit+1 bytes: a caller
// compares the length with limit. Give the buffer back with PutBody once
// nothing reads it (values decoded from it stay valid: decoding copies what
// it keeps). ReadRequest reads requests with it; the agent reads answers
// with it (issue 17: the load's allocations).
func ReadBody(body io.Reader, hint, limit int64) ([]byte, error) {
	return readBody(body, hint, limit)
}

// PutBody gives back a buffer of ReadBody, which must not be used after.
func PutBody(b []byte) { putBody(b) }

// Request bodies are read into pooled buffers: a capture-sized SyncUpdates
// is 23 to 51 KB, and allocating (and collecting) one per request cost the
// server more than decoding it (issue 17). ServeHTTP's caller gives the
// buffer back with Release once the answer is written.
var bodyPool sync.Pool // of *[]byte

// maxPooledBody: larger buffers (rare, up to MaxBody) are left to the
// collector rather than kept alive by the pool.
const maxPooledBody = 256 << 10

func getBody() []byte {
	if p, ok := bodyPool.Get().(*[]byte); ok {
		return (*p)[:0]
	}
	return nil
}

func putBody(b []byte) {
	if b == nil || cap(b) > maxPooledBody {
		return
	}
	b = b[:0]
	bodyPool.Put(&b)
}

// Release gives the request's body buffer back for a later request. Call it
// once nothing will read Raw again: after the answer is written. Values
// decoded from the request stay valid (decoding copies what it keeps); Raw
// and further Decodes do not. Release on a nil Request does nothing.
func (r *Request) Release() {
	if r == nil || !r.pooled {
		return
	}
	r.pooled = false
	raw := r.Raw
	r.Raw = nil
	r.release()
	r.dec = nil
	putBody(raw)
}

// soapActionHeader returns the first SOAPAction header. It also finds a key
// that is not in canonical form, as SetRequestHeaders writes it (to send the
// header spelt as the Windows Update Agent does), when a request is handed
// to a handler in-process rather than over the wire.
func soapActionHeader(h http.Header) (string, bool) {
	if v := h["Soapaction"]; len(v) > 0 {
		return v[0], true
	}
	for k, v := range h {
		if len(v) > 0 && strings.EqualFold(k, "SOAPAction") {
			return v[0], true
		}
	}
	return "", false
}

// unquoteAction strips surrounding white space and then one pair of
// enclosing double quotes (a lone or inner quote is kept).
func unquoteAction(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	return s
}

// parseContentType tells the SOAP version from a Content-Type and returns the
// SOAP 1.2 action parameter. An absent Content-Type is taken as SOAP 1.1, as
// ASMX does for old clients.
func parseContentType(ct string) (Version, string, error) {
	if strings.TrimSpace(ct) == "" {
		return SOAP11, "", nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	if errors.Is(err, mime.ErrInvalidMediaParameter) {
		// Go is stricter about parameters than the SOAP stacks a client
		// may use: take an unquoted action=urn:x (':' is not a token
		// character) or a parameter without a value loosely.
		params, err = looseParams(ct), nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("%w: %q: %w", ErrContentType, ct, err)
	}
	switch mt {
	case "text/xml":
		return SOAP11, "", nil
	case "application/soap+xml":
		return SOAP12, params["action"], nil
	}
	return 0, "", fmt.Errorf("%w: %q (want text/xml for SOAP 1.1 or application/soap+xml for SOAP 1.2)", ErrContentType, mt)
}

// looseParams reads the parameters of a Content-Type that
// mime.ParseMediaType refused: name=value pairs after semicolons, names
// lower-cased, a value's enclosing double quotes removed.
func looseParams(ct string) map[string]string {
	params := map[string]string{}
	parts := strings.Split(ct, ";")
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		params[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return params
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// isXMLSpace reports whether b is nothing but XML white space (space, tab,
// CR, LF; not the wider Unicode set bytes.TrimSpace knows).
func isXMLSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// nsDecls appends the namespace declarations among attrs to scope.
func nsDecls(scope, attrs []xml.Attr) []xml.Attr {
	for _, a := range attrs {
		if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
			scope = append(scope, a)
		}
	}
	return scope
}

// declared reports whether space, the namespace encoding/xml resolved for an
// element, is bound by a declaration in scope. encoding/xml does not report
// an undeclared prefix: it leaves the prefix itself in Name.Space.
func declared(space string, scope, attrs []xml.Attr) bool {
	if space == "" {
		return true
	}
	for _, list := range [2][]xml.Attr{attrs, scope} {
		for _, a := range list {
			if a.Value == space && (a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns") {
				return true
			}
		}
	}
	return false
}

// sniff walks the envelope up to the first child of Body. It is tolerant of
// a UTF-8 byte order mark, an XML declaration, comments, processing
// instructions, white space, any prefix and one Header before the Body, and
// strict about the rest: the input must be UTF-8, the root must be an
// Envelope in a SOAP namespace holding only [Header] Body, a Body must hold
// an element, and a DTD (the door to entity expansion attacks) or text
// outside elements is refused.
func sniff(raw []byte) (*Request, string, error) {
	data := bytes.TrimPrefix(raw, utf8BOM)
	if isXMLSpace(data) {
		return nil, "", fmt.Errorf("%w: no content", ErrEmptyBody)
	}
	if !utf8.Valid(data) {
		return nil, "", fmt.Errorf("%w: not UTF-8", ErrMalformed)
	}
	const (
		prolog = iota
		inEnvelope
		inHeader
		inBody
	)
	dec := xml.NewDecoder(bytes.NewReader(data))
	req := &Request{Raw: raw}
	var wsaAction string
	state := prolog
	seenHeader := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			// Inside an element encoding/xml reports "unexpected EOF"
			// instead, so this is the end of a prolog without a root.
			return nil, "", fmt.Errorf("%w: no Envelope element", ErrMalformed)
		}
		if err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch state {
			case prolog:
				if t.Name.Local != "Envelope" {
					return nil, "", fmt.Errorf("%w: root element is %s, not Envelope", ErrMalformed, t.Name.Local)
				}
				if !declared(t.Name.Space, nil, t.Attr) {
					return nil, "", fmt.Errorf("%w: Envelope prefix %q is not declared", ErrMalformed, t.Name.Space)
				}
				switch t.Name.Space {
				case NamespaceSOAP11:
					req.Version = SOAP11
				case NamespaceSOAP12:
					req.Version = SOAP12
				default:
					return nil, "", fmt.Errorf("%w: envelope namespace %q", ErrVersionMismatch, t.Name.Space)
				}
				req.scope = nsDecls(req.scope, t.Attr)
				state = inEnvelope
			case inEnvelope:
				if t.Name.Space != req.Version.Namespace() {
					return nil, "", fmt.Errorf("%w: %s element %q is not in the envelope namespace", ErrMalformed, t.Name.Local, t.Name.Space)
				}
				switch {
				case t.Name.Local == "Header" && !seenHeader:
					seenHeader = true
					state = inHeader
				case t.Name.Local == "Body":
					req.scope = nsDecls(req.scope, t.Attr)
					state = inBody
				default:
					return nil, "", fmt.Errorf("%w: unexpected %s in Envelope", ErrMalformed, t.Name.Local)
				}
			case inHeader:
				if t.Name.Local == "Action" && (t.Name.Space == NamespaceWSA || t.Name.Space == NamespaceWSA200408) {
					var s string
					if err := dec.DecodeElement(&s, &t); err != nil {
						return nil, "", fmt.Errorf("%w: Action header: %w", ErrMalformed, err)
					}
					wsaAction = strings.TrimSpace(s)
					continue
				}
				if err := dec.Skip(); err != nil {
					return nil, "", fmt.Errorf("%w: %w", ErrMalformed, err)
				}
			case inBody:
				if !declared(t.Name.Space, req.scope, t.Attr) {
					return nil, "", fmt.Errorf("%w: prefix %q of %s is not declared", ErrMalformed, t.Name.Space, t.Name.Local)
				}
				req.Operation = t.Name
				req.dec = dec
				req.start = t.Copy()
				return req, wsaAction, nil
			}
		case xml.EndElement:
			switch state {
			case inEnvelope:
				return nil, "", fmt.Errorf("%w: Envelope has no Body", ErrMalformed)
			case inHeader:
				state = inEnvelope
			case inBody:
				return nil, "", fmt.Errorf("%w: Body is empty", ErrMalformed)
			}
		case xml.CharData:
			if !isXMLSpace(t) {
				return nil, "", fmt.Errorf("%w: text outside elements", ErrMalformed)
			}
		case xml.Directive:
			return nil, "", fmt.Errorf("%w: DTDs are not allowed in SOAP messages", ErrMalformed)
		}
	}
}

// finish reads the rest of an envelope after the Body's first child: further
// Body entries are skipped, Body and Envelope must be closed, and nothing but
// white space, comments and processing instructions may follow.
func finish(dec *xml.Decoder) error {
	depth := 2 // in Envelope and Body
	for {
		tok, err := dec.Token()
		if err == io.EOF && depth == 0 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: after the operation: %w", ErrMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth != 2 {
				return fmt.Errorf("%w: element %s after the Body", ErrMalformed, t.Name.Local)
			}
			if err := dec.Skip(); err != nil {
				return fmt.Errorf("%w: %w", ErrMalformed, err)
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if !isXMLSpace(t) {
				return fmt.Errorf("%w: text outside elements", ErrMalformed)
			}
		case xml.Directive:
			return fmt.Errorf("%w: DTDs are not allowed in SOAP messages", ErrMalformed)
		}
	}
}

// Decode unmarshals the operation element into v, then checks that the rest
// of the envelope is well formed. It may be called more than once; each call
// decodes the operation afresh (into v as encoding/xml does: slices are
// appended to).
func (r *Request) Decode(v any) error {
	return r.DecodeWith(v, DecodeOptions{})
}

// DecodeOptions is what a server's decoding of many requests shares among
// them.
type DecodeOptions struct {
	// Strings shares the texts that the fast path reads (nil: none): a
	// server gives it the requests whose strings recur from computer to
	// computer, so that a string seen before costs a lookup instead of an
	// allocation.
	Strings *xmlstream.Interner
	// Checked (nil: none) makes the fast path check the fields the server
	// does not read (the generated decoders' discarded fields: a driver
	// scan's SystemSpec) as strictly as ever and not keep them; a content
	// seen before is passed over after a byte comparison. A request that
	// goes the slow way (encoding/xml) may still have them set: a caller
	// that sets Checked must not read them.
	Checked *xmlstream.Checked
	// Ints (nil: none) lends the arrays of the int arrays decoded on the
	// fast path; the caller gives them back with Ints.Put once it has read
	// them, and must not use them after.
	Ints *xmlstream.IntPool
}

// DecodeWith is Decode with what opts shares. Every check and error is
// Decode's, and so is the value, but for the fields Checked discards.
func (r *Request) DecodeWith(v any, opts DecodeOptions) error {
	if r.decodeStream(v, opts) {
		return nil
	}
	dec, start := r.dec, r.start
	r.dec = nil
	if dec == nil {
		again, _, err := sniff(r.Raw)
		if err != nil {
			return err
		}
		dec, start = again.dec, again.start
	}
	if err := dec.DecodeElement(v, &start); err != nil {
		return fmt.Errorf("%w: decoding %s: %w", ErrMalformed, start.Name.Local, err)
	}
	return finish(dec)
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Framing is how a response envelope is written around its body. Both are
// the same XML; detectors and diff tools read bytes.
type Framing int

const (
	// FramingASMX is the classic ASP.NET web service framing: an XML
	// declaration, the soap prefix, xsi and xsd declared on the Envelope.
	// WSUS 3.0's services and a modern WSUS's SimpleAuth and Reporting
	// services answer so.
	FramingASMX Framing = iota
	// FramingWCF is what WCF's XmlSerializer format writes, as a modern
	// WSUS's ClientWebService does (../shared/captures): no declaration, the
	// s prefix, xsi and xsd declared on the Body.
	FramingWCF
)

// envelopeOpen writes the envelope up to and including the Body start tag.
func envelopeOpen(buf *bytes.Buffer, v Version, prefix string, f Framing) {
	if f == FramingWCF {
		buf.WriteString(`<s:Envelope xmlns:s="`)
		buf.WriteString(v.Namespace())
		buf.WriteString(`"><s:Body xmlns:xsi="` + NamespaceXSI + `" xmlns:xsd="` + NamespaceXSD + `">`)
		return
	}
	buf.WriteString(`<?xml version="1.0" encoding="utf-8"?><`)
	buf.WriteString(prefix)
	buf.WriteString(`:Envelope xmlns:`)
	buf.WriteString(prefix)
	buf.WriteString(`="`)
	buf.WriteString(v.Namespace())
	buf.WriteString(`" xmlns:xsi="` + NamespaceXSI + `" xmlns:xsd="` + NamespaceXSD + `"><`)
	buf.WriteString(prefix)
	buf.WriteString(`:Body>`)
}

func envelopeClose(buf *bytes.Buffer, prefix string) {
	buf.WriteString(`</`)
	buf.WriteString(prefix)
	buf.WriteString(`:Body></`)
	buf.WriteString(prefix)
	buf.WriteString(`:Envelope>`)
}

// AppendEnvelope marshals body inside a complete envelope of version v and
// appends it to dst. prefix is the envelope prefix ("soap" if empty).
func AppendEnvelope(dst []byte, v Version, prefix string, body any) ([]byte, error) {
	if prefix == "" {
		prefix = "soap"
	}
	return appendEnvelope(dst, v, prefix, FramingASMX, body)
}

func appendEnvelope(dst []byte, v Version, prefix string, f Framing, body any) ([]byte, error) {
	if f == FramingWCF {
		prefix = "s"
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		buf.Reset()
		bufPool.Put(buf)
	}()
	envelopeOpen(buf, v, prefix, f)
	if a, ok := body.(XMLAppender); ok {
		out, err := a.AppendXML(buf.AvailableBuffer())
		if err != nil {
			return dst, fmt.Errorf("soap: encoding %T: %w", body, err)
		}
		buf.Write(out)
	} else if body != nil {
		if err := xml.NewEncoder(buf).Encode(body); err != nil {
			return dst, fmt.Errorf("soap: encoding %T: %w", body, err)
		}
	}
	envelopeClose(buf, prefix)
	return append(dst, buf.Bytes()...), nil
}

// WriteResponse answers with body inside an envelope of version v, status
// 200, in the ASMX framing.
func WriteResponse(w http.ResponseWriter, v Version, body any) error {
	return WriteResponseFramed(w, v, FramingASMX, body)
}

// WriteResponseFramed is WriteResponse with the envelope written as f says.
func WriteResponseFramed(w http.ResponseWriter, v Version, f Framing, body any) error {
	out, err := appendEnvelope(nil, v, "soap", f, body)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", v.ContentType())
	h.Set("Cache-Control", "private")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(out)
	return err
}

// EncodeRequest returns a complete request envelope of version v around body,
// in the framing the Windows Update Agent sends (s prefix, no XML
// declaration).
func EncodeRequest(v Version, body any) ([]byte, error) {
	// Built in a pooled buffer and copied out at its size: one allocation
	// per request instead of one per doubling.
	buf := getBody()
	defer func() { putBody(buf) }()
	out, err := appendRequest(buf, v, body)
	if err != nil {
		return nil, err
	}
	buf = out
	return bytes.Clone(out), nil
}

// EncodeRequestPooled is EncodeRequest into a pooled buffer, given back
// with PutBody once nothing reads it: for a request sent through an
// http.RoundTripper, once its answer's body has been read and closed (the
// RoundTripper contract lets the caller reuse the request then), and never
// after a failed round trip, which may still be reading it. The agent
// sends every request so (issue 17: copying each request out of the
// encoding buffer was the load's largest allocation by bytes).
func EncodeRequestPooled(v Version, body any) ([]byte, error) {
	out, err := appendRequest(getBody(), v, body)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// appendRequest appends the request envelope of version v around body to
// dst.
func appendRequest(dst []byte, v Version, body any) ([]byte, error) {
	if body == nil {
		return nil, errors.New("soap: encoding a request: no operation")
	}
	dst = append(dst, `<s:Envelope xmlns:s="`...)
	dst = append(dst, v.Namespace()...)
	dst = append(dst, `"><s:Body>`...)
	if a, ok := body.(XMLAppender); ok {
		out, err := a.AppendXML(dst)
		if err != nil {
			return nil, fmt.Errorf("soap: encoding %T: %w", body, err)
		}
		dst = out
	} else {
		b := bytes.NewBuffer(dst)
		if err := xml.NewEncoder(b).Encode(body); err != nil {
			return nil, fmt.Errorf("soap: encoding %T: %w", body, err)
		}
		dst = b.Bytes()
	}
	return append(dst, `</s:Body></s:Envelope>`...), nil
}

// SetRequestHeaders sets the headers of a SOAP request of version v for
// action: a quoted SOAPAction for 1.1, the action parameter of Content-Type
// for 1.2.
func SetRequestHeaders(h http.Header, v Version, action string) {
	// Drop a SOAPAction set before under either spelling, so that a header
	// reused across versions or actions never carries two.
	for k := range h {
		if strings.EqualFold(k, "SOAPAction") {
			delete(h, k)
		}
	}
	if v == SOAP12 {
		h.Set("Content-Type", `application/soap+xml; charset=utf-8; action="`+action+`"`)
		return
	}
	h.Set("Content-Type", ContentTypeSOAP11)
	// Not canonicalised: the Windows Update Agent spells it SOAPAction.
	h["SOAPAction"] = []string{`"` + action + `"`}
}

// ParseResponse reads a response envelope. When the Body's first child is a
// Fault it returns that *Fault as the error (the caller inspects it with
// errors.As); otherwise it unmarshals the Body's first child into out (nil
// out only checks the envelope). Any other error wraps ErrEmptyBody,
// ErrMalformed, ErrVersionMismatch or, for a Fault without the fault shape,
// ErrFaultSyntax.
func ParseResponse(data []byte, out any) error {
	if req, _, ok := sniffStream(data); ok {
		if req.Operation != faultName(req.Version) && out != nil && req.decodeStream(out, DecodeOptions{Strings: answerStrings}) {
			return nil
		}
		req.release()
	}
	req, _, err := sniff(data)
	if err != nil {
		return err
	}
	if req.Operation == faultName(req.Version) {
		f, err := req.parseFault()
		if err != nil {
			return err
		}
		return f
	}
	if out == nil {
		out = &struct{}{}
	}
	return req.Decode(out)
}
