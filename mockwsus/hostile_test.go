package mockwsus_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// Hostile input against the real listener (Listen with ListenOptions), as
// opposed to the codec-level cases of badinput_test.go: each case is sent
// over its own TCP connection, byte for byte, while an ordinary GetConfig
// must succeed on another; each gets a SOAP fault, a 4xx or a closed
// connection within a bounded time; and the heap the server keeps, and what
// it allocates for the case, stay bounded.

// hostileOpts are short timeouts, so the slow cases end quickly.
var hostileOpts = mockwsus.ListenOptions{
	Addr:              "127.0.0.1:0",
	ReadHeaderTimeout: 200 * time.Millisecond,
	ReadTimeout:       2 * time.Second, // a 4 MiB chunked body must get in under -race
	IdleTimeout:       2 * time.Second,
}

// listenFor starts a server with a virtual clock on the real listener.
func listenFor(t *testing.T, opts mockwsus.ListenOptions) (*mockwsus.Server, *mockwsus.Listener) {
	t.Helper()
	srv, err := mockwsus.New(mockwsus.Config{Logf: t.Logf, Version: mockwsus.VersionFixed})
	if err != nil {
		t.Fatal(err)
	}
	l, err := srv.Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		l.Shutdown(ctx)
	})
	return srv, l
}

// getConfig sends one ordinary GetConfig on a connection of its own.
func getConfig(url string) error {
	body, err := soap.EncodeRequest(soap.SOAP11, &clientws.GetConfig{ProtocolVersion: "1.0"})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+clientPath, bytes.NewReader(body))
	if err != nil {
		return err
	}
	soap.SetRequestHeaders(req.Header, soap.SOAP11, clientws.ActionGetConfig)
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	var cfg clientws.GetConfigResponse
	if err := soap.ParseResponse(out, &cfg); err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GetConfig: HTTP %d: %v", resp.StatusCode, err)
	}
	return nil
}

// rawAnswer is what came back on a hostile connection.
type rawAnswer struct {
	status  int    // 0: the connection closed without an answer
	proto   string // of the status line
	body    []byte
	closed  bool // the server closed the connection after (or instead of) answering
	elapsed time.Duration
}

// sendRaw writes head and then body (from its own goroutine, since the
// server may answer before reading it all) and reads one answer, all
// within limit. With stall, the body never ends: after it the writer waits
// until the answer is read.
func sendRaw(t *testing.T, addr string, head []byte, body io.Reader, stall, checkClose bool, limit time.Duration) rawAnswer {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	if stall {
		if body == nil {
			body = bytes.NewReader(nil)
		}
		body = io.MultiReader(body, endlessReader{ctx})
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetDeadline(start.Add(limit))
	var wg sync.WaitGroup
	defer wg.Wait()
	defer conn.Close()
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := conn.Write(head); err != nil {
			return
		}
		if body != nil {
			io.Copy(conn, body) // a refusal may reset the connection mid-body
		}
	}()
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	ans := rawAnswer{}
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("no answer and no close within %s", limit)
		}
		ans.closed = true
		ans.elapsed = time.Since(start)
		return ans
	}
	ans.status, ans.proto = resp.StatusCode, resp.Proto
	ans.body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	ans.elapsed = time.Since(start)
	if !checkClose {
		return ans
	}
	// Does the connection end after the answer? A read returns EOF (or a
	// reset) when it does; a timeout when it is kept alive.
	conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err = br.ReadByte()
	var ne net.Error
	ans.closed = err != nil && !(errors.As(err, &ne) && ne.Timeout())
	return ans
}

func soapHead(method, proto, contentType, action string, length int64, extra string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s\r\nHost: wsus01.lab.local:8530\r\n", method, clientPath, proto)
	if contentType != "" {
		fmt.Fprintf(&b, "Content-Type: %s\r\n", contentType)
	}
	if action != "" {
		fmt.Fprintf(&b, "SOAPAction: \"%s\"\r\n", action)
	}
	if length >= 0 {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", length)
	}
	b.WriteString(extra)
	b.WriteString("\r\n")
	return []byte(b.String())
}

// chunked encodes body in chunks of 32 KiB with the terminating chunk.
func chunked(body []byte) []byte {
	var b bytes.Buffer
	for len(body) > 0 {
		n := min(len(body), 32<<10)
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(body[:n])
		b.WriteString("\r\n")
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

// endlessReader never ends and never gives a byte: a body that stalls.
type endlessReader struct{ ctx context.Context }

func (r endlessReader) Read([]byte) (int, error) {
	<-r.ctx.Done()
	return 0, io.EOF
}

func TestHostileInputOverTheListener(t *testing.T) {
	getConfigEnv := env11(getConfigBody)
	intArray := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString(`<s:Envelope xmlns:s="` + nsSOAP11 + `"><s:Body><SyncUpdates xmlns="` + clientws.Namespace + `"><parameters><InstalledNonLeafUpdateIDs>`)
		for i := 0; i < n; i++ {
			b.WriteString("<int>1</int>")
		}
		b.WriteString(`</InstalledNonLeafUpdateIDs></parameters></SyncUpdates></s:Body></s:Envelope>`)
		return b.Bytes()
	}
	nested := func(depth int) []byte {
		return []byte(env11(`<GetConfig xmlns="` + clientws.Namespace + `"><protocolVersion>1.0</protocolVersion>` +
			strings.Repeat("<x>", depth) + strings.Repeat("</x>", depth) + `</GetConfig>`))
	}
	attrs := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`<s:Envelope xmlns:s="` + nsSOAP11 + `"><s:Body><GetConfig xmlns="` + clientws.Namespace + `"`)
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, ` a%d=""`, i)
		}
		b.WriteString(`><protocolVersion>1.0</protocolVersion></GetConfig></s:Body></s:Envelope>`)
		return []byte(b.String())
	}
	laughs := `<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY a "aaaaaaaaaa">` +
		`<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">` +
		`<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">` +
		`<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">]>` +
		env11(`<GetConfig xmlns="`+clientws.Namespace+`"><protocolVersion>&g;</protocolVersion></GetConfig>`)
	xxe := `<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
		env11(`<GetConfig xmlns="`+clientws.Namespace+`"><protocolVersion>&xxe;</protocolVersion></GetConfig>`)
	overLimit := bytes.Repeat([]byte(" "), soap.DefaultMaxBody+1)
	copy(overLimit, getConfigEnv)
	ct11 := soap.ContentTypeSOAP11
	ct12 := soap.ContentTypeSOAP12 + `; action="` + clientws.ActionGetConfig + `"`

	tests := []struct {
		name       string
		head       []byte
		body       []byte
		stall      bool   // the body never ends
		wantStatus int    // 0: closed without an answer
		wantFault  string // faultcode ("" for none expected)
		wantText   string // in the answer
		wantClosed bool
		maxAlloc   uint64 // bytes the case may allocate in all (0: 64 MiB)
	}{
		{name: "headers that never end (slowloris)",
			head: []byte("POST " + clientPath + " HTTP/1.1\r\nHost: wsus01\r\nContent-Type: text/xml\r\nX-Slow: a"), stall: true,
			wantStatus: 0, wantClosed: true},
		{name: "a body that never ends",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionGetConfig, int64(len(getConfigEnv)), ""), body: []byte(getConfigEnv[:40]), stall: true,
			wantStatus: http.StatusRequestTimeout, wantFault: soap.CodeClient, wantText: "Request timed out.", wantClosed: true},
		{name: "HTTP/1.0",
			head: soapHead("POST", "HTTP/1.0", ct11, clientws.ActionGetConfig, int64(len(getConfigEnv)), ""), body: []byte(getConfigEnv),
			wantStatus: http.StatusOK, wantText: "GetConfigResult", wantClosed: true},
		{name: "no Content-Length: a chunked body",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionGetConfig, -1, "Transfer-Encoding: chunked\r\n"), body: chunked([]byte(getConfigEnv)),
			wantStatus: http.StatusOK, wantText: "GetConfigResult"},
		{name: "a chunked body over the 4 MiB limit",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionGetConfig, -1, "Transfer-Encoding: chunked\r\n"), body: chunked(overLimit),
			wantStatus: http.StatusRequestEntityTooLarge, wantFault: soap.CodeClient, wantText: "Maximum request length exceeded."},
		{name: "a Content-Length of 1 GiB, body never sent",
			head:       soapHead("POST", "HTTP/1.1", ct11, clientws.ActionGetConfig, 1<<30, ""),
			wantStatus: http.StatusRequestEntityTooLarge, wantFault: soap.CodeClient, wantText: "Maximum request length exceeded.", wantClosed: true},
		{name: "an int array of 1,000,000 elements (12 MB)",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionSyncUpdates, int64(len(intArray(1_000_000))), ""), body: intArray(1_000_000),
			wantStatus: http.StatusRequestEntityTooLarge, wantFault: soap.CodeClient, wantText: "Maximum request length exceeded.", wantClosed: true},
		{name: "an int array that fills the 4 MiB limit (349,000 elements)",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionSyncUpdates, int64(len(intArray(349_000))), ""), body: intArray(349_000),
			wantStatus: http.StatusRequestEntityTooLarge, wantFault: soap.CodeClient, wantText: "349005 elements, the limit is 100000"},
		{name: "an int array of 90,000 elements, under the element cap",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionSyncUpdates, int64(len(intArray(90_000))), ""), body: intArray(90_000),
			wantStatus: http.StatusInternalServerError, wantFault: soap.CodeClient, wantText: "Fault occurred", maxAlloc: 64 << 20},
		{name: "entity expansion (billion laughs)",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionGetConfig, int64(len(laughs)), ""), body: []byte(laughs),
			wantStatus: http.StatusBadRequest, wantFault: soap.CodeClient, wantText: "DTDs are not allowed"},
		{name: "external entity",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionGetConfig, int64(len(xxe)), ""), body: []byte(xxe),
			wantStatus: http.StatusBadRequest, wantFault: soap.CodeClient, wantText: "DTDs are not allowed"},
		// encoding/xml skips unknown elements without recursion: deep
		// nesting costs time and memory in proportion to its size, which
		// the element cap bounds.
		{name: "nesting 10,000 deep (unknown elements are skipped)",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionGetConfig, int64(len(nested(10_000))), ""), body: nested(10_000),
			wantStatus: http.StatusOK, wantText: "GetConfigResult"},
		{name: "nesting 500,000 deep (3.5 MB)",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionGetConfig, int64(len(nested(500_000))), ""), body: nested(500_000),
			wantStatus: http.StatusRequestEntityTooLarge, wantFault: soap.CodeClient, wantText: "elements, the limit is 100000"},
		{name: "100,000 attributes",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionGetConfig, int64(len(attrs(100_000))), ""), body: attrs(100_000),
			wantStatus: http.StatusOK, wantText: "GetConfigResult", maxAlloc: 256 << 20},
		{name: "invalid UTF-8",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionGetConfig, int64(len(getConfigEnv)+2), ""), body: []byte(strings.Replace(getConfigEnv, "1.0", "1.0\xff\xfe", 1)),
			wantStatus: http.StatusBadRequest, wantFault: soap.CodeClient, wantText: "not UTF-8"},
		{name: "a SOAP 1.2 envelope under a SOAP 1.1 SOAPAction",
			head:       soapHead("POST", "HTTP/1.1", ct11, clientws.ActionGetConfig, int64(len(`<s:Envelope xmlns:s="`+nsSOAP12+`"><s:Body>`+getConfigBody+`</s:Body></s:Envelope>`)), ""),
			body:       []byte(`<s:Envelope xmlns:s="` + nsSOAP12 + `"><s:Body>` + getConfigBody + `</s:Body></s:Envelope>`),
			wantStatus: http.StatusInternalServerError, wantFault: soap.CodeVersionMismatch, wantText: "a SOAP 1.2 envelope sent as"},
		{name: "a SOAP 1.1 envelope under a SOAP 1.2 content type",
			head: soapHead("POST", "HTTP/1.1", ct12, "", int64(len(getConfigEnv)), ""), body: []byte(getConfigEnv),
			wantStatus: http.StatusInternalServerError, wantFault: soap.CodeVersionMismatch, wantText: "a SOAP 1.1 envelope sent as"},
		{name: "headers over 64 KiB",
			head: soapHead("POST", "HTTP/1.1", ct11, clientws.ActionGetConfig, int64(len(getConfigEnv)), "X-Big: "+strings.Repeat("b", 70<<10)+"\r\n"), body: []byte(getConfigEnv),
			wantStatus: http.StatusRequestHeaderFieldsTooLarge, wantClosed: true},
	}
	srv, l := listenFor(t, hostileOpts)
	addr := strings.TrimPrefix(l.URL, "http://")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			var body io.Reader
			if tt.body != nil {
				body = bytes.NewReader(tt.body)
			}
			// Meanwhile the server keeps serving others.
			other := make(chan error, 1)
			go func() { other <- getConfig(l.URL) }()
			ans := sendRaw(t, addr, tt.head, body, tt.stall, tt.wantClosed, 10*time.Second)
			if err := <-other; err != nil {
				t.Errorf("an ordinary GetConfig during the case failed: %v", err)
			}
			if ans.status != tt.wantStatus {
				t.Fatalf("HTTP %d (closed %t after %s), want %d; answer:\n%.500s", ans.status, ans.closed, ans.elapsed, tt.wantStatus, ans.body)
			}
			if tt.wantClosed && !ans.closed {
				t.Errorf("the connection was kept open")
			}
			if tt.wantText != "" && !bytes.Contains(ans.body, []byte(tt.wantText)) {
				t.Errorf("answer lacks %q:\n%.500s", tt.wantText, ans.body)
			}
			if tt.wantFault != "" {
				f, err := soap.ParseFault(ans.body)
				if err != nil {
					t.Fatalf("answer is not a SOAP fault: %v\n%.500s", err, ans.body)
				}
				if f.Code != tt.wantFault {
					t.Errorf("faultcode %s, want %s", f.Code, tt.wantFault)
				}
			}
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			kept := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			maxAlloc := tt.maxAlloc
			if maxAlloc == 0 {
				maxAlloc = 64 << 20
			}
			t.Logf("answered in %s; allocated %.1f MiB, heap kept %+.1f MiB", ans.elapsed.Round(time.Millisecond), float64(alloc)/(1<<20), float64(kept)/(1<<20))
			if alloc > maxAlloc {
				t.Errorf("the case allocated %d bytes, more than %d", alloc, maxAlloc)
			}
			// The journal keeps a summary per exchange, not bodies.
			if kept > 16<<20 {
				t.Errorf("the heap grew by %d bytes and stayed", kept)
			}
		})
	}
	if n := len(srv.Journal().Entries()); n == 0 {
		t.Error("nothing journaled")
	}
}

// Thousands of connections that send nothing do not stop the server from
// answering, are closed once ReadHeaderTimeout passes, and leave no
// goroutine behind; connections kept alive after a request are closed after
// IdleTimeout.
func TestIdleConnectionsAreReaped(t *testing.T) {
	const idle = 2000
	baseline := runtime.NumGoroutine()
	srv, err := mockwsus.New(mockwsus.Config{Logf: t.Logf, Version: mockwsus.VersionFixed})
	if err != nil {
		t.Fatal(err)
	}
	opts := hostileOpts
	opts.ReadHeaderTimeout = time.Second // long enough to see them all open
	opts.IdleTimeout = 500 * time.Millisecond
	l, err := srv.Listen(opts)
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(l.URL, "http://")
	conns := make([]net.Conn, 0, idle)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for len(conns) < idle {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", len(conns)+1, err)
		}
		conns = append(conns, c)
	}
	// Kept-alive connections: one request each, then silence.
	const keptAlive = 50
	for i := 0; i < keptAlive; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		env := env11(getConfigBody)
		c.Write(soapHead("POST", "HTTP/1.1", soap.ContentTypeSOAP11, clientws.ActionGetConfig, int64(len(env)), ""))
		c.Write([]byte(env))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if err := getConfig(l.URL); err != nil {
		t.Fatalf("GetConfig with %d idle connections open: %v", idle, err)
	}
	// Every connection is closed by the server: a read ends with EOF (or a
	// reset) well before its deadline.
	start := time.Now()
	for i, c := range conns {
		c.SetReadDeadline(start.Add(10 * time.Second))
		_, err := c.Read(make([]byte, 1<<10))
		for err == nil {
			_, err = c.Read(make([]byte, 1<<10))
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("connection %d still open after %s", i, time.Since(start))
		}
	}
	t.Logf("%d idle and %d kept-alive connections reaped within %s", idle, keptAlive, time.Since(start).Round(time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := l.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	waitGoroutines(t, baseline, 10*time.Second)
}

// waitGoroutines polls until no more goroutines run than at baseline, or
// fails with their stacks at the deadline.
func waitGoroutines(t *testing.T, baseline int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		n := runtime.NumGoroutine()
		if n <= baseline {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines, %d at the start:\n%s", n, baseline, buf)
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
}
