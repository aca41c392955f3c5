package bq

import (
	"context"
	"fmt"
	"strings"

	"cloud.google.com/go/bigquery"

	"github.com/gokernel/gokernel/internal/htmltable"
	"github.com/gokernel/gokernel/kernel"
)

// tib is 2^40 bytes, the unit BigQuery's on-demand price is quoted in.
const tib = 1 << 40

// DryRunReport is what --dry-run learns without running the query.
type DryRunReport struct {
	Bytes int64
	// Accuracy is BigQuery's TotalBytesProcessedAccuracy ("PRECISE",
	// "UPPER_BOUND", ...); only PRECISE is an exact figure.
	Accuracy    string
	PricePerTiB float64
	Tables      []string
}

// Cost is the on-demand estimate in USD.
func (d DryRunReport) Cost() float64 { return float64(d.Bytes) / tib * d.PricePerTiB }

// Text renders the report for people.
func (d DryRunReport) Text() string {
	var sb strings.Builder
	bound := ""
	if d.Accuracy != "" && d.Accuracy != "PRECISE" {
		bound = " at most"
	}
	fmt.Fprintf(&sb, "Dry run OK: this query would process%s %s (%s bytes).\n", bound, FormatBytes(d.Bytes), formatCount(d.Bytes))
	fmt.Fprintf(&sb, "Estimated on-demand cost: $%s at $%.2f/TiB (before the free tier and per-table minimums; capacity/flat-rate projects pay for slots instead).\n", formatUSD(d.Cost()), d.PricePerTiB)
	if len(d.Tables) == 0 {
		sb.WriteString("Referenced tables: none reported.")
	} else {
		sb.WriteString("Referenced tables: " + strings.Join(d.Tables, ", "))
	}
	return sb.String()
}

func formatUSD(x float64) string {
	switch {
	case x == 0:
		return "0.00"
	case x < 0.01:
		return fmt.Sprintf("%.4f", x)
	}
	return fmt.Sprintf("%.2f", x)
}

func (r *run) dryRun(ctx context.Context, q *bigquery.Query) (kernel.ExecuteResult, error) {
	job, err := q.Run(ctx)
	if err != nil {
		return kernel.ExecuteResult{}, r.queryError(err)
	}
	st := job.LastStatus()
	if st == nil {
		return kernel.ExecuteResult{}, bqError("BigQueryError", "dry run returned no status", nil)
	}
	if err := st.Err(); err != nil {
		return kernel.ExecuteResult{}, r.queryError(err)
	}
	rep := DryRunReport{PricePerTiB: r.o.PricePerTiB}
	if s := st.Statistics; s != nil {
		rep.Bytes = s.TotalBytesProcessed
		if qs, ok := s.Details.(*bigquery.QueryStatistics); ok {
			if qs.TotalBytesProcessed > rep.Bytes {
				rep.Bytes = qs.TotalBytesProcessed
			}
			rep.Accuracy = qs.TotalBytesProcessedAccuracy
			for _, t := range qs.ReferencedTables {
				rep.Tables = append(rep.Tables, t.ProjectID+"."+t.DatasetID+"."+t.TableID)
			}
		}
	}
	txt := rep.Text()
	var h strings.Builder
	h.WriteString(`<div class="gkbq"><pre style="white-space:pre-wrap">`)
	htmltable.WriteEscaped(&h, txt)
	h.WriteString("</pre></div>")
	return kernel.ExecuteResult{Value: kernel.MIMEBundle{"text/plain": txt, "text/html": h.String()}}, nil
}
