package capture

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/beevik/etree"

	"github.com/wsusmock/wsusmock/soap"
)

// maxReplayRequest bounds the request bodies the replay server reads: the
// ASP.NET limit a WSUS enforces.
const maxReplayRequest = soap.DefaultMaxBody

// replayEntry is a recorded exchange as the replay server matches it.
type replayEntry struct {
	ex     *Exchange
	method string
	path   string // lower case
	action string
	op     string // operation element of a SOAP request, "" otherwise
	leaves map[string]int
}

type replayServer struct {
	entries []*replayEntry

	mu   sync.Mutex
	used []bool
}

// NewReplayServer returns a handler that answers from a capture, by the
// matching rule of the package documentation. Answers are the recorded
// status, headers and body, byte for byte, with Content-Length recomputed
// (and an empty body for exchanges whose bodies were not retained). A SOAP
// request nothing matches gets a SOAP 1.1 Client fault with HTTP 500 whose
// faultstring names the operation and why; any other request nothing
// matches gets 404. It is safe for concurrent use.
func NewReplayServer(exchanges []Exchange) http.Handler {
	s := &replayServer{used: make([]bool, len(exchanges))}
	for i := range exchanges {
		ex := &exchanges[i]
		e := &replayEntry{ex: ex, method: strings.ToUpper(ex.Request.Method), path: strings.ToLower(ex.Request.Path()), action: ex.Request.SOAPAction()}
		if env, err := parseEnvelope(ex.Request.Body); err == nil {
			e.op, e.leaves = env.op.Tag, flatten(env.op)
		} else {
			e.leaves = plainLeaves(ex.Request.Target, ex.Request.Header.Get("Range"), ex.Request.Body)
		}
		s.entries = append(s.entries, e)
	}
	return s
}

// requestAction returns the SOAP action of a live request and whether it
// looks like SOAP at all (a SOAPAction header or a SOAP content type).
func requestAction(r *http.Request) (string, bool) {
	for k, v := range r.Header {
		if strings.EqualFold(k, "SOAPAction") && len(v) > 0 {
			return unquote(v[0]), true
		}
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return "", false
	}
	switch mt {
	case "application/soap+xml":
		return unquote(params["action"]), true
	case "text/xml":
		return "", r.Method == http.MethodPost
	}
	return "", false
}

func (s *replayServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReplayRequest+1))
	if err != nil {
		http.Error(w, "capture: replay: reading the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	action, isSOAP := requestAction(r)
	method, path := strings.ToUpper(r.Method), strings.ToLower(r.URL.Path)

	var cands []int
	for i, e := range s.entries {
		if e.method == method && e.path == path && e.action == action {
			cands = append(cands, i)
		}
	}
	opName := action[strings.LastIndexByte(action, '/')+1:]
	var leaves map[string]int
	op := ""
	if isSOAP {
		env, err := parseEnvelope(body)
		if err != nil {
			s.fault(w, opName, "the request body is not a SOAP envelope ("+err.Error()+")")
			return
		}
		op, leaves = env.op.Tag, flatten(env.op)
		if opName == "" {
			opName = op
		}
	} else {
		leaves = plainLeaves(r.URL.RequestURI(), r.Header.Get("Range"), body)
	}
	if len(cands) == 0 {
		if isSOAP {
			s.fault(w, opName, s.whyNoCandidate(method, r.URL.Path, action))
			return
		}
		http.Error(w, fmt.Sprintf("capture: replay: the capture has no %s %s", r.Method, r.URL.Path), http.StatusNotFound)
		return
	}
	sameOp := cands[:0:0]
	for _, i := range cands {
		if s.entries[i].op == op {
			sameOp = append(sameOp, i)
		}
	}
	if len(sameOp) == 0 {
		s.fault(w, opName, fmt.Sprintf("%d recorded request(s) with this SOAPAction on %s, none with a %s operation element (they have %s)",
			len(cands), r.URL.Path, op, s.entries[cands[0]].op))
		return
	}
	i := s.pick(sameOp, leaves)
	s.answer(w, r, s.entries[i].ex)
}

// pick applies the matching rule to candidates of the same operation and
// marks the one chosen as used.
func (s *replayServer) pick(cands []int, leaves map[string]int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, i := range cands {
		if !s.used[i] && equalLeaves(s.entries[i].leaves, leaves) {
			s.used[i] = true
			return i
		}
	}
	best, bestScore, bestUsed := -1, -1.0, true
	for _, i := range cands {
		sc := similarity(s.entries[i].leaves, leaves)
		if sc > bestScore || sc == bestScore && bestUsed && !s.used[i] {
			best, bestScore, bestUsed = i, sc, s.used[i]
		}
	}
	s.used[best] = true
	return best
}

func (s *replayServer) whyNoCandidate(method, path, action string) string {
	var here []string
	seen := map[string]bool{}
	for _, e := range s.entries {
		if e.method == method && e.path == strings.ToLower(path) {
			name := e.action[strings.LastIndexByte(e.action, '/')+1:]
			if name == "" {
				name = "(no action)"
			}
			if !seen[name] {
				seen[name] = true
				here = append(here, name)
			}
		}
	}
	if len(here) == 0 {
		return fmt.Sprintf("the capture has no %s %s", method, path)
	}
	sort.Strings(here)
	return fmt.Sprintf("the capture has no %s %s with SOAPAction %q (it has %s there)", method, path, action, strings.Join(here, ", "))
}

func (s *replayServer) fault(w http.ResponseWriter, op, why string) {
	if op == "" {
		op = "the request"
	}
	f := &soap.Fault{Code: soap.CodeClient, String: "capture: replay: no recorded exchange matches " + op + ": " + why}
	soap.WriteFault(w, soap.SOAP11, f)
}

// replayedHeaders keep Go's canonical spelling, because net/http consults
// them by that key; every other header goes out as recorded.
var replayedHeaders = map[string]bool{"Content-Type": true, "Date": true}

func (s *replayServer) answer(w http.ResponseWriter, r *http.Request, ex *Exchange) {
	if ex.Response.StatusCode == 0 {
		http.Error(w, "capture: replay: the recorded exchange "+ex.Name+" has no response: "+ex.Meta.Error, http.StatusBadGateway)
		return
	}
	h := w.Header()
	for _, f := range ex.Response.Header {
		if isHopHeader(f.Name) {
			continue
		}
		name := f.Name
		if c := http.CanonicalHeaderKey(name); replayedHeaders[c] {
			name = c
		}
		h[name] = append(h[name], f.Value)
	}
	// Nothing the recording did not have: no sniffed Content-Type, no
	// Date of our own.
	for k := range replayedHeaders {
		if _, ok := h[k]; !ok {
			h[k] = nil
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(ex.Response.Body)))
	w.WriteHeader(ex.Response.StatusCode)
	if r.Method != http.MethodHead {
		w.Write(ex.Response.Body)
	}
}

// requestVolatile are request elements not compared when matching: the
// cookie (a client replaying a capture has another one) and everything
// volatileChild names.
var requestVolatile = map[string]bool{"cookie": true, "oldCookie": true}

// flatten turns an operation element into a multiset of path=value leaves
// (attributes included), leaving out volatile fields.
func flatten(op *etree.Element) map[string]int {
	out := map[string]int{}
	var rec func(path string, e *etree.Element)
	rec = func(path string, e *etree.Element) {
		for _, a := range e.Attr {
			if a.Space != "xmlns" && !(a.Space == "" && a.Key == "xmlns") {
				out[path+"/@"+a.Key+"="+a.Value]++
			}
		}
		kids := e.ChildElements()
		if len(kids) == 0 {
			out[path+"="+strings.TrimSpace(e.Text())]++
			return
		}
		for _, c := range kids {
			if requestVolatile[c.Tag] || volatileChild(e.Tag, c.Tag) {
				continue
			}
			rec(path+"/"+c.Tag, c)
		}
	}
	rec(op.Tag, op)
	return out
}

// plainLeaves describes a request that is not SOAP: its target (with the
// query), its Range and its body.
func plainLeaves(target, rng string, body []byte) map[string]int {
	out := map[string]int{"target=" + target: 1}
	if rng != "" {
		out["range="+rng] = 1
	}
	if len(body) > 0 {
		out["body="+sha256Hex(body)] = 1
	}
	return out
}

func equalLeaves(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// similarity is the Dice coefficient of two leaf multisets: 1 for equal,
// 0 for nothing in common.
func similarity(a, b map[string]int) float64 {
	na, nb, common := 0, 0, 0
	for k, v := range a {
		na += v
		common += min(v, b[k])
	}
	for _, v := range b {
		nb += v
	}
	if na+nb == 0 {
		return 1
	}
	return 2 * float64(common) / float64(na+nb)
}
