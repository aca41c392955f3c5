package prebind

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// freePorts returns n TCP ports free on 127.0.0.1 a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
		defer l.Close()
	}
	return ports
}

func TestConstructorBindsTheConnectionFilesPorts(t *testing.T) {
	dir := t.TempDir()
	probe := filepath.Join(dir, "probe")
	build := exec.Command("go", "build", "-o", probe, "./testdata/probe")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the probe: %v\n%s", err, out)
	}
	ports := freePorts(t, 5)
	conn := func(transport, ip string) string {
		b, _ := json.MarshalIndent(map[string]any{
			"shell_port": ports[0], "control_port": ports[1], "stdin_port": ports[2], "iopub_port": ports[3], "hb_port": ports[4],
			"ip": ip, "key": "k\"ey_port\": 1", "transport": transport, "signature_scheme": "hmac-sha256",
		}, "", "  ")
		f := filepath.Join(dir, transport+ip+".json")
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	tcp := conn("tcp", "127.0.0.1")
	var all []string
	for _, p := range ports {
		all = append(all, strconv.Itoa(p)+" true")
	}
	slices.Sort(all)
	tests := []struct {
		name string
		args []string
		env  string
		want []string
	}{
		{"kernel -f FILE", []string{"kernel", "-f", tcp}, "", all},
		{"kernel -f=FILE", []string{"kernel", "-f=" + tcp}, "", all},
		{"kernel --f FILE", []string{"kernel", "--f", tcp}, "", all},
		{"turned off", []string{"kernel", "-f", tcp}, "GOKERNEL_PREBIND=0", nil},
		{"another subcommand", []string{"worker", "-f", tcp}, "", nil},
		{"ipc transport", []string{"kernel", "-f", conn("ipc", "kernel-ipc")}, "", nil},
		{"host name", []string{"kernel", "-f", conn("tcp", "localhost")}, "", nil},
		{"missing file", []string{"kernel", "-f", filepath.Join(dir, "nope.json")}, "", nil},
		{"no -f", []string{"kernel"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(probe, tt.args...)
			cmd.Env = os.Environ()
			if tt.env != "" {
				cmd.Env = append(cmd.Env, tt.env)
			}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("probe: %v", err)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			last := lines[len(lines)-1]
			got := lines[:len(lines)-1]
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("sockets %q, want %q", got, tt.want)
			}
			if last != "second call: 0" {
				t.Fatalf("a second Sockets call returned descriptors again: %q", last)
			}
		})
	}
}
