package mockwsus

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// basePage is what the layout needs.
type basePage struct {
	Title string
	Nav   string // "computers", "updates", "behaviours" or ""
	CSRF  string
	// Login hides the navigation (the login form); Session shows the
	// log-out button.
	Login   bool
	Session bool
	// Back is the path the page's forms come back to.
	Back string
}

func (c *console) base(r *http.Request, req request, title, nav string) basePage {
	return basePage{Title: title, Nav: nav, CSRF: req.csrf, Session: c.token != "", Back: r.URL.RequestURI()}
}

// computerRow is a computer as the table shows it.
type computerRow struct {
	fleetComputer
	Short, Long string // the name cut for the cell and for its tooltip
}

type computersData struct {
	basePage
	Fault    faultGlance
	Counts   statusCounts
	Groups   []string
	Statuses []string
	Group    string
	Status   string
	Rows     []computerRow
	Matching int
	Page     int
	Pages    int
	PrevURL  string
	NextURL  string
	Journal  []journalRow
	LastSeq  uint64
}

// consoleJournalTail is how many journal entries the home page shows.
const consoleJournalTail = 20

func (c *console) computersPage(r *http.Request, req request) (string, any, error) {
	q := r.URL.Query()
	d := computersData{basePage: c.base(r, req, "Computers", "computers"), Fault: c.s.faultGlance(),
		Statuses: consoleStatuses, Group: q.Get("group"), Status: q.Get("status")}
	for _, g := range c.s.Catalog().Groups() {
		d.Groups = append(d.Groups, g.Name)
	}
	if d.Group != "" && !slices.Contains(d.Groups, d.Group) {
		return "", nil, statusError(http.StatusBadRequest, "no target group %q (groups: %v)", cutText(d.Group, 64), d.Groups)
	}
	if d.Status != "" && !slices.Contains(consoleStatuses, d.Status) {
		return "", nil, statusError(http.StatusBadRequest, "no status %q (want succeeded, failed or never synced)", cutText(d.Status, 64))
	}
	page := 1
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return "", nil, statusError(http.StatusBadRequest, "page %q is not a page number (1, 2, ...)", cutText(p, 16))
		}
		page = n
	}
	fleet := c.s.fleet()
	var matching []int // indexes into fleet.list
	for i := range fleet.list {
		fc := &fleet.list[i]
		d.Counts.add(fc.Status)
		// A computer in Unassigned Computers is in All Computers too.
		if d.Group != "" && d.Group != "All Computers" && fc.Group != d.Group {
			continue
		}
		if d.Status != "" && fc.Status != d.Status {
			continue
		}
		matching = append(matching, i)
	}
	d.Matching = len(matching)
	d.Pages = max(1, (len(matching)+consolePageSize-1)/consolePageSize)
	d.Page = min(page, d.Pages)
	lo := (d.Page - 1) * consolePageSize
	for _, i := range matching[lo:min(lo+consolePageSize, len(matching))] {
		fc := fleet.list[i]
		d.Rows = append(d.Rows, computerRow{fleetComputer: fc, Short: cutText(fc.Name, consoleNameLen), Long: cutText(fc.Name, consoleTitleLen)})
	}
	pageURL := func(n int) string {
		v := url.Values{}
		if d.Group != "" {
			v.Set("group", d.Group)
		}
		if d.Status != "" {
			v.Set("status", d.Status)
		}
		v.Set("page", strconv.Itoa(n))
		return "/?" + v.Encode()
	}
	if d.Page > 1 {
		d.PrevURL = pageURL(d.Page - 1)
	}
	if d.Page < d.Pages {
		d.NextURL = pageURL(d.Page + 1)
	}
	d.Journal, d.LastSeq = c.s.journalTail(0, consoleJournalTail, fleet.name)
	slices.Reverse(d.Journal) // newest first
	return "computers.html", d, nil
}

// updateRow is an update with its approval rows.
type updateRow struct {
	ID           string
	Title        string
	KB           string
	RevisionID   int32
	Declined     bool
	Rows         []approvalRow
	Inconsistent bool
}

type approvalRow struct {
	ID         int32
	Group      string
	Action     string
	LastChange string
	Consistent bool
}

type updatesData struct {
	basePage
	Groups       []string
	Actions      []string
	Updates      []updateRow
	Inconsistent int
}

func (c *console) updatesPage(r *http.Request, req request) (string, any, error) {
	cat := c.s.Catalog()
	d := updatesData{basePage: c.base(r, req, "Updates and approvals", "updates"),
		Actions: []string{string(catalog.ActionInstall), string(catalog.ActionOptionalInstall), string(catalog.ActionUninstall), string(catalog.ActionPreDeploymentCheck), string(catalog.ActionBlock)}}
	for _, g := range cat.Groups() {
		d.Groups = append(d.Groups, g.Name)
	}
	byRev := map[int32][]catalog.Approval{}
	for _, a := range cat.Approvals() {
		byRev[a.RevisionID] = append(byRev[a.RevisionID], a)
	}
	for _, u := range cat.Updates() {
		if !u.IsLeaf() {
			continue
		}
		ur := updateRow{ID: u.ID, Title: u.Title, KB: u.KB, RevisionID: u.RevisionID, Declined: cat.Declined(u.RevisionID)}
		for _, a := range byRev[u.RevisionID] {
			ur.Rows = append(ur.Rows, approvalRow{ID: a.ID, Group: a.GroupName, Action: string(a.Action), LastChange: consoleTime(a.LastChange), Consistent: a.Consistent})
			if !a.Consistent {
				ur.Inconsistent = true
				d.Inconsistent++
			}
		}
		d.Updates = append(d.Updates, ur)
	}
	// The updates that break the catalog first, then by revision.
	slices.SortStableFunc(d.Updates, func(a, b updateRow) int {
		if a.Inconsistent != b.Inconsistent {
			if a.Inconsistent {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.RevisionID, b.RevisionID)
	})
	return "updates.html", d, nil
}

type behavioursData struct {
	basePage
	Fault      faultGlance
	Behaviours []BehaviourState
	Groups     []string
	Versions   []string
}

func (c *console) behavioursPage(r *http.Request, req request) (string, any, error) {
	d := behavioursData{basePage: c.base(r, req, "Behaviours and version", "behaviours"), Fault: c.s.faultGlance(),
		Behaviours: c.s.Behaviours(), Versions: []string{VersionWSUS30, VersionWSUS30SP1, VersionFixed, VersionWSUS2025}}
	for _, g := range c.s.Catalog().Groups() {
		d.Groups = append(d.Groups, g.Name)
	}
	return "behaviours.html", d, nil
}

var faultIDRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

type faultData struct {
	basePage
	ID      string
	Journal []journalRow
	// Log is the fault's SoftwareDistribution.log records, from the copy
	// the server keeps in memory (its newest DefaultServerLogLimit bytes).
	Log []string
}

func (c *console) faultPage(r *http.Request, req request) (string, any, error) {
	id := r.PathValue("id")
	if !faultIDRE.MatchString(id) {
		return "", nil, statusError(http.StatusNotFound, "%q is not a fault ID (a GUID such as the one after \"ID:\" in WindowsUpdate.log)", cutText(id, 64))
	}
	d := faultData{basePage: c.base(r, req, "Fault "+id, ""), ID: id, Journal: c.s.journalByFault(id, c.s.fleet().name)}
	if log, _, _, ok := c.s.ServerLog(0); ok {
		d.Log = faultRecords(log, id)
	}
	return "fault.html", d, nil
}

// liveData is what the script polls: the counts and the journal's new
// entries.
type liveData struct {
	Counts       statusCounts `json:"counts"`
	Version      string       `json:"version"`
	DLLVersion   string       `json:"dllVersion"`
	KB954960     string       `json:"kb954960"`
	Inconsistent int          `json:"inconsistent"`
	LastSeq      uint64       `json:"lastSeq"`
	Entries      []journalRow `json:"entries"`
}

func (c *console) live(w http.ResponseWriter, r *http.Request) {
	c.setHeaders(w)
	if !c.hostAllowed(r) {
		adminError(w, http.StatusForbidden, errors.New("mockwsus: the console without an admin token answers only loopback hosts"))
		return
	}
	if _, ok := c.authorize(r); !ok {
		adminError(w, http.StatusUnauthorized, errors.New("mockwsus: the console needs the admin token (log in again)"))
		return
	}
	var after uint64
	if a := r.URL.Query().Get("after"); a != "" {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil {
			adminError(w, http.StatusBadRequest, errors.New("mockwsus: after must be a journal sequence number"))
			return
		}
		after = n
	}
	g := c.s.faultGlance()
	d := liveData{Version: g.Version, DLLVersion: g.DLLVersion, KB954960: string(g.KB954960.Mode), Inconsistent: g.Inconsistent}
	fleet := c.s.fleet()
	for i := range fleet.list {
		d.Counts.add(fleet.list[i].Status)
	}
	d.Entries, d.LastSeq = c.s.journalTail(after, consoleJournalTail, fleet.name)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(d)
}

// action serves the console's forms: each changes the server as the admin
// API does, then sends the browser back to the page it came from.
func (c *console) action(w http.ResponseWriter, r *http.Request) {
	c.setHeaders(w)
	if !c.hostAllowed(r) {
		c.renderError(w, request{}, statusError(http.StatusForbidden, "the console without an admin token answers only loopback hosts"))
		return
	}
	req, ok := c.authorize(r)
	if !ok {
		c.loginForm(w, "/", false)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxAdminBody)
	if err := r.ParseForm(); err != nil {
		c.renderError(w, req, statusError(http.StatusBadRequest, "form: %v", err))
		return
	}
	if !sameOrigin(r) || !c.csrfOK(r, req) {
		c.renderError(w, req, statusError(http.StatusForbidden, "the form is stale or comes from another site: reload the page and try again"))
		return
	}
	f := r.PostForm
	var err error
	switch r.PathValue("action") {
	case "version":
		err = c.s.SetVersion(f.Get("version"))
	case "behaviour":
		var m behaviour.Mode
		if m, err = behaviour.ParseMode(f.Get("mode")); err == nil {
			err = c.s.SetMode(f.Get("name"), m, f.Get("group"))
		}
	case "unset":
		if f.Get("group") == "" {
			err = statusError(http.StatusBadRequest, "removing an override needs its group")
			break
		}
		err = c.s.RemoveMode(f.Get("name"), f.Get("group"))
	case "approve":
		_, err = c.s.Approve(f.Get("update"), f.Get("group"), f.Get("action"))
	case "decline":
		_, err = c.s.Decline(f.Get("update"))
	case "workaround":
		err = c.s.workaround(f.Get("update"))
	default:
		err = statusError(http.StatusNotFound, "no console action %q", cutText(r.PathValue("action"), 32))
	}
	if err != nil {
		var ce *consoleError
		if !errors.As(err, &ce) {
			err = &consoleError{status: catalogStatus(err), err: err}
		}
		c.renderError(w, req, err)
		return
	}
	http.Redirect(w, r, localPath(f.Get("back")), http.StatusSeeOther)
}

// workaround applies the KB's workaround to an update: decline it, approve
// it for All Computers (one fresh row replaces the duplicates), decline it
// again.
func (s *Server) workaround(update string) error {
	if _, err := s.Decline(update); err != nil {
		return err
	}
	if _, err := s.Approve(update, "All Computers", string(catalog.ActionInstall)); err != nil {
		return err
	}
	_, err := s.Decline(update)
	return err
}
