package compiled

import (
	"context"
	"fmt"
	"strings"

	"github.com/gokernel/gokernel/kernel"
	"github.com/gokernel/gokernel/magics"
)

// Magic is %go: it reports the compiled tier's mode, toolchain, build
// directory and cache size, and how to enable compiled cells; %go get and
// %go mod manage the session's Go modules.
type Magic struct{ t *Tier }

// NewMagic returns %go for t.
func NewMagic(t *Tier) *Magic { return &Magic{t: t} }

// Name implements magics.Magic.
func (m *Magic) Name() string { return "go" }

// Summary implements magics.Magic.
func (m *Magic) Summary() string {
	return "compiled cells (mode, toolchain, build directory); %go get, %go mod: the notebook's Go modules"
}

// Usage implements magics.Magic.
func (m *Magic) Usage() string {
	return `%go          shows whether cells can be compiled by the Go toolchain, and why not
%go mod      the notebook's Go modules: where its go.mod is, each module's version and state
%go get [-u] MODULE[@VERSION|@latest] ...
             adds or changes a module's version (-u: its dependencies too); a cell's import
             of a package of any module fetches and loads it by itself
  A module already loaded keeps its version until the kernel restarts.
  Set GOKERNEL_COMPILE=off|auto|always in the kernel's environment (e.g. gokernel install --env GOKERNEL_COMPILE=auto), then restart the kernel.
  off: every cell is interpreted (the default in this release).
  auto: cells of declarations that declare functions are compiled with go build -buildmode=plugin; the rest is interpreted.
  always: every declaration cell the compiled tier can handle is compiled.`
}

// Run implements magics.Magic.
func (m *Magic) Run(ctx context.Context, inv magics.Invocation, env magics.Env) (kernel.ExecuteResult, error) {
	var text string
	switch {
	case len(inv.Args) == 0:
		text = m.t.Status().String()
	case inv.Args[0] == "mod" && len(inv.Args) == 1:
		text = m.t.modReport(ctx)
	case inv.Args[0] == "get":
		upgrade := false
		var mods []string
		for _, a := range inv.Args[1:] {
			switch {
			case a == "-u":
				upgrade = true
			case strings.HasPrefix(a, "-"):
				return kernel.ExecuteResult{}, fmt.Errorf("%%go get: unknown flag %s (only -u)\n%s", a, m.Usage())
			default:
				mods = append(mods, a)
			}
		}
		if len(mods) == 0 {
			return kernel.ExecuteResult{}, fmt.Errorf("%%go get: which module?\n%s", m.Usage())
		}
		var err error
		if text, err = m.t.getModules(ctx, upgrade, mods, env.Out); err != nil {
			if ctx.Err() != nil {
				return kernel.ExecuteResult{}, fmt.Errorf("%%go get interrupted: nothing changed")
			}
			return kernel.ExecuteResult{}, err
		}
	default:
		return kernel.ExecuteResult{}, fmt.Errorf("%%go: unknown arguments %q\n%s", strings.Join(inv.Args, " "), m.Usage())
	}
	return kernel.ExecuteResult{Value: kernel.MIMEBundle{"text/plain": text}}, nil
}

// String is the report %go shows.
func (s Status) String() string {
	var b strings.Builder
	mode := s.Mode.String()
	switch {
	case s.Enabled:
		fmt.Fprintf(&b, "compiled cells: on (%s=%s)\n", EnvVar, mode)
	default:
		fmt.Fprintf(&b, "compiled cells: off, every cell is interpreted (%s=%s): %s\n", EnvVar, mode, s.Reason)
	}
	if s.Enabled {
		fmt.Fprintf(&b, "toolchain: %s (%s)", s.Go, s.Version)
		if len(s.Flags) > 0 {
			fmt.Fprintf(&b, ", build flags %s", strings.Join(s.Flags, " "))
		}
		b.WriteString("\n")
		warm := "warm"
		if !s.Warm {
			warm = "warming up in the background"
		}
		fmt.Fprintf(&b, "build directory: %s (private, 0700; %.1f MiB of %d MiB; removed when the kernel ends, stale ones at the next start)\n", s.Dir, float64(s.DirBytes)/(1<<20), s.MaxBytes>>20)
		fmt.Fprintf(&b, "build cache: %s\n", warm)
		fmt.Fprintf(&b, "compiled cells loaded: %d of at most %d", s.Cells, s.MaxCells)
		if s.BuildsRun > 0 {
			fmt.Fprintf(&b, ", median go build %.0f ms (%.0f ms CPU)", s.MedianMs, s.MedianCPU)
		}
		if s.Rerun > 0 {
			fmt.Fprintf(&b, "; %d statement cells run again without a build", s.Rerun)
		}
		b.WriteString("\n")
		if len(s.Compiled) > 0 {
			fmt.Fprintf(&b, "compiled names: %s\n", strings.Join(s.Compiled, ", "))
		}
		for _, pr := range s.Programs {
			fmt.Fprintf(&b, "program cell compiled whole: %s\n", pr)
		}
	} else if s.Mode == Off {
		fmt.Fprintf(&b, "to enable: set %s=auto in the kernel's environment (gokernel install --user --env %s=auto) and restart the kernel; it needs the Go toolchain that built the kernel and a C compiler\n", EnvVar, EnvVar)
	} else {
		fmt.Fprintf(&b, "to enable: install the Go toolchain this kernel was built with and a C compiler (cgo), or rebuild the kernel with your toolchain (go install), then restart the kernel\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// Banner is the one line the kernel's banner carries about compiled cells,
// computed without running the go command.
func Banner() string {
	mode, err := ModeFromEnv()
	if err != nil {
		return "Compiled cells: off (" + err.Error() + ")."
	}
	if mode == Off {
		return "Cells are interpreted (" + EnvVar + "=auto compiles declaration cells with go build; %go tells more)."
	}
	if why := quickCheck(); why != "" {
		return "Cells are interpreted: " + why + " (%go tells more)."
	}
	return "Declaration cells are compiled with go build (" + EnvVar + "=" + mode.String() + "; %go tells more)."
}
