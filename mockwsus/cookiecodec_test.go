package mockwsus

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestCookieCodecIsEncodingJSON checks that the hand-written cookie
// plaintext is byte for byte what encoding/json writes for cookieData, and
// that reading it gives what encoding/json reads, for hostile strings and
// times in several zones: sealed cookies (and so the goldens) depend on it.
func TestCookieCodecIsEncodingJSON(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("", 3600+1800), time.FixedZone("west", -8*3600)}
	when := func(r *rand.Rand) time.Time {
		if r.IntN(4) == 0 {
			return time.Time{}
		}
		return time.Unix(r.Int64N(1<<33), r.Int64N(1e9)*int64(r.IntN(2))).In(zones[r.IntN(len(zones))])
	}
	alphabet := []string{"a", "Z", "0", "-", ".", " ", `"`, `\`, "/", "<", ">", "&", "\x00", "\x1f", "\b", "\f", "\n", "\r", "\t", "\x7f",
		"é", "日本", "\u2028", "\u2029", "\ufffd", "\xff", "\xc3", "\xed\xa0\x80", "😀"}
	str := func(r *rand.Rand) string {
		var b []byte
		for range r.IntN(12) {
			b = append(b, alphabet[r.IntN(len(alphabet))]...)
		}
		return string(b)
	}
	cases := []cookieData{
		{},
		{ClientID: "5a8f0c2e-0000-4000-8000-000000000001", DNSName: "pc.lab.local", Issued: time.Date(2026, 12, 8, 1, 2, 3, 0, time.UTC), Expires: time.Date(2026, 12, 9, 1, 2, 3, 0, time.UTC)},
		{ClientID: `<&>"\`, Issued: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), LastSync: time.Date(0, 1, 1, 0, 0, 0, 1, time.UTC)},
	}
	r := rand.New(rand.NewPCG(17, 2))
	for range 3000 {
		cases = append(cases, cookieData{ClientID: str(r), DNSName: str(r), TargetGroup: str(r),
			Issued: when(r), Expires: when(r), LastSync: when(r), ConfigChange: when(r)})
	}
	for _, d := range cases {
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendCookieJSON(nil, &d)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("appendCookieJSON(%+v) = %s, %v; encoding/json writes %s", d, got, err, want)
		}
		var wantD cookieData
		if err := json.Unmarshal(want, &wantD); err != nil {
			t.Fatal(err)
		}
		gotD, err := parseCookieJSON(want)
		if err != nil || !reflect.DeepEqual(gotD, wantD) {
			t.Fatalf("parseCookieJSON(%s) = %+v, %v; encoding/json reads %+v", want, gotD, err, wantD)
		}
	}
}

// TestCookieCodecRefusesOtherForms: the reader takes only what the writer
// writes (a sealed plaintext never differs; this guards the parser).
func TestCookieCodecRefusesOtherForms(t *testing.T) {
	for _, in := range []string{
		``, `{}`, `{"c":"a"}`, `{"c":"a","i":"2026-12-08T01:02:03Z"}`,
		`{"c":"a","i":"2026-12-08T01:02:03Z","e":"2026-12-08T01:02:03Z"} `,
		`{"c":"a","i":"2026-12-08T01:02:03Z","e":"not a time"}`,
		`{"c":"a\q","i":"2026-12-08T01:02:03Z","e":"2026-12-08T01:02:03Z"}`,
		`{"c":"a\u00zz","i":"2026-12-08T01:02:03Z","e":"2026-12-08T01:02:03Z"}`,
		`{"c":"a\`, `{"c":"a`, `{"c":"a","i":"2026`,
		`{"e":"2026-12-08T01:02:03Z","c":"a","i":"2026-12-08T01:02:03Z"}`,
	} {
		if d, err := parseCookieJSON([]byte(in)); err == nil {
			t.Errorf("parseCookieJSON(%q) = %+v, want an error", in, d)
		}
	}
}

// BenchmarkCookieSealOpen seals a sync cookie and opens it, as a
// SyncUpdates does (open the request's, seal the renewed one):
//
//	go test -run '^$' -bench CookieSealOpen -benchmem ./mockwsus/
func BenchmarkCookieSealOpen(b *testing.B) {
	s, err := newSealer(bytes.Repeat([]byte{7}, 64), [8]byte{1, 2, 3, 4, 5, 6, 7, 8})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 8, 1, 2, 3, 0, time.UTC)
	d := cookieData{ClientID: "5a8f0c2e-0000-4000-8000-000000000001", DNSName: "pc0001.lab.local", TargetGroup: "pilot",
		Issued: now, Expires: now.Add(time.Hour), LastSync: now.Add(-time.Minute), ConfigChange: now.Add(-time.Hour)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.open(kindSync, s.seal(kindSync, d), now); err != nil {
			b.Fatal(err)
		}
	}
}
