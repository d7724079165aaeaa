package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// postBeforeReading sends a GetConfig request with a body of size bytes,
// all of it, before reading the answer (as WinHTTP and Python's urllib do).
// It returns the answer's status or the error that ended the exchange.
func postBeforeReading(t *testing.T, url string, size int) (int, error) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "POST /ClientWebService/client.asmx HTTP/1.1\r\nHost: wsus01:8530\r\nContent-Type: text/xml; charset=utf-8\r\n"+
		"SOAPAction: \"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/GetConfig\"\r\nContent-Length: %d\r\n\r\n", size)
	piece := bytes.Repeat([]byte(" "), 1<<20)
	for sent := 0; sent < size; sent += len(piece) {
		if _, err := conn.Write(piece[:min(len(piece), size-sent)]); err != nil {
			return 0, err
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// --max-discard reaches the server: by default a 12 MiB body over --max-body
// is read and answered with 413; with --max-discard 1MiB (or 0, off) it is
// not read, and a client that writes 24 MiB (under the default bound, more than
// loopback socket buffers hold) before reading fails.
func TestMaxDiscardFlag(t *testing.T) {
	for _, tt := range []struct {
		flags  []string
		size   int
		answer bool
	}{
		{nil, 12 << 20, true},
		{[]string{"--max-discard", "1MiB"}, 24 << 20, false},
		{[]string{"--max-discard", "0"}, 24 << 20, false},
	} {
		url, stop := start(t, append([]string{"--addr", "127.0.0.1:0", "--admin-addr", "", "--max-body", "8KiB"}, tt.flags...)...)
		status, err := postBeforeReading(t, url, tt.size)
		if answered := err == nil && status == http.StatusRequestEntityTooLarge; answered != tt.answer {
			t.Errorf("%v, %d bytes: HTTP %d, %v; want the 413 answer %t", tt.flags, tt.size, status, err, tt.answer)
		}
		stop()
	}
	for _, args := range [][]string{{"--max-discard", "5GiB"}, {"--max-discard", "-1"}} {
		err := run(context.Background(), append([]string{"--addr", "127.0.0.1:0", "--admin-addr", ""}, args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "max-discard") {
			t.Errorf("%v: %v, want an error naming the flag", args, err)
		}
	}
}
