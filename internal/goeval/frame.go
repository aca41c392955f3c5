package goeval

import (
	"context"
	"reflect"
	"runtime"
	"runtime/debug"
	"sync"
	"unsafe"

	"github.com/traefik/yaegi/interp"
)

// In yaegi's incremental mode a cell's statements run in the global frame,
// and every call or temporary of a cell gets a global slot for the life of
// the interpreter (1 slot for `1 + 2` shown as a result, 3 for
// fmt.Println(1)). Before running a program, yaegi v0.16.1 reallocates the
// frame at the exact new size and copies every slot (Interpreter.resizeFrame),
// so a cell cost a copy of the whole session: after 20,000 trivial cells,
// 275 KB allocated per cell and a growing share of its time. compileAndRun
// grows the frame itself, doubling its capacity, so yaegi finds it large
// enough and the cost per cell stays flat.

// compileAndRun is EvalWithContext split in its two halves, with the frame
// grown in between. Like EvalWithContext, a panic while compiling is
// returned as an interp.Panic, and a cancelled ctx stops the run.
// The run itself goes through r (runner.go).
func compileAndRun(ctx context.Context, r *runner, in *interp.Interpreter, src string) (reflect.Value, error) {
	prog, err := compile(in, src)
	if err != nil {
		return reflect.Value{}, err
	}
	growFrame(in)
	return r.execute(ctx, in, prog)
}

// compile is Interpreter.Compile with its panics turned into errors.
func compile(in *interp.Interpreter, src string) (prog *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			var pc [64]uintptr
			n := runtime.Callers(1, pc[:])
			prog, err = nil, interp.Panic{Value: r, Callers: pc[:n], Stack: debug.Stack()}
		}
	}()
	prog, err = in.Compile(src)
	if err == nil {
		dropMain(prog)
	}
	return prog, err
}

// dropMain takes func main off the list of functions prog runs after its
// package's init functions. yaegi appends main to that list in every
// program compiled in package main once any cell declared it, so every
// later cell ran main again. In a notebook func main is an ordinary
// function: it runs when a cell calls it (a whole-program cell calls it
// itself, see programCell). The field is yaegi v0.16.1's Program.init, and
// main's node is a function declaration whose name child is "main"; if
// they change, nothing is dropped and TestFuncMainIsOrdinary fails.
func dropMain(prog *interp.Program) {
	if prog == nil {
		return
	}
	init, ok := settable(reflect.ValueOf(prog).Elem(), "init")
	if !ok || init.Kind() != reflect.Slice || init.Len() == 0 {
		return
	}
	last := init.Index(init.Len() - 1)
	if last.Kind() != reflect.Pointer || last.IsNil() {
		return
	}
	child := last.Elem().FieldByName("child")
	if !child.IsValid() || child.Kind() != reflect.Slice || child.Len() < 2 {
		return
	}
	name := child.Index(1)
	if name.Kind() != reflect.Pointer || name.IsNil() {
		return
	}
	if id := name.Elem().FieldByName("ident"); id.IsValid() && id.Kind() == reflect.String && id.String() == "main" {
		init.Set(init.Slice(0, init.Len()-1))
	}
}

// growFrame gives the global frame a slot for every global type the last
// compile added, as resizeFrame would, but in a slice with spare capacity.
// The fields are yaegi v0.16.1's (Interpreter.frame.data and .mutex,
// Interpreter.universe.types); if they change, nothing is done and yaegi
// resizes the frame itself.
func growFrame(in *interp.Interpreter) {
	iv := reflect.ValueOf(in).Elem()
	fr, u := iv.FieldByName("frame"), iv.FieldByName("universe")
	if fr.Kind() != reflect.Pointer || fr.IsNil() || u.Kind() != reflect.Pointer || u.IsNil() {
		return
	}
	data, ok1 := fieldPtr[[]reflect.Value](fr.Elem(), "data")
	types, ok2 := fieldPtr[[]reflect.Type](u.Elem(), "types")
	mu, ok3 := fieldPtr[sync.RWMutex](fr.Elem(), "mutex")
	if !ok1 || !ok2 || !ok3 {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	d, ts := *data, *types
	b, l := len(d), len(ts)
	if l <= b {
		return
	}
	if cap(d) < l {
		nd := make([]reflect.Value, b, max(2*l, 256))
		copy(nd, d)
		d = nd
	}
	d = d[:l]
	for j := b; j < l; j++ {
		d[j] = reflect.New(ts[j]).Elem()
	}
	*data = d
}

// fieldPtr returns a pointer to the field name of the addressable struct v
// if it exists with type T, unexported or not.
func fieldPtr[T any](v reflect.Value, name string) (*T, bool) {
	f, ok := settable(v, name)
	if !ok || f.Type() != reflect.TypeFor[T]() {
		return nil, false
	}
	return f.Addr().Interface().(*T), true
}

// settable returns the field name of the addressable struct v as a value
// that can be set even when the field is unexported.
func settable(v reflect.Value, name string) (reflect.Value, bool) {
	f := v.FieldByName(name)
	if !f.IsValid() || !f.CanAddr() {
		return reflect.Value{}, false
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem(), true
}
