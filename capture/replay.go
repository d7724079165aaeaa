package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/wsusmock/wsusmock/clock"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/simpleauth"
)

// DefaultClientID is the client ID a replay registers with when the
// capture names none (no GetAuthorizationCookie clientId, no reporting
// TargetID/Sid).
const DefaultClientID = "0c0ffee0-4ab1-4c1d-9e2a-000000000001"

// Default service paths, as WSUS and the mock serve them.
const (
	clientServicePath = "/ClientWebService/client.asmx"
	authServicePath   = "/SimpleAuthWebService/SimpleAuth.asmx"
)

// ReplayOptions configures Replay and ReplayAgainst.
type ReplayOptions struct {
	// Client sends the requests; nil means a client that does not follow
	// redirects and does not ask for compression (responses are compared
	// as the server sent them).
	Client *http.Client
	// ClientID and DNSName are used to register when a capture needs a
	// cookie it did not get itself; empty means the capture's own (the
	// clientId of a GetAuthorizationCookie, the TargetID/Sid of a reporting
	// event, which the server checks against the cookie) or DefaultClientID.
	ClientID string
	DNSName  string
	// Clock gives GetCookie's currentTime when registering; nil means the
	// real clock.
	Clock clock.Clock
	// MaxDiffLines bounds the lines of one exchange's diff; 0 means 40,
	// negative means no limit.
	MaxDiffLines int
	// MaxBody bounds how much of a live response is read; 0 means
	// DefaultMaxBody.
	MaxBody int64
}

// Verdict is the outcome of one replayed exchange.
type Verdict string

// Verdicts.
const (
	VerdictSame    Verdict = "same"
	VerdictDiffers Verdict = "differs"
	VerdictError   Verdict = "error"
)

// ExchangeResult is the comparison of one exchange.
type ExchangeResult struct {
	Exchange  string  `json:"exchange"`
	Method    string  `json:"method"`
	Path      string  `json:"path"`
	Operation string  `json:"operation,omitempty"`
	Verdict   Verdict `json:"verdict"`
	// StatusA and StatusB are the HTTP statuses of the two sides (recorded
	// and live for Replay); 0 when a side has none.
	StatusA int `json:"statusA"`
	StatusB int `json:"statusB"`
	// Diff lists the differences: "location: value A, value B".
	Diff []string `json:"diff,omitempty"`
	// Error says why the verdict is error.
	Error string `json:"error,omitempty"`
	// Rethreaded lists the live state put into the request: a live cookie,
	// rewritten revision IDs.
	Rethreaded []string `json:"rethreaded,omitempty"`
}

// ReplayReport is the outcome of Replay or ReplayAgainst.
type ReplayReport struct {
	// A and B label the two sides: "recorded" and "live" for Replay, "A"
	// and "B" for ReplayAgainst.
	A string `json:"a"`
	B string `json:"b"`
	// URLA is the server of side A (empty for the recording); URLB the
	// server of side B.
	URLA string `json:"urlA,omitempty"`
	URLB string `json:"urlB"`
	// Notes say what the replay did besides the capture's requests
	// (registering to get a cookie).
	Notes     []string         `json:"notes,omitempty"`
	Exchanges []ExchangeResult `json:"exchanges"`
	Same      int              `json:"same"`
	Differs   int              `json:"differs"`
	Errors    int              `json:"errors"`
	// FirstDifference is the first exchange whose verdict is not same:
	// where the two sides part. Empty when they never do.
	FirstDifference string `json:"firstDifference,omitempty"`
}

func (r *ReplayReport) add(res ExchangeResult) {
	r.Exchanges = append(r.Exchanges, res)
	switch res.Verdict {
	case VerdictSame:
		r.Same++
	case VerdictDiffers:
		r.Differs++
	default:
		r.Errors++
	}
	if res.Verdict != VerdictSame && r.FirstDifference == "" {
		r.FirstDifference = res.Exchange
	}
}

// Replay sends the recorded requests, in order, to the server at
// serverURL and compares every live response with the recorded one (see the
// package documentation for what is re-threaded and what is compared). An
// exchange the server cannot be asked or does not answer gets verdict
// error; the replay goes on. The error return is for unusable arguments.
func Replay(ctx context.Context, exchanges []Exchange, serverURL string, opts ReplayOptions) (*ReplayReport, error) {
	base, err := parseServerURL(serverURL)
	if err != nil {
		return nil, err
	}
	plan := newPlan(exchanges, opts)
	live := newLiveState(base, "", plan, opts)
	rep := &ReplayReport{A: "recorded", B: "live", URLB: base.String()}
	for i := range exchanges {
		ex := &exchanges[i]
		res := resultFor(ex)
		out := live.send(ctx, i)
		res.Rethreaded = out.rethreaded
		res.StatusA = ex.Response.StatusCode
		if out.err != nil {
			res.Verdict, res.Error = VerdictError, out.err.Error()
			rep.add(res)
			continue
		}
		res.StatusB = out.status
		a := &side{label: rep.A, status: ex.Response.StatusCode, header: ex.Response.Header, body: ex.Response.Body,
			retained: ex.Meta.Bodies == "" || ex.Response.Body != nil, ids: plan.recordedIDs}
		b := &side{label: rep.B, status: out.status, header: out.header, body: out.body, retained: true, ids: live.ids}
		res.Diff = diffSides(a, b, plan.maxLines)
		res.Verdict = verdictOf(res.Diff)
		rep.add(res)
	}
	rep.Notes = live.notes
	return rep, nil
}

// ReplayAgainst sends the same recorded traffic to two live servers, each
// with its own re-threaded state, and compares their responses with each
// other: the report's FirstDifference is where they part.
func ReplayAgainst(ctx context.Context, exchanges []Exchange, urlA, urlB string, opts ReplayOptions) (*ReplayReport, error) {
	baseA, err := parseServerURL(urlA)
	if err != nil {
		return nil, err
	}
	baseB, err := parseServerURL(urlB)
	if err != nil {
		return nil, err
	}
	plan := newPlan(exchanges, opts)
	la := newLiveState(baseA, "A: ", plan, opts)
	lb := newLiveState(baseB, "B: ", plan, opts)
	rep := &ReplayReport{A: "A", B: "B", URLA: baseA.String(), URLB: baseB.String()}
	for i := range exchanges {
		res := resultFor(&exchanges[i])
		oa := la.send(ctx, i)
		ob := lb.send(ctx, i)
		res.StatusA, res.StatusB = oa.status, ob.status
		for _, r := range oa.rethreaded {
			res.Rethreaded = append(res.Rethreaded, "A: "+r)
		}
		for _, r := range ob.rethreaded {
			res.Rethreaded = append(res.Rethreaded, "B: "+r)
		}
		if oa.err != nil || ob.err != nil {
			var msgs []string
			if oa.err != nil {
				msgs = append(msgs, "A: "+oa.err.Error())
			}
			if ob.err != nil {
				msgs = append(msgs, "B: "+ob.err.Error())
			}
			res.Verdict, res.Error = VerdictError, strings.Join(msgs, "; ")
			rep.add(res)
			continue
		}
		a := &side{label: "A", status: oa.status, header: oa.header, body: oa.body, retained: true, ids: la.ids}
		b := &side{label: "B", status: ob.status, header: ob.header, body: ob.body, retained: true, ids: lb.ids}
		res.Diff = diffSides(a, b, plan.maxLines)
		res.Verdict = verdictOf(res.Diff)
		rep.add(res)
	}
	rep.Notes = append(la.notes, lb.notes...)
	return rep, nil
}

func verdictOf(diff []string) Verdict {
	if len(diff) == 0 {
		return VerdictSame
	}
	return VerdictDiffers
}

func resultFor(ex *Exchange) ExchangeResult {
	return ExchangeResult{Exchange: ex.Name, Method: ex.Request.Method, Path: ex.Request.Path(), Operation: ex.Operation()}
}

func parseServerURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("capture: server URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("capture: server URL %q: want http://host[:port] or https://host[:port]", s)
	}
	return u, nil
}

// plan is what a replay knows from the capture before sending anything.
type plan struct {
	exchanges []Exchange
	// envs are the parsed SOAP requests (nil for others).
	envs []*envelope
	// recordedIDs maps the capture's revision IDs to identities, from
	// every recorded response.
	recordedIDs map[int32]identity
	clientID    string
	dnsName     string
	userAgent   string
	opts        ReplayOptions
	maxLines    int
	maxBody     int64
}

func newPlan(exchanges []Exchange, opts ReplayOptions) *plan {
	p := &plan{exchanges: exchanges, envs: make([]*envelope, len(exchanges)), recordedIDs: map[int32]identity{}, opts: opts}
	p.maxLines = opts.MaxDiffLines
	if p.maxLines == 0 {
		p.maxLines = 40
	}
	p.maxBody = opts.MaxBody
	if p.maxBody <= 0 {
		p.maxBody = DefaultMaxBody
	}
	var sid, authID string
	for i := range exchanges {
		ex := &exchanges[i]
		if p.userAgent == "" {
			p.userAgent = ex.Request.Header.Get("User-Agent")
		}
		if env, err := parseEnvelope(ex.Request.Body); err == nil {
			p.envs[i] = env
			switch env.op.Tag {
			case "GetAuthorizationCookie":
				if authID == "" {
					authID = childText(env.op, "clientId")
				}
				if p.dnsName == "" {
					p.dnsName = childText(env.op, "dnsName")
				}
			case "RegisterComputer":
				if p.dnsName == "" {
					p.dnsName = childText(child(env.op, "computerInfo"), "DnsName")
				}
			case "ReportEventBatch":
				walk(env.op, func(e *etree.Element) {
					if e.Tag == "TargetID" && sid == "" {
						sid = childText(e, "Sid")
					}
				})
			}
		}
		if env, err := parseEnvelope(ex.Response.Body); err == nil {
			learnRevisions(env.op, p.recordedIDs)
		}
	}
	switch {
	case opts.ClientID != "":
		p.clientID = opts.ClientID
	case authID != "":
		p.clientID = authID
	case sid != "":
		p.clientID = sid
	default:
		p.clientID = DefaultClientID
	}
	if opts.DNSName != "" {
		p.dnsName = opts.DNSName
	}
	if p.dnsName == "" {
		p.dnsName = "replay-client.invalid"
	}
	return p
}

// cookie is a client web service cookie as the wire has it.
type cookie struct {
	expiration, data string
}

// liveState is what one live server has told the replay so far.
type liveState struct {
	base   *url.URL
	prefix string
	plan   *plan
	client *http.Client
	clk    clock.Clock

	cookie     *cookie
	authPlugIn string
	authData   string
	lastChange string
	// ids maps the live server's revision IDs to identities; byIdentity
	// the other way.
	ids        map[int32]identity
	byIdentity map[identity]int32
	notes      []string
}

func newLiveState(base *url.URL, prefix string, p *plan, opts ReplayOptions) *liveState {
	c := opts.Client
	if c == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DisableCompression = true
		c = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	clk := opts.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	return &liveState{base: base, prefix: prefix, plan: p, client: c, clk: clk, ids: map[int32]identity{}, byIdentity: map[identity]int32{}}
}

// outcome is one live exchange.
type outcome struct {
	status     int
	header     Header
	body       []byte
	err        error
	rethreaded []string
}

// hopHeaders are not replayed: the transport sets its own framing, and
// compression would change what is compared.
var hopHeaders = []string{"Host", "Content-Length", "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Proxy-Connection", "Accept-Encoding"}

func isHopHeader(name string) bool {
	for _, h := range hopHeaders {
		if strings.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// send replays exchange i against the live server.
func (l *liveState) send(ctx context.Context, i int) outcome {
	ex := &l.plan.exchanges[i]
	body := ex.Request.Body
	var out outcome
	if env := l.plan.envs[i]; env != nil {
		if child(env.op, "cookie") != nil && l.cookie == nil {
			if err := l.register(ctx, ex.Name); err != nil {
				out.err = fmt.Errorf("registering to get a cookie: %w", err)
				return out
			}
		}
		rewritten, notes, err := l.rethread(env)
		if err != nil {
			out.err = err
			return out
		}
		if rewritten != nil {
			body, out.rethreaded = rewritten, notes
		}
	}
	req, err := http.NewRequestWithContext(ctx, ex.Request.Method, l.target(ex.Request.Target), bytes.NewReader(body))
	if err != nil {
		out.err = err
		return out
	}
	if len(body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for _, f := range ex.Request.Header {
		if !isHopHeader(f.Name) {
			// The recorded spelling (SOAPAction) goes out as recorded.
			req.Header[f.Name] = append(req.Header[f.Name], f.Value)
		}
	}
	resp, err := l.client.Do(req)
	if err != nil {
		out.err = err
		return out
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, l.plan.maxBody+1))
	if err != nil {
		out.err = fmt.Errorf("reading the response: %w", err)
		return out
	}
	if int64(len(data)) > l.plan.maxBody {
		out.err = fmt.Errorf("the response is larger than %d bytes", l.plan.maxBody)
		return out
	}
	out.status, out.header, out.body = resp.StatusCode, headerFromHTTP(resp.Header, ""), data
	if env, err := parseEnvelope(data); err == nil {
		l.learn(env)
	}
	return out
}

// target joins a recorded request-target to the server URL (which may
// have a path prefix).
func (l *liveState) target(t string) string {
	u := *l.base
	r := Request{Target: t}
	path := r.Path()
	u.Path = strings.TrimSuffix(l.base.Path, "/") + path
	u.RawPath = ""
	u.RawQuery = ""
	if i := strings.IndexByte(t, '?'); i >= 0 {
		u.RawQuery = t[i+1:]
	}
	return u.String()
}

// learn takes the live state a response carries: cookies, the
// configuration time, revision IDs.
func (l *liveState) learn(env *envelope) {
	learnRevisions(env.op, l.ids)
	for rev, id := range l.ids {
		l.byIdentity[id] = rev
	}
	walk(env.op, func(e *etree.Element) {
		switch e.Tag {
		case "GetCookieResult", "NewCookie":
			if data := childText(e, "EncryptedData"); data != "" {
				l.cookie = &cookie{expiration: childText(e, "Expiration"), data: data}
			}
		case "GetAuthorizationCookieResult":
			l.authPlugIn, l.authData = childText(e, "PlugInId"), childText(e, "CookieData")
		case "GetConfigResult":
			l.lastChange = childText(e, "LastChange")
		}
	})
}

// revisionLists are the request lists of revision IDs that a renumbering
// server needs rewritten.
var revisionLists = map[string]bool{
	"InstalledNonLeafUpdateIDs": true, "OtherCachedUpdateIDs": true, "revisionIDs": true, "CachedDriverIDs": true,
}

// rethread puts the live state into a recorded request: the live cookie
// for the recorded one, the live authorization cookie and configuration
// time into GetCookie, and live revision IDs for recorded ones the two
// servers number differently. It returns nil for a request that needs no
// change, which is then sent as recorded, byte for byte.
func (l *liveState) rethread(env *envelope) ([]byte, []string, error) {
	doc := env.doc.Copy()
	op := doc.Root()
	for _, c := range op.ChildElements() {
		if c.Tag == "Body" {
			op = c.ChildElements()[0]
			break
		}
	}
	var notes []string
	setText := func(e *etree.Element, v string) bool {
		if e == nil || v == "" || strings.TrimSpace(e.Text()) == v {
			return false
		}
		e.SetText(v)
		return true
	}
	setCookie := func(e *etree.Element, what string) {
		if e == nil || l.cookie == nil {
			return
		}
		a := setText(child(e, "EncryptedData"), l.cookie.data)
		b := setText(child(e, "Expiration"), l.cookie.expiration)
		if a || b {
			notes = append(notes, "live "+what)
		}
	}
	setCookie(child(op, "cookie"), "cookie")
	if op.Tag == "GetCookie" {
		setCookie(child(op, "oldCookie"), "oldCookie")
		if ac := child(op, "authCookies"); ac != nil && l.authData != "" {
			changed := false
			for _, c := range ac.ChildElements() {
				if setText(child(c, "CookieData"), l.authData) {
					changed = true
				}
			}
			if changed {
				notes = append(notes, "live authorization cookie")
			}
		}
		if setText(child(op, "lastChange"), l.lastChange) {
			notes = append(notes, "live lastChange")
		}
	}
	rewritten := 0
	walk(op, func(e *etree.Element) {
		if !revisionLists[e.Tag] {
			return
		}
		for _, c := range e.ChildElements() {
			n, err := strconv.ParseInt(strings.TrimSpace(c.Text()), 10, 32)
			if err != nil {
				continue
			}
			id, ok := l.plan.recordedIDs[int32(n)]
			if !ok {
				continue
			}
			if liveRev, ok := l.byIdentity[id]; ok && liveRev != int32(n) {
				c.SetText(strconv.Itoa(int(liveRev)))
				rewritten++
			}
		}
	})
	if rewritten > 0 {
		notes = append(notes, fmt.Sprintf("%d revision IDs mapped to the live server's", rewritten))
	}
	if len(notes) == 0 {
		return nil, nil, nil
	}
	out, err := doc.WriteToBytes()
	if err != nil {
		return nil, nil, fmt.Errorf("re-encoding the request: %w", err)
	}
	return out, notes, nil
}

// register gets a cookie from the live server as an agent does: GetConfig,
// GetAuthorizationCookie, GetCookie, RegisterComputer.
func (l *liveState) register(ctx context.Context, before string) error {
	var steps []string
	defer func() {
		l.notes = append(l.notes, fmt.Sprintf("%sregistered as clientId %s before exchange %s: %s", l.prefix, l.plan.clientID, before, strings.Join(steps, ", ")))
	}()
	call := func(path, action string, req, resp any) error {
		body, err := soap.EncodeRequest(soap.SOAP11, req)
		if err != nil {
			return err
		}
		hr, err := http.NewRequestWithContext(ctx, http.MethodPost, l.target(path), bytes.NewReader(body))
		if err != nil {
			return err
		}
		soap.SetRequestHeaders(hr.Header, soap.SOAP11, action)
		if l.plan.userAgent != "" {
			hr.Header.Set("User-Agent", l.plan.userAgent)
		}
		op := action[strings.LastIndexByte(action, '/')+1:]
		res, err := l.client.Do(hr)
		if err != nil {
			steps = append(steps, op+" failed")
			return fmt.Errorf("%s: %w", op, err)
		}
		defer res.Body.Close()
		data, err := io.ReadAll(io.LimitReader(res.Body, l.plan.maxBody))
		if err != nil {
			steps = append(steps, op+" failed")
			return fmt.Errorf("%s: %w", op, err)
		}
		steps = append(steps, fmt.Sprintf("%s %d", op, res.StatusCode))
		if err := soap.ParseResponse(data, resp); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		return nil
	}
	var cfg clientws.GetConfigResponse
	if err := call(clientServicePath, clientws.ActionGetConfig, &clientws.GetConfig{ProtocolVersion: "1.20"}, &cfg); err != nil {
		return err
	}
	authPath := authServicePath
	var lastChange clientws.DateTime
	if c := cfg.GetConfigResult; c != nil {
		lastChange = c.LastChange
		if c.AuthInfo != nil {
			for _, a := range c.AuthInfo.AuthPlugInInfo {
				if a != nil && a.ServiceUrl != "" && !strings.Contains(a.ServiceUrl, "://") {
					authPath = "/" + strings.TrimPrefix(a.ServiceUrl, "/")
					break
				}
			}
		}
	}
	var auth simpleauth.GetAuthorizationCookieResponse
	if err := call(authPath, simpleauth.ActionGetAuthorizationCookie, &simpleauth.GetAuthorizationCookie{ClientId: l.plan.clientID, DnsName: l.plan.dnsName}, &auth); err != nil {
		return err
	}
	ac := auth.GetAuthorizationCookieResult
	if ac == nil {
		return errors.New("GetAuthorizationCookie: no cookie in the response")
	}
	var ck clientws.GetCookieResponse
	if err := call(clientServicePath, clientws.ActionGetCookie, &clientws.GetCookie{
		AuthCookies: &clientws.ArrayOfAuthorizationCookie{AuthorizationCookie: []*clientws.AuthorizationCookie{{PlugInId: ac.PlugInId, CookieData: ac.CookieData}}},
		LastChange:  lastChange, CurrentTime: clientws.NewDateTime(l.clk.Now()), ProtocolVersion: "1.20",
	}, &ck); err != nil {
		return err
	}
	if ck.GetCookieResult == nil {
		return errors.New("GetCookie: no cookie in the response")
	}
	c := ck.GetCookieResult
	var reg clientws.RegisterComputerResponse
	err := call(clientServicePath, clientws.ActionRegisterComputer, &clientws.RegisterComputer{Cookie: c, ComputerInfo: &clientws.ComputerInfo{
		DnsName: l.plan.dnsName, OSMajorVersion: 10, OSMinorVersion: 0, OSBuildNumber: 26200, OSLocale: "en-US",
		ProcessorArchitecture: "AMD64", ClientVersionMajorNumber: 1507, ClientVersionMinorNumber: 2601, ClientVersionBuildNumber: 30012,
	}}, &reg)
	var f *soap.Fault
	if err != nil && !(errors.As(err, &f) && f.ErrorCode() == "RegistrationNotRequired") {
		return err
	}
	text := func(v interface{ MarshalText() ([]byte, error) }) string {
		b, _ := v.MarshalText()
		return string(b)
	}
	l.cookie = &cookie{expiration: text(c.Expiration), data: text(c.EncryptedData)}
	return nil
}
