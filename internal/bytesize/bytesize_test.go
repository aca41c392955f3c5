package bytesize

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"1000", 1000, false},
		{"1073741824", 1 << 30, false},
		{"1B", 1, false},
		{"10GB", 10_000_000_000, false},
		{"10 gb", 10_000_000_000, false},
		{"  10Gb  ", 10_000_000_000, false},
		{"1.5G", 1_500_000_000, false},
		{"1.5GB", 1_500_000_000, false},
		{"1.5GiB", 3 << 29, false},
		{"1.5Gi", 3 << 29, false},
		{"1.5TB", 1_500_000_000_000, false},
		{"1TiB", 1 << 40, false},
		{"1 tib", 1 << 40, false},
		{"512MiB", 512 << 20, false},
		{"512MB", 512_000_000, false},
		{"4GiB", 4 << 30, false},
		{"2k", 2000, false},
		{"2KiB", 2048, false},
		{"1_000_000", 1_000_000, false},
		{"1,000,000", 1_000_000, false},
		{"1.5B", 1, false}, // fractional bytes round down
		{"0.5B", 0, true},
		{"0", 0, true},
		{"-1GB", 0, true},
		{"-1G", 0, true},
		{"10XB", 0, true},
		{"", 0, true},
		{"lots", 0, true},
		{"GB", 0, true},
		{"1.2.3GB", 0, true},
		{"1e9", 0, true},
		{"9EB", 9e18, false},
		{"10EB", 0, true}, // above MaxInt64
		{"99999999999PB", 0, true},
	}
	for _, tc := range tests {
		got, err := Parse(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d (error %v)", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
