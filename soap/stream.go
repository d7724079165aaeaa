package soap

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/wsusmock/wsusmock/soap/xmlstream"
)

// The fast path. Every request and answer is first read with
// soap/xmlstream: the envelope up to the operation (sniffStream), the
// operation by the generated DecodeStream of its type, and the rest of the
// envelope (finishStream). xmlstream reads a plain subset of XML and gives up
// on anything else, and every check here gives up rather than decide: a
// request it does not take is read again by sniff and encoding/xml, which
// make every decision and every error message. So the two paths agree on
// every input (FuzzStreamDecode checks it), and the strict checks are the
// slow path's, unchanged; the fast path only has to be right about what it
// accepts.

// StreamDecoder is implemented by the generated WSUS message types
// (soap/clientws, soap/simpleauth, soap/reporting): DecodeStream reads the
// element whose start tag d has just read, with the resolved name space and
// local, into a zero value, or returns an error and leaves it unchanged.
type StreamDecoder interface {
	DecodeStream(d *xmlstream.Decoder, space, local string) error
}

// XMLAppender is implemented by the generated WSUS message types:
// AppendXML appends the element as encoding/xml's Marshal would (checked
// by TestAppendXMLIsMarshal). EncodeRequest and AppendEnvelope use it
// instead of encoding/xml.
type XMLAppender interface {
	AppendXML(dst []byte) ([]byte, error)
}

var streamPool = sync.Pool{New: func() any { return new(xmlstream.Decoder) }}

// sniffStream is sniff on the fast path: ok is false when the envelope is
// not one xmlstream reads or not one sniff accepts, and sniff must decide.
// On success the request holds the decoder, positioned after the
// operation's start tag.
func sniffStream(raw []byte) (req *Request, wsaAction string, ok bool) {
	data := bytes.TrimPrefix(raw, utf8BOM)
	if !utf8.Valid(data) {
		return nil, "", false // sniff refuses it before reading a tag
	}
	d := streamPool.Get().(*xmlstream.Decoder)
	d.Reset(data)
	req, wsaAction, ok = sniffWith(d)
	if !ok {
		streamPool.Put(d)
		return nil, "", false
	}
	req.Raw = raw
	req.stream = d
	return req, wsaAction, true
}

// envelopeChild reads the next element among the Envelope's, Header's or
// Body's children, where only white space may stand between them.
func envelopeChild(d *xmlstream.Decoder) ([]byte, bool) {
	local, ok, err := d.SpaceChild()
	return local, ok && err == nil
}

func sniffWith(d *xmlstream.Decoder) (*Request, string, bool) {
	local, ok := envelopeChild(d)
	if !ok || string(local) != "Envelope" {
		return nil, "", false
	}
	req := &Request{}
	switch ns, _ := d.Namespace(d.Prefix()); string(ns) {
	case NamespaceSOAP11:
		req.Version = SOAP11
	case NamespaceSOAP12:
		req.Version = SOAP12
	default:
		return nil, "", false
	}
	envNS := req.Version.Namespace()
	inEnvelope := func(local []byte, ok bool, name string) bool {
		if !ok || string(local) != name {
			return false
		}
		ns, _ := d.Namespace(d.Prefix())
		return string(ns) == envNS
	}
	local, ok = envelopeChild(d)
	var wsaAction string
	if inEnvelope(local, ok, "Header") {
		for {
			local, ok, err := d.SpaceChild()
			if err != nil {
				return nil, "", false
			}
			if !ok {
				break
			}
			ns, declared := d.Namespace(d.Prefix())
			if string(local) == "Action" && declared && (string(ns) == NamespaceWSA || string(ns) == NamespaceWSA200408) {
				t, err := d.Text()
				if err != nil {
					return nil, "", false
				}
				wsaAction = strings.TrimSpace(string(t))
				continue
			}
			if err := d.Skip(); err != nil {
				return nil, "", false
			}
		}
		local, ok = envelopeChild(d)
	}
	if !inEnvelope(local, ok, "Body") {
		return nil, "", false
	}
	local, ok = envelopeChild(d)
	if !ok {
		return nil, "", false
	}
	ns, declared := d.Namespace(d.Prefix())
	if !declared {
		return nil, "", false
	}
	req.Operation = xml.Name{Space: string(ns), Local: string(local)}
	return req, wsaAction, true
}

// finishStream is finish on the fast path: the rest of the Body (further
// entries skipped), then the ends of Body and Envelope and nothing after
// them but white space.
func finishStream(d *xmlstream.Decoder) bool {
	if d.Depth() != 2 {
		return false
	}
	for {
		_, ok, err := d.SpaceChild()
		if err != nil {
			return false
		}
		if !ok {
			break // the Body's end
		}
		if d.Skip() != nil {
			return false
		}
	}
	if _, ok, err := d.SpaceChild(); err != nil || ok {
		return false // not the Envelope's end
	}
	_, ok, err := d.SpaceChild()
	return err == nil && !ok
}

// answerStrings shares the long texts of answers (the update fragments,
// the same for every computer of a fleet) among all ParseResponse calls of
// the process; it keeps at most 64 MiB.
var answerStrings = &xmlstream.Interner{MinLen: 256, MaxBytes: 64 << 20}

// decodeStream decodes the operation on the fast path; false means v is
// as it was and the slow path must decode.
func (r *Request) decodeStream(v any, opts DecodeOptions) bool {
	d := r.stream
	if d == nil {
		return false
	}
	r.stream = nil
	defer streamPool.Put(d)
	d.SetInterner(opts.Strings)
	d.SetChecked(opts.Checked)
	d.SetIntPool(opts.Ints)
	defer func() { d.SetInterner(nil); d.SetChecked(nil); d.SetIntPool(nil) }()
	sd, ok := v.(StreamDecoder)
	if !ok {
		return false
	}
	if sd.DecodeStream(d, r.Operation.Space, r.Operation.Local) != nil {
		return false
	}
	if !finishStream(d) {
		// DecodeStream only decodes into a zero value.
		reflect.ValueOf(v).Elem().SetZero()
		return false
	}
	return true
}

// release returns the fast path's decoder, if the request still holds it.
func (r *Request) release() {
	if r.stream != nil {
		streamPool.Put(r.stream)
		r.stream = nil
	}
}

// WriteResponseBody answers, status 200, with an envelope of version v in
// framing f whose Body holds what appendBody appends: the server's hot
// answers, written without encoding/xml (as WriteResponseFramed writes).
func WriteResponseBody(w http.ResponseWriter, v Version, f Framing, appendBody func([]byte) []byte) error {
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		buf.Reset()
		bufPool.Put(buf)
	}()
	prefix := "soap"
	if f == FramingWCF {
		prefix = "s"
	}
	envelopeOpen(buf, v, prefix, f)
	buf.Write(appendBody(buf.AvailableBuffer()))
	envelopeClose(buf, prefix)
	h := w.Header()
	h.Set("Content-Type", v.ContentType())
	h.Set("Cache-Control", "private")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}
