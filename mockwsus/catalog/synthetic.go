package catalog

import (
	"crypto/sha1"
	"fmt"
	"strconv"
	"strings"
	"time"

	x "github.com/wsusmock/wsusmock/updatexml"
)

// Synthetic is the default catalog plus n software updates spread over its
// products (Windows XP, Server 2003, Vista, Server 2008, Office 2003) and
// classifications, each approved for Install to All Computers and carrying
// a small payload: a catalog of realistic shape at any size, for
// measurements (issue: GetSyncInfo on 1,000, 10,000 and 50,000 updates).
func Synthetic(seed uint64, n int) (*Catalog, error) {
	c, err := Default(seed)
	if err != nil {
		return nil, err
	}
	byTitle := map[string]*Update{}
	for _, u := range c.Updates() {
		byTitle[u.Type+":"+u.Title] = u
	}
	type family struct {
		detectoid, product string
		file               string
		csidl              int
	}
	families := []family{
		{"Windows XP", "Windows XP", "xpfile%05d.dll", x.CSIDLSystem},
		{"Windows Server 2003", "Windows Server 2003", "srvfile%05d.dll", x.CSIDLSystem},
		{"Windows Vista", "Windows Vista", "vistafile%05d.dll", x.CSIDLSystem},
		{"Windows Server 2008", "Windows Server 2008", "w2k8file%05d.dll", x.CSIDLSystem},
		{"Office 2003", "Office 2003", `Microsoft Office\OFFICE11\off%05d.dll`, x.CSIDLProgramFiles},
	}
	classes := []string{"Security Updates", "Critical Updates", "Updates"}
	b := &builder{c: c, src: idsFor(seed, "synthetic"), t0: time.Date(2008, 5, 1, 0, 0, 0, 0, time.UTC)}
	when := time.Date(2008, 6, 10, 17, 4, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		f := families[i%len(families)]
		class := classes[(i/len(families))%len(classes)]
		det, prod, cls := byTitle[TypeDetectoid+":"+f.detectoid], byTitle[TypeCategory+":"+f.product], byTitle[TypeCategory+":"+class]
		if det == nil || prod == nil || cls == nil {
			return nil, fmt.Errorf("catalog: synthetic: the default catalog lacks %s/%s/%s", f.detectoid, f.product, class)
		}
		kb := strconv.Itoa(960000 + i)
		kind := strings.TrimSuffix(class, "s")
		rule := x.FileVersion(fmt.Sprintf(f.file, i), x.GreaterThanOrEqualTo, "6.0.0.1", x.Csidl(f.csidl))
		data := append([]byte("MZ"), b.src.Bytes(62)...)
		sum := sha1.Sum(data)
		u := b.add(&Update{
			RevisionID: int32(100000 + i), Type: TypeSoftware, KB: kb,
			Title:       fmt.Sprintf("%s for %s (KB%s)", kind, f.product, kb),
			Description: "A synthetic update for measurements.",
			Prerequisites: []Prerequisite{
				{AnyOf: []string{det.ID}},
				{AnyOf: []string{prod.ID}, IsCategory: true},
				{AnyOf: []string{cls.ID}, IsCategory: true},
			},
			IsInstalled: rule, IsInstallable: x.Not(rule),
			Files: []File{{Name: "kb" + kb + ".exe", SHA1: sum[:], Data: data, Modified: b.t0}},
		})
		if b.err != nil {
			return nil, b.err
		}
		if _, err := c.AddDeploymentRow(Deployment{RevisionID: u.RevisionID, GroupID: GroupAllComputers, Action: ActionInstall, LastChange: when, IsAssigned: true}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// ByName returns the builder of a built-in catalog: "default",
// "many-detectoids", or "synthetic-N" (the default catalog plus N software
// updates).
func ByName(name string) (func(uint64) (*Catalog, error), error) {
	switch n := strings.ToLower(strings.TrimSpace(name)); {
	case n == "" || n == "default":
		return Default, nil
	case n == "many-detectoids":
		return ManyDetectoids, nil
	case strings.HasPrefix(n, "synthetic-"):
		size, err := strconv.Atoi(strings.TrimPrefix(n, "synthetic-"))
		if err != nil || size < 0 || size > 500000 {
			return nil, fmt.Errorf("catalog: %q: the size after synthetic- must be 0 to 500000", name)
		}
		return func(seed uint64) (*Catalog, error) { return Synthetic(seed, size) }, nil
	}
	return nil, fmt.Errorf("catalog: unknown catalog %q (built-in: default, many-detectoids, synthetic-N)", name)
}
