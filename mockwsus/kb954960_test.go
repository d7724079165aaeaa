package mockwsus_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	"github.com/wsusmock/wsusmock/soap"
)

// The advisory's server-side signature, white space as in a real file.
var duplicateKeyLine = regexp.MustCompile(`UTC\tError\tw3wp\.\d+\tClientImplementation\.SyncUpdates\tSystem\.ArgumentException: Item has already been added\. Key in dictionary: '8862'  Key being added: '8862'`)

func TestKB954960(t *testing.T) {
	tests := []struct {
		name      string
		version   string
		mode      behaviour.Mode // "" = the version's default
		installed []int32
		wantFault bool
	}{
		{name: "office client on buggy SP1 fails", version: mockwsus.VersionWSUS30SP1, installed: []int32{detXP, detOffice2003}, wantFault: true},
		{name: "office client on buggy RTM fails", version: mockwsus.VersionWSUS30, installed: []int32{detXP, detOffice2003}, wantFault: true},
		{name: "office client on the 3.1.6001.66 fix succeeds", version: mockwsus.VersionFixed, installed: []int32{detXP, detOffice2003}},
		{name: "office client on SP1 switched to fixed succeeds", version: mockwsus.VersionWSUS30SP1, mode: behaviour.Fixed, installed: []int32{detXP, detOffice2003}},
		{name: "client without office on buggy succeeds", version: mockwsus.VersionWSUS30SP1, installed: []int32{detXP}},
		{name: "client without office on fixed succeeds", version: mockwsus.VersionFixed, installed: []int32{detXP}},
		{name: "fixed server switched to buggy fails office", version: mockwsus.VersionFixed, mode: behaviour.Buggy, installed: []int32{detOffice2003}, wantFault: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mockwsus.Config{Version: tt.version}
			if tt.mode != "" {
				cfg.Behaviours = map[string]behaviour.Mode{behaviour.KB954960Name: tt.mode}
			}
			h := newHarness(t, cfg)
			s := h.register("e1da06a3-5601-43c9-bac3-52d5db701494", "xp-office.lab.local", "")
			leaves, err := s.sync(tt.installed...)
			if tt.wantFault {
				f := asFault(t, err)
				if f.Code != soap.CodeServer || f.ErrorCode() != "InternalServerError" || f.Detail.Message != "" {
					t.Fatalf("fault = %+v %+v, want Server InternalServerError with empty Message", f, f.Detail)
				}
				if f.Detail.Method != `"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates"` {
					t.Errorf("Method = %s", f.Detail.Method)
				}
				log := h.sdlog.String()
				if !duplicateKeyLine.MatchString(log) {
					t.Errorf("SoftwareDistribution.log lacks the duplicate key exception:\n%s", log)
				}
				if !strings.Contains(log, "ID="+f.Detail.ID+", ErrorCode=InternalServerError, Message=, Client=?") {
					t.Errorf("SoftwareDistribution.log lacks ThrowException with fault ID %s:\n%s", f.Detail.ID, log)
				}
				for _, frame := range []string{"at System.Collections.Hashtable.Insert(Object key, Object nvalue, Boolean add)", "ClientImplementation.GetSyncInfo(DataAccess dataAccess, Hashtable stateTable, Hashtable deploymentTable", "ClientImplementation.SoftwareSync("} {
					if !strings.Contains(log, frame) {
						t.Errorf("stack lacks %q", frame)
					}
				}
				j := h.srv.Journal().Entries()
				last := j[len(j)-1]
				if last.Operation != "SyncUpdates" || last.FaultID != f.Detail.ID || last.Status != 500 {
					t.Errorf("journal's last entry = %+v", last)
				}
				return
			}
			if err != nil {
				t.Fatalf("sync: %v", err)
			}
			if strings.Contains(h.sdlog.String(), "ArgumentException") {
				t.Errorf("a successful sync logged the exception")
			}
			office := containsInt(tt.installed, detOffice2003)
			if got := leaves[catalog.RevOffice2003SP1]; office != (got != "") {
				t.Errorf("Office 2003 SP1 offered = %q, want offered %t", got, office)
			}
			if office && leaves[8871] != "Install" {
				t.Errorf("the Office security update was not offered: %v", leaves)
			}
			if leaves[8001] != "Install" {
				t.Errorf("the Windows XP security update was not offered: %v", leaves)
			}
		})
	}
}

func containsInt(list []int32, v int32) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// The KB's workaround repairs the data: decline, approve, decline.
func TestKB954960WorkaroundCuresBuggyServer(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	s := h.register("c1", "c1.lab.local", "")
	if _, err := s.sync(detXP, detOffice2003); err == nil {
		t.Fatal("buggy server did not fail before the workaround")
	}
	if _, err := h.srv.Decline("Office 2003 Service Pack 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.srv.Approve("Office 2003 Service Pack 1", "All Computers", "Install"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.srv.Decline("KB842532"); err != nil {
		t.Fatal(err)
	}
	for _, a := range h.srv.Catalog().Approvals() {
		if !a.Consistent {
			t.Errorf("inconsistent approval left: %+v", a)
		}
	}
	s2 := h.register("c2", "c2.lab.local", "")
	leaves, err := s2.sync(detXP, detOffice2003)
	if err != nil {
		t.Fatalf("sync after the workaround: %v", err)
	}
	if _, ok := leaves[catalog.RevOffice2003SP1]; ok {
		t.Error("declined Office 2003 SP1 still offered")
	}
	if leaves[8871] != "Install" {
		t.Errorf("Office security update not offered after the workaround: %v", leaves)
	}
	if h.srv.Mode(behaviour.KB954960Name, "") != behaviour.Buggy {
		t.Error("the workaround must not fix the code, only the data")
	}
}

// Switching per target group: a fixed Workstations group heals its
// computers while Unassigned Computers keep failing.
func TestKB954960PerGroup(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	if err := h.srv.SetMode("kb954960", behaviour.Fixed, "Workstations"); err != nil {
		t.Fatal(err)
	}
	ws := h.register("w1", "w1.lab.local", "Workstations")
	if _, err := ws.sync(detXP, detOffice2003); err != nil {
		t.Errorf("Workstations computer: %v", err)
	}
	un := h.register("u1", "u1.lab.local", "")
	if _, err := un.sync(detXP, detOffice2003); err == nil {
		t.Error("unassigned computer did not fail on the buggy server")
	}
	if err := h.srv.SetMode("kb954960", behaviour.Fixed, "No Such Group"); err == nil {
		t.Error("an unknown group was accepted")
	}
	if err := h.srv.SetMode("no-such-behaviour", behaviour.Fixed, ""); err == nil {
		t.Error("an unknown behaviour was accepted")
	}
}

// Installing the 3.1.6001.66 update at run time heals the same computer.
func TestKB954960HotfixAtRunTime(t *testing.T) {
	h := newHarness(t, mockwsus.Config{})
	s := h.register("c1", "c1.lab.local", "")
	if _, err := s.sync(detXP, detOffice2003); err == nil {
		t.Fatal("buggy server did not fail")
	}
	if got := h.srv.ClientWebServiceDLLVersion(); got != "3.1.6001.65" {
		t.Errorf("DLL version before the fix = %s", got)
	}
	if err := h.srv.SetVersion(mockwsus.VersionFixed); err != nil {
		t.Fatal(err)
	}
	if got := h.srv.ClientWebServiceDLLVersion(); got != "3.1.6001.66" {
		t.Errorf("DLL version after the fix = %s", got)
	}
	leaves, err := s.sync(detXP, detOffice2003)
	if err != nil {
		t.Fatalf("after the fix: %v", err)
	}
	if leaves[catalog.RevOffice2003SP1] != "Install" {
		t.Errorf("Office 2003 SP1 = %q, want Install", leaves[catalog.RevOffice2003SP1])
	}
}
