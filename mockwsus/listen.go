package mockwsus

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"time"
)

// ListenOptions says where and how to serve a Server.
type ListenOptions struct {
	// Addr is the web services' address, e.g. "127.0.0.1:8530" or
	// "127.0.0.1:0" for any free port.
	Addr string
	// AdminAddr is the admin API's address; "" means no admin listener.
	AdminAddr string
	// AdminToken protects every admin request but GET /healthz. Listen
	// refuses an admin address that is not loopback without a token.
	AdminToken string
	// TLS serves HTTPS. With no CertFile/KeyFile a self-signed certificate
	// for the listener's host names is made on start.
	TLS               bool
	CertFile, KeyFile string
	// TLSMinVersion is the lowest TLS version accepted (tls.VersionTLS10 ...);
	// 0 means TLS 1.0, because WUA 7 on Windows XP speaks nothing newer.
	TLSMinVersion uint16
	// ReadHeaderTimeout bounds reading a request's headers (slowloris), and
	// a new connection's wait for its first request; 0 means
	// DefaultReadHeaderTimeout.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included (a body
	// that never ends); 0 means DefaultReadTimeout. A SOAP request whose
	// body is not in by then gets a 408 fault.
	ReadTimeout time.Duration
	// WriteTimeout bounds handling a request and writing its answer (a
	// client that never reads); 0 means DefaultWriteTimeout.
	WriteTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its next
	// request; 0 means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers; 0 means
	// DefaultMaxHeaderBytes. Larger headers get 431.
	MaxHeaderBytes int
	// Wrap, when set, wraps the server's handler (e.g. a recorder).
	Wrap func(http.Handler) http.Handler
}

// Defaults of ListenOptions. The write timeout outlasts every injected
// fault (inject-slow-body trickles for 45 s), so none is cut short by it.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 5 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 64 << 10
)

// Listener is a running server: its URLs and how to stop it.
type Listener struct {
	URL      string
	AdminURL string
	servers  []*http.Server
	done     chan error
}

// Listen binds the listeners and starts serving s in the background. When it
// returns, the addresses are bound and requests are accepted: URL and
// AdminURL are ready to print.
func (s *Server) Listen(opts ListenOptions) (*Listener, error) {
	var h http.Handler = s
	if opts.Wrap != nil {
		h = opts.Wrap(s)
	}
	var admin http.Handler
	if opts.AdminAddr != "" {
		admin = s.AdminHandler(AdminOptions{Token: opts.AdminToken})
	}
	return ListenHandler(h, admin, opts)
}

// ListenHandler serves any handler (a recording proxy, a replay server) the
// way Listen serves the mock, with an optional admin handler.
func ListenHandler(h, adminHandler http.Handler, opts ListenOptions) (*Listener, error) {
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if opts.ReadTimeout <= 0 {
		opts.ReadTimeout = DefaultReadTimeout
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.MaxHeaderBytes <= 0 {
		opts.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("mockwsus: listening on %s: %w", opts.Addr, err)
	}
	l := &Listener{done: make(chan error, 2)}
	scheme := "http"
	if opts.TLS {
		cfg, err := tlsConfig(opts, ln.Addr())
		if err != nil {
			ln.Close()
			return nil, err
		}
		ln = tls.NewListener(ln, cfg)
		scheme = "https"
	}
	l.URL = scheme + "://" + ln.Addr().String()
	main := &http.Server{Handler: h, ReadHeaderTimeout: opts.ReadHeaderTimeout, ReadTimeout: opts.ReadTimeout,
		WriteTimeout: opts.WriteTimeout, IdleTimeout: opts.IdleTimeout, MaxHeaderBytes: opts.MaxHeaderBytes}
	l.servers = append(l.servers, main)
	go func() { l.done <- ignoreClosed(main.Serve(ln)) }()

	if opts.AdminAddr != "" && adminHandler != nil {
		aln, err := net.Listen("tcp", opts.AdminAddr)
		if err != nil {
			main.Close()
			return nil, fmt.Errorf("mockwsus: admin listener on %s: %w", opts.AdminAddr, err)
		}
		if !isLoopback(aln.Addr()) && opts.AdminToken == "" {
			aln.Close()
			main.Close()
			return nil, fmt.Errorf("mockwsus: the admin API on %s is reachable from other hosts: give it a token (--admin-token) or bind it to 127.0.0.1", aln.Addr())
		}
		l.AdminURL = "http://" + aln.Addr().String()
		admin := &http.Server{Handler: adminHandler, ReadHeaderTimeout: opts.ReadHeaderTimeout, ReadTimeout: opts.ReadTimeout,
			WriteTimeout: opts.WriteTimeout, IdleTimeout: opts.IdleTimeout, MaxHeaderBytes: opts.MaxHeaderBytes}
		l.servers = append(l.servers, admin)
		go func() { l.done <- ignoreClosed(admin.Serve(aln)) }()
	}
	return l, nil
}

func ignoreClosed(err error) error {
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests and waits, up to ctx, for those in
// flight to finish.
func (l *Listener) Shutdown(ctx context.Context) error {
	var errs []error
	for _, srv := range l.servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
			srv.Close()
		}
	}
	for range l.servers {
		if err := <-l.done; err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

func tlsConfig(opts ListenOptions, addr net.Addr) (*tls.Config, error) {
	min := opts.TLSMinVersion
	if min == 0 {
		min = tls.VersionTLS10
	}
	var cert tls.Certificate
	var err error
	if opts.CertFile != "" || opts.KeyFile != "" {
		cert, err = tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("mockwsus: loading the TLS certificate: %w", err)
		}
	} else {
		cert, err = SelfSignedCertificate(hostsOf(addr))
		if err != nil {
			return nil, err
		}
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: min}, nil
}

func hostsOf(a net.Addr) []string {
	hosts := []string{"localhost", "127.0.0.1"}
	if tcp, ok := a.(*net.TCPAddr); ok && !tcp.IP.IsUnspecified() {
		hosts = append(hosts, tcp.IP.String())
	}
	return hosts
}

// SelfSignedCertificate makes a certificate for hosts (names or IPs), valid
// for a year. Keys come from crypto/rand: certificates are never part of
// compared output.
func SelfSignedCertificate(hosts []string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("mockwsus: generating a TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("mockwsus: certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "mockwsus", Organization: []string{"wsusmock"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(strings.TrimSpace(h)); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("mockwsus: self-signing: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
