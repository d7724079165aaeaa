package detect_test

import (
	"fmt"
	"strings"

	"github.com/wsusmock/wsusmock/detect"
)

// exampleClientLog is what a Windows XP agent writes when SyncUpdates is answered
// with the KB954960 fault (the lines client-sim's wulog writes, cut to the
// message columns).
const exampleClientLog = `2008-06-13 19:59:56:617  788 ee4 PT WARNING: SyncUpdates failure, error = 0x8024400E, soap client error = 7, soap error code = 400, HTTP status code = 200
2008-06-13 19:59:56:617  788 ee4 PT WARNING: SOAP Fault: 0x000190
2008-06-13 19:59:56:617  788 ee4 PT WARNING: faultstring:Fault occurred
2008-06-13 19:59:56:617  788 ee4 PT WARNING: ErrorCode:InternalServerError(5)
2008-06-13 19:59:56:617  788 ee4 PT WARNING: Message:(null)
2008-06-13 19:59:56:617  788 ee4 PT WARNING: Method:"http://www.microsoft.com/SoftwareDistribution/Server/ClientWebService/SyncUpdates"
2008-06-13 19:59:56:617  788 ee4 PT WARNING: ID:c0a7445f-b989-43fa-ac20-11f8ca65fa8c
`

// A log pasted as text is parsed and analysed; the report's verdict says
// how sure the finding is (the client side alone is probable: the server's
// SoftwareDistribution.log with the same fault ID would confirm it), and
// ExitCode is what `wsusrepro detect` exits with.
func ExampleAnalyze() {
	l, err := detect.ParseLog(strings.NewReader(exampleClientLog), "WindowsUpdate.log")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := detect.Analyze([]*detect.Log{l})
	fmt.Println(l.Kind, r.Verdict, r.Detected, r.ExitCode() == detect.ExitFound)

	healthy, _ := detect.ParseLog(strings.NewReader("2008-06-13 20:01:02:003  788 ee4 Agent   * Found 3 updates and 41 categories in search; evaluated appl. rules of 514 out of 911 deployed entities\n"), "other.log")
	r = detect.Analyze([]*detect.Log{healthy})
	fmt.Println(r.Verdict, r.ExitCode() == detect.ExitNotFound)
	// Output:
	// windowsupdate-classic probable true true
	// none true
}
