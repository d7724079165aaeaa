package mockwsus_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
)

// writeThenRead is a client that sends its whole request before it reads
// anything, as WinHTTP and Python's urllib do: the head, then body in pieces
// of chunk, size bytes in all (chunked transfer coding when chunked). It
// returns the answer's status, or the error that ended the exchange.
func writeThenRead(t *testing.T, addr string, size int, chunked bool, limit time.Duration) (int, error) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(limit))
	length := int64(size)
	extra := ""
	if chunked {
		length, extra = -1, "Transfer-Encoding: chunked\r\n"
	}
	if _, err := conn.Write(soapHead("POST", "HTTP/1.1", soap.ContentTypeSOAP11, clientws.ActionGetConfig, length, extra)); err != nil {
		return 0, err
	}
	piece := bytes.Repeat([]byte(" "), 1<<20)
	copy(piece, env11(getConfigBody)) // an envelope, then white space
	for sent := 0; sent < size; {
		p := piece[:min(len(piece), size-sent)]
		var err error
		if chunked {
			_, err = conn.Write(append(append([]byte(strconv.FormatInt(int64(len(p)), 16)+"\r\n"), p...), "\r\n"...))
		} else {
			_, err = conn.Write(p)
		}
		if err != nil {
			return 0, err
		}
		sent += len(p)
	}
	if chunked {
		if _, err := conn.Write([]byte("0\r\n\r\n")); err != nil {
			return 0, err
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode == http.StatusRequestEntityTooLarge && !bytes.Contains(body, []byte("Maximum request length exceeded.")) {
		return resp.StatusCode, errors.New("the 413 is not the ASP.NET fault: " + string(body))
	}
	return resp.StatusCode, nil
}

// A client that writes a 12 MiB body before it reads gets the 413 fault,
// every time, sized or chunked: the server reads the body it refuses up to
// MaxDiscard (IIS's maxAllowedContentLength, 30,000,000 bytes) rather than
// answering over unread data, which the kernel turns into a reset.
func TestOversizeBodyIsAnsweredToAClientThatWritesFirst(t *testing.T) {
	_, l := listenFor(t, mockwsus.ListenOptions{Addr: "127.0.0.1:0"})
	addr := strings.TrimPrefix(l.URL, "http://")
	for _, chunked := range []bool{false, true} {
		for i := 1; i <= 3; i++ {
			status, err := writeThenRead(t, addr, 12<<20, chunked, 30*time.Second)
			if err != nil || status != http.StatusRequestEntityTooLarge {
				t.Errorf("chunked=%t, attempt %d: HTTP %d, %v; want 413", chunked, i, status, err)
			}
		}
	}
}

// Past MaxDiscard the server reads no further: it answers and closes, so a
// client still writing fails (as before discarding existed); a slow sender
// below the bound is still cut by the read timeout. Either way the
// connection ends within its deadline and the server keeps serving.
func TestOversizeBodyPastTheDiscardBound(t *testing.T) {
	srv, err := mockwsus.New(mockwsus.Config{MaxDiscard: 6 << 20, Version: mockwsus.VersionFixed, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0", ReadTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Shutdown(t.Context()) })
	addr := strings.TrimPrefix(l.URL, "http://")
	for _, chunked := range []bool{false, true} {
		// 64 MiB: more than loopback socket buffers hold, so a server
		// that stops reading makes the client's writes fail.
		if status, err := writeThenRead(t, addr, 64<<20, chunked, 30*time.Second); err == nil {
			t.Errorf("chunked=%t: a 64 MiB body past a 6 MiB bound was read whole (HTTP %d)", chunked, status)
		}
	}
	// A body over MaxBody, under the bound, that stops coming.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	conn.Write(soapHead("POST", "HTTP/1.1", soap.ContentTypeSOAP11, clientws.ActionGetConfig, 5<<20, ""))
	conn.Write(bytes.Repeat([]byte(" "), 4<<20+1))
	start := time.Now()
	_, err = io.Copy(io.Discard, conn) // the answer, if any, then the close
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("a stalled body over the limit held the connection for %s", time.Since(start))
	}
	if err := getConfig(l.URL); err != nil {
		t.Errorf("GetConfig afterwards: %v", err)
	}
	var last mockwsus.Entry
	for _, e := range srv.Journal().Entries() {
		if e.Status == http.StatusRequestEntityTooLarge {
			last = e
		}
	}
	if !strings.Contains(last.Detail, "reading it failed") {
		t.Errorf("the stalled body's entry: %+v, want it to say the read failed", last)
	}
}
