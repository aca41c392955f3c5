package bq

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// sizeUnits maps a lower-case unit to its multiplier. KB/MB/GB/TB/PB are
// decimal (SI) and KiB/MiB/GiB/TiB/PiB binary, as in BigQuery's own docs;
// a bare K/M/G/T/P is decimal too.
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12, "p": 1e15, "pb": 1e15,
	"ki": 1 << 10, "kib": 1 << 10, "mi": 1 << 20, "mib": 1 << 20, "gi": 1 << 30, "gib": 1 << 30,
	"ti": 1 << 40, "tib": 1 << 40, "pi": 1 << 50, "pib": 1 << 50,
}

// ParseSize reads a byte count such as "10GB", "1.5 TiB", "500mb" or
// "1000000", so --max-bytes-billed need not be typed as a 12-digit number.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.' || t[i] == '_' || t[i] == ',') {
		i++
	}
	num := strings.NewReplacer("_", "", ",", "").Replace(t[:i])
	unit := strings.ToLower(strings.TrimSpace(t[i:]))
	mult, ok := sizeUnits[unit]
	if num == "" || !ok {
		return 0, fmt.Errorf("size %q: want a number with an optional unit (B, KB, MB, GB, TB, PB or KiB…PiB), e.g. 10GB", s)
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, fmt.Errorf("size %q: bad number %q", s, num)
	}
	r.Mul(r, new(big.Rat).SetFloat64(mult))
	if !r.IsInt() {
		// Round fractional bytes down: a cap never exceeds what was asked.
		q := new(big.Int).Quo(r.Num(), r.Denom())
		r.SetInt(q)
	}
	n := r.Num()
	if !n.IsInt64() || n.Int64() <= 0 {
		return 0, fmt.Errorf("size %q: must be between 1 byte and %d bytes", s, int64(math.MaxInt64))
	}
	return n.Int64(), nil
}

// FormatBytes renders n in binary units with three significant digits
// ("1.46 GiB"); BigQuery bills per TiB, so binary units match the price.
func FormatBytes(n int64) string {
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	f := float64(n)
	u := -1
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0f %s", f, units[u])
	case f >= 10:
		return fmt.Sprintf("%.1f %s", f, units[u])
	}
	return fmt.Sprintf("%.2f %s", f, units[u])
}

// formatCount renders n with thousands separators, e.g. 1,234,567.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
