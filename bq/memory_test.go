package bq

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	"cloud.google.com/go/civil"
)

// benchSchema is the 5 columns the large-result measurements use: INT64,
// FLOAT64, a short STRING, BOOL, DATE.
var benchSchema = bigquery.Schema{
	{Name: "id", Type: bigquery.IntegerFieldType},
	{Name: "f", Type: bigquery.FloatFieldType},
	{Name: "s", Type: bigquery.StringFieldType},
	{Name: "b", Type: bigquery.BooleanFieldType},
	{Name: "d", Type: bigquery.DateFieldType},
}

// benchRow is row x as the BigQuery client decodes it from a page.
func benchRow(x int) []bigquery.Value {
	return []bigquery.Value{int64(x), float64(x) * 0.5, fmt.Sprintf("s%d", x), x%2 == 0,
		civil.DateOf(time.Date(2024, 1, 1+x%365, 0, 0, 0, 0, time.UTC))}
}

// rawBytes is the data of n bench rows without any framing: 8+8+len(s)+1+4.
func rawBytes(n int) int {
	b := 0
	for x := 1; x <= n; x++ {
		b += 8 + 8 + len(fmt.Sprintf("s%d", x)) + 1 + 4
	}
	return b
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkResultMemory reports the heap a result of 100k and 1M rows keeps
// (after GC), held as Arrow columns (what --out does) and as one
// []bigquery.Value per row (what --out did), as bytes a row and as a
// multiple of the raw column data. Run: go test -run '^$' -bench ResultMemory -benchtime 1x ./bq
func BenchmarkResultMemory(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		raw := float64(rawBytes(n))
		b.Run(fmt.Sprintf("arrow/%d", n), func(b *testing.B) {
			for range b.N {
				before := liveHeap()
				tb := newTableBuilder(benchSchema)
				start := time.Now()
				for x := 1; x <= n; x++ {
					if err := tb.append(benchRow(x)); err != nil {
						b.Fatal(err)
					}
				}
				t := tb.finish()
				el := time.Since(start)
				kept := float64(liveHeap() - before)
				b.ReportMetric(kept/float64(n), "B/row")
				b.ReportMetric(kept/raw, "x_raw")
				b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
				runtime.KeepAlive(t)
			}
		})
		b.Run(fmt.Sprintf("rows/%d", n), func(b *testing.B) {
			for range b.N {
				before := liveHeap()
				var rows [][]bigquery.Value
				start := time.Now()
				for x := 1; x <= n; x++ {
					rows = append(rows, benchRow(x))
				}
				el := time.Since(start)
				kept := float64(liveHeap() - before)
				b.ReportMetric(kept/float64(n), "B/row")
				b.ReportMetric(kept/raw, "x_raw")
				b.ReportMetric(float64(n)/el.Seconds(), "rows/s")
				runtime.KeepAlive(rows)
			}
		})
	}
}
