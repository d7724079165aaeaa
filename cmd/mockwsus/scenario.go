package main

import (
	"fmt"

	"github.com/wsusmock/wsusmock/mockwsus"
	"github.com/wsusmock/wsusmock/scenarios"
)

// applyScenario configures cfg from a scenario's server section (version,
// behaviours, catalog, groups, approvals). Flags given explicitly win:
// --behaviour assignments are kept on top of the scenario's.
func applyScenario(nameOrPath string, cfg *mockwsus.Config, versionSet bool) error {
	if nameOrPath == "" {
		return nil
	}
	sc, err := scenarios.Load(nameOrPath)
	if err != nil {
		return err
	}
	sv, err := sc.ServerConfig()
	if err != nil {
		return fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	for name, m := range cfg.Behaviours {
		sv.Behaviours[name] = m
	}
	cfg.Behaviours = sv.Behaviours
	cfg.Catalog = sv.Catalog
	if !versionSet && sv.Version != "" {
		cfg.Version = sv.Version
	}
	if sv.Seed != 0 && cfg.Seed == 1 {
		cfg.Seed = sv.Seed
	}
	return nil
}
