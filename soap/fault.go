package soap

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Fault codes, by their SOAP 1.1 local names. SOAP 1.2 renders Client as
// Sender and Server as Receiver.
const (
	CodeClient          = "Client"
	CodeServer          = "Server"
	CodeVersionMismatch = "VersionMismatch"
	CodeMustUnderstand  = "MustUnderstand"
)

// DefaultFaultString is the faultstring WSUS puts on every fault it raises
// itself; the Windows Update Agent logs it as "faultstring:Fault occurred".
const DefaultFaultString = "Fault occurred"

// Fault is a SOAP fault as WSUS sends it and the Windows Update Agent parses
// it. It is an error, so a client gets it from ParseResponse and a server
// handler may return it.
type Fault struct {
	// Code is CodeClient, CodeServer, CodeVersionMismatch or CodeMustUnderstand.
	// The Windows Update Agent maps Client to 0x8024400D and Server to
	// 0x8024400E. For a parsed fault whose faultcode is not one of those in
	// the envelope namespace (WCF's a:InternalServiceFault, a dotted
	// s:Client.Authentication), Code is the faultcode's local part and
	// CodeNamespace its namespace.
	Code string
	// CodeNamespace is "" for the four standard codes; otherwise the
	// namespace the faultcode's prefix is bound to where it stands (e.g.
	// http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher).
	// Only ParseFault sets it; Envelope sends Code in the envelope namespace.
	CodeNamespace string
	// String is the faultstring; empty means DefaultFaultString.
	String string
	// Actor is the optional faultactor (WSUS 3.0 left it out).
	Actor string
	// Detail is the WSUS detail; nil means the fault has no detail element
	// (as ASMX's own faults, e.g. an unknown SOAPAction).
	Detail *FaultDetail
	// HTTPStatus is the status the fault is sent with; 0 means 500, what ASMX
	// sends with every fault.
	HTTPStatus int
	// Cause is the error behind the fault, for logs; it is never sent.
	Cause error
}

// FaultDetail is the detail WSUS adds to its faults. Its children are
// unqualified on the wire.
type FaultDetail struct {
	ErrorCode string
	Message   string
	// ID is a fresh GUID per fault: the value that lets a client log and the
	// server log of one incident be matched.
	ID string
	// Method is the SOAPAction of the failed call, with its double quotes.
	Method string
}

// Error describes the fault.
func (f *Fault) Error() string {
	var b strings.Builder
	b.WriteString("soap fault ")
	b.WriteString(f.code())
	b.WriteString(": ")
	b.WriteString(f.faultString())
	if d := f.Detail; d != nil {
		fmt.Fprintf(&b, " (ErrorCode=%s", d.ErrorCode)
		if d.Message != "" {
			fmt.Fprintf(&b, ", Message=%s", d.Message)
		}
		fmt.Fprintf(&b, ", ID=%s)", d.ID)
	}
	return b.String()
}

// Unwrap returns the cause.
func (f *Fault) Unwrap() error { return f.Cause }

// Status returns the HTTP status to send the fault with: HTTPStatus, or 500
// when it is 0 or not a final status (outside 200–599), which
// http.ResponseWriter.WriteHeader would reject or mistake for an informational
// answer.
func (f *Fault) Status() int {
	if f.HTTPStatus < 200 || f.HTTPStatus > 599 {
		return http.StatusInternalServerError
	}
	return f.HTTPStatus
}

// code returns the fault code to send: Code, or CodeServer when it is empty
// (an empty QName local part would make the fault unparseable).
func (f *Fault) code() string {
	if f.Code == "" {
		return CodeServer
	}
	return f.Code
}

func (f *Fault) faultString() string {
	if f.String == "" {
		return DefaultFaultString
	}
	return f.String
}

// Standard reports whether the fault code is one of the four SOAP codes in
// the envelope namespace, the only ones the ATL-based WUA 7 fault parser
// accepts (atlsoap.h, CSoapFault::SetErrorCode).
func (f *Fault) Standard() bool { return f.CodeNamespace == "" }

// ErrorCode returns the detail's ErrorCode, or "" when there is no detail.
func (f *Fault) ErrorCode() string {
	if f.Detail == nil {
		return ""
	}
	return f.Detail.ErrorCode
}

// Envelope renders the fault as a complete envelope of version v. A
// standard faultcode is a QName whose prefix is the prefix bound to the
// envelope namespace ("soap"), because the agent's ATL-derived parser
// rejects a faultcode with any other prefix; a code with a CodeNamespace is
// sent in that namespace. An empty Code is sent as Server.
func (f *Fault) Envelope(v Version) []byte {
	const prefix = "soap"
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="utf-8"`)
	env := doc.CreateElement(prefix + ":Envelope")
	env.CreateAttr("xmlns:"+prefix, v.Namespace())
	env.CreateAttr("xmlns:xsi", NamespaceXSI)
	env.CreateAttr("xmlns:xsd", NamespaceXSD)
	fault := env.CreateElement(prefix + ":Body").CreateElement(prefix + ":Fault")
	var detail *etree.Element
	if v == SOAP12 {
		f.setCode(fault.CreateElement(prefix+":Code").CreateElement(prefix+":Value"), prefix, soap12Code(f.code()))
		reason := fault.CreateElement(prefix + ":Reason").CreateElement(prefix + ":Text")
		reason.CreateAttr("xml:lang", "en")
		reason.SetText(f.faultString())
		if f.Actor != "" {
			fault.CreateElement(prefix + ":Role").SetText(f.Actor)
		}
		if f.Detail != nil {
			detail = fault.CreateElement(prefix + ":Detail")
		}
	} else {
		f.setCode(fault.CreateElement("faultcode"), prefix, f.code())
		fault.CreateElement("faultstring").SetText(f.faultString())
		if f.Actor != "" {
			fault.CreateElement("faultactor").SetText(f.Actor)
		}
		if f.Detail != nil {
			detail = fault.CreateElement("detail")
		}
	}
	if detail != nil {
		d := f.Detail
		detail.CreateElement("ErrorCode").SetText(d.ErrorCode)
		detail.CreateElement("Message").SetText(d.Message)
		detail.CreateElement("ID").SetText(d.ID)
		detail.CreateElement("Method").SetText(d.Method)
	}
	doc.WriteSettings.CanonicalText = true
	out, err := doc.WriteToBytes()
	if err != nil {
		// etree only fails writing to a failing writer; a bytes.Buffer never fails.
		panic(fmt.Sprintf("soap: rendering fault: %v", err))
	}
	return out
}

// setCode writes the fault code into el: a standard code with the envelope
// prefix, any other in its own namespace, declared on el itself (as WCF
// writes a:InternalServiceFault), so that a parsed fault renders back as it
// came.
func (f *Fault) setCode(el *etree.Element, envPrefix, standard string) {
	if f.Standard() {
		el.SetText(envPrefix + ":" + standard)
		return
	}
	el.CreateAttr("xmlns:c", f.CodeNamespace)
	el.SetText("c:" + f.Code)
}

func soap12Code(code string) string {
	switch code {
	case CodeClient:
		return "Sender"
	case CodeServer:
		return "Receiver"
	}
	return code
}

// WriteFault sends f as an envelope of version v with f's HTTP status.
func WriteFault(w http.ResponseWriter, v Version, f *Fault) error {
	out := f.Envelope(v)
	h := w.Header()
	h.Set("Content-Type", v.ContentType())
	h.Set("Cache-Control", "private")
	h.Set("Content-Length", strconv.Itoa(len(out)))
	w.WriteHeader(f.Status())
	_, err := w.Write(out)
	return err
}

// ErrFaultSyntax reports a Body/Fault element that does not have the SOAP
// fault shape, which the Windows Update Agent reports as a parse-fault error.
var ErrFaultSyntax = errors.New("soap: fault cannot be parsed")

// ParseFault reads a fault envelope (SOAP 1.1 or 1.2): a Body whose first
// child is a Fault in the envelope namespace. The faultcode (SOAP 1.2: the
// Code's Value) must be a qualified name (SOAP 1.1 section 4.4.1) whose
// prefix, or the default namespace when it has none, is bound by a
// declaration in scope where it stands: on the faultcode element itself, on
// the Fault, Body or Envelope. A standard code of that SOAP version in the
// envelope namespace (Client, Server, VersionMismatch, MustUnderstand; in
// SOAP 1.2 Sender and Receiver, returned as Client and Server) gives a Fault
// with Code set; any other namespace-qualified code (WCF's
// a:InternalServiceFault, a dotted s:Client.Authentication) gives a Fault
// with Code its local part and CodeNamespace its namespace: it is still a
// fault, and it is the agent that decides what it makes of it. An
// undeclared prefix, a code without a namespace or an empty local part is
// ErrFaultSyntax. Fault children are matched by local name. The envelope is
// checked as ParseResponse checks it, so the other errors wrap ErrEmptyBody,
// ErrMalformed or ErrVersionMismatch.
func ParseFault(data []byte) (*Fault, error) {
	req, _, err := sniff(data)
	if err != nil {
		return nil, err
	}
	if req.Operation != faultName(req.Version) {
		return nil, fmt.Errorf("%w: no Fault in Body (its first child is %s)", ErrFaultSyntax, req.Operation.Local)
	}
	return req.parseFault()
}

// faultName is the name of the Fault element of version v.
func faultName(v Version) xml.Name {
	return xml.Name{Space: v.Namespace(), Local: "Fault"}
}

// parseFault reads the Fault element sniff stopped at, then the rest of the
// envelope.
func (r *Request) parseFault() (*Fault, error) {
	dec, start := r.dec, r.start
	r.dec = nil
	if dec == nil {
		return nil, fmt.Errorf("%w: fault already read", ErrFaultSyntax)
	}
	scope := nsDecls(slices.Clip(r.scope), start.Attr)
	f := &Fault{}
	var code string
	var codeScope []xml.Attr
	haveCode, haveString, haveActor := false, false, false
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: in Fault: %w", ErrMalformed, err)
		}
		if _, ok := tok.(xml.EndElement); ok {
			break
		}
		t, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		var err2 error
		switch name := t.Name.Local; {
		case r.Version == SOAP11 && name == "faultcode", r.Version == SOAP12 && name == "Code":
			if haveCode {
				err2 = dec.Skip()
				break
			}
			haveCode = true
			if r.Version == SOAP11 {
				codeScope = nsDecls(slices.Clip(scope), t.Attr)
				code, err2 = elementText(dec, &t)
				break
			}
			code, codeScope, err2 = soap12CodeValue(dec, nsDecls(slices.Clip(scope), t.Attr))
		case r.Version == SOAP11 && name == "faultstring", r.Version == SOAP12 && name == "Reason":
			if haveString {
				err2 = dec.Skip()
				break
			}
			haveString = true
			if r.Version == SOAP11 {
				f.String, err2 = elementText(dec, &t)
				break
			}
			f.String, err2 = firstChildText(dec, "Text")
		case r.Version == SOAP11 && name == "faultactor", r.Version == SOAP12 && name == "Role":
			if haveActor {
				err2 = dec.Skip()
				break
			}
			haveActor = true
			f.Actor, err2 = elementText(dec, &t)
		case r.Version == SOAP11 && name == "detail", r.Version == SOAP12 && name == "Detail":
			if f.Detail != nil {
				err2 = dec.Skip()
				break
			}
			f.Detail, err2 = parseDetail(dec)
		default:
			err2 = dec.Skip()
		}
		if err2 != nil {
			return nil, fmt.Errorf("%w: in Fault: %w", ErrMalformed, err2)
		}
	}
	if err := finish(dec); err != nil {
		return nil, err
	}
	if !haveCode {
		return nil, fmt.Errorf("%w: no fault code", ErrFaultSyntax)
	}
	code = strings.TrimSpace(code)
	prefix, local, ok := strings.Cut(code, ":")
	if !ok {
		prefix, local = "", code
	}
	if local == "" || strings.ContainsAny(local, ": \t\r\n") || ok && prefix == "" {
		return nil, fmt.Errorf("%w: fault code %q is not a qualified name", ErrFaultSyntax, code)
	}
	ns, bound := lookupNamespace(codeScope, prefix)
	switch {
	case !bound && prefix != "":
		return nil, fmt.Errorf("%w: fault code prefix %q is not declared", ErrFaultSyntax, prefix)
	case ns == "":
		return nil, fmt.Errorf("%w: fault code %q has no namespace (SOAP wants a qualified name)", ErrFaultSyntax, code)
	}
	if ns == r.Version.Namespace() {
		if std := faultCode(r.Version, local); std != "" {
			f.Code = std
			return f, nil
		}
	}
	f.Code, f.CodeNamespace = local, ns
	return f, nil
}

// faultCode maps the local part of a faultcode of version v to its Code
// constant, or "" when v has no such code.
func faultCode(v Version, local string) string {
	switch local {
	case CodeVersionMismatch, CodeMustUnderstand:
		return local
	case CodeClient, CodeServer:
		if v == SOAP11 {
			return local
		}
	case "Sender":
		if v == SOAP12 {
			return CodeClient
		}
	case "Receiver":
		if v == SOAP12 {
			return CodeServer
		}
	}
	return ""
}

// elementText returns the character data directly inside start (nested
// elements are skipped), consuming the element.
func elementText(dec *xml.Decoder, start *xml.StartElement) (string, error) {
	var s string
	err := dec.DecodeElement(&s, start)
	return s, err
}

// firstChildText returns the text of the first child named local of the
// element whose start tag was just read, consuming the element.
func firstChildText(dec *xml.Decoder, local string) (string, error) {
	var text string
	found := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return text, nil
		case xml.StartElement:
			if found || t.Name.Local != local {
				if err := dec.Skip(); err != nil {
					return "", err
				}
				continue
			}
			found = true
			if text, err = elementText(dec, &t); err != nil {
				return "", err
			}
		}
	}
}

// soap12CodeValue reads a SOAP 1.2 Code element (whose start tag was just
// read, with its namespace declarations in scope) and returns the text of its
// Value and the namespace declarations in scope there.
func soap12CodeValue(dec *xml.Decoder, scope []xml.Attr) (string, []xml.Attr, error) {
	var value string
	var valueScope []xml.Attr
	found := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return value, valueScope, nil
		case xml.StartElement:
			if found || t.Name.Local != "Value" {
				if err := dec.Skip(); err != nil {
					return "", nil, err
				}
				continue
			}
			found = true
			valueScope = nsDecls(slices.Clip(scope), t.Attr)
			if value, err = elementText(dec, &t); err != nil {
				return "", nil, err
			}
		}
	}
}

// parseDetail reads the WSUS detail (whose start tag was just read). The
// first ErrorCode, Message, ID and Method children count; others are skipped.
func parseDetail(dec *xml.Decoder) (*FaultDetail, error) {
	d := &FaultDetail{}
	var seen [4]bool
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return d, nil
		case xml.StartElement:
			var dst *string
			var i int
			switch t.Name.Local {
			case "ErrorCode":
				dst, i = &d.ErrorCode, 0
			case "Message":
				dst, i = &d.Message, 1
			case "ID":
				dst, i = &d.ID, 2
			case "Method":
				dst, i = &d.Method, 3
			}
			if dst == nil || seen[i] {
				if err := dec.Skip(); err != nil {
					return nil, err
				}
				continue
			}
			seen[i] = true
			if *dst, err = elementText(dec, &t); err != nil {
				return nil, err
			}
		}
	}
}

// lookupNamespace resolves prefix against scope, a list of namespace
// declarations from outermost to innermost; the empty prefix is the default
// namespace (xmlns="...").
func lookupNamespace(scope []xml.Attr, prefix string) (string, bool) {
	for i := len(scope) - 1; i >= 0; i-- {
		a := scope[i]
		if prefix == "" && a.Name.Space == "" && a.Name.Local == "xmlns" {
			return a.Value, true
		}
		if prefix != "" && a.Name.Space == "xmlns" && a.Name.Local == prefix {
			return a.Value, true
		}
	}
	return "", false
}
