package bq

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"

	"cloud.google.com/go/bigquery"
)

// csvSink streams rows to a temporary file next to the target and renames
// it into place only when every row was written, so an interrupted or
// failed query never leaves a truncated CSV under the requested name.
type csvSink struct {
	f      *os.File
	w      *csv.Writer
	path   string
	schema bigquery.Schema
	rec    []string
	buf    []byte
}

func newCSVSink(path string, schema bigquery.Schema) (*csvSink, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("--csv %s: %w", path, err)
	}
	s := &csvSink{f: f, w: csv.NewWriter(f), path: path, schema: schema, rec: make([]string, len(schema))}
	for i, fs := range schema {
		s.rec[i] = fs.Name
	}
	if err := s.w.Write(s.rec); err != nil {
		s.abort()
		return nil, fmt.Errorf("--csv %s: %w", path, err)
	}
	return s, nil
}

// write appends one row; NULL becomes an empty field, as in BigQuery exports.
func (s *csvSink) write(row []bigquery.Value) error {
	for i := range s.rec {
		s.rec[i] = ""
		if i < len(row) && row[i] != nil {
			s.buf = appendValue(s.buf[:0], row[i], s.schema[i], false)
			s.rec[i] = string(s.buf)
		}
	}
	if err := s.w.Write(s.rec); err != nil {
		return fmt.Errorf("--csv %s: %w", s.path, err)
	}
	return nil
}

func (s *csvSink) commit() error {
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		s.abort()
		return fmt.Errorf("--csv %s: %w", s.path, err)
	}
	if err := s.f.Close(); err != nil {
		_ = os.Remove(s.f.Name())
		return fmt.Errorf("--csv %s: %w", s.path, err)
	}
	if err := os.Rename(s.f.Name(), s.path); err != nil {
		_ = os.Remove(s.f.Name())
		return fmt.Errorf("--csv %s: %w", s.path, err)
	}
	return nil
}

func (s *csvSink) abort() {
	_ = s.f.Close()
	_ = os.Remove(s.f.Name())
}
