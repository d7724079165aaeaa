package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap"
)

// recordFlow records flow against a mock of cfg and returns the capture.
func recordFlow(t *testing.T, cfg mockwsus.Config, flow func(t *testing.T, base string)) []Exchange {
	t.Helper()
	w, dir := recordTo(t, WriterOptions{})
	_, hs := newMock(t, cfg, func(h http.Handler) http.Handler { return Record(h, w) })
	flow(t, hs.URL)
	w.Wait()
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	return mustRead(t, dir)
}

func replayOn(t *testing.T, exs []Exchange, cfg mockwsus.Config) *ReplayReport {
	t.Helper()
	_, hs := newMock(t, cfg, nil)
	rep, err := Replay(context.Background(), exs, hs.URL, ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestReplayOfRecordingAgainstFreshMockIsSame(t *testing.T) {
	exs := recordFlow(t, mockwsus.Config{}, cleanFlow)
	if got := ops(exs); !strings.HasPrefix(got, "GetConfig,GetAuthorizationCookie,GetCookie,RegisterComputer,SyncUpdates,") || !strings.HasSuffix(got, ",GetExtendedUpdateInfo") {
		t.Fatalf("recorded operations = %s", got)
	}
	rep := replayOn(t, exs, mockwsus.Config{})
	if rep.Same != len(exs) || rep.FirstDifference != "" {
		t.Fatalf("replay against a fresh mock is not all same:\n%s", rep.Text())
	}
	// The live cookies went into the requests (the recorded ones are
	// sealed with the same seed, so only the handshake's live
	// authorization cookie proves the re-threading ran).
	var rethreaded int
	for _, e := range rep.Exchanges {
		rethreaded += len(e.Rethreaded)
	}
	if rethreaded == 0 {
		t.Errorf("no request was re-threaded:\n%s", rep.Text())
	}
}

// The advisory's scenario: recorded against the buggy SP1 build, the
// office computer's last SyncUpdates faults; the 3.1.6001.66 fix answers
// it with a page of updates, and nothing else changes.
func TestReplayBuggyRecordingAgainstFixedShowsTheFault(t *testing.T) {
	var fault *soap.Fault
	exs := recordFlow(t, mockwsus.Config{}, func(t *testing.T, base string) { fault = officeFlow(t, base) })
	if fault == nil || fault.ErrorCode() != "InternalServerError" {
		t.Fatalf("the office flow on the buggy mock did not fault: %v", fault)
	}
	last := exs[len(exs)-1]
	if last.Operation() != "SyncUpdates" || last.Response.StatusCode != 500 {
		t.Fatalf("last recorded exchange = %s %d", last.Operation(), last.Response.StatusCode)
	}

	fixed := replayOn(t, exs, mockwsus.Config{Version: mockwsus.VersionFixed})
	t.Logf("buggy recording replayed against the fixed mock:\n%s", fixed.Text())
	if fixed.Differs != 1 || fixed.Errors != 0 || fixed.FirstDifference != last.Name {
		t.Fatalf("want exactly the last exchange (%s) to differ:\n%s", last.Name, fixed.Text())
	}
	d := fixed.Exchanges[len(fixed.Exchanges)-1]
	diff := strings.Join(d.Diff, "\n")
	for _, want := range []string{
		"status: 500 recorded, 200 live",
		"fault: Server InternalServerError recorded, none live",
		"SyncUpdatesResult/NewUpdates: 0 updates recorded, ",
	} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}
	if !strings.Contains(diff, "]: absent recorded, Install live") {
		t.Errorf("diff does not list the offered updates:\n%s", diff)
	}

	buggy := replayOn(t, exs, mockwsus.Config{})
	if buggy.Same != len(exs) {
		t.Fatalf("replay against the buggy mock differs:\n%s", buggy.Text())
	}
}

// ReplayAgainst finds where a buggy and a fixed server part on the same
// traffic.
func TestReplayAgainstTwoServers(t *testing.T) {
	exs := recordFlow(t, mockwsus.Config{}, func(t *testing.T, base string) { officeFlow(t, base) })
	_, a := newMock(t, mockwsus.Config{}, nil)
	_, b := newMock(t, mockwsus.Config{Version: mockwsus.VersionFixed}, nil)
	rep, err := ReplayAgainst(context.Background(), exs, a.URL, b.URL, ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	last := exs[len(exs)-1].Name
	if rep.FirstDifference != last || rep.Differs != 1 {
		t.Fatalf("want the servers to part at %s only:\n%s", last, rep.Text())
	}
	if !strings.Contains(strings.Join(rep.Exchanges[len(exs)-1].Diff, "\n"), "fault: Server InternalServerError A, none B") {
		t.Errorf("diff:\n%s", rep.Text())
	}
	same, err := ReplayAgainst(context.Background(), exs, a.URL, a.URL, ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if same.FirstDifference != "" {
		t.Errorf("a server compared with itself parts:\n%s", same.Text())
	}
}

// renumbered builds the default catalog with every revision ID moved by
// 50000: the same updates under other server-local numbers, as another
// WSUS would have them.
func renumbered(seed uint64) (*catalog.Catalog, error) {
	src, err := catalog.Default(seed)
	if err != nil {
		return nil, err
	}
	const shift = 50000
	c := catalog.New()
	for _, g := range src.Groups() {
		if g.ID == catalog.GroupAllComputers || g.ID == catalog.GroupUnassignedComputers {
			continue
		}
		if err := c.AddGroup(g); err != nil {
			return nil, err
		}
	}
	var groups []string
	for _, g := range src.Groups() {
		groups = append(groups, g.ID)
	}
	for _, u := range src.Updates() {
		cp := *u
		cp.RevisionID += shift
		if err := c.Add(&cp); err != nil {
			return nil, err
		}
	}
	for _, u := range src.Updates() {
		if !u.IsLeaf() {
			continue
		}
		for _, d := range src.DeploymentRows(u.RevisionID, groups) {
			d.RevisionID += shift
			if _, err := c.AddDeploymentRow(d); err != nil {
				return nil, err
			}
		}
	}
	return c, nil
}

// A server that numbers the same updates differently answers the same:
// the replay maps the recorded revision IDs to the live ones through the
// update identities.
func TestReplayMapsRenumberedRevisions(t *testing.T) {
	exs := recordFlow(t, mockwsus.Config{}, cleanFlow)
	rep := replayOn(t, exs, mockwsus.Config{Catalog: renumbered})
	if rep.Same != len(exs) {
		t.Fatalf("replay against a renumbered catalog differs:\n%s", rep.Text())
	}
	mapped := false
	for _, e := range rep.Exchanges {
		for _, r := range e.Rethreaded {
			if strings.Contains(r, "revision IDs mapped") {
				mapped = true
			}
		}
	}
	if !mapped {
		t.Errorf("no revision ID was mapped:\n%s", rep.Text())
	}
}

func TestReplayServerAnswersFromTheCapture(t *testing.T) {
	exs := recordFlow(t, mockwsus.Config{}, cleanFlow)
	hs := httptest.NewServer(NewReplayServer(exs))
	t.Cleanup(hs.Close)

	send := func(ex *Exchange) *http.Response {
		t.Helper()
		req, err := http.NewRequest(ex.Request.Method, hs.URL+ex.Request.Target, bytes.NewReader(ex.Request.Body))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ex.Request.Header {
			if !isHopHeader(f.Name) {
				req.Header[f.Name] = append(req.Header[f.Name], f.Value)
			}
		}
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// Every recorded request, in order, gets its own recorded answer.
	for i := range exs {
		ex := &exs[i]
		res := send(ex)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != ex.Response.StatusCode || !bytes.Equal(body, ex.Response.Body) {
			t.Fatalf("%s %s: got %d and %d bytes, want %d and the recorded %d bytes", ex.Name, ex.Operation(), res.StatusCode, len(body), ex.Response.StatusCode, len(ex.Response.Body))
		}
		for _, f := range ex.Response.Header {
			if got := res.Header.Get(f.Name); !strings.EqualFold(f.Name, "Content-Length") && got != f.Value {
				t.Errorf("%s: header %s = %q, recorded %q", ex.Name, f.Name, got, f.Value)
			}
		}
	}
	// A request the capture does not have: a SOAP Client fault naming the
	// operation.
	refresh := exs[len(exs)-1]
	refresh.Request.Header = refresh.Request.Header.Clone()
	refresh.Request.Header.Set("SOAPAction", `"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/RefreshCache"`)
	refresh.Request.Body = []byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><RefreshCache xmlns="http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService"/></s:Body></s:Envelope>`)
	res := send(&refresh)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	f, err := soap.ParseFault(body)
	if res.StatusCode != 500 || err != nil || f.Code != soap.CodeClient || !strings.Contains(f.String, "RefreshCache") {
		t.Fatalf("unknown request: status %d, fault %+v, %v\n%s", res.StatusCode, f, err, body)
	}
	// A path that is not a web service: 404.
	r404, err := hs.Client().Get(hs.URL + "/nothing/here")
	if err != nil {
		t.Fatal(err)
	}
	r404.Body.Close()
	if r404.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nothing/here = %d, want 404", r404.StatusCode)
	}
}

// Replaying a capture against the replay server of itself is the identity.
func TestReplayAgainstReplayServer(t *testing.T) {
	exs := recordFlow(t, mockwsus.Config{}, cleanFlow)
	hs := httptest.NewServer(NewReplayServer(exs))
	t.Cleanup(hs.Close)
	rep, err := Replay(context.Background(), exs, hs.URL, ReplayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Same != len(exs) {
		t.Fatalf("capture replayed against its own replay server:\n%s", rep.Text())
	}
}

func TestReportRenderers(t *testing.T) {
	exs := recordFlow(t, mockwsus.Config{}, func(t *testing.T, base string) { officeFlow(t, base) })
	rep := replayOn(t, exs, mockwsus.Config{Version: mockwsus.VersionFixed})
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back ReplayReport
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Differs != 1 || back.Exchanges[len(back.Exchanges)-1].Verdict != VerdictDiffers || back.FirstDifference == "" {
		t.Errorf("JSON report lost its verdicts: %s", buf.String())
	}
	text := rep.Text()
	for _, want := range []string{"against " + rep.URLB, ": differs (recorded 500, live 200)", "  fault: Server InternalServerError recorded, none live"} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
}

// The matching rule: equal requests are answered in capture order, a
// repeated one beyond the capture gets the best match again, and a request
// equal to none gets the most similar recording of its operation.
func TestReplayServerMatchingRule(t *testing.T) {
	const action = `"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates"`
	sync := func(cookie string, installed ...string) []byte {
		var ints strings.Builder
		for _, i := range installed {
			ints.WriteString("<int>" + i + "</int>")
		}
		return []byte(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><SyncUpdates xmlns="http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService"><cookie><Expiration>2026-10-04T16:03:35Z</Expiration><EncryptedData>` + cookie + `</EncryptedData></cookie><parameters><InstalledNonLeafUpdateIDs>` + ints.String() + `</InstalledNonLeafUpdateIDs></parameters></SyncUpdates></s:Body></s:Envelope>`)
	}
	ex := func(body []byte, answer string) Exchange {
		return Exchange{
			Request:  Request{Method: "POST", Target: "/ClientWebService/client.asmx", Proto: "HTTP/1.1", Header: Header{{"SOAPAction", action}}, Body: body},
			Response: Response{Proto: "HTTP/1.1", StatusCode: 200, Reason: "OK", Header: Header{{"Content-Type", "text/xml"}}, Body: []byte(answer)},
		}
	}
	exs := []Exchange{
		ex(sync("QUFB", "1", "2"), "first"),
		ex(sync("QkJC", "1", "2"), "second"),
		ex(sync("Q0ND", "1", "2", "3", "4", "5"), "bigger"),
	}
	hs := httptest.NewServer(NewReplayServer(exs))
	t.Cleanup(hs.Close)
	ask := func(path string, body []byte) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, hs.URL+path, bytes.NewReader(body))
		req.Header["SOAPAction"] = []string{action}
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return string(out)
	}
	// The cookie is volatile: another cookie still matches.
	mine := sync("ZZZZ", "2", "1")
	for i, want := range []string{"first", "second", "first"} {
		if got := ask("/clientwebservice/CLIENT.asmx", mine); got != want {
			t.Errorf("request %d answered %q, want %q", i+1, got, want)
		}
	}
	if got := ask("/ClientWebService/client.asmx", sync("ZZZZ", "1", "2", "3", "4")); got != "bigger" {
		t.Errorf("closest match = %q, want bigger", got)
	}
}
