package detect_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/detect"
)

// TestHandWrittenExcerpts runs the hand-written excerpts of testdata in
// every rendering (as written, LF, white space collapsed, https) and checks
// the verdict. The look-alikes must give nothing at all, not even
// "possible".
func TestHandWrittenExcerpts(t *testing.T) {
	const (
		kbID  = "3f9e2d1c-0b8a-4796-a5b4-c3d2e1f0a9b8"
		w10ID = "6a7b8c9d-0e1f-4a2b-9c3d-4e5f6a7b8c9d"
	)
	none := summary{verdict: detect.VerdictNone}
	tests := []struct {
		name  string
		files []string
		want  summary
	}{
		// positives
		{"classic client, threads interleaved", []string{"positive/kb954960_classic.log"},
			summary{verdict: "probable", incidents: 1, faultIDs: kbID, sides: "client"}},
		{"server", []string{"positive/kb954960_server.log"},
			summary{verdict: "confirmed", incidents: 1, faultIDs: kbID, sides: "server"}},
		{"client and server correlate", []string{"positive/kb954960_classic.log", "positive/kb954960_server.log"},
			summary{verdict: "confirmed", incidents: 1, faultIDs: kbID, sides: "client+server"}},
		{"wua10 client", []string{"positive/kb954960_wua10.log"},
			summary{verdict: "probable", incidents: 1, faultIDs: w10ID, sides: "client"}},
		{"Windows 8.1 text log, WS fault report", []string{"positive/kb954960_win81.log"},
			summary{verdict: "probable", incidents: 1, faultIDs: "8f7e6d5c-4b3a-4291-8f7e-6d5c4b3a2910", sides: "client"}},
		// possibles
		{"lone failure line in a forum post", []string{"possible/lone_failure_line.txt"},
			summary{verdict: "possible", incidents: 1, sides: "client"}},
		// The exception from GetSyncInfo is the fault itself.
		{"server exception without ThrowException", []string{"possible/server_without_throwexception.log"},
			summary{verdict: "confirmed", incidents: 1, sides: "server"}},
		// look-alikes
		{"InvalidParameters classic", []string{"lookalike/invalidparameters_classic.log", "lookalike/invalidparameters_server.log"}, none},
		{"InvalidParameters collapsed", []string{"lookalike/invalidparameters_collapsed.txt"}, none},
		{"InvalidParameters wua10", []string{"lookalike/invalidparameters_wua10.log"}, none},
		{"SimpleAuth InternalServerError classic", []string{"lookalike/simpleauth_classic.log", "lookalike/simpleauth_server.log"}, none},
		{"SimpleAuth InternalServerError collapsed", []string{"lookalike/simpleauth_collapsed.txt"}, none},
		{"SimpleAuth InternalServerError wua10", []string{"lookalike/simpleauth_wua10.log"}, none},
		{"proxy 407 classic", []string{"lookalike/proxy407_classic.log"}, none},
		{"proxy 407 collapsed", []string{"lookalike/proxy407_collapsed.txt"}, none},
		{"proxy 407 wua10", []string{"lookalike/proxy407_wua10.log"}, none},
		{"round trips classic", []string{"lookalike/roundtrips_classic.log"}, none},
		{"round trips collapsed", []string{"lookalike/roundtrips_collapsed.txt"}, none},
		{"round trips wua10", []string{"lookalike/roundtrips_wua10.log"}, none},
		{"WsusPool 503 classic", []string{"lookalike/wsuspool503_classic.log"}, none},
		{"WsusPool 503 collapsed", []string{"lookalike/wsuspool503_collapsed.txt"}, none},
		{"WsusPool 503 wua10", []string{"lookalike/wsuspool503_wua10.log"}, none},
		{"8024000E wua10", []string{"lookalike/xmlinvalid_8024000e_wua10.log"}, none},
		{"healthy classic", []string{"lookalike/healthy_classic.log"}, none},
		{"healthy wua10", []string{"lookalike/healthy_wua10.log"}, none},
		{"ArgumentException elsewhere", []string{"lookalike/argumentexception_elsewhere_server.log"}, none},
		{"ArgumentException elsewhere collapsed", []string{"lookalike/argumentexception_elsewhere_collapsed.txt"}, none},
		{"SqlException, client and server", []string{"lookalike/sqlexception/WindowsUpdate.log", "lookalike/sqlexception/SoftwareDistribution.log"},
			summary{verdict: detect.VerdictNone, dismissed: 1}},
		{"SqlException collapsed", []string{"lookalike/sqlexception_collapsed/windowsupdate.txt", "lookalike/sqlexception_collapsed/softwaredistribution.txt"},
			summary{verdict: detect.VerdictNone, dismissed: 1}},
		// The client side alone cannot tell the SqlException from KB954960:
		// probable (see the package documentation).
		{"SqlException, client log only", []string{"lookalike/sqlexception/WindowsUpdate.log"},
			summary{verdict: "probable", incidents: 1, faultIDs: "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f", sides: "client"}},
	}
	for _, tt := range tests {
		for _, rendering := range []string{"as-written", "lf", "collapsed", "collapsed-https"} {
			t.Run(tt.name+"/"+rendering, func(t *testing.T) {
				files := make(map[string]string)
				for _, f := range tt.files {
					files[filepath.Base(f)] = renderings(readFile(t, filepath.Join("testdata", f)))[rendering]
				}
				r := scanFiles(t, files)
				checkDetected(t, r)
				if got := summarize(r); got != tt.want {
					t.Errorf("got %+v, want %+v", got, tt.want)
					for _, f := range r.Findings {
						t.Logf("finding: %s %s %s", f.Side, f.Verdict, f.Reason)
					}
				}
			})
		}
	}
}

// TestLookalikesAreOneEditAway proves each look-alike is negative for the
// reason the rule names: changing just the contradicting fields turns it
// into a detection.
func TestLookalikesAreOneEditAway(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		edits []string // old, new pairs applied to every file
		want  detect.Verdict
	}{
		{"InvalidParameters with the KB954960 codes", []string{"lookalike/invalidparameters_classic.log"},
			[]string{"0x8024400D", "0x8024400E", "soap error code = 300", "soap error code = 400", "0x00012c", "0x000190", "InvalidParameters(7)", "InternalServerError(5)"},
			detect.VerdictProbable},
		{"InvalidParameters with only the error changed", []string{"lookalike/invalidparameters_classic.log"},
			[]string{"0x8024400D", "0x8024400E"}, detect.VerdictNone},
		{"SimpleAuth fault moved to SyncUpdates", []string{"lookalike/simpleauth_classic.log"},
			[]string{"GetAuthorizationCookie failure", "SyncUpdates failure", "SimpleAuthWebService/GetAuthorizationCookie", "ClientWebService/SyncUpdates"},
			detect.VerdictProbable},
		{"SimpleAuth fault with only the method line changed", []string{"lookalike/simpleauth_classic.log"},
			[]string{"SimpleAuthWebService/GetAuthorizationCookie", "ClientWebService/SyncUpdates"}, detect.VerdictNone},
		{"wua10 InvalidParameters as InternalServerError", []string{"lookalike/invalidparameters_wua10.log"},
			[]string{"code: Client", "code: Server", "InvalidParameters", "InternalServerError"}, detect.VerdictProbable},
		{"ArgumentException called from GetSyncInfo", []string{"lookalike/argumentexception_elsewhere_server.log"},
			[]string{"   at Microsoft.UpdateServices.Internal.ClientImplementation.SoftwareSync(", "   at Microsoft.UpdateServices.Internal.ClientImplementation.GetSyncInfo("},
			detect.VerdictConfirmed},
		// The server rule needs GetSyncInfo AND SyncUpdates: the same
		// exception thrown from GetSyncInfo's frame under another method
		// is not the advisory's fault.
		{"ArgumentException from GetSyncInfo under GetExtendedUpdateInfo", []string{"lookalike/argumentexception_elsewhere_server.log"},
			[]string{"   at Microsoft.UpdateServices.Internal.ClientImplementation.GetExtendedUpdateInfo(Cookie", "   at Microsoft.UpdateServices.Internal.ClientImplementation.GetSyncInfo(Cookie"},
			detect.VerdictNone},
		// The client rule needs ErrorCode InternalServerError: the same
		// fault block with any other ErrorCode is no finding, in either
		// log format.
		{"classic fault block with ErrorCode ServerChanged", []string{"positive/kb954960_classic.log"},
			[]string{"ErrorCode:InternalServerError(5)", "ErrorCode:ServerChanged(4)"}, detect.VerdictNone},
		{"classic fault block with ErrorCode InvalidCookie", []string{"positive/kb954960_classic.log"},
			[]string{"ErrorCode:InternalServerError(5)", "ErrorCode:InvalidCookie(1)"}, detect.VerdictNone},
		{"classic fault block with the ErrorCode line gone", []string{"positive/kb954960_classic.log"},
			[]string{"ErrorCode:InternalServerError(5)", "faultstring:Fault occurred"}, detect.VerdictPossible},
		{"wua10 fault detail with ErrorCode InvalidParameters", []string{"positive/kb954960_wua10.log"},
			[]string{"<ErrorCode>InternalServerError</ErrorCode>", "<ErrorCode>InvalidParameters</ErrorCode>"}, detect.VerdictNone},
		{"407 as a SOAP Server fault line alone", []string{"lookalike/proxy407_classic.log"},
			[]string{"0x8024401B, soap client error = 10, soap error code = 0, HTTP status code = 407", "0x8024400E, soap client error = 7, soap error code = 400, HTTP status code = 200"},
			detect.VerdictPossible},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := make(map[string]string)
			for _, f := range tt.files {
				files[filepath.Base(f)] = strings.NewReplacer(tt.edits...).Replace(readFile(t, filepath.Join("testdata", f)))
			}
			r := scanFiles(t, files)
			if r.Verdict != tt.want {
				t.Errorf("verdict %s, want %s", r.Verdict, tt.want)
			}
		})
	}
}
