package catalog

import (
	"crypto/sha1"
	"fmt"
	"time"

	"github.com/wsusmock/wsusmock/internal/ids"
	x "github.com/wsusmock/wsusmock/updatexml"
)

// Revision IDs of the default catalog that scenarios and tests refer to.
const (
	// RevOffice2003SP1 is the revision with the inconsistent double approval.
	// 8862 is the key of the advisory's exception message.
	RevOffice2003SP1 int32 = 8862
)

// Office 2003 detection facts. client-sim/profile's built-ins hold the same
// values (client-sim never imports mockwsus), and the KB954960 reproduction
// depends on them agreeing (docs/architecture.md).
const (
	office2003ProProductCode = "{90110409-6000-11D3-8CFE-0150048383C9}"
	office2003InstallRootKey = `SOFTWARE\Microsoft\Office\11.0\Common\InstallRoot`
)

// defaultGroups are the target groups of the default catalog besides All
// Computers and Unassigned Computers.
var defaultGroups = []string{"Workstations", "Servers"}

// Default builds the built-in catalog: a WSUS 3.0 SP1 server in June 2008
// with Windows XP, Server 2003, Vista, Server 2008 and Office 2003 updates,
// all software updates approved for Install to All Computers, and the
// database state Security Advisory 954960 describes: the Office 2003
// Service Pack 1 revision (ID 8862) with two approval rows for All Computers,
// one kept from before the revision and one made by it.
//
// GUIDs and payload bytes come from seed; revision IDs and titles are fixed
// so that logs and scenarios can name them.
func Default(seed uint64) (*Catalog, error) {
	b := &builder{c: New(), src: ids.Derive(seed, "catalog"), t0: time.Date(2008, 5, 1, 0, 0, 0, 0, time.UTC)}
	for _, g := range defaultGroups {
		if err := b.c.AddGroup(Group{ID: b.src.GUID(), Name: g}); err != nil {
			return nil, err
		}
	}

	// Categories: company, product families, products, classifications.
	microsoft := b.category(101, "Microsoft Corporation", CategoryCompany)
	windows := b.category(102, "Windows", CategoryProductFamily, microsoft)
	office := b.category(103, "Office", CategoryProductFamily, microsoft)
	xp := b.category(110, "Windows XP", CategoryProduct, windows)
	ws2003 := b.category(111, "Windows Server 2003", CategoryProduct, windows)
	vista := b.category(112, "Windows Vista", CategoryProduct, windows)
	ws2008 := b.category(113, "Windows Server 2008", CategoryProduct, windows)
	office2003 := b.category(120, "Office 2003", CategoryProduct, office)
	security := b.category(130, "Security Updates", CategoryClassification)
	critical := b.category(131, "Critical Updates", CategoryClassification)
	servicePacks := b.category(132, "Service Packs", CategoryClassification)
	updates := b.category(133, "Updates", CategoryClassification)

	// Detectoids.
	const hklm = "HKEY_LOCAL_MACHINE"
	detXP := b.detectoid(1002, "Windows XP", x.WindowsVersion(x.EqualTo, 5, 1, x.ProductType(1)))
	det2003 := b.detectoid(1003, "Windows Server 2003", x.And(x.WindowsVersion(x.EqualTo, 5, 2), x.Not(x.WindowsVersion(x.EqualTo, 5, 2, x.ProductType(1)))))
	detVista := b.detectoid(1004, "Windows Vista", x.WindowsVersion(x.EqualTo, 6, 0, x.ProductType(1)))
	det2008 := b.detectoid(1005, "Windows Server 2008", x.And(x.WindowsVersion(x.EqualTo, 6, 0), x.Not(x.WindowsVersion(x.EqualTo, 6, 0, x.ProductType(1)))))
	detOffice2003 := b.detectoid(1020, "Office 2003", x.Or(
		x.MsiProductInstalled(office2003ProProductCode),
		x.RegKeyExists(hklm, office2003InstallRootKey),
	))

	sys := func(file, version string) *x.Rule {
		return x.FileVersion(file, x.GreaterThanOrEqualTo, version, x.Csidl(x.CSIDLSystem))
	}
	officeFile := func(file, version string) *x.Rule {
		return x.FileVersion(`Microsoft Office\OFFICE11\`+file, x.GreaterThanOrEqualTo, version, x.Csidl(x.CSIDLProgramFiles))
	}
	type sw struct {
		rev        int32
		title, kb  string
		detectoid  *Update
		product    *Update
		class      *Update
		installed  *x.Rule
		bundleRev  int32 // >0: the update is a bundle with one child of this revision ID
		supersedes int32 // >0: the revision ID of the update this one supersedes
	}
	all := []sw{
		{8001, "Security Update for Windows XP (KB950749)", "950749", detXP, xp, security, sys("msxml3.dll", "8.100.1045.0"), 0, 0},
		{8002, "Security Update for Windows XP (KB951376)", "951376", detXP, xp, security, sys("bthport.sys", "5.1.2600.5620"), 0, 0},
		{8003, "Cumulative Security Update for Internet Explorer 7 for Windows XP (KB950759)", "950759", detXP, xp, security, sys("mshtml.dll", "7.0.6000.16681"), 0, 0},
		{8004, "Windows Malicious Software Removal Tool - June 2008 (KB890830)", "890830", detXP, xp, updates, x.RegDword(hklm, `SOFTWARE\Microsoft\RemovalTools\MRT`, "Version", x.GreaterThanOrEqualTo, 20), 0, 0},
		{8005, "Update for Windows XP (KB951978)", "951978", detXP, xp, critical, sys("shell32.dll", "6.0.2900.5622"), 0, 0},
		{8101, "Security Update for Windows Server 2003 (KB950749)", "950749", det2003, ws2003, security, sys("msxml3.dll", "8.100.1045.0"), 0, 0},
		{8102, "Security Update for Windows Server 2003 (KB951746)", "951746", det2003, ws2003, security, sys("dnsapi.dll", "5.2.3790.4318"), 0, 0},
		{8201, "Security Update for Windows Vista (KB950762)", "950762", detVista, vista, security, sys("dhcpcsvc.dll", "6.0.6001.18069"), 0, 0},
		{8301, "Security Update for Windows Server 2008 (KB950762)", "950762", det2008, ws2008, security, sys("dhcpcsvc.dll", "6.0.6001.18069"), 0, 0},
		{RevOffice2003SP1, "Office 2003 Service Pack 1", "842532", detOffice2003, office2003, servicePacks, officeFile("WINWORD.EXE", "11.0.6113.0"), 8863, 0},
		{8870, "Office 2003 Service Pack 3", "923618", detOffice2003, office2003, servicePacks, officeFile("WINWORD.EXE", "11.0.8169.0"), 0, RevOffice2003SP1},
		{8871, "Security Update for Word 2003 (KB951646)", "951646", detOffice2003, office2003, security, officeFile("WINWORD.EXE", "11.0.8227.0"), 0, 0},
		{8872, "Security Update for Excel 2003 (KB951548)", "951548", detOffice2003, office2003, security, officeFile("EXCEL.EXE", "11.0.8220.0"), 0, 0},
		{8873, "Update for Outlook 2003 Junk Email Filter (KB953411)", "953411", detOffice2003, office2003, updates, officeFile("OUTLFLTR.DAT", "11.0.8218.0"), 0, 0},
	}
	for _, s := range all {
		u := &Update{
			RevisionID: s.rev, Type: TypeSoftware, Title: s.title, KB: s.kb,
			Description: "Install this update to keep your computer current. " + s.title + ".",
			Prerequisites: []Prerequisite{
				{AnyOf: []string{s.detectoid.ID}},
				{AnyOf: []string{s.product.ID}, IsCategory: true},
				{AnyOf: []string{s.class.ID}, IsCategory: true},
			},
			IsInstalled:   s.installed,
			IsInstallable: x.Not(s.installed),
		}
		if s.bundleRev > 0 {
			child := b.software(&Update{
				// No KB of its own: the console shows (and looks up) the
				// bundle, never its children.
				RevisionID: s.bundleRev, Type: TypeSoftware, Title: s.title + " (installer)",
				Prerequisites: []Prerequisite{{AnyOf: []string{s.detectoid.ID}}},
				IsInstalled:   s.installed, IsInstallable: x.Not(s.installed),
			}, true)
			u.Bundled = []string{child.ID}
		} else {
			b.attachFile(u)
		}
		if s.supersedes > 0 {
			if old := b.c.ByRevision(s.supersedes); old != nil {
				u.Supersedes = []string{old.ID}
			}
		}
		b.software(u, false)
	}
	if b.err != nil {
		return nil, b.err
	}

	// Approvals: every software update for Install to All Computers, in
	// revision order, each with one row ...
	when := time.Date(2008, 6, 10, 17, 4, 0, 0, time.UTC)
	for _, u := range b.c.Updates() {
		if !u.IsLeaf() || isBundled(b.c, u) {
			continue
		}
		if _, err := b.c.AddDeploymentRow(Deployment{
			RevisionID: u.RevisionID, GroupID: GroupAllComputers, Action: ActionInstall,
			LastChange: when, IsAssigned: true,
		}); err != nil {
			return nil, err
		}
	}
	// ... except Office 2003 SP1, which the June 2008 revision left with a
	// second row for the same group: the inconsistent approval state.
	if _, err := b.c.AddDeploymentRow(Deployment{
		RevisionID: RevOffice2003SP1, GroupID: GroupAllComputers, Action: ActionInstall,
		LastChange: time.Date(2008, 6, 12, 23, 18, 0, 0, time.UTC), IsAssigned: true,
	}); err != nil {
		return nil, err
	}
	return b.c, nil
}

func idsFor(seed uint64, label string) *ids.Source { return ids.Derive(seed, label) }

func isBundled(c *Catalog, u *Update) bool {
	for _, p := range c.Updates() {
		for _, id := range p.Bundled {
			if id == u.ID {
				return true
			}
		}
	}
	return false
}

type builder struct {
	c   *Catalog
	src *ids.Source
	t0  time.Time
	err error
}

func (b *builder) add(u *Update) *Update {
	if u.ID == "" {
		u.ID = b.src.GUID()
	}
	if u.RevisionNumber == 0 {
		u.RevisionNumber = 100 + int(u.RevisionID%7)
	}
	if u.Created.IsZero() {
		u.Created = b.t0
	}
	if err := b.c.Add(u); err != nil && b.err == nil {
		b.err = err
	}
	return u
}

func (b *builder) category(rev int32, title, kind string, parents ...*Update) *Update {
	u := &Update{RevisionID: rev, Type: TypeCategory, CategoryType: kind, Title: title, IsInstalled: x.True()}
	for _, p := range parents {
		u.Prerequisites = append(u.Prerequisites, Prerequisite{AnyOf: []string{p.ID}, IsCategory: true})
	}
	return b.add(u)
}

func (b *builder) detectoid(rev int32, title string, rule *x.Rule) *Update {
	return b.add(&Update{RevisionID: rev, Type: TypeDetectoid, Title: title, IsInstalled: rule})
}

func (b *builder) software(u *Update, withFile bool) *Update {
	if withFile {
		b.attachFile(u)
	}
	return b.add(u)
}

// attachFile gives u a small seeded payload, so /Content/ and
// GetFileLocations have something real to serve.
func (b *builder) attachFile(u *Update) {
	data := append([]byte("MZ"), b.src.Bytes(4094)...)
	sum := sha1.Sum(data)
	name := fmt.Sprintf("kb%s-%d.exe", u.KB, u.RevisionID)
	if u.KB == "" {
		name = fmt.Sprintf("update-%d.exe", u.RevisionID)
	}
	u.Files = append(u.Files, File{Name: name, SHA1: sum[:], Data: data, Modified: b.t0})
}
