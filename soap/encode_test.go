package soap

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/wsusmock/wsusmock/soap/clientws"
)

// randomFill sets the fields of v at random: each empty or set, lists of
// 0 to 3 elements that may themselves be empty or nil, text with the
// characters encoding/xml escapes, numbers of every sign and size.
func randomFill(rng *rand.Rand, v reflect.Value, depth int) {
	if rng.IntN(4) == 0 {
		return // left zero
	}
	switch v.Kind() {
	case reflect.Pointer:
		if depth > 7 {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		randomFill(rng, v.Elem(), depth+1)
	case reflect.Struct:
		switch v.Type() {
		case reflect.TypeFor[clientws.DateTime]():
			v.Set(reflect.ValueOf(clientws.NewDateTime(time.Unix(rng.Int64N(1<<34)-1<<33, rng.Int64N(1e9)).In(time.FixedZone("z", 3600*rng.IntN(12))))))
			return
		case reflect.TypeFor[xml.Name]():
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				randomFill(rng, v.Field(i), depth+1)
			}
		}
	case reflect.String:
		texts := []string{"", "x", "a\"b'c&d<e>f", "\t\n\r", "\x01\uFFFE\xffé", "SimpleTargeting", " "}
		v.SetString(texts[rng.IntN(len(texts))])
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := []int64{0, 1, -1, 7, 1<<(v.Type().Bits()-1) - 1, -1 << (v.Type().Bits() - 1)}
		v.SetInt(n[rng.IntN(len(n))])
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n := []uint64{0, 1, 1<<v.Type().Bits() - 1}
		v.SetUint(n[rng.IntN(len(n))])
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, rng.IntN(5))
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			v.SetBytes(b)
			return
		}
		s := reflect.MakeSlice(v.Type(), rng.IntN(4), rng.IntN(4)+4)
		for i := 0; i < s.Len(); i++ {
			randomFill(rng, s.Index(i), depth+1)
		}
		v.Set(s)
	}
}

// TestAppendXMLIsMarshal: the generated encoders write exactly what
// encoding/xml's Marshal writes, for every message type filled at random
// many times, zero, and with every field set.
func TestAppendXMLIsMarshal(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	check := func(v XMLAppender) {
		t.Helper()
		want, err := xml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := v.AppendXML([]byte("<prefix/>"))
		if err != nil {
			t.Fatalf("%T: %v", v, err)
		}
		if !bytes.Equal(got, append([]byte("<prefix/>"), want...)) {
			t.Fatalf("%T:\nAppendXML %s\nMarshal   %s", v, got[9:], want)
		}
	}
	for _, v := range filledMessages() {
		check(v.(XMLAppender))
	}
	for _, mk := range streamTypes {
		check(mk().(XMLAppender))
		for range 300 {
			v := mk()
			randomFill(rng, reflect.ValueOf(v).Elem(), 0)
			check(v.(XMLAppender))
		}
	}
}
