package clientsim

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wsusmock/wsusmock/internal/h1client"
)

// TestOwnTransport: a computer without an HTTPClient gets h1client's
// transport, its own; net/http's when a proxy is named for its server
// (h1client has none), with compression off either way.
func TestOwnTransport(t *testing.T) {
	server, _ := url.Parse("http://wsus01:8530/")
	noProxy := func(*http.Request) (*url.URL, error) { return nil, nil }
	viaProxy := func(*http.Request) (*url.URL, error) { return url.Parse("http://proxy:3128") }
	rt, own := newTransportVia(server, noProxy)
	if _, ok := rt.(*h1client.Transport); !ok || own == nil {
		t.Fatalf("without a proxy the computer's transport is %T", rt)
	}
	rt2, _ := newTransportVia(server, noProxy)
	if rt2 == rt {
		t.Fatal("two computers share a transport")
	}
	rt, own = newTransportVia(server, viaProxy)
	if _, ok := rt.(*http.Transport); !ok || own == nil {
		t.Fatalf("with a proxy the computer's transport is %T, want net/http's", rt)
	}
	c, _ := newHTTPClient(&http.Client{Transport: rt}, server, 3)
	if tr, ok := c.Transport.(*http.Transport); !ok || !tr.DisableCompression || tr == rt {
		t.Fatalf("a caller's *http.Transport is not cloned with compression off: %T", c.Transport)
	}
}
