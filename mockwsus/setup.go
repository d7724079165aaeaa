package mockwsus

import (
	"fmt"
	"strings"
	"time"

	"github.com/wsusmock/wsusmock/internal/ids"
	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

// Setup is a server's starting state as data: what a scenario's server
// section says, and what POST /reset takes, so that a scenario configures an
// in-process server (Setup.Apply on a Config) and a remote one (ResetTo over
// the admin API) the same way. Fields left empty take the defaults of a
// fresh server (DefaultVersion, no explicit modes, the default catalog, seed
// 1), never the state the server was in.
type Setup struct {
	// Version is the WSUS version, e.g. 3.1.6001.65.
	Version string `json:"version,omitempty"`
	// Behaviours sets whole-server modes (buggy|fixed) by behaviour name.
	Behaviours map[string]string `json:"behaviours,omitempty"`
	// Catalog names a built-in catalog (catalog.ByName).
	Catalog string `json:"catalog,omitempty"`
	// Seed fixes catalog GUIDs, group IDs and fault IDs; 0 means 1.
	Seed uint64 `json:"seed,omitempty"`
	// Groups adds target groups.
	Groups []string `json:"groups,omitempty"`
	// Approvals are made, then Declines declined, before any client comes.
	Approvals []SetupApproval `json:"approvals,omitempty"`
	Declines  []string        `json:"declines,omitempty"`
}

// SetupApproval approves an update for a group ("" is All Computers) with
// an action ("" is Install).
type SetupApproval struct {
	Update string `json:"update"`
	Group  string `json:"group,omitempty"`
	Action string `json:"action,omitempty"`
}

// setupApprovalTime is when a setup's approvals are dated: the day after
// the advisory's catalog, so that runs are byte-stable.
var setupApprovalTime = time.Date(2008, 6, 11, 9, 0, 0, 0, time.UTC)

// Apply sets cfg's Version, Behaviours, Seed and Catalog from the setup,
// checking every field first; an error names the field. The catalog is built
// once here, so an approval of an unknown update is refused now, not at the
// server's first Reset.
func (st Setup) Apply(cfg *Config) error {
	state, err := st.state()
	if err != nil {
		return err
	}
	cfg.Version, cfg.Behaviours, cfg.Seed, cfg.Catalog = state.version, state.behaviours, state.seed, state.catalog
	return nil
}

// state checks the setup and turns it into a starting state.
func (st Setup) state() (startState, error) {
	out := startState{version: st.Version, seed: st.Seed, behaviours: map[string]behaviour.Mode{}}
	if out.version == "" {
		out.version = DefaultVersion
	}
	if err := checkVersion(out.version); err != nil {
		return startState{}, fmt.Errorf("mockwsus: setup version: %w", err)
	}
	if out.seed == 0 {
		out.seed = 1
	}
	for name, m := range st.Behaviours {
		b, err := behaviour.Lookup(name)
		if err != nil {
			return startState{}, fmt.Errorf("mockwsus: setup behaviours.%s: %w", name, err)
		}
		mode, err := behaviour.ParseMode(m)
		if err != nil {
			return startState{}, fmt.Errorf("mockwsus: setup behaviours.%s: %w", name, err)
		}
		out.behaviours[b.Info().Name] = mode
	}
	build, err := catalog.ByName(st.Catalog)
	if err != nil {
		return startState{}, fmt.Errorf("mockwsus: setup catalog: %w", err)
	}
	groups, approvals, declines := append([]string(nil), st.Groups...), append([]SetupApproval(nil), st.Approvals...), append([]string(nil), st.Declines...)
	out.catalog = func(seed uint64) (*catalog.Catalog, error) {
		c, err := build(seed)
		if err != nil {
			return nil, err
		}
		for i, g := range groups {
			if err := c.AddGroup(catalog.Group{ID: GroupID(seed, g), Name: g}); err != nil {
				return nil, fmt.Errorf("groups[%d]: %w", i, err)
			}
		}
		for i, a := range approvals {
			action := catalog.ActionInstall
			if a.Action != "" {
				if action, err = catalog.ParseAction(a.Action); err != nil {
					return nil, fmt.Errorf("approvals[%d].action: %w", i, err)
				}
			}
			group := a.Group
			if group == "" {
				group = "All Computers"
			}
			if _, err := c.Approve(a.Update, group, action, setupApprovalTime); err != nil {
				return nil, fmt.Errorf("approvals[%d]: %w", i, err)
			}
		}
		for i, d := range declines {
			if _, err := c.Decline(d); err != nil {
				return nil, fmt.Errorf("declines[%d]: %w", i, err)
			}
		}
		return c, nil
	}
	if _, err := out.catalog(out.seed); err != nil {
		return startState{}, fmt.Errorf("mockwsus: setup %w", err)
	}
	return out, nil
}

// GroupID is the ID of a target group a setup adds: derived from the seed
// and the name, so runs are byte-stable.
func GroupID(seed uint64, name string) string {
	return ids.Derive(seed, "group:"+strings.ToLower(name)).GUID()
}

// checkVersion refuses what is not a WSUS version (four numbers, 2.0 or
// later).
func checkVersion(v string) error {
	if behaviour.CompareVersions(v, "2.0") < 0 || strings.Count(v, ".") != 3 {
		return fmt.Errorf("version %q is not a WSUS version like %s", v, VersionFixed)
	}
	return nil
}
