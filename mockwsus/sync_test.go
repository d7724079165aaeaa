package mockwsus

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
	x "github.com/wsusmock/wsusmock/updatexml"
)

// Revision IDs of the hand-built catalog of these tests.
const (
	revCategory  int32 = 1
	revDetectoid int32 = 2
	revLeaf      int32 = 10 // two approval rows
	revOther     int32 = 11 // one approval row
	revBundle    int32 = 20
	revChild     int32 = 21
)

var (
	t0 = time.Date(2008, 6, 1, 0, 0, 0, 0, time.UTC)
	t1 = t0.Add(24 * time.Hour)
	t2 = t1.Add(24 * time.Hour)
)

// testCatalog is a category, a detectoid and software updates that need
// both. Rows of revLeaf are added by the test.
type testCatalog struct {
	*catalog.Catalog
	category, detectoid *catalog.Update
}

func newTestCatalog(t testing.TB) *testCatalog {
	t.Helper()
	c := &testCatalog{Catalog: catalog.New()}
	c.category = c.add(t, &catalog.Update{ID: "00000000-0000-4000-8000-000000000001", RevisionID: revCategory, Type: catalog.TypeCategory, CategoryType: catalog.CategoryProduct, Title: "Product", IsInstalled: x.True()})
	c.detectoid = c.add(t, &catalog.Update{ID: "00000000-0000-4000-8000-000000000002", RevisionID: revDetectoid, Type: catalog.TypeDetectoid, Title: "Detectoid", IsInstalled: x.RegKeyExists("HKEY_LOCAL_MACHINE", `SOFTWARE\Test`)})
	return c
}

func (c *testCatalog) add(t testing.TB, u *catalog.Update) *catalog.Update {
	t.Helper()
	if u.Created.IsZero() {
		u.Created = t0
	}
	if err := c.Add(u); err != nil {
		t.Fatal(err)
	}
	return u
}

// software adds a leaf update that needs the detectoid and the category.
func (c *testCatalog) software(t testing.TB, rev int32, bundled ...string) *catalog.Update {
	t.Helper()
	return c.add(t, &catalog.Update{
		ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", rev), RevisionID: rev, Type: catalog.TypeSoftware, Title: fmt.Sprintf("Update %d", rev),
		Prerequisites: []catalog.Prerequisite{{AnyOf: []string{c.detectoid.ID}}, {AnyOf: []string{c.category.ID}, IsCategory: true}},
		Bundled:       bundled,
	})
}

func (c *testCatalog) row(t testing.TB, d catalog.Deployment) {
	t.Helper()
	if d.GroupID == "" {
		d.GroupID = catalog.GroupAllComputers
	}
	if d.Action == "" {
		d.Action = catalog.ActionInstall
	}
	if d.LastChange.IsZero() {
		d.LastChange = t1
	}
	d.IsAssigned = true
	if _, err := c.AddDeploymentRow(d); err != nil {
		t.Fatal(err)
	}
}

func table(m behaviour.Mode) behaviour.DeploymentTable {
	return behaviour.KB954960{}.NewDeploymentTable(m)
}

// sync runs getSyncInfo as the leaf stage sees it: the category and the
// detectoid installed.
func (c *testCatalog) sync(t testing.TB, req syncRequest) (*syncResult, error) {
	t.Helper()
	if req.Groups == nil {
		req.Groups = []string{catalog.GroupAllComputers, catalog.GroupUnassignedComputers}
	}
	if req.Installed == nil {
		req.Installed = []int32{revCategory, revDetectoid}
	}
	if req.PageSize == 0 {
		req.PageSize = DefaultPageSize
	}
	if req.Table == nil {
		req.Table = table(behaviour.Fixed)
	}
	var res *syncResult
	err := c.View(func(v *catalog.View) error {
		var err error
		res, err = getSyncInfo(v, req)
		return err
	})
	return res, err
}

func revs(offers []offer) []int32 {
	out := make([]int32, 0, len(offers))
	for _, o := range offers {
		out = append(out, o.Update.RevisionID)
	}
	return out
}

func TestGetSyncInfoDuplicateDeploymentBuggy(t *testing.T) {
	c := newTestCatalog(t)
	c.software(t, revLeaf)
	c.row(t, catalog.Deployment{RevisionID: revLeaf})
	c.row(t, catalog.Deployment{RevisionID: revLeaf, LastChange: t2})

	res, err := c.sync(t, syncRequest{Table: table(behaviour.Buggy)})
	if res != nil {
		t.Errorf("buggy getSyncInfo returned a result %+v with its exception", res)
	}
	var exc *behaviour.Exception
	if !errors.As(err, &exc) {
		t.Fatalf("buggy getSyncInfo error = %v, want a *behaviour.Exception", err)
	}
	want := "Item has already been added. Key in dictionary: '10'  Key being added: '10'"
	if exc.Type != "System.ArgumentException" || exc.Message != want || exc.ErrorCode != "InternalServerError" || exc.Client {
		t.Errorf("exception = %s %q ErrorCode=%s Client=%t, want System.ArgumentException %q InternalServerError on the server side", exc.Type, exc.Message, exc.ErrorCode, exc.Client, want)
	}
	if len(exc.Stack) == 0 || !strings.HasPrefix(exc.Stack[0], "System.Collections.Hashtable.Insert") {
		t.Errorf("stack does not start at Hashtable.Insert: %v", exc.Stack)
	}
}

// The fixed table keeps one deployment per revision, whatever the order of
// the rows: the stronger action, then the later change, then the higher ID.
func TestGetSyncInfoDuplicateDeploymentFixed(t *testing.T) {
	tests := []struct {
		name   string
		a, b   catalog.Deployment
		wantID int32
	}{
		{"block beats install", catalog.Deployment{ID: 101, Action: catalog.ActionBlock}, catalog.Deployment{ID: 102, Action: catalog.ActionInstall, LastChange: t2}, 101},
		{"uninstall beats install", catalog.Deployment{ID: 101, Action: catalog.ActionInstall, LastChange: t2}, catalog.Deployment{ID: 102, Action: catalog.ActionUninstall}, 102},
		{"install beats optional install", catalog.Deployment{ID: 101, Action: catalog.ActionOptionalInstall, LastChange: t2}, catalog.Deployment{ID: 102, Action: catalog.ActionInstall}, 102},
		{"optional install beats pre-deployment check", catalog.Deployment{ID: 101, Action: catalog.ActionOptionalInstall}, catalog.Deployment{ID: 102, Action: catalog.ActionPreDeploymentCheck, LastChange: t2}, 101},
		{"same action: later change wins", catalog.Deployment{ID: 101, LastChange: t2}, catalog.Deployment{ID: 102, LastChange: t1}, 101},
		{"same action and time: higher ID wins", catalog.Deployment{ID: 101}, catalog.Deployment{ID: 102}, 102},
		{"the advisory's rows: the June 12 row wins", catalog.Deployment{ID: 101, LastChange: time.Date(2008, 6, 10, 17, 4, 0, 0, time.UTC)}, catalog.Deployment{ID: 102, LastChange: time.Date(2008, 6, 12, 23, 18, 0, 0, time.UTC)}, 102},
	}
	for _, tt := range tests {
		for _, order := range []string{"a first", "b first"} {
			t.Run(tt.name+"/"+order, func(t *testing.T) {
				c := newTestCatalog(t)
				c.software(t, revLeaf)
				a, b := tt.a, tt.b
				a.RevisionID, b.RevisionID = revLeaf, revLeaf
				if order == "b first" {
					a, b = b, a
				}
				c.row(t, a)
				c.row(t, b)
				res, err := c.sync(t, syncRequest{Table: table(behaviour.Fixed)})
				if err != nil {
					t.Fatalf("fixed getSyncInfo: %v", err)
				}
				if len(res.NewUpdates) != 1 {
					t.Fatalf("NewUpdates = %v, want exactly one UpdateInfo for revision %d", revs(res.NewUpdates), revLeaf)
				}
				got := res.NewUpdates[0]
				if got.Update.RevisionID != revLeaf || got.Deployment.ID != tt.wantID {
					t.Errorf("offered revision %d with deployment %d, want revision %d with deployment %d", got.Update.RevisionID, got.Deployment.ID, revLeaf, tt.wantID)
				}
				if !res.Leaf || res.Truncated {
					t.Errorf("Leaf=%t Truncated=%t, want a complete leaf page", res.Leaf, res.Truncated)
				}
			})
		}
	}
}

// Rows of other groups are not the computer's: they neither throw nor win.
func TestGetSyncInfoIgnoresOtherGroups(t *testing.T) {
	c := newTestCatalog(t)
	if err := c.AddGroup(catalog.Group{ID: "00000000-0000-4000-8000-0000000000aa", Name: "Servers"}); err != nil {
		t.Fatal(err)
	}
	c.software(t, revLeaf)
	c.row(t, catalog.Deployment{ID: 101, RevisionID: revLeaf})
	c.row(t, catalog.Deployment{ID: 102, RevisionID: revLeaf, GroupID: "00000000-0000-4000-8000-0000000000aa", Action: catalog.ActionBlock})
	res, err := c.sync(t, syncRequest{Table: table(behaviour.Buggy)})
	if err != nil {
		t.Fatalf("a row of another group reached the buggy table: %v", err)
	}
	if len(res.NewUpdates) != 1 || res.NewUpdates[0].Deployment.ID != 101 {
		t.Errorf("NewUpdates = %+v, want revision %d with deployment 101", res.NewUpdates, revLeaf)
	}
}

func TestGetSyncInfoPaging(t *testing.T) {
	c := newTestCatalog(t)
	var all []int32
	for rev := int32(30); rev < 35; rev++ {
		c.software(t, rev)
		c.row(t, catalog.Deployment{RevisionID: rev})
		all = append(all, rev)
	}
	var cached, got []int32
	for page := 1; ; page++ {
		if page > 5 {
			t.Fatal("paging did not end")
		}
		res, err := c.sync(t, syncRequest{Cached: slices.Clone(cached), PageSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		n := len(res.NewUpdates)
		wantTruncated := len(got)+n < len(all)
		if res.Truncated != wantTruncated {
			t.Errorf("page %d: Truncated=%t with %d of %d updates sent, want %t", page, res.Truncated, len(got)+n, len(all), wantTruncated)
		}
		if n > 2 {
			t.Errorf("page %d carries %d updates, page size 2", page, n)
		}
		if n == 0 {
			break
		}
		got = append(got, revs(res.NewUpdates)...)
		cached = append(cached, revs(res.NewUpdates)...)
	}
	if !slices.Equal(got, all) {
		t.Errorf("pages delivered %v, want each of %v once, in catalog order", got, all)
	}
}

func TestGetSyncInfoOutOfScope(t *testing.T) {
	c := newTestCatalog(t)
	c.software(t, revLeaf)
	c.row(t, catalog.Deployment{RevisionID: revLeaf})
	c.software(t, revOther)
	c.row(t, catalog.Deployment{RevisionID: revOther})
	if _, err := c.Decline(fmt.Sprint(revLeaf)); err != nil {
		t.Fatal(err)
	}
	const unknown = 777777
	res, err := c.sync(t, syncRequest{Cached: []int32{revLeaf, unknown, revOther}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.OutOfScope, []int32{revLeaf, unknown}) {
		t.Errorf("OutOfScope = %v, want the declined cached revision %d and the unknown cached revision %d", res.OutOfScope, revLeaf, unknown)
	}
	if len(res.NewUpdates) != 0 {
		t.Errorf("NewUpdates = %v, want none (the declined update is not offered, the other is cached)", revs(res.NewUpdates))
	}
}

// A leaf is not offered before its detectoid is installed; the detectoid
// itself is offered first, in the non-leaf stage.
func TestGetSyncInfoPrerequisites(t *testing.T) {
	c := newTestCatalog(t)
	c.software(t, revLeaf)
	c.row(t, catalog.Deployment{RevisionID: revLeaf})

	res, err := c.sync(t, syncRequest{Installed: []int32{}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Leaf || !slices.Equal(revs(res.NewUpdates), []int32{revCategory, revDetectoid}) {
		t.Errorf("first round: Leaf=%t NewUpdates=%v, want the non-leaf stage with the category and the detectoid", res.Leaf, revs(res.NewUpdates))
	}
	for _, o := range res.NewUpdates {
		if o.Deployment.Action != catalog.ActionEvaluate {
			t.Errorf("non-leaf %d deployed with %s, want Evaluate", o.Update.RevisionID, o.Deployment.Action)
		}
	}

	// The detectoid evaluated not installed: it is only cached.
	res, err = c.sync(t, syncRequest{Installed: []int32{revCategory}, Cached: []int32{revDetectoid}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Leaf || len(res.NewUpdates) != 0 {
		t.Errorf("detectoid not installed: Leaf=%t NewUpdates=%v, want the leaf stage offering nothing", res.Leaf, revs(res.NewUpdates))
	}

	res, err = c.sync(t, syncRequest{Installed: []int32{revCategory, revDetectoid}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(revs(res.NewUpdates), []int32{revLeaf}) {
		t.Errorf("detectoid installed: NewUpdates=%v, want [%d]", revs(res.NewUpdates), revLeaf)
	}
}

// Bundled children come before their bundle, deployed with Bundle and the
// bundle's deployment ID; a child has no approval of its own.
func TestGetSyncInfoBundles(t *testing.T) {
	c := newTestCatalog(t)
	child := c.software(t, revChild)
	c.software(t, revBundle, child.ID)
	c.row(t, catalog.Deployment{ID: 500, RevisionID: revBundle})

	res, err := c.sync(t, syncRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(revs(res.NewUpdates), []int32{revChild, revBundle}) {
		t.Fatalf("NewUpdates = %v, want [%d %d]: the child before its bundle", revs(res.NewUpdates), revChild, revBundle)
	}
	if d := res.NewUpdates[0].Deployment; d.Action != catalog.ActionBundle || d.ID != 500 || d.RevisionID != revChild {
		t.Errorf("child deployment = %+v, want action Bundle, ID 500, revision %d", d, revChild)
	}
	if d := res.NewUpdates[1].Deployment; d.Action != catalog.ActionInstall || d.ID != 500 {
		t.Errorf("bundle deployment = %+v, want Install with ID 500", d)
	}

	// A cached child is not sent again and is in scope.
	res, err = c.sync(t, syncRequest{Cached: []int32{revChild}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(revs(res.NewUpdates), []int32{revBundle}) || len(res.OutOfScope) != 0 {
		t.Errorf("child cached: NewUpdates=%v OutOfScope=%v, want [%d] and none", revs(res.NewUpdates), res.OutOfScope, revBundle)
	}
}

// A cached revision whose approval changed after the computer's last sync
// comes back in ChangedUpdates; one unchanged since does not.
func TestGetSyncInfoChangedUpdates(t *testing.T) {
	c := newTestCatalog(t)
	c.software(t, revLeaf)
	c.row(t, catalog.Deployment{RevisionID: revLeaf, LastChange: t0})
	c.software(t, revOther)
	c.row(t, catalog.Deployment{RevisionID: revOther, LastChange: t0})
	if _, err := c.Approve(fmt.Sprint(revLeaf), "All Computers", catalog.ActionUninstall, t2); err != nil {
		t.Fatal(err)
	}

	res, err := c.sync(t, syncRequest{Cached: []int32{revLeaf, revOther}, LastSync: t1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ChangedUpdates) != 1 || res.ChangedUpdates[0].Update.RevisionID != revLeaf || res.ChangedUpdates[0].Deployment.Action != catalog.ActionUninstall {
		t.Errorf("ChangedUpdates = %+v, want revision %d with its new Uninstall deployment", res.ChangedUpdates, revLeaf)
	}
	if len(res.NewUpdates) != 0 || len(res.OutOfScope) != 0 {
		t.Errorf("NewUpdates=%v OutOfScope=%v, want none: both revisions are cached and in scope", revs(res.NewUpdates), res.OutOfScope)
	}

	// A computer that never finished a sync gets no ChangedUpdates.
	res, err = c.sync(t, syncRequest{Cached: []int32{revLeaf, revOther}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ChangedUpdates) != 0 {
		t.Errorf("ChangedUpdates without a last sync = %v, want none", revs(res.ChangedUpdates))
	}
}

func TestGetSyncInfoSkipSoftware(t *testing.T) {
	c := newTestCatalog(t)
	c.software(t, revLeaf)
	c.row(t, catalog.Deployment{RevisionID: revLeaf})
	c.row(t, catalog.Deployment{RevisionID: revLeaf})
	res, err := c.sync(t, syncRequest{SkipSoftware: true, Table: table(behaviour.Buggy)})
	if err != nil {
		t.Fatalf("the driver pass reached the deployment table: %v", err)
	}
	if len(res.NewUpdates)+len(res.ChangedUpdates)+len(res.OutOfScope) != 0 || res.Truncated {
		t.Errorf("driver pass answered %+v, want nothing", res)
	}
}

// The default catalog fails exactly as the advisory says, and only for a
// client whose Office 2003 detectoid is installed.
func TestGetSyncInfoDefaultCatalog(t *testing.T) {
	cat, err := catalog.Default(1)
	if err != nil {
		t.Fatal(err)
	}
	var nonLeaf []int32
	for _, u := range cat.Updates() {
		if !u.IsLeaf() && u.Type == catalog.TypeCategory {
			nonLeaf = append(nonLeaf, u.RevisionID)
		}
	}
	run := func(m behaviour.Mode, detectoids ...int32) (*syncResult, error) {
		var res *syncResult
		err := cat.View(func(v *catalog.View) error {
			var err error
			res, err = getSyncInfo(v, syncRequest{
				Groups: []string{catalog.GroupAllComputers, catalog.GroupUnassignedComputers}, Installed: append(slices.Clone(nonLeaf), detectoids...),
				Cached: []int32{1003, 1004, 1005}, PageSize: DefaultPageSize, Table: table(m),
			})
			return err
		})
		return res, err
	}
	var exc *behaviour.Exception
	if _, err := run(behaviour.Buggy, 1002, 1020); !errors.As(err, &exc) || !strings.Contains(exc.Message, "'8862'  Key being added: '8862'") {
		t.Errorf("buggy, Office installed: %v, want the duplicate key exception for 8862", err)
	}
	if _, err := run(behaviour.Buggy, 1002); err != nil {
		t.Errorf("buggy, no Office: %v, want success", err)
	}
	res, err := run(behaviour.Fixed, 1002, 1020)
	if err != nil {
		t.Fatalf("fixed, Office installed: %v", err)
	}
	for _, o := range res.NewUpdates {
		if o.Update.RevisionID == catalog.RevOffice2003SP1 && o.Deployment.LastChange.Day() != 12 {
			t.Errorf("fixed chose the deployment of %s for 8862, want the later June 12 row", o.Deployment.LastChange)
		}
	}
}
