package catalog_test

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// builtIns are the catalogs a user can name, with what each adds to the
// default one.
var builtIns = []struct {
	name             string
	extraSoftware    int
	extraDetectoids  int
	wantInconsistent []int32 // revisions with more than one row for one group
}{
	{"default", 0, 0, []int32{catalog.RevOffice2003SP1}},
	{"many-detectoids", 0, catalog.ManyDetectoidsCount, []int32{catalog.RevOffice2003SP1}},
	{"synthetic-0", 0, 0, []int32{catalog.RevOffice2003SP1}},
	{"synthetic-60", 60, 0, []int32{catalog.RevOffice2003SP1}},
}

func build(t *testing.T, name string, seed uint64) *catalog.Catalog {
	t.Helper()
	fn, err := catalog.ByName(name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := fn(seed)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return c
}

func count(c *catalog.Catalog, typ string) int {
	n := 0
	for _, u := range c.Updates() {
		if u.Type == typ {
			n++
		}
	}
	return n
}

// Every built-in catalog is internally consistent: unique IDs that look up
// back to their update, prerequisites and bundled updates that exist,
// category prerequisites that are categories, well-formed Core fragments,
// files whose digests match their bytes, approval rows for known groups.
func TestBuiltInCatalogInvariants(t *testing.T) {
	def := build(t, "default", 1)
	for _, tt := range builtIns {
		t.Run(tt.name, func(t *testing.T) {
			c := build(t, tt.name, 1)
			revs, guids := map[int32]bool{}, map[string]bool{}
			for _, u := range c.Updates() {
				if revs[u.RevisionID] {
					t.Errorf("revision ID %d is used twice", u.RevisionID)
				}
				if guids[u.ID] {
					t.Errorf("update ID %s is used twice", u.ID)
				}
				revs[u.RevisionID], guids[u.ID] = true, true
				if c.ByRevision(u.RevisionID) != u || c.ByID(u.ID) != u {
					t.Errorf("%d (%s) does not look up to itself", u.RevisionID, u.Title)
				}
				for _, p := range u.Prerequisites {
					if len(p.AnyOf) == 0 {
						t.Errorf("%s: an empty prerequisite", u.Title)
					}
					for _, id := range p.AnyOf {
						pre := c.ByID(id)
						switch {
						case pre == nil:
							t.Errorf("%s: prerequisite %s is not in the catalog", u.Title, id)
						case p.IsCategory && pre.Type != catalog.TypeCategory:
							t.Errorf("%s: category prerequisite %q is a %s", u.Title, pre.Title, pre.Type)
						case pre.IsLeaf():
							t.Errorf("%s: prerequisite %q is a software update", u.Title, pre.Title)
						}
					}
				}
				for _, id := range u.Bundled {
					if b := c.ByID(id); b == nil || !b.IsLeaf() {
						t.Errorf("%s: bundled %s is not a software update of the catalog", u.Title, id)
					}
				}
				if err := wellFormed(u.Core()); err != nil {
					t.Errorf("%s: Core fragment: %v", u.Title, err)
				}
				for _, f := range u.Files {
					sum := sha1.Sum(f.Data)
					if !slices.Equal(sum[:], f.SHA1) {
						t.Errorf("%s: %s: SHA-1 does not match its bytes", u.Title, f.Name)
					}
					if got, ok := c.File(hex.EncodeToString(f.SHA1)); !ok || got.Name != f.Name {
						t.Errorf("%s: %s is not served by its digest", u.Title, f.Name)
					}
				}
			}
			groups := map[string]bool{}
			for _, g := range c.Groups() {
				groups[g.ID] = true
			}
			for _, name := range []string{"All Computers", "Unassigned Computers", "Workstations", "Servers"} {
				if _, err := c.GroupByName(name); err != nil {
					t.Errorf("group %q: %v", name, err)
				}
			}
			for _, a := range c.Approvals() {
				if !groups[a.GroupID] {
					t.Errorf("approval %d names unknown group %s", a.ID, a.GroupID)
				}
				// Categories and detectoids are deployed implicitly with
				// Evaluate; software updates with an administrator's action.
				switch u := c.ByRevision(a.RevisionID); {
				case u == nil:
					t.Errorf("approval %d of unknown revision %d", a.ID, a.RevisionID)
				case u.IsLeaf() == (a.Action == catalog.ActionEvaluate):
					t.Errorf("approval %d: %s %d deployed with %s", a.ID, u.Type, a.RevisionID, a.Action)
				}
			}
			if got, want := count(c, catalog.TypeSoftware), count(def, catalog.TypeSoftware)+tt.extraSoftware; got != want {
				t.Errorf("%d software updates, want %d", got, want)
			}
			if got, want := count(c, catalog.TypeDetectoid), count(def, catalog.TypeDetectoid)+tt.extraDetectoids; got != want {
				t.Errorf("%d detectoids, want %d", got, want)
			}
		})
	}
}

func wellFormed(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		if _, err := d.Token(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// inconsistent returns the revisions with more than one approval row for
// one group: the database state of Security Advisory 954960.
func inconsistent(c *catalog.Catalog) []int32 {
	var out []int32
	for _, a := range c.Approvals() {
		if !a.Consistent && !slices.Contains(out, a.RevisionID) {
			out = append(out, a.RevisionID)
		}
	}
	return out
}

// The double approval of revision 8862 is in every built-in catalog (each
// starts from the default one), for All Computers, and nowhere else; the
// KB's workaround (decline, approve, decline) and a plain approval each
// leave one row.
func TestDoubleApprovalOnlyWhereItShouldBe(t *testing.T) {
	for _, tt := range builtIns {
		t.Run(tt.name, func(t *testing.T) {
			c := build(t, tt.name, 7)
			if got := inconsistent(c); !slices.Equal(got, tt.wantInconsistent) {
				t.Fatalf("revisions with a double approval: %v, want %v", got, tt.wantInconsistent)
			}
			all, err := c.GroupByName("All Computers")
			if err != nil {
				t.Fatal(err)
			}
			rows := c.DeploymentRows(catalog.RevOffice2003SP1, []string{all.ID})
			if len(rows) != 2 || rows[0].ID == rows[1].ID {
				t.Fatalf("revision 8862 for All Computers: %+v, want two rows with distinct deployment IDs", rows)
			}
			u := c.ByRevision(catalog.RevOffice2003SP1)
			if u == nil || !strings.Contains(u.Title, "Office 2003") {
				t.Fatalf("revision 8862 is %+v, want the Office 2003 update", u)
			}
		})
	}

	at := time.Date(2008, 7, 1, 0, 0, 0, 0, time.UTC)
	for _, cure := range []struct {
		name string
		do   func(c *catalog.Catalog) error
	}{
		{"workaround decline-approve-decline", func(c *catalog.Catalog) error {
			if _, err := c.Decline("8862"); err != nil {
				return err
			}
			if _, err := c.Approve("8862", "All Computers", catalog.ActionInstall, at); err != nil {
				return err
			}
			_, err := c.Decline("8862")
			return err
		}},
		{"re-approve", func(c *catalog.Catalog) error {
			_, err := c.Approve("8862", "All Computers", catalog.ActionInstall, at)
			return err
		}},
	} {
		t.Run(cure.name, func(t *testing.T) {
			c := build(t, "default", 1)
			v := c.Version()
			if err := cure.do(c); err != nil {
				t.Fatal(err)
			}
			if got := inconsistent(c); len(got) != 0 {
				t.Errorf("after %s: double approvals %v remain", cure.name, got)
			}
			if c.Version() == v {
				t.Error("the catalog's version did not move, so cookies would not see the change")
			}
		})
	}
}

// Synthetic updates are each approved once for Install to All Computers and
// reached through their family's detectoid, product and classification.
func TestSyntheticUpdatesAreApprovedAndReachable(t *testing.T) {
	const n = 25
	c := build(t, fmt.Sprintf("synthetic-%d", n), 3)
	all, _ := c.GroupByName("All Computers")
	var nonLeaf []int32
	for _, u := range c.Updates() {
		if !u.IsLeaf() {
			nonLeaf = append(nonLeaf, u.RevisionID)
		}
	}
	var reachable []int32
	if err := c.View(func(v *catalog.View) error {
		for _, u := range v.Reachable(nonLeaf) {
			reachable = append(reachable, u.RevisionID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		rev := int32(100000 + i)
		u := c.ByRevision(rev)
		if u == nil {
			t.Fatalf("synthetic update %d missing", rev)
		}
		rows := c.DeploymentRows(rev, []string{all.ID})
		if len(rows) != 1 || rows[0].Action != catalog.ActionInstall {
			t.Errorf("%d: rows %+v, want one Install row for All Computers", rev, rows)
		}
		if len(u.Prerequisites) != 3 || len(u.Files) != 1 {
			t.Errorf("%d: %d prerequisites and %d files, want a detectoid, a product, a classification and one payload", rev, len(u.Prerequisites), len(u.Files))
		}
		if !slices.Contains(reachable, rev) {
			t.Errorf("%d is not reachable with every non-leaf update installed", rev)
		}
	}
}

// The same seed builds the same catalog; another seed other GUIDs and
// payloads but the same revision IDs and titles, which logs and scenarios
// name.
func TestCatalogsAreDeterministicPerSeed(t *testing.T) {
	for _, name := range []string{"default", "synthetic-10"} {
		a, b, other := build(t, name, 5), build(t, name, 5), build(t, name, 6)
		ua, ub, uo := a.Updates(), b.Updates(), other.Updates()
		if len(ua) != len(ub) || len(ua) != len(uo) {
			t.Fatalf("%s: sizes %d, %d, %d", name, len(ua), len(ub), len(uo))
		}
		sameGUIDs := 0
		for i := range ua {
			if ua[i].ID != ub[i].ID || ua[i].Core() != ub[i].Core() {
				t.Errorf("%s: update %d differs between two builds with seed 5", name, ua[i].RevisionID)
			}
			if ua[i].RevisionID != uo[i].RevisionID || ua[i].Title != uo[i].Title {
				t.Errorf("%s: revision %d %q is %d %q with another seed", name, ua[i].RevisionID, ua[i].Title, uo[i].RevisionID, uo[i].Title)
			}
			if ua[i].ID == uo[i].ID {
				sameGUIDs++
			}
		}
		if sameGUIDs != 0 {
			t.Errorf("%s: %d update GUIDs are the same with seeds 5 and 6", name, sameGUIDs)
		}
	}
}

func TestByNameRefusesUnknownCatalogs(t *testing.T) {
	for _, name := range []string{"synthetic-", "synthetic-x", "synthetic--1", "synthetic-500001", "tiny", "default2"} {
		if _, err := catalog.ByName(name); err == nil {
			t.Errorf("%q accepted", name)
		}
	}
	for _, name := range []string{"", "Default", " many-detectoids ", "synthetic-500000"} {
		if _, err := catalog.ByName(name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
}

// Admin operations name what is wrong.
func TestApproveAndDeclineRefuseBadInput(t *testing.T) {
	c := build(t, "default", 1)
	at := time.Date(2008, 7, 1, 0, 0, 0, 0, time.UTC)
	if _, err := c.Approve("99999999", "All Computers", catalog.ActionInstall, at); !errors.Is(err, catalog.ErrUnknownUpdate) {
		t.Errorf("unknown update: %v", err)
	}
	if _, err := c.Approve("8862", "No Such Group", catalog.ActionInstall, at); !errors.Is(err, catalog.ErrUnknownGroup) {
		t.Errorf("unknown group: %v", err)
	}
	if _, err := c.Approve("101", "All Computers", catalog.ActionInstall, at); err == nil {
		t.Error("a category was approved")
	}
	if _, err := c.Decline("no-such-update"); !errors.Is(err, catalog.ErrUnknownUpdate) {
		t.Errorf("decline of an unknown update: %v", err)
	}
	if _, err := catalog.ParseAction("Evaluate"); err == nil {
		t.Error("Evaluate, not an administrator's action, was accepted")
	}
}
