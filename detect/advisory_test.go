package detect_test

import (
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/detect"
	"github.com/wsusmock/wsusmock/internal/shared"
)

// loadAdvisory is the stored advisory: its page and two fenced log
// excerpts, each exactly as published (white space collapsed, a blank line
// between log lines, https:// in the client's Method line, "<lines
// removed>" in the server's).
func loadAdvisory(t *testing.T) shared.Advisory {
	t.Helper()
	return shared.LoadAdvisory(t)
}

const advisoryFaultID = "c0a7445f-b989-43fa-ac20-11f8ca65fa8c"

// cutAfter returns text up to and including the first line containing s.
func cutAfter(t *testing.T, text, s string) string {
	t.Helper()
	i := strings.Index(text, s)
	if i < 0 {
		t.Fatalf("%q not in excerpt", s)
	}
	j := strings.IndexByte(text[i:], '\n')
	if j < 0 {
		return text
	}
	return text[:i+j+1]
}

// dropLine removes the lines containing s.
func dropLine(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if !strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestAdvisoryExcerpts checks the advisory's own log excerpts, in their
// published rendering, against the rule: the client alone is probable, the
// server alone confirmed, both together one confirmed incident, and
// cut-short versions are possible.
func TestAdvisoryExcerpts(t *testing.T) {
	a := loadAdvisory(t)
	if !strings.Contains(a.Client, `Method:"https://`) || strings.Contains(a.Client, "\t") {
		t.Fatalf("the client excerpt is not in the published rendering (https Method, no TABs):\n%s", a.Client)
	}
	tests := []struct {
		name  string
		files map[string]string
		want  summary
	}{
		{"client excerpt", map[string]string{"WindowsUpdate.log": a.Client},
			summary{verdict: "probable", incidents: 1, faultIDs: advisoryFaultID, sides: "client"}},
		{"server excerpt", map[string]string{"SoftwareDistribution.log": a.Server},
			summary{verdict: "confirmed", incidents: 1, faultIDs: advisoryFaultID, sides: "server"}},
		{"both excerpts", map[string]string{"WindowsUpdate.log": a.Client, "SoftwareDistribution.log": a.Server},
			summary{verdict: "confirmed", incidents: 1, faultIDs: advisoryFaultID, sides: "client+server"}},
		{"the whole advisory page", map[string]string{"advisory.md": a.Page},
			summary{verdict: "confirmed", incidents: 1, faultIDs: advisoryFaultID, sides: "client+server"}},
		{"client cut after the failure line", map[string]string{"WindowsUpdate.log": cutAfter(t, a.Client, "SyncUpdates failure")},
			summary{verdict: "possible", incidents: 1, sides: "client"}},
		{"client cut before the ID line", map[string]string{"WindowsUpdate.log": dropLine(a.Client, "WARNING: ID:")},
			summary{verdict: "probable", incidents: 1, sides: "client"}},
		{"client cut before the ErrorCode line", map[string]string{"WindowsUpdate.log": cutAfter(t, a.Client, "faultstring")},
			summary{verdict: "possible", incidents: 1, sides: "client"}},
		{"server without the ThrowException line", map[string]string{"SoftwareDistribution.log": dropLine(a.Server, "ThrowException")},
			summary{verdict: "confirmed", incidents: 1, sides: "server"}},
		{"server cut after the exception line", map[string]string{"SoftwareDistribution.log": cutAfter(t, a.Server, "Key being added")},
			summary{verdict: "possible", incidents: 1, sides: "server"}},
		// A possible client (no ID) and a server without its
		// ThrowException share no fault ID: two incidents, in file name
		// order.
		{"both cut short", map[string]string{
			"WindowsUpdate.log":        cutAfter(t, a.Client, "SyncUpdates failure"),
			"SoftwareDistribution.log": cutAfter(t, a.Server, "Key being added"),
		}, summary{verdict: "possible", incidents: 2, faultIDs: ",", sides: "server,client"}},
		{"server excerpt with another ErrorCode", map[string]string{
			"SoftwareDistribution.log": strings.Replace(a.Server, "ErrorCode=InternalServerError", "ErrorCode=ServerBusy", 1),
		}, summary{verdict: detect.VerdictNone}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scanFiles(t, tt.files)
			checkDetected(t, r)
			if got := summarize(r); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestAdvisoryFindingDetails checks the fields of the advisory's findings:
// times as logged, the key, the server, and evidence that points at the
// right lines of the page.
func TestAdvisoryFindingDetails(t *testing.T) {
	a := loadAdvisory(t)
	r, err := detect.Scan([]string{a.Path})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Incidents) != 1 || len(r.Incidents[0].Findings) != 2 {
		t.Fatalf("want one incident with two findings, got %+v", r.Incidents)
	}
	in := r.Incidents[0]
	if in.Key != "8862" || in.Server != "wsusebc" || in.Time != "2008-06-13 19:59:56:617" || in.Computer != a.Path {
		t.Errorf("incident key %q server %q time %q computer %q", in.Key, in.Server, in.Time, in.Computer)
	}
	client, server := in.Findings[0], in.Findings[1]
	if client.Side != detect.SideClient || server.Side != detect.SideServer {
		t.Fatalf("findings out of order: %s, %s", client.Side, server.Side)
	}
	if server.Time != "2008-06-14 02:59:57.642 UTC" || server.Key != "8862" {
		t.Errorf("server time %q key %q", server.Time, server.Key)
	}
	lines := strings.Split(a.Page, "\n")
	for _, f := range in.Findings {
		for _, e := range f.Evidence {
			if e.File != a.Path || e.Line < 1 || e.Line > len(lines) || strings.TrimRight(lines[e.Line-1], "\r") != e.Text {
				t.Errorf("evidence %s does not match line %d of the page", e, e.Line)
			}
		}
	}
	wantEvidence := []string{"SyncUpdates failure", "ErrorCode:InternalServerError", "Method:", "ID:" + advisoryFaultID}
	for _, w := range wantEvidence {
		found := false
		for _, e := range client.Evidence {
			found = found || strings.Contains(e.Text, w)
		}
		if !found {
			t.Errorf("client evidence lacks %q", w)
		}
	}
	wantEvidence = []string{"Key being added", "ClientImplementation.GetSyncInfo(", "ThrowException"}
	for _, w := range wantEvidence {
		found := false
		for _, e := range server.Evidence {
			found = found || strings.Contains(e.Text, w)
		}
		if !found {
			t.Errorf("server evidence lacks %q", w)
		}
	}
}
