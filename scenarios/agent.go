package scenarios

import (
	"context"

	clientsim "github.com/wsusmock/wsusmock/client-sim"
)

// agent is the part of the simulated Windows Update Agent a scenario uses:
// one search per sync step, keeping its cookie and cached updates between
// steps as the real agent does between detection cycles.
type agent interface {
	Sync(ctx context.Context) (*clientsim.Result, error)
}

func newAgent(cfg clientsim.Config) (agent, error) {
	return clientsim.New(cfg)
}
