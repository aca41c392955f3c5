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

// defaultMode is the mode when GOKERNEL_COMPILE is unset: Auto, since it
// changes no result of the interpreter's yardsticks for the worse and
// takes Go's test suite from 55.6% to 98.0% (docs/compiled-tier.md, "Why
// auto by default"). Without a matching toolchain it is the interpreter
// alone, as Off.
const defaultMode = Auto

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
