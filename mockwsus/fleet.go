package mockwsus

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// computerStatus is what the server last saw of a computer: its last
// exchange, its last fault and the HRESULT its last ReportEventBatch
// reported. It has its own lock so that noting an exchange never takes the
// server's lock for writing.
type computerStatus struct {
	mu             sync.Mutex
	lastContact    time.Time
	lastOperation  string
	lastOutcome    string
	lastStatus     int
	lastFaultTime  time.Time
	lastFaultOp    string
	lastFaultID    string
	lastErrorCode  string
	reportTime     time.Time
	reportedHR     int32
	reportedEvent  int
	lastSyncFailed bool // the last SyncUpdates answered anything but ok
}

// Computer is a computer as GET /computers shows it: what it registered,
// its group, and its state as the server saw it.
type Computer struct {
	ID         string    `json:"id"`
	DNSName    string    `json:"dnsName"`
	Group      string    `json:"group"`
	Registered bool      `json:"registered"`
	OS         string    `json:"os,omitempty"`
	LastSync   time.Time `json:"lastSync,omitzero"`
	Syncs      int       `json:"syncs"`
	// Status is "succeeded" (its last search ended with a sync and no
	// failure since), "failed" (a fault, an HTTP error or a reported
	// failure came after its last completed sync) or "neverSynced".
	Status string `json:"status"`
	// LastContact, LastOperation, LastOutcome and LastStatus describe its
	// last exchange (outcome as in the journal: ok, fault, http, ...).
	LastContact   time.Time `json:"lastContact,omitzero"`
	LastOperation string    `json:"lastOperation,omitempty"`
	LastOutcome   string    `json:"lastOutcome,omitempty"`
	LastStatus    int       `json:"lastStatus,omitempty"`
	// LastFaultID, LastErrorCode, LastFaultOperation and LastFaultTime
	// describe the last SOAP fault it got (kept after later successes).
	LastFaultID        string    `json:"lastFaultId,omitempty"`
	LastErrorCode      string    `json:"lastErrorCode,omitempty"`
	LastFaultOperation string    `json:"lastFaultOperation,omitempty"`
	LastFaultTime      time.Time `json:"lastFaultTime,omitzero"`
	// ReportedHResult is the HRESULT its last ReportEventBatch reported
	// (the batch's last failure, else its last event's), as 0x%08X;
	// ReportedEventID that event's ID (147 detection succeeded, 148
	// failed) and ReportedAt when the batch came.
	ReportedHResult string    `json:"reportedHResult,omitempty"`
	ReportedEventID int       `json:"reportedEventId,omitempty"`
	ReportedAt      time.Time `json:"reportedAt,omitzero"`
}

// ErrNotSet is the error of removing a mode that is not set.
var ErrNotSet = errors.New("no such mode set")

// Computer statuses.
const (
	StatusSucceeded   = "succeeded"
	StatusFailed      = "failed"
	StatusNeverSynced = "neverSynced"
)

// noteExchange records a journaled exchange in its computer's status. An
// exchange names a computer once its client ID is known (from
// GetAuthorizationCookie on); a computer the server has not seen yet is
// added, so one that fails before it registers is listed too.
func (s *Server) noteExchange(e Entry) {
	if e.Computer == "" || e.Kind != "" {
		return
	}
	comp := s.computerFor(e.Computer, e.Request)
	st := &comp.status
	st.mu.Lock()
	defer st.mu.Unlock()
	st.lastContact, st.lastOperation, st.lastOutcome, st.lastStatus = e.Time, e.Operation, e.Outcome, e.Status
	if e.Outcome == "fault" && e.FaultID != "" {
		st.lastFaultTime, st.lastFaultOp, st.lastFaultID, st.lastErrorCode = e.Time, e.Operation, e.FaultID, e.ErrorCode
	}
	if e.Operation == "SyncUpdates" {
		st.lastSyncFailed = e.Outcome != "ok"
	}
}

// computerFor returns the computer with id, adding it when the server has
// not seen it.
func (s *Server) computerFor(id string, request map[string]any) *computer {
	s.mu.RLock()
	comp := s.computers[id]
	s.mu.RUnlock()
	if comp != nil {
		return comp
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if comp = s.computers[id]; comp == nil {
		comp = &computer{ID: id, Group: catalog.GroupUnassignedComputers}
		if dns, ok := request["dnsName"].(string); ok {
			comp.DNSName = dns
		}
		s.computers[id] = comp
	}
	return comp
}

// noteReport records the HRESULT a computer's ReportEventBatch reported.
func (s *Server) noteReport(id string, evs []Event) {
	if len(evs) == 0 {
		return
	}
	chosen := evs[len(evs)-1]
	for _, ev := range evs {
		if ev.HResult < 0 { // a failure HRESULT has its top bit set
			chosen = ev
		}
	}
	comp := s.computerFor(id, nil)
	st := &comp.status
	st.mu.Lock()
	defer st.mu.Unlock()
	st.reportTime, st.reportedHR, st.reportedEvent = chosen.Time, chosen.HResult, chosen.EventID
}

// Computers lists the computers the server knows, sorted by DNS name.
func (s *Server) Computers() []Computer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Computer, 0, len(s.computers))
	for _, c := range s.computers {
		out = append(out, s.computerViewLocked(c))
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].DNSName < out[j].DNSName || (out[i].DNSName == out[j].DNSName && out[i].ID < out[j].ID)
	})
	return out
}

// computerViewLocked is c as the admin API shows it; s.mu must be held.
func (s *Server) computerViewLocked(c *computer) Computer {
	v := Computer{ID: c.ID, DNSName: c.DNSName, Group: s.groupNameLocked(c.Group), Registered: c.Registered, OS: c.OS, LastSync: c.LastSync, Syncs: c.Syncs}
	st := &c.status
	st.mu.Lock()
	defer st.mu.Unlock()
	v.LastContact, v.LastOperation, v.LastOutcome, v.LastStatus = st.lastContact, st.lastOperation, st.lastOutcome, st.lastStatus
	v.LastFaultID, v.LastErrorCode, v.LastFaultOperation, v.LastFaultTime = st.lastFaultID, st.lastErrorCode, st.lastFaultOp, st.lastFaultTime
	if !st.reportTime.IsZero() {
		v.ReportedHResult, v.ReportedEventID, v.ReportedAt = fmt.Sprintf("0x%08X", uint32(st.reportedHR)), st.reportedEvent, st.reportTime
	}
	failedSince := func(t time.Time) bool { return !t.IsZero() && !t.Before(c.LastSync) }
	switch {
	case st.lastSyncFailed, failedSince(st.lastFaultTime),
		st.lastOutcome != "" && st.lastOutcome != "ok" && failedSince(st.lastContact),
		st.reportedHR < 0 && failedSince(st.reportTime):
		v.Status = StatusFailed
	case c.Syncs > 0:
		v.Status = StatusSucceeded
	default:
		v.Status = StatusNeverSynced
	}
	return v
}

// groupNameLocked is the name of a group ID (the ID itself when the catalog
// has no such group); s.mu must be held.
func (s *Server) groupNameLocked(id string) string {
	if g, err := s.cat.GroupByName(id); err == nil {
		return g.Name
	}
	return id
}

// GroupComputer is a computer of a group in GET /groups.
type GroupComputer struct {
	ID      string `json:"id"`
	DNSName string `json:"dnsName"`
	Status  string `json:"status"`
}

// Group is a target group as GET /groups shows it: its computers, each
// behaviour's mode for them, and which of those are the group's own
// overrides of the whole-server mode.
type Group struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Computers []GroupComputer   `json:"computers"`
	Modes     map[string]string `json:"modes"`
	Overrides map[string]string `json:"overrides"`
}

// Groups lists the target groups in catalog order with their computers
// (sorted by DNS name) and modes. A computer belongs to the group it asked
// for by client-side targeting, else to Unassigned Computers; every
// computer is also in All Computers.
func (s *Server) Groups() []Group {
	comps := s.Computers()
	s.mu.RLock()
	defer s.mu.RUnlock()
	byGroup := map[string][]GroupComputer{}
	for _, c := range comps {
		byGroup[c.Group] = append(byGroup[c.Group], GroupComputer{ID: c.ID, DNSName: c.DNSName, Status: c.Status})
	}
	var out []Group
	for _, g := range s.cat.Groups() {
		gr := Group{ID: g.ID, Name: g.Name, Computers: byGroup[g.Name], Modes: map[string]string{}, Overrides: map[string]string{}}
		if g.ID == catalog.GroupAllComputers {
			gr.Computers = nil
			for _, c := range comps {
				gr.Computers = append(gr.Computers, GroupComputer{ID: c.ID, DNSName: c.DNSName, Status: c.Status})
			}
		}
		if gr.Computers == nil {
			gr.Computers = []GroupComputer{}
		}
		for _, name := range behaviour.Names() {
			gr.Modes[name] = string(s.modeLocked(name, g.ID))
		}
		for name, m := range s.groupModes[g.ID] {
			gr.Overrides[name] = string(m)
		}
		out = append(out, gr)
	}
	return out
}

// RemoveMode removes a behaviour's explicit mode: a group's override (the
// group's computers follow the whole-server mode again) or, with group "",
// the whole-server mode (the version's default applies again). Removing a
// mode that is not set is an error, so a typo is not taken for success.
func (s *Server) RemoveMode(name, group string) error {
	b, err := behaviour.Lookup(name)
	if err != nil {
		return fmt.Errorf("mockwsus: %w", err)
	}
	name = b.Info().Name
	if err := s.removeMode(name, group); err != nil {
		return err
	}
	s.journalAdmin("removeMode", group, name, true)
	return nil
}

func (s *Server) removeMode(name, group string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if group == "" {
		if _, ok := s.modes[name]; !ok {
			return fmt.Errorf("mockwsus: %w: %s has no whole-server mode set (it follows version %s)", ErrNotSet, name, s.version)
		}
		delete(s.modes, name)
		return nil
	}
	g, err := s.cat.GroupByName(group)
	if err != nil {
		return fmt.Errorf("mockwsus: %w", err)
	}
	if _, ok := s.groupModes[g.ID][name]; !ok {
		return fmt.Errorf("mockwsus: %w: group %q has no mode of its own for %s", ErrNotSet, g.Name, name)
	}
	delete(s.groupModes[g.ID], name)
	return nil
}
