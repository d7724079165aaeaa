package adminclient_test

import (
	"context"
	"fmt"
	"log"

	"github.com/wsusmock/wsusmock/adminclient"
	"github.com/wsusmock/wsusmock/mockwsus"
)

// Drive a mockwsus through its admin API with a token: reset it into a
// scenario's setup, read its version, install the KB954960 fix.
func Example() {
	srv, err := mockwsus.New(mockwsus.Config{})
	if err != nil {
		log.Fatal(err)
	}
	l, err := srv.Listen(mockwsus.ListenOptions{Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0", AdminToken: "example-token"})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Shutdown(context.Background())

	ctx := context.Background()
	c, err := adminclient.New(l.AdminURL, adminclient.WithToken("example-token"))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.ResetTo(ctx, mockwsus.Setup{Version: "3.1.6001.65", Behaviours: map[string]string{"kb954960": "buggy"}}); err != nil {
		log.Fatal(err)
	}
	v, err := c.Version(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("before:", v.ServerVersion, v.ClientWebServiceDLLVersion)
	if v, err = c.SetVersion(ctx, "3.1.6001.66"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("after:", v.ServerVersion, v.ClientWebServiceDLLVersion)

	// Without the token the server says 401.
	anon, _ := adminclient.New(l.AdminURL)
	_, err = anon.Version(ctx)
	fmt.Println("without the token: 401 =", adminclient.IsStatus(err, 401))
	// Output:
	// before: 3.1.6001.65 3.1.6001.65
	// after: 3.1.6001.66 3.1.6001.66
	// without the token: 401 = true
}
