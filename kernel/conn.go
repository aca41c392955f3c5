package kernel

import (
	"encoding/json"
	"fmt"
	"os"
)

// ConnectionInfo is the connection file a front end writes for the kernel.
type ConnectionInfo struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	StdinPort       int    `json:"stdin_port"`
	IOPubPort       int    `json:"iopub_port"`
	HBPort          int    `json:"hb_port"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile loads and validates a connection file.
func ReadConnectionFile(path string) (ConnectionInfo, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("reading connection file: %w", err)
	}
	var ci ConnectionInfo
	if err := json.Unmarshal(b, &ci); err != nil {
		return ConnectionInfo{}, fmt.Errorf("parsing connection file %s: %w", path, err)
	}
	if err := ci.Validate(); err != nil {
		return ConnectionInfo{}, fmt.Errorf("connection file %s: %w", path, err)
	}
	return ci, nil
}

// Validate checks the fields the kernel relies on and fills defaults.
func (ci *ConnectionInfo) Validate() error {
	if ci.Transport == "" {
		ci.Transport = "tcp"
	}
	if ci.SignatureScheme == "" {
		ci.SignatureScheme = "hmac-sha256"
	}
	if ci.SignatureScheme != "hmac-sha256" {
		return fmt.Errorf("signature_scheme %q is not supported: gokernel signs with hmac-sha256 only", ci.SignatureScheme)
	}
	switch ci.Transport {
	case "tcp":
		if ci.IP == "" {
			return fmt.Errorf("no ip for tcp transport")
		}
		for name, p := range map[string]int{"shell_port": ci.ShellPort, "control_port": ci.ControlPort, "stdin_port": ci.StdinPort, "iopub_port": ci.IOPubPort, "hb_port": ci.HBPort} {
			if p <= 0 || p > 65535 {
				return fmt.Errorf("%s %d is not a port", name, p)
			}
		}
	case "ipc":
		if ci.IP == "" {
			return fmt.Errorf("no ip (socket path prefix) for ipc transport")
		}
	default:
		return fmt.Errorf("transport %q is not supported (tcp or ipc)", ci.Transport)
	}
	return nil
}

// Endpoint returns the ZeroMQ address of a port, as jupyter_client forms it:
// tcp://IP:PORT, or ipc://IP-PORT for the ipc transport.
func (ci ConnectionInfo) Endpoint(port int) string {
	if ci.Transport == "ipc" {
		return fmt.Sprintf("ipc://%s-%d", ci.IP, port)
	}
	return fmt.Sprintf("tcp://%s:%d", ci.IP, port)
}
