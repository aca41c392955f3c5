// Package bytesize reads the byte sizes users type, with one rule for every
// setting that takes one (--max-bytes-billed of %bq, $GOKERNEL_MEMORY_LIMIT):
//
//   - KB, MB, GB, TB, PB, EB and the bare K, M, G, T, P, E are decimal
//     (SI): 1 GB = 1 G = 10⁹ bytes;
//   - KiB, MiB, GiB, TiB, PiB, EiB (and Ki … Ei) are binary (IEC):
//     1 GiB = 2³⁰ bytes;
//   - case does not matter, a space may separate the number and the unit,
//     and a bare number is a count of bytes; "_" and "," group digits.
//
// This is the SI/IEC distinction BigQuery's own documentation draws (it
// prices and caps in TiB and GiB, written with the "i"), the one Kubernetes
// quantities and go-humanize use, and where a bare letter is ambiguous it
// reads the smaller, decimal value: a cap read too low fails a query
// early, one read 7% too high (2³⁰ vs 10⁹) bills more than was meant.
package bytesize

import (
	"fmt"
	"math"
	"strings"

	"github.com/dustin/go-humanize"
)

// Parse reads a size such as "10GB", "1.5 TiB", "512mb" or "1000000" into
// bytes, rounding a fractional byte down (a limit never exceeds what was
// asked). Sizes below one byte and above math.MaxInt64 are errors.
func Parse(s string) (int64, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), "_", "")
	n, err := humanize.ParseBytes(t)
	if err != nil {
		return 0, fmt.Errorf("size %q: want a number with an optional unit (B, KB, MB, GB, TB, PB decimal; KiB … PiB binary), e.g. 10GB or 4GiB: %w", s, err)
	}
	if n == 0 || n > math.MaxInt64 {
		return 0, fmt.Errorf("size %q: must be between 1 byte and %d bytes", s, int64(math.MaxInt64))
	}
	return int64(n), nil
}
