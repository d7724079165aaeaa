package clientsim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/client-sim/profile"
	"github.com/wsusmock/wsusmock/client-sim/wulog"
	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/soap"
	"github.com/wsusmock/wsusmock/soap/clientws"
	"github.com/wsusmock/wsusmock/soap/reporting"
)

// captured is one exchange of the capture.
type captured struct {
	name               string
	request, response  []byte
	requestOp, replyOp string // local names of the Body's first children
}

func loadCaptures(t *testing.T) []captured {
	t.Helper()
	// Real exchanges of a Windows 11 agent with a WSUS on Windows Server
	// 2025, outside the module; skipped where absent.
	captureDir := shared.FlowDir(t)
	dirs, _ := filepath.Glob(filepath.Join(captureDir, "*", "response.body"))
	if len(dirs) == 0 {
		t.Fatalf("no response bodies in %s", captureDir)
	}
	sort.Strings(dirs)
	var out []captured
	for _, resp := range dirs {
		dir := filepath.Dir(resp)
		c := captured{name: filepath.Base(dir)}
		var err error
		if c.response, err = os.ReadFile(resp); err != nil {
			t.Fatal(err)
		}
		if c.request, err = os.ReadFile(filepath.Join(dir, "request.body")); err != nil {
			t.Fatal(err)
		}
		c.requestOp, c.replyOp = bodyTree(t, c.request).name, bodyTree(t, c.response).name
		out = append(out, c)
	}
	return out
}

// TestCaptureResponses decodes every real answer with the simulator's
// decoders: each SyncUpdates Core fragment is parsed and evaluated against
// the built-in profiles (rules the evaluator does not know are reported,
// not failed on), GetExtendedUpdateInfo gives titles and files, and
// ReportEventBatch its true.
func TestCaptureResponses(t *testing.T) {
	caps := loadCaptures(t)
	profiles := []string{"xp-sp3", "server2008"}
	var syncs, extended, reports int
	for _, c := range caps {
		switch c.replyOp {
		case "SyncUpdatesResponse":
			syncs++
			var r clientws.SyncUpdatesResponse
			if err := soap.ParseResponse(c.response, &r); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			info := r.SyncUpdatesResult
			if info == nil || info.NewCookie == nil {
				t.Fatalf("%s: no SyncUpdatesResult or NewCookie", c.name)
			}
			for _, name := range profiles {
				p, err := profile.Builtin(name)
				if err != nil {
					t.Fatal(err)
				}
				cache := newUpdateCache()
				unknown := map[string]int{}
				n := 0
				for _, list := range []*clientws.ArrayOfUpdateInfo{info.NewUpdates, info.ChangedUpdates} {
					if list == nil {
						continue
					}
					for _, ui := range list.UpdateInfo {
						n++
						u := evaluateUpdateInfo(ui, p)
						cache.add(u)
						if u.problem == nil {
							continue
						}
						if u.problem.Rule == "Core" {
							t.Errorf("%s: revision %d: Core fragment does not parse: %s", c.name, ui.ID, u.problem.Error)
							continue
						}
						unknown[ruleElement(u.problem.Error)]++
					}
				}
				installed, other := cache.syncIDs()
				t.Logf("%s with %s: %d updates, %d installed non-leaf, %d other, %d found, %d not evaluated %v",
					c.name, name, n, len(installed), len(other), len(cache.found()), sum(unknown), unknown)
			}
		case "GetExtendedUpdateInfoResponse":
			extended++
			var r clientws.GetExtendedUpdateInfoResponse
			if err := soap.ParseResponse(c.response, &r); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			info := r.GetExtendedUpdateInfoResult
			if info == nil || info.Updates == nil {
				t.Fatalf("%s: no updates", c.name)
			}
			cache := newUpdateCache()
			for _, d := range info.Updates.Update {
				if _, ok := cache.byRev[d.ID]; !ok {
					cache.add(&cachedUpdate{rev: d.ID})
				}
			}
			if err := cache.applyExtended(info, DefaultLocales); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			titled, files := 0, 0
			for _, u := range cache.all() {
				if u.title != "" {
					titled++
				}
				files += len(u.digests)
			}
			if titled != len(cache.byRev) || files == 0 {
				t.Errorf("%s: %d of %d revisions got a title, %d file digests", c.name, titled, len(cache.byRev), files)
			}
			locations := 0
			if info.FileLocations != nil {
				locations = len(info.FileLocations.FileLocation)
			}
			t.Logf("%s: %d revisions titled, %d files, %d file locations", c.name, titled, files, locations)
		case "ReportEventBatchResponse":
			reports++
			var r reporting.ReportEventBatchResponse
			if err := soap.ParseResponse(c.response, &r); err != nil || !r.ReportEventBatchResult {
				t.Errorf("%s: ReportEventBatchResult %t, %v", c.name, r.ReportEventBatchResult, err)
			}
		default:
			t.Errorf("%s: unexpected answer %s", c.name, c.replyOp)
		}
	}
	if syncs == 0 || extended == 0 || reports == 0 {
		t.Errorf("captures hold %d SyncUpdates, %d GetExtendedUpdateInfo and %d ReportEventBatch answers; expected each", syncs, extended, reports)
	}
}

// ruleElement extracts the element or attribute an evaluation error names.
func ruleElement(msg string) string {
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestCaptureRequestOrder encodes the simulator's requests and checks that
// every element they share with the captured native requests comes in the
// same order, level by level.
func TestCaptureRequestOrder(t *testing.T) {
	caps := loadCaptures(t)
	cookie := &clientws.Cookie{Expiration: clientws.NewDateTime(time.Date(2026, 10, 4, 16, 3, 35, 0, time.UTC)), EncryptedData: []byte{1}}
	p, err := profile.Builtin("xp-sp3")
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{ServerURL: "http://wsus01:8530", Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{Agent: a, flavour: wulog.Classic}
	s.cookie = cookie
	ev := s.reportingEvent("fab199c1-6123-44f2-b01c-a5a92201b011", wulog.DetectionFailed("fab199c1-6123-44f2-b01c-a5a92201b011", 0x8024400e))
	ours := map[string]any{
		"SyncUpdates":           s.syncUpdatesRequest([]int32{1, 2}, []int32{3}, false),
		"GetExtendedUpdateInfo": s.extendedInfoRequest([]int32{4, 5}),
		"ReportEventBatch":      reportRequest(cookie, time.Date(2008, 6, 13, 0, 0, 0, 0, time.UTC), ev),
	}
	driver, err := soap.EncodeRequest(soap.SOAP11, s.syncUpdatesRequest([]int32{1}, []int32{2}, true))
	if err != nil {
		t.Fatal(err)
	}
	checked := map[string]bool{}
	for _, c := range caps {
		req, ok := ours[c.requestOp]
		if !ok {
			continue
		}
		data, err := soap.EncodeRequest(soap.SOAP11, req)
		if err != nil {
			t.Fatal(err)
		}
		if c.requestOp == "SyncUpdates" && bytes.Contains(c.request, []byte("<SkipSoftwareSync>true")) {
			data = driver
		}
		compareOrder(t, c.name+":"+c.requestOp, bodyTree(t, c.request), bodyTree(t, data))
		checked[c.requestOp] = true
	}
	if len(checked) != len(ours) {
		t.Errorf("captures had requests for %v only", checked)
	}
}

// node is an element with its children, for order comparisons.
type node struct {
	name     string
	children []*node
}

// bodyTree returns the Body's first child of a SOAP envelope as a tree.
func bodyTree(t *testing.T, data []byte) *node {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*node
	root := &node{}
	stack = append(stack, root)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{name: tk.Name.Local}
			top := stack[len(stack)-1]
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if len(root.children) != 1 || len(root.children[0].children) == 0 {
		t.Fatal("not a SOAP envelope")
	}
	body := root.children[0].children[len(root.children[0].children)-1]
	if body.name != "Body" || len(body.children) == 0 {
		t.Fatal("envelope without a Body child")
	}
	return body.children[0]
}

// compareOrder checks, recursively through elements present in both, that
// the names both have come in the same relative order. Repeated children
// (array items) are compared by their first occurrence.
func compareOrder(t *testing.T, where string, real, ours *node) {
	t.Helper()
	first := func(n *node) (names []string, byName map[string]*node) {
		byName = map[string]*node{}
		for _, c := range n.children {
			if _, seen := byName[c.name]; !seen {
				byName[c.name] = c
				names = append(names, c.name)
			}
		}
		return names, byName
	}
	realNames, realBy := first(real)
	ourNames, ourBy := first(ours)
	pos := map[string]int{}
	for i, n := range realNames {
		pos[n] = i
	}
	last, lastName := -1, ""
	for _, n := range ourNames {
		i, ok := pos[n]
		if !ok {
			continue
		}
		if i < last {
			t.Errorf("%s/%s: %s comes after %s, the native agent sends it before", where, real.name, n, lastName)
		}
		last, lastName = i, n
		compareOrder(t, where+"/"+real.name, realBy[n], ourBy[n])
	}
}
