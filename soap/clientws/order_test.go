package clientws_test

import (
	"github.com/wsusmock/wsusmock/internal/wiretest"
	"reflect"
	"slices"
	"testing"

	"github.com/wsusmock/wsusmock/soap/clientws"
)

const wsdlPath = "../wsdl/ClientWebService.wsdl"

// TestMarshalOrderFollowsWSDL marshals a fully populated value of every generated
// struct type and checks that the children come out in the WSDL's sequence order.
func TestMarshalOrderFollowsWSDL(t *testing.T) {
	order := wiretest.SchemaOrder(t, wsdlPath)
	var roots []reflect.Type
	for _, m := range messages() {
		roots = append(roots, reflect.TypeOf(m))
	}
	types := wiretest.StructTypes(roots)
	for name, want := range order {
		typ, ok := types[name]
		if !ok {
			t.Errorf("schema type %s has no generated Go type reachable from the operations", name)
			continue
		}
		v := reflect.New(typ)
		wiretest.Fill(v.Elem(), 0)
		if got := wiretest.ChildNames(t, v.Interface()); !slices.Equal(got, want) {
			t.Errorf("%s marshals children\n %v\nwant WSDL order\n %v", name, got, want)
		}
	}
	for name := range types {
		if _, ok := order[name]; !ok && name != "AnyType" {
			t.Errorf("Go type %s is not in the WSDL", name)
		}
	}
}

// TestSyncUpdateParametersOrderMatchesCaptures checks the marshalled order of a full
// SyncUpdateParameters against what a real Windows Update Agent sent: the captured
// children must appear in our output, in the same order.
func TestSyncUpdateParametersOrderMatchesCaptures(t *testing.T) {
	var p clientws.SyncUpdateParameters
	wiretest.Fill(reflect.ValueOf(&p).Elem(), 0)
	got := wiretest.ChildNames(t, p)
	want := wiretest.SchemaOrder(t, wsdlPath)["SyncUpdateParameters"]
	if len(want) != 21 || !slices.Equal(got, want) {
		t.Fatalf("SyncUpdateParameters children = %v, want the 21 WSDL members %v", got, want)
	}
	for _, exchange := range []string{"000001", "000014"} {
		env, err := wiretest.ParseTree(wiretest.ReadCapture(t, exchange, "request.body"))
		if err != nil {
			t.Fatal(err)
		}
		var captured []string
		for _, k := range wiretest.BodyChild(env).Kids {
			if k.Name.Local != "parameters" {
				continue
			}
			for _, c := range k.Kids {
				captured = append(captured, c.Name.Local)
			}
		}
		if len(captured) < 8 || !wiretest.IsSubsequence(captured, got) {
			t.Errorf("%s: captured parameters %v are not in our order %v", exchange, captured, got)
		}
	}
}
