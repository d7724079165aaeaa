package xpress_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wsusmock/wsusmock/internal/shared"
	"github.com/wsusmock/wsusmock/xpress"
)

// benchBody is a real 130 KB SyncUpdates answer (30 updates) from the
// captures, the kind of body the server compresses most; without ../shared
// the benchmark falls back to generated XML.
func benchBody(b *testing.B) []byte {
	if _, err := os.Stat(shared.Dir()); err == nil {
		data, err := os.ReadFile(filepath.Join(shared.FlowDir(b), "000003", "response.body"))
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	return samples()["xml"]
}

func BenchmarkEncode(b *testing.B) {
	data := benchBody(b)
	var out []byte
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		out = xpress.Encode(out[:0], data)
	}
	b.ReportMetric(float64(len(out))/float64(len(data)), "ratio")
}

func BenchmarkDecode(b *testing.B) {
	data := benchBody(b)
	wire := xpress.Encode(nil, data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := xpress.Decode(wire, len(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeSmall compresses a 406-byte ReportEventBatch answer, the
// size of most answers to a computer that is up to date.
func BenchmarkEncodeSmall(b *testing.B) {
	data := []byte(`<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body><ReportEventBatchResponse xmlns="http://www.microsoft.com/SoftwareDistribution"><ReportEventBatchResult>true</ReportEventBatchResult></ReportEventBatchResponse></soap:Body></soap:Envelope>`)
	var out []byte
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		out = xpress.Encode(out[:0], data)
	}
	b.ReportMetric(float64(len(out)), "wire-bytes")
}
