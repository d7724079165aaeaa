package mockwsus

import (
	"strings"
	"testing"
)

func TestFaultRecords(t *testing.T) {
	const (
		idA = "c0a7445f-b989-43fa-ac20-11f8ca65fa8c"
		idB = "dca48bff-36fd-435e-a533-c5e8d0839f98"
	)
	log := strings.Join([]string{
		"2008-06-14 02:59:57.600 UTC\tInfo\tw3wp.12\tClientImplementation.RegisterComputer\tComputer c1 registered",
		"2008-06-14 02:59:57.642 UTC\tError\tw3wp.12\tClientImplementation.SyncUpdates\tSystem.ArgumentException: Item has already been added. Key in dictionary: '8862'  Key being added: '8862'",
		"   at System.Collections.Hashtable.Insert(Object key, Object nvalue, Boolean add)",
		"2008-06-14 02:59:57.642 UTC\tInfo\tw3wp.13\tClientImplementation.GetCookie\tanother thread between them",
		"2008-06-14 02:59:57.643 UTC\tWarning\tw3wp.12\tSoapUtilities.CreateException\tThrowException: actor = http://wsus/ClientWebService/client.asmx, ID=" + idA + ", ErrorCode=InternalServerError, Message=, Client=?",
		"2008-06-14 02:59:58.000 UTC\tWarning\tw3wp.14\tSoapUtilities.CreateException\tThrowException: actor = http://wsus/ClientWebService/client.asmx, ID=" + idB + ", ErrorCode=CookieExpired, Message=, Client=?",
		"",
	}, "\r\n")
	for _, tt := range []struct {
		name, id string
		want     []string // a substring of each record, in order
	}{
		{"the exception of the same thread, then ThrowException", idA, []string{"Hashtable.Insert", "ID=" + idA}},
		{"a fault with no exception before it on its thread", idB, []string{"ID=" + idB}},
		{"an ID not in the log", "00000000-0000-0000-0000-000000000000", nil},
		{"a prefix of an ID is not the ID", idA[:20], nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := faultRecords([]byte(log), tt.id)
			if len(got) != len(tt.want) {
				t.Fatalf("%d records %q, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("record %d is %q, want it to contain %q", i, got[i], w)
				}
				if strings.Contains(got[i], "another thread") {
					t.Errorf("record %d is another thread's: %q", i, got[i])
				}
			}
		})
	}
}
