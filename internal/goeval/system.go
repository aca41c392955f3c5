package goeval

import (
	"os/exec"
	"reflect"
	"strconv"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib/syscall"
	"github.com/traefik/yaegi/stdlib/unrestricted"
	"github.com/traefik/yaegi/stdlib/unsafe"
)

// systemSymbols are the packages yaegi leaves out of its standard library
// because they can leave the interpreter's sandbox: os/exec, syscall and
// unsafe. A notebook on the user's own machine must be able to run gcloud
// or gsutil, so cells can import them. What stays contained: os.Exit and
// log.Fatal remain yaegi's panics (the kernel reports them and keeps the
// state), and syscall.Exit, which would end the interpreter process
// without a word, panics the same way. Everything else (syscall.Kill of
// the own process, unsafe pointer games) ends at worst the interpreter
// process, which the supervisor restarts and reports.
func systemSymbols() interp.Exports {
	out := interp.Exports{}
	for k, v := range syscall.Symbols {
		out[k] = v
	}
	for k, v := range unsafe.Symbols {
		out[k] = v
	}
	if sys, ok := unrestricted.Symbols["syscall/syscall"]; ok {
		m := map[string]reflect.Value{}
		for n, v := range out["syscall/syscall"] {
			m[n] = v
		}
		for n, v := range sys {
			m[n] = v
		}
		m["Exit"] = reflect.ValueOf(syscallExit)
		out["syscall/syscall"] = m
	}
	out["os/exec/exec"] = map[string]reflect.Value{
		"Command":        reflect.ValueOf(exec.Command),
		"CommandContext": reflect.ValueOf(exec.CommandContext),
		"ErrDot":         reflect.ValueOf(&exec.ErrDot).Elem(),
		"ErrNotFound":    reflect.ValueOf(&exec.ErrNotFound).Elem(),
		"ErrWaitDelay":   reflect.ValueOf(&exec.ErrWaitDelay).Elem(),
		"LookPath":       reflect.ValueOf(exec.LookPath),
		"Cmd":            reflect.ValueOf((*exec.Cmd)(nil)),
		"Error":          reflect.ValueOf((*exec.Error)(nil)),
		"ExitError":      reflect.ValueOf((*exec.ExitError)(nil)),
	}
	return out
}

// syscallExit is syscall.Exit in cells: the panic yaegi's os.Exit makes,
// which the engine reports as "os.Exit(n) called: the kernel keeps running".
func syscallExit(code int) { panic("os.Exit(" + strconv.Itoa(code) + ")") }
