package behaviour_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/mockwsus/behaviour"
	"github.com/wsusmock/wsusmock/mockwsus/catalog"
)

func TestParseMode(t *testing.T) {
	tests := []struct {
		in      string
		want    behaviour.Mode
		wantErr bool
	}{
		{"buggy", behaviour.Buggy, false},
		{"fixed", behaviour.Fixed, false},
		{" Buggy ", behaviour.Buggy, false},
		{"FIXED", behaviour.Fixed, false},
		{"on", behaviour.Buggy, false},
		{"off", behaviour.Fixed, false},
		{"", "", true},
		{"broken", "", true},
		{"buggy=fixed", "", true},
	}
	for _, tt := range tests {
		got, err := behaviour.ParseMode(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseMode(%q) = %q, %v; want %q, error %t", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "want buggy or fixed") {
			t.Errorf("ParseMode(%q) error %q does not say what is accepted", tt.in, err)
		}
	}
}

func TestParseAssignment(t *testing.T) {
	tests := []struct {
		in       string
		wantName string
		wantMode behaviour.Mode
		errHas   string
	}{
		{"kb954960=buggy", "kb954960", behaviour.Buggy, ""},
		{"KB954960=fixed", "kb954960", behaviour.Fixed, ""},
		{" kb954960 =off", "kb954960", behaviour.Fixed, ""},
		{"kb954960", "", "", "is not name=mode"},
		{"kb954960=maybe", "", "", "unknown mode"},
		{"nosuch=buggy", "", "", "unknown behaviour"},
		{"=buggy", "", "", "unknown behaviour"},
	}
	for _, tt := range tests {
		name, mode, err := behaviour.ParseAssignment(tt.in)
		if tt.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("ParseAssignment(%q) error = %v, want one containing %q", tt.in, err, tt.errHas)
			}
			continue
		}
		if err != nil || name != tt.wantName || mode != tt.wantMode {
			t.Errorf("ParseAssignment(%q) = %q, %q, %v; want %q, %q", tt.in, name, mode, err, tt.wantName, tt.wantMode)
		}
	}
}

func TestLookup(t *testing.T) {
	b, err := behaviour.Lookup(" KB954960 ")
	if err != nil || b.Info().Name != behaviour.KB954960Name {
		t.Fatalf("Lookup(KB954960) = %v, %v", b, err)
	}
	_, err = behaviour.Lookup("kb000000")
	if err == nil {
		t.Fatal("Lookup of an unknown name succeeded")
	}
	for _, want := range []string{`unknown behaviour "kb000000"`, "kb954960"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Lookup error %q lacks %q", err, want)
		}
	}
}

func TestRegistry(t *testing.T) {
	names := behaviour.Names()
	if len(names) != len(behaviour.Registry) {
		t.Fatalf("Names() = %v for %d registered behaviours", names, len(behaviour.Registry))
	}
	for i, name := range names {
		if i > 0 && names[i-1] >= name {
			t.Errorf("Names() not sorted: %v", names)
		}
		info := behaviour.Registry[name].Info()
		if info.Name != name {
			t.Errorf("behaviour registered as %q calls itself %q", name, info.Name)
		}
		if info.Bug == "" || info.Trigger == "" || info.Buggy == "" || info.Fixed == "" || info.Source == "" {
			t.Errorf("behaviour %q is not fully documented: %+v", name, info)
		}
	}
}

func TestKB954960DefaultMode(t *testing.T) {
	tests := []struct {
		version string
		want    behaviour.Mode
	}{
		{"2.0.0.2620", behaviour.Fixed},    // WSUS 2.0 had no such code
		{"3.0.6000.273", behaviour.Buggy},  // WSUS 3.0 RTM
		{"3.1.6001.65", behaviour.Buggy},   // WSUS 3.0 SP1
		{"3.1.6001.66", behaviour.Fixed},   // the KB954960 DLL
		{"3.1.6001.100", behaviour.Fixed},  // later builds (numeric, not string, comparison)
		{"3.2.7600.226", behaviour.Fixed},  // WSUS 3.0 SP2
		{"10.0.26100.1", behaviour.Fixed},  // Windows Server 2025
		{"3.0", behaviour.Buggy},           // short form of 3.0
		{"3.1.6001.9", behaviour.Buggy},    // below 65 numerically
		{"3.1.6001.066", behaviour.Fixed},  // leading zero
		{"3.1.6001.65.1", behaviour.Buggy}, // a fifth part below the fix
	}
	for _, tt := range tests {
		if got := (behaviour.KB954960{}).DefaultMode(tt.version); got != tt.want {
			t.Errorf("DefaultMode(%q) = %s, want %s", tt.version, got, tt.want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"3.1.6001.65", "3.1.6001.66", -1},
		{"3.1.6001.66", "3.1.6001.65", 1},
		{"3.1.6001.66", "3.1.6001.66", 0},
		{"3.1.6001.100", "3.1.6001.66", 1},
		{"3.1", "3.1.0.0", 0},
		{"3.2", "3.1.6001.66", 1},
		{"10.0", "9.9", 1},
		{"", "0", 0},
		{"3.x", "3.0", 0},
	}
	for _, tt := range tests {
		if got := behaviour.CompareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestKB954960Tables(t *testing.T) {
	day := time.Date(2008, 6, 10, 0, 0, 0, 0, time.UTC)
	first := catalog.Deployment{ID: 1, RevisionID: 8862, Action: catalog.ActionInstall, LastChange: day}
	second := catalog.Deployment{ID: 2, RevisionID: 8862, Action: catalog.ActionInstall, LastChange: day.Add(48 * time.Hour)}

	buggy := behaviour.KB954960{}.NewDeploymentTable(behaviour.Buggy)
	if err := buggy.Add(8862, first); err != nil {
		t.Fatalf("buggy first Add: %v", err)
	}
	err := buggy.Add(8862, second)
	var exc *behaviour.Exception
	if !errors.As(err, &exc) || exc.Message != "Item has already been added. Key in dictionary: '8862'  Key being added: '8862'" {
		t.Fatalf("buggy second Add = %v, want the advisory's ArgumentException", err)
	}
	if d, ok := buggy.Get(8862); !ok || d.ID != 1 {
		t.Errorf("buggy table kept %+v after the throw, want the first row", d)
	}

	fixed := behaviour.KB954960{}.NewDeploymentTable(behaviour.Fixed)
	for _, d := range []catalog.Deployment{second, first} {
		if err := fixed.Add(8862, d); err != nil {
			t.Fatalf("fixed Add: %v", err)
		}
	}
	if d, ok := fixed.Get(8862); !ok || d.ID != 2 {
		t.Errorf("fixed table chose %+v, want the later row 2", d)
	}
	if _, ok := fixed.Get(1); ok {
		t.Error("fixed table has a revision nobody added")
	}
}

// Every registered behaviour's default mode for the versions the mock
// reports: only kb954960 follows the version; the look-alikes are
// conditions of a server, not of its build (the shipped
// maxInstalledPrerequisites limit is always in force unless raised).
func TestDefaultModePerVersion(t *testing.T) {
	versions := []string{"3.0.6000.273", "3.1.6001.65", "3.1.6001.66", "3.2.7600.226"}
	want := map[string][]behaviour.Mode{
		behaviour.KB954960Name:                  {behaviour.Buggy, behaviour.Buggy, behaviour.Fixed, behaviour.Fixed},
		behaviour.AppPoolDownName:               {behaviour.Fixed, behaviour.Fixed, behaviour.Fixed, behaviour.Fixed},
		behaviour.AuthInternalErrorName:         {behaviour.Fixed, behaviour.Fixed, behaviour.Fixed, behaviour.Fixed},
		behaviour.EndlessTruncationName:         {behaviour.Fixed, behaviour.Fixed, behaviour.Fixed, behaviour.Fixed},
		behaviour.MaxInstalledPrerequisitesName: {behaviour.Buggy, behaviour.Buggy, behaviour.Buggy, behaviour.Buggy},
		behaviour.SQLTimeoutName:                {behaviour.Fixed, behaviour.Fixed, behaviour.Fixed, behaviour.Fixed},
		behaviour.InjectLatencyName:             {behaviour.Fixed, behaviour.Fixed, behaviour.Fixed, behaviour.Fixed},
		behaviour.InjectResetName:               {behaviour.Fixed, behaviour.Fixed, behaviour.Fixed, behaviour.Fixed},
		behaviour.InjectTruncatedBodyName:       {behaviour.Fixed, behaviour.Fixed, behaviour.Fixed, behaviour.Fixed},
		behaviour.InjectSlowBodyName:            {behaviour.Fixed, behaviour.Fixed, behaviour.Fixed, behaviour.Fixed},
		behaviour.Inject503WindowName:           {behaviour.Fixed, behaviour.Fixed, behaviour.Fixed, behaviour.Fixed},
		behaviour.InjectWrongContentTypeName:    {behaviour.Fixed, behaviour.Fixed, behaviour.Fixed, behaviour.Fixed},
	}
	for _, name := range behaviour.Names() {
		modes, ok := want[name]
		if !ok {
			t.Errorf("behaviour %q has no row in this table: add its default modes", name)
			continue
		}
		for i, v := range versions {
			if got := behaviour.Registry[name].DefaultMode(v); got != modes[i] {
				t.Errorf("%s.DefaultMode(%s) = %s, want %s", name, v, got, modes[i])
			}
		}
	}
}

// The look-alike behaviours act only when buggy, and only where they say.
func TestLookAlikeHooks(t *testing.T) {
	pool := behaviour.AppPoolDown{}
	if err := pool.InterceptHTTP(behaviour.Fixed, "POST", "/ClientWebService/client.asmx"); err != nil {
		t.Errorf("running pool: %v", err)
	}
	var httpErr *behaviour.HTTPError
	if err := pool.InterceptHTTP(behaviour.Buggy, "GET", "/Content/00/x.exe"); !errors.As(err, &httpErr) || httpErr.Status != 503 || !strings.Contains(httpErr.Body, "HTTP Error 503") {
		t.Errorf("stopped pool: %v, want HTTP 503 with IIS's page", err)
	}

	auth := behaviour.AuthInternalError{}
	var exc *behaviour.Exception
	if err := auth.Intercept(behaviour.Buggy, "SimpleAuthWebService", "GetAuthorizationCookie"); !errors.As(err, &exc) || exc.ErrorCode != "InternalServerError" {
		t.Errorf("broken SimpleAuth: %v, want an InternalServerError exception", err)
	}
	if err := auth.Intercept(behaviour.Buggy, "ClientWebService", "GetCookie"); err != nil {
		t.Errorf("broken SimpleAuth failed GetCookie: %v", err)
	}

	sql := behaviour.SQLTimeout{}
	if err := sql.Intercept(behaviour.Buggy, "ClientWebService", "SyncUpdates"); !errors.As(err, &exc) || exc.Type != "System.Data.SqlClient.SqlException" {
		t.Errorf("SUSDB timeout: %v, want a SqlException", err)
	}
	for _, op := range []string{"GetConfig", "GetExtendedUpdateInfo"} {
		if err := sql.Intercept(behaviour.Buggy, "ClientWebService", op); err != nil {
			t.Errorf("SUSDB timeout failed %s: %v", op, err)
		}
	}
	if err := sql.Intercept(behaviour.Fixed, "ClientWebService", "SyncUpdates"); err != nil {
		t.Errorf("healthy SUSDB: %v", err)
	}

	if !(behaviour.EndlessTruncation{}).ForceTruncated(behaviour.Buggy) || (behaviour.EndlessTruncation{}).ForceTruncated(behaviour.Fixed) {
		t.Error("endless-truncation must force Truncated exactly when buggy")
	}

	limit := behaviour.MaxInstalledPrerequisites{}
	for _, tt := range []struct {
		m                  behaviour.Mode
		configured, wanted int
	}{{behaviour.Buggy, 400, 400}, {behaviour.Fixed, 400, behaviour.RaisedInstalledPrerequisites}, {behaviour.Fixed, 5000, 5000}, {behaviour.Buggy, 10, 10}} {
		if got := limit.MaxInstalledPrerequisites(tt.m, tt.configured); got != tt.wanted {
			t.Errorf("MaxInstalledPrerequisites(%s, %d) = %d, want %d", tt.m, tt.configured, got, tt.wanted)
		}
	}
}

// The fixed table keeps one deployment per revision whatever the order of
// the rows: the stronger action, then the later change, then the higher
// deployment ID. Each pair is added in both orders.
func TestKB954960FixedTablePreference(t *testing.T) {
	day := time.Date(2008, 6, 10, 0, 0, 0, 0, time.UTC)
	row := func(id int32, a catalog.Action, at time.Time) catalog.Deployment {
		return catalog.Deployment{ID: id, RevisionID: 8862, Action: a, LastChange: at}
	}
	// Each action beats every weaker one, whatever the times and IDs.
	ranked := []catalog.Action{catalog.ActionBlock, catalog.ActionUninstall, catalog.ActionInstall,
		catalog.ActionOptionalInstall, catalog.ActionPreDeploymentCheck, catalog.ActionEvaluate, catalog.ActionBundle}
	type pair struct {
		name      string
		win, lose catalog.Deployment
	}
	var pairs []pair
	for i, strong := range ranked {
		for _, weak := range ranked[i+1:] {
			pairs = append(pairs, pair{string(strong) + " over " + string(weak),
				row(1, strong, day), row(2, weak, day.Add(time.Hour))})
		}
	}
	pairs = append(pairs,
		pair{"same action: the later change", row(1, catalog.ActionInstall, day.Add(time.Hour)), row(2, catalog.ActionInstall, day)},
		pair{"same action and time: the higher ID", row(9, catalog.ActionInstall, day), row(3, catalog.ActionInstall, day)},
	)
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			for _, order := range [][]catalog.Deployment{{p.win, p.lose}, {p.lose, p.win}} {
				fixed := behaviour.KB954960{}.NewDeploymentTable(behaviour.Fixed)
				for _, d := range order {
					if err := fixed.Add(8862, d); err != nil {
						t.Fatal(err)
					}
				}
				if got, _ := fixed.Get(8862); got != p.win {
					t.Errorf("rows added as %d then %d: kept %+v, want %+v", order[0].ID, order[1].ID, got, p.win)
				}
			}
		})
	}
}
