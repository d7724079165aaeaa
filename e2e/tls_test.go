package e2e

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// mockwsus --tls serves the web services over HTTPS with a self-signed
// certificate made at start.
//
// client-sim has no flag to trust a self-signed certificate (no
// --insecure / --ca-file; clientsim.Config.HTTPClient exists only for library
// users). Like a real WUA, it verifies the certificate against the system
// store, so the spec fetches the server's certificate and hands it to
// client-sim through SSL_CERT_FILE, which Go's crypto/x509 reads as the
// system store on Linux. The InsecureSkipVerify GET of wuident.cab checks the
// HTTPS listener itself, independently of client-sim.
var _ = Describe("mockwsus --tls", Label("binary", "tls"), func() {
	var (
		logs *specLogs
		dir  string
	)

	BeforeEach(func() {
		logs = newSpecLogs()
		dir = GinkgoT().TempDir()
	})

	AfterEach(func() {
		logs.dumpIfFailed()
	})

	It("serves HTTPS: the self-update cab over TLS, and client-sim syncs once it trusts the certificate", Label("buggy"), func(ctx SpecContext) {
		srv := startMockwsus(ctx, logs, filepath.Join(dir, "server"), "--behaviour", "kb954960=buggy", "--tls")
		Expect(srv.URL).To(HavePrefix("https://"), "with --tls, mockwsus should print an https:// URL")

		insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/selfupdate/wuident.cab", nil)
		Expect(err).NotTo(HaveOccurred(), "building the wuident.cab request")
		resp, err := insecure.Do(req)
		Expect(err).NotTo(HaveOccurred(), "GET wuident.cab over TLS (certificate not verified)")
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		Expect(err).NotTo(HaveOccurred(), "reading wuident.cab")
		Expect(resp.StatusCode).To(Equal(http.StatusOK), "GET /selfupdate/wuident.cab over TLS")
		Expect(resp.TLS).NotTo(BeNil(), "the answer should have come over TLS")
		Expect(body).NotTo(BeEmpty(), "wuident.cab should not be empty")

		// Without trust, client-sim refuses the certificate, as WUA does.
		sess, res := clientSync(ctx, nil, srv.URL, plainProfile, filepath.Join(dir, "untrusted.log"))
		Expect(sess.ExitCode()).To(Equal(1), "client-sim should refuse an untrusted self-signed certificate")
		Expect(res.Reason).To(ContainSubstring("certificate"), "the failure should say the certificate is the problem")

		certFile := filepath.Join(dir, "mockwsus.pem")
		writePeerCertificate(ctx, srv.URL, certFile)
		env := []string{"SSL_CERT_FILE=" + certFile, "SSL_CERT_DIR=" + dir}

		logFile := filepath.Join(dir, "plain.log")
		logs.addFile(logFile)
		sess, res = clientSync(ctx, env, srv.URL, plainProfile, logFile)
		Expect(sess).To(gexec.Exit(0), "client-sim sync over HTTPS (certificate trusted) should exit 0")
		Expect(res.HResult.String()).To(Equal(hrOK), "the xp-sp3 search over HTTPS should succeed")
		Expect(res.Updates).NotTo(BeEmpty(), "the xp-sp3 client should find updates over HTTPS")

		logFile = filepath.Join(dir, "office.log")
		logs.addFile(logFile)
		sess, res = clientSync(ctx, env, srv.URL, officeProfile, logFile)
		Expect(sess.ExitCode()).To(Equal(1), "the Office 2003 client should still hit the bug over HTTPS")
		Expect(res.HResult.String()).To(Equal(hrFault), "over HTTPS the Office 2003 client should fail with 0x8024400E")
		clientID := faultID(clientFaultRE, readFile(logFile))
		Expect(clientID).NotTo(BeEmpty(), "the client log over HTTPS should carry the fault ID")

		srv.stop(ctx)
		Expect(faultID(serverFaultRE, srv.softwareDistributionLog())).To(Equal(clientID), "over HTTPS too, the server's fault ID should equal the client's")
	}, SpecTimeout(runTimeout))
})

// writePeerCertificate saves the certificate the server at rawURL presents
// as PEM.
func writePeerCertificate(ctx context.Context, rawURL, path string) {
	GinkgoHelper()
	u, err := url.Parse(rawURL)
	Expect(err).NotTo(HaveOccurred(), "parsing %s", rawURL)
	d := tls.Dialer{NetDialer: &net.Dialer{}, Config: &tls.Config{InsecureSkipVerify: true}}
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	Expect(err).NotTo(HaveOccurred(), "TLS handshake with %s", u.Host)
	defer conn.Close()
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	Expect(certs).NotTo(BeEmpty(), "the server should present a certificate")
	var b strings.Builder
	Expect(pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: certs[0].Raw})).To(Succeed(), "PEM-encoding the certificate")
	Expect(os.WriteFile(path, []byte(b.String()), 0o644)).To(Succeed(), "writing %s", path)
}
