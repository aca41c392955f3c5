package compiled

import (
	"fmt"
	"os"
	"strings"
)

// Mode says which cells the compiled tier takes (GOKERNEL_COMPILE).
type Mode int

const (
	// Off: every cell is interpreted.
	Off Mode = iota
	// Auto: declaration cells that declare functions are compiled when a
	// matching toolchain is there; everything else is interpreted.
	Auto
	// Always: every declaration cell the tier can compile is compiled.
	Always
)

// EnvVar is the environment variable that chooses the mode.
const EnvVar = "GOKERNEL_COMPILE"

// defaultMode is the mode when GOKERNEL_COMPILE is unset. It is Off until
// the tier covers enough of Go that compiling by default changes no
// result: see docs/compiled-tier.md, "Why off by default".
const defaultMode = Off

func (m Mode) String() string {
	switch m {
	case Auto:
		return "auto"
	case Always:
		return "always"
	}
	return "off"
}

// ParseMode parses off, auto or always ("" is defaultMode).
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return defaultMode, nil
	case "off", "0", "false", "no":
		return Off, nil
	case "auto":
		return Auto, nil
	case "always", "on", "1", "true", "yes":
		return Always, nil
	}
	return Off, fmt.Errorf("%s=%q: want off, auto or always", EnvVar, s)
}

// ModeFromEnv reads GOKERNEL_COMPILE.
func ModeFromEnv() (Mode, error) { return ParseMode(os.Getenv(EnvVar)) }
