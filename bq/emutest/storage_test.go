package emutest

// The BigQuery Storage Read API (gRPC) of bigquery-emulator v0.8.1 against
// cloud.google.com/go/bigquery v1.86.0. These tests pin down the faults
// docs/bigquery.md describes: each asserts the fault itself, so an emulator
// (or client) upgrade that fixes one fails here and the document and the
// decision to read results over REST get revisited.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"cloud.google.com/go/bigquery"
	storage "cloud.google.com/go/bigquery/storage/apiv1"
	"cloud.google.com/go/bigquery/storage/apiv1/storagepb"
	"cloud.google.com/go/civil"
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/ipc"
	"github.com/goccy/bigquery-emulator/server"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// seeDoc ends every "the fault is gone" message.
const seeDoc = "the emulator or client changed: re-check docs/bigquery.md (Storage Read API) and whether bq/ can read --out results with it"

// storageEnv is an in-process emulator with tests/e2e/bqdata.yaml loaded,
// a REST-only client, and the options that reach the emulator's gRPC
// listener (an in-memory bufconn, so the endpoint name is a placeholder).
type storageEnv struct {
	url  string // REST
	rest *bigquery.Client
	read *storage.BigQueryReadClient
	grpc []option.ClientOption
}

func newStorageEnv(t testing.TB) *storageEnv {
	t.Helper()
	ctx := context.Background()
	srv, err := server.New(server.TempStorage)
	if err != nil {
		t.Fatal(err)
	}
	_ = srv.SetLogLevel(server.LogLevelError)
	if err := srv.Load(server.YAMLSource("../../tests/e2e/bqdata.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetProject("test"); err != nil {
		t.Fatal(err)
	}
	ts := srv.TestServer()
	t.Cleanup(func() { ts.Close(); _ = srv.Close() })
	e := &storageEnv{url: ts.URL, grpc: []option.ClientOption{
		option.WithEndpoint("passthrough:///bufconn"),
		option.WithoutAuthentication(),
		option.WithGRPCDialOption(ts.DialerOption),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())),
	}}
	e.rest, err = bigquery.NewClient(ctx, "test", option.WithEndpoint(ts.URL), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.rest.Close() })
	e.read, err = storage.NewBigQueryReadClient(ctx, e.grpc...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.read.Close() })
	return e
}

// session asks for a read session of ds.<table> the way the Go client does
// (storage_client.go:142-150: no ReadOptions, MaxStreamCount 0).
func (e *storageEnv) session(ctx context.Context, table string, f storagepb.DataFormat) (*storagepb.ReadSession, error) {
	return e.read.CreateReadSession(ctx, &storagepb.CreateReadSessionRequest{
		Parent:      "projects/test",
		ReadSession: &storagepb.ReadSession{Table: "projects/test/datasets/ds/tables/" + table, DataFormat: f},
	})
}

// readAll returns every response of the session's streams.
func (e *storageEnv) readAll(ctx context.Context, s *storagepb.ReadSession) ([]*storagepb.ReadRowsResponse, error) {
	var out []*storagepb.ReadRowsResponse
	for _, st := range s.Streams {
		rs, err := e.read.ReadRows(ctx, &storagepb.ReadRowsRequest{ReadStream: st.Name})
		if err != nil {
			return out, fmt.Errorf("ReadRows %s: %w", st.Name, err)
		}
		for {
			r, err := rs.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return out, fmt.Errorf("ReadRows %s: %w", st.Name, err)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// makeTable stores the result of sql as ds.<name> (a query job with a
// destination table).
func (e *storageEnv) makeTable(t testing.TB, name, sql string) {
	t.Helper()
	ctx := context.Background()
	q := e.rest.Query(sql)
	q.Dst = e.rest.Dataset("ds").Table(name)
	job, err := q.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := job.Wait(ctx)
	if err == nil {
		err = st.Err()
	}
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// ipcMessages lists the Arrow IPC messages in b by type, ending in "EOS"
// when b has the end-of-stream marker.
func ipcMessages(b []byte) []string {
	var out []string
	mr := ipc.NewMessageReader(bytes.NewReader(b))
	defer mr.Release()
	for {
		m, err := mr.Message()
		if errors.Is(err, io.EOF) {
			// Also a truncated stream; the tests compare with a full list.
			return append(out, "EOS")
		}
		if err != nil {
			return append(out, "error: "+err.Error())
		}
		out = append(out, m.Type().String())
	}
}

// standalone decodes a SerializedRecordBatch the way the emulator frames it:
// a complete IPC stream of its own (schema, batch, end-of-stream).
func standalone(b []byte) ([]arrow.Record, error) {
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("arrow ipc: %w", err)
	}
	defer r.Release()
	var recs []arrow.Record
	for r.Next() {
		rec := r.Record()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("arrow ipc: %w", err)
	}
	return recs, nil
}

// nextRow is RowIterator.Next that reports a panic instead of dying of it.
func nextRow(it *bigquery.RowIterator) (row []bigquery.Value, panicked any, err error) {
	defer func() { panicked = recover() }()
	err = it.Next(&row)
	return row, nil, err
}

// TestStorageClientReadPanics: with EnableStorageReadClient, the client's
// own Storage path (table.Read, and Job.Read, which bq/magic.go uses)
// panics on the first row: the emulator puts a whole IPC stream (schema, an
// empty batch, end-of-stream) where the API has the bare schema message,
// so the client's reader stops after 0 rows and RowIterator.Next indexes
// an empty slice (iterator.go:177).
func TestStorageClientReadPanics(t *testing.T) {
	e := newStorageEnv(t)
	ctx := context.Background()
	c, err := bigquery.NewClient(ctx, "test", option.WithEndpoint(e.url), option.WithoutAuthentication())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	if err := c.EnableStorageReadClient(ctx, e.grpc...); err != nil {
		t.Fatalf("EnableStorageReadClient: %v", err)
	}
	job, err := c.Query("SELECT * FROM ds.eda").Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	jobIt, err := job.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, it := range map[string]*bigquery.RowIterator{
		"Table.Read": c.Dataset("ds").Table("eda").Read(ctx),
		"Job.Read":   jobIt,
	} {
		if !it.IsAccelerated() {
			t.Errorf("%s: IsAccelerated() = false, want true (the Storage path)", name)
		}
		row, p, err := nextRow(it)
		if p == nil || !strings.Contains(fmt.Sprint(p), "index out of range [0] with length 0") {
			t.Errorf("%s: first row = %v, err %v, panic %v; want the panic index out of range [0] with length 0: %s", name, row, err, p, seeDoc)
		}
	}
	// Query.Read takes the jobs.query fast path, which switches to the
	// Storage API only when the first response has a page token
	// (query.go:437-443); the emulator's jobs.query never sends one.
	it, err := c.Query("SELECT x FROM UNNEST(GENERATE_ARRAY(1, 20000)) AS x").Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if it.IsAccelerated() {
		t.Errorf("Query.Read is accelerated: %s", seeDoc)
	}
	n := 0
	for {
		_, p, err := nextRow(it)
		if err == iterator.Done {
			break
		}
		if p != nil || err != nil {
			t.Fatalf("Query.Read over REST: row %d: panic %v, err %v", n, p, err)
		}
		n++
	}
	if n != 20000 {
		t.Errorf("Query.Read over REST: %d rows, want 20000", n)
	}
}

// TestStorageArrowFraming: the bytes of an ARROW read session. The API
// (storage.proto ArrowSchema / ArrowRecordBatch) has one IPC schema message
// in ReadSession.arrow_schema and one record batch message per response,
// which a reader concatenates (arrow.go:45-52 in the client). The emulator
// sends a whole stream in both (storage_handler.go:319-334 and 336-372).
func TestStorageArrowFraming(t *testing.T) {
	e := newStorageEnv(t)
	ctx := context.Background()
	sess, err := e.session(ctx, "eda", storagepb.DataFormat_ARROW)
	if err != nil {
		t.Fatalf("CreateReadSession: %v", err)
	}
	schema := sess.GetArrowSchema().GetSerializedSchema()
	if got, want := ipcMessages(schema), []string{"Schema", "RecordBatch", "EOS"}; !slices.Equal(got, want) {
		t.Errorf("ReadSession.arrow_schema holds %v, the emulator used to send %v: %s", got, want, seeDoc)
	}
	resps, err := e.readAll(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 1 || resps[0].RowCount != 4 {
		t.Fatalf("%d responses (want 1 with RowCount 4)", len(resps))
	}
	data := resps[0].GetArrowRecordBatch().GetSerializedRecordBatch()
	if got, want := ipcMessages(data), []string{"Schema", "RecordBatch", "EOS"}; !slices.Equal(got, want) {
		t.Errorf("ArrowRecordBatch.serialized_record_batch holds %v, the emulator used to send %v: %s", got, want, seeDoc)
	}
	// What the client's decoder (arrow.go:119-143) makes of schema+data: the
	// empty batch, then the end-of-stream marker ends the read. The 4 rows
	// behind it are never seen, and no error says so.
	r, err := ipc.NewReader(io.MultiReader(bytes.NewReader(schema), bytes.NewReader(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	rows := 0
	for r.Next() {
		rows += int(r.Record().NumRows())
	}
	if rows != 0 || r.Err() != nil {
		t.Errorf("the client's framing read %d rows (err %v), want 0 rows and no error: %s", rows, r.Err(), seeDoc)
	}
}

// arrowValue converts element i of a to the value the REST path gives for
// the types of table eda.
func arrowValue(a arrow.Array, i int) bigquery.Value {
	if a.IsNull(i) {
		return nil
	}
	switch x := a.(type) {
	case *array.Int64:
		return x.Value(i)
	case *array.String:
		return x.Value(i)
	case *array.Float64:
		return x.Value(i)
	case *array.Boolean:
		return x.Value(i)
	case *array.Decimal128:
		scale := x.DataType().(*arrow.Decimal128Type).Scale
		return new(big.Rat).SetFrac(x.Value(i).BigInt(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	case *array.Date32:
		return civil.DateOf(x.Value(i).ToTime())
	case *array.Timestamp:
		if u := x.DataType().(*arrow.TimestampType).Unit; u != arrow.Microsecond {
			return fmt.Sprintf("timestamp unit %v", u)
		}
		return time.UnixMicro(int64(x.Value(i))).UTC()
	case *array.Struct:
		vs := make([]bigquery.Value, x.NumField())
		for j := range vs {
			vs[j] = arrowValue(x.Field(j), i)
		}
		return vs
	}
	return fmt.Sprintf("unhandled %T", a)
}

// TestStorageArrowEDA: the one way that works. A raw ReadClient with
// DataFormat ARROW, each SerializedRecordBatch decoded as a stream of its
// own, gives the same values as REST for every column type of table eda
// (INT64, STRING, NUMERIC, FLOAT64, BOOL, DATE, TIMESTAMP, RECORD, NULLs).
func TestStorageArrowEDA(t *testing.T) {
	e := newStorageEnv(t)
	ctx := context.Background()
	job, err := e.rest.Query("SELECT * FROM ds.eda").Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	it, err := job.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var want [][]bigquery.Value
	for {
		var row []bigquery.Value
		err := it.Next(&row)
		if err == iterator.Done {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, row)
	}
	sess, err := e.session(ctx, "eda", storagepb.DataFormat_ARROW)
	if err != nil {
		t.Fatal(err)
	}
	if len(sess.Streams) != 1 || sess.EstimatedRowCount != 0 {
		// EstimatedRowCount becomes RowIterator.TotalRows on the client's
		// Storage path (storage_iterator.go:151-155): 0 there.
		t.Errorf("session: %d streams, EstimatedRowCount %d; the emulator used to give 1 stream and 0: %s", len(sess.Streams), sess.EstimatedRowCount, seeDoc)
	}
	resps, err := e.readAll(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	var got [][]bigquery.Value
	var names []string
	for _, r := range resps {
		recs, err := standalone(r.GetArrowRecordBatch().GetSerializedRecordBatch())
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			names = names[:0]
			for j := range int(rec.NumCols()) {
				names = append(names, rec.ColumnName(j))
			}
			for i := range int(rec.NumRows()) {
				row := make([]bigquery.Value, rec.NumCols())
				for j := range row {
					row[j] = arrowValue(rec.Column(j), i)
				}
				got = append(got, row)
			}
			rec.Release()
		}
	}
	if len(it.Schema) != len(names) {
		t.Fatalf("columns %v, REST has %d", names, len(it.Schema))
	}
	for j, f := range it.Schema {
		if names[j] != f.Name {
			t.Errorf("column %d is %s over Storage, %s over REST", j, names[j], f.Name)
		}
	}
	if len(got) != 4 || len(want) != 4 {
		t.Fatalf("Storage %d rows, REST %d rows, want 4", len(got), len(want))
	}
	for i := range want {
		if g, w := fmt.Sprint(got[i]), fmt.Sprint(want[i]); g != w {
			t.Errorf("row %d: Storage %s, REST %s", i, g, w)
		}
	}
	if want[2][7] != nil || got[2][7] != nil {
		t.Errorf("row 3's NULL RECORD: Storage %v, REST %v", got[2][7], want[2][7])
	}
}

// TestStorageArrowTypeFaults: column types outside table eda that the
// emulator's Arrow encoding gets wrong (types/arrow.go and
// internal/types/types.go of v0.8.1). --out results hold all of them.
func TestStorageArrowTypeFaults(t *testing.T) {
	e := newStorageEnv(t)
	ctx := context.Background()
	read := func(t *testing.T, name, sql string) ([]arrow.Record, error) {
		e.makeTable(t, name, sql)
		sess, err := e.session(ctx, name, storagepb.DataFormat_ARROW)
		if err != nil {
			return nil, err
		}
		resps, err := e.readAll(ctx, sess)
		if err != nil {
			return nil, err
		}
		if len(resps) != 1 {
			t.Fatalf("%d responses", len(resps))
		}
		return standalone(resps[0].GetArrowRecordBatch().GetSerializedRecordBatch())
	}
	t.Run("REPEATED", func(t *testing.T) {
		// Every element opens a list of its own (types.go:196-204), so one
		// row of [1,2,3] becomes 3 rows of one element each (while the
		// response's RowCount says 1), and [] no row at all.
		recs, err := read(t, "arr", "SELECT [1, 2, 3] AS a")
		if err != nil {
			t.Fatal(err)
		}
		if n := recs[0].NumRows(); n != 3 {
			t.Errorf("1 row of [1,2,3] decodes to %d rows, the emulator used to give 3 ([1], [2], [3]): %s", n, seeDoc)
		}
	})
	t.Run("TIME", func(t *testing.T) {
		// The Time64 case lacks its return (types/arrow.go:173-178).
		_, err := read(t, "tm", "SELECT TIME '10:11:12' AS t")
		if err == nil || !strings.Contains(err.Error(), "unexpected builder type *array.Time64Builder") {
			t.Errorf("TIME: err %v, want unexpected builder type *array.Time64Builder: %s", err, seeDoc)
		}
	})
	t.Run("DATETIME", func(t *testing.T) {
		// DATETIME is a Timestamp column (types/arrow.go:59-68) filled by
		// the TIMESTAMP parser (types/arrow.go:179-184).
		_, err := read(t, "dt", "SELECT DATETIME '2024-01-02 03:04:05' AS d")
		if err == nil || !strings.Contains(err.Error(), "invalid timestamp string") {
			t.Errorf("DATETIME: err %v, want invalid timestamp string: %s", err, seeDoc)
		}
	})
	t.Run("BYTES", func(t *testing.T) {
		// The emulator keeps BYTES as base64 text, and the Storage path
		// copies that text into the Binary column undecoded
		// (types/arrow.go:160-162): b'hi' INSERTed reads as "aGk=" (REST:
		// "hi"). A query's results table holds the text encoded once more,
		// so there it reads as "YUdrPQ==" (REST of the job: "hi").
		for _, sql := range []string{"CREATE TABLE ds.byt (b BYTES)", "INSERT INTO ds.byt (b) VALUES (b'hi')"} {
			if _, err := e.rest.Query(sql).Read(ctx); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		job, err := e.rest.Query("SELECT b FROM ds.byt").Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := job.Config()
		if err != nil {
			t.Fatal(err)
		}
		dst := cfg.(*bigquery.QueryConfig).Dst
		it, err := job.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var row []bigquery.Value
		if err := it.Next(&row); err != nil {
			t.Fatal(err)
		}
		if v, _ := row[0].([]byte); string(v) != "hi" {
			t.Errorf("REST: b'hi' reads as %q", row[0])
		}
		for table, want := range map[string]string{"projects/test/datasets/ds/tables/byt": "aGk=", "projects/test/datasets/" + dst.DatasetID + "/tables/" + dst.TableID: "YUdrPQ=="} {
			sess, err := e.read.CreateReadSession(ctx, &storagepb.CreateReadSessionRequest{
				Parent:      "projects/test",
				ReadSession: &storagepb.ReadSession{Table: table, DataFormat: storagepb.DataFormat_ARROW},
			})
			if err != nil {
				t.Fatal(err)
			}
			resps, err := e.readAll(ctx, sess)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := standalone(resps[0].GetArrowRecordBatch().GetSerializedRecordBatch())
			if err != nil {
				t.Fatal(err)
			}
			if v := string(recs[0].Column(0).(*array.Binary).Value(0)); v != want {
				t.Errorf("%s: b'hi' reads as %q, the emulator used to give %q: %s", table, v, want, seeDoc)
			}
		}
	})
}

// TestStorageAvroNulls: AVRO, which the Go client never asks for (it
// hard-codes ARROW, storage_client.go:146), fails on any NULL in a nullable
// column, as in table eda.
func TestStorageAvroNulls(t *testing.T) {
	e := newStorageEnv(t)
	ctx := context.Background()
	sess, err := e.session(ctx, "eda", storagepb.DataFormat_AVRO)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.readAll(ctx, sess)
	if err == nil || !strings.Contains(err.Error(), "value does not match its schema") {
		t.Errorf("AVRO read of eda: err %v, want value does not match its schema: %s", err, seeDoc)
	}
}

// TestStorageSessionRequests: what v0.8.1 makes of session requests. v0.6.6
// dereferenced the absent ReadOptions (its storage_handler.go:105) and the
// panic in the gRPC handler killed the server; v0.8.1 guards it and gives
// the client's MaxStreamCount 0 one stream, but refuses more than one.
func TestStorageSessionRequests(t *testing.T) {
	e := newStorageEnv(t)
	ctx := context.Background()
	s, err := e.session(ctx, "eda", storagepb.DataFormat_ARROW)
	if err != nil || len(s.Streams) != 1 {
		t.Fatalf("client-style request: %v, %v", s, err)
	}
	_, err = e.read.CreateReadSession(ctx, &storagepb.CreateReadSessionRequest{
		Parent:         "projects/test",
		ReadSession:    &storagepb.ReadSession{Table: "projects/test/datasets/ds/tables/eda", DataFormat: storagepb.DataFormat_ARROW},
		MaxStreamCount: 2,
	})
	if err == nil || !strings.Contains(err.Error(), "currently supported only one stream") {
		t.Errorf("MaxStreamCount 2: err %v, want currently supported only one stream: %s", err, seeDoc)
	}
	// Column selection and a row filter do work.
	s, err = e.read.CreateReadSession(ctx, &storagepb.CreateReadSessionRequest{
		Parent: "projects/test",
		ReadSession: &storagepb.ReadSession{
			Table: "projects/test/datasets/ds/tables/eda", DataFormat: storagepb.DataFormat_ARROW,
			ReadOptions: &storagepb.ReadSession_TableReadOptions{SelectedFields: []string{"id", "region"}, RowRestriction: "id > 1"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	resps, err := e.readAll(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := standalone(resps[0].GetArrowRecordBatch().GetSerializedRecordBatch())
	if err != nil {
		t.Fatal(err)
	}
	if recs[0].NumCols() != 2 || recs[0].NumRows() != 3 {
		t.Errorf("id, region WHERE id > 1: %d columns, %d rows, want 2 and 3", recs[0].NumCols(), recs[0].NumRows())
	}
}

// bigSQL is n rows of table eda's column types, every 10th row NULL.
func bigSQL(n int) string {
	return fmt.Sprintf(`SELECT x AS id,
  IF(MOD(x, 10) = 0, NULL, CONCAT('region-', CAST(MOD(x, 17) AS STRING))) AS region,
  IF(MOD(x, 10) = 0, NULL, CAST(x AS NUMERIC) / 4) AS amount,
  IF(MOD(x, 10) = 0, NULL, x * 0.5) AS price,
  IF(MOD(x, 10) = 0, NULL, MOD(x, 3) = 0) AS ok,
  IF(MOD(x, 10) = 0, NULL, DATE_ADD(DATE '2024-01-01', INTERVAL MOD(x, 365) DAY)) AS day,
  IF(MOD(x, 10) = 0, NULL, TIMESTAMP_SECONDS(1704067200 + x)) AS ts,
  IF(MOD(x, 10) = 0, NULL, STRUCT(CONCAT('city-', CAST(MOD(x, 7) AS STRING)) AS city, x AS zip)) AS addr
FROM UNNEST(GENERATE_ARRAY(1, %d)) AS x`, n)
}

// BenchmarkStorageVsREST100k downloads the result of SELECT * FROM a
// 100k-row table of eda's types: the query alone, then the query and its
// rows over REST (what bq/magic.go does; the magic's --out on top of that
// also fills its Arrow builders), and the query and its results table over
// the Storage Read API with a raw ARROW read (each batch decoded on its
// own, the only framing that works with the emulator). The emulator runs
// in process, its gRPC over an in-memory listener, REST over loopback TCP.
func BenchmarkStorageVsREST100k(b *testing.B) {
	const n = 100_000
	e := newStorageEnv(b)
	e.makeTable(b, "big", bigSQL(n))
	ctx := context.Background()
	query := func(b *testing.B) *bigquery.Job {
		job, err := e.rest.Query("SELECT * FROM ds.big").Run(ctx)
		if err != nil {
			b.Fatal(err)
		}
		st, err := job.Wait(ctx)
		if err == nil {
			err = st.Err()
		}
		if err != nil {
			b.Fatal(err)
		}
		return job
	}
	report := func(b *testing.B, rows int) {
		if rows != n*b.N {
			b.Fatalf("%d rows in %d runs, want %d a run", rows, b.N, n)
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	}
	b.Run("query", func(b *testing.B) {
		rows := 0
		for b.Loop() {
			query(b)
			rows += n
		}
		report(b, rows)
	})
	b.Run("query+REST", func(b *testing.B) {
		rows := 0
		for b.Loop() {
			it, err := query(b).Read(ctx)
			if err != nil {
				b.Fatal(err)
			}
			for {
				var row []bigquery.Value
				err := it.Next(&row)
				if err == iterator.Done {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				rows++
			}
		}
		report(b, rows)
	})
	// storageRows reads a table with a raw ARROW session and counts its rows.
	storageRows := func(b *testing.B, dataset, table string) int {
		sess, err := e.read.CreateReadSession(ctx, &storagepb.CreateReadSessionRequest{
			Parent:      "projects/test",
			ReadSession: &storagepb.ReadSession{Table: fmt.Sprintf("projects/test/datasets/%s/tables/%s", dataset, table), DataFormat: storagepb.DataFormat_ARROW},
		})
		if err != nil {
			b.Fatal(err)
		}
		resps, err := e.readAll(ctx, sess)
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for _, r := range resps {
			recs, err := standalone(r.GetArrowRecordBatch().GetSerializedRecordBatch())
			if err != nil {
				b.Fatal(err)
			}
			for _, rec := range recs {
				rows += int(rec.NumRows())
				rec.Release()
			}
		}
		return rows
	}
	b.Run("query+Storage", func(b *testing.B) {
		rows := 0
		for b.Loop() {
			cfg, err := query(b).Config()
			if err != nil {
				b.Fatal(err)
			}
			dst := cfg.(*bigquery.QueryConfig).Dst
			rows += storageRows(b, dst.DatasetID, dst.TableID)
		}
		report(b, rows)
	})
	// The download alone, from the stored table: tabledata.list against a
	// read session.
	b.Run("table/REST", func(b *testing.B) {
		rows := 0
		for b.Loop() {
			it := e.rest.Dataset("ds").Table("big").Read(ctx)
			for {
				var row []bigquery.Value
				err := it.Next(&row)
				if err == iterator.Done {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				rows++
			}
		}
		report(b, rows)
	})
	b.Run("table/Storage", func(b *testing.B) {
		rows := 0
		for b.Loop() {
			rows += storageRows(b, "ds", "big")
		}
		report(b, rows)
	})
}
