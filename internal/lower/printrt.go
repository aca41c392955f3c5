package lower

import (
	"io"
	"reflect"
	"strconv"
	"unsafe"
)

// The compiled half of the print/println rewrite (prints.go). Go's
// builtins write to standard error in the runtime's own format; yaegi
// v0.16.1 writes them to standard output through fmt (a nil interface
// prints <nil> instead of (0x0,0x0), a nil slice [] instead of [0/0]0x0),
// a silent difference for anyone who reads the output.

// eface marks an operand whose static type is an interface: the runtime
// prints its two words, (type,data).
type eface struct{ v any }

// printEface is exported to interpreted code as _gk_rt.Eface.
func printEface(v any) any { return eface{v} }

// printArgs is exported as _gk_rt.Print and _gk_rt.Println (ln set): it
// writes args to w as the runtime's print and println do (Go 1.26 formats).
func printArgs(ln bool) func(w io.Writer, args ...any) {
	return func(w io.Writer, args ...any) {
		var b []byte
		for i, a := range args {
			if ln && i > 0 {
				b = append(b, ' ')
			}
			b = appendPrint(b, a)
		}
		if ln {
			b = append(b, '\n')
		}
		// Like the runtime, print ignores write errors.
		_, _ = w.Write(b)
	}
}

// appendPrint formats one operand of print: by kind, since a value of a
// named type prints as its underlying type.
func appendPrint(b []byte, a any) []byte {
	if e, ok := a.(eface); ok {
		if e.v == nil {
			return append(b, "(0x0,0x0)"...)
		}
		// The words of the interface value, as the runtime prints them.
		w := (*[2]uintptr)(unsafe.Pointer(&e.v))
		b = append(b, '(')
		b = appendHex(b, uint64(w[0]))
		b = append(b, ',')
		b = appendHex(b, uint64(w[1]))
		return append(b, ')')
	}
	v := reflect.ValueOf(a)
	switch v.Kind() {
	case reflect.Invalid:
		return append(b, "(0x0,0x0)"...)
	case reflect.Bool:
		return strconv.AppendBool(b, v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(b, v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(b, v.Uint(), 10)
	case reflect.Float32:
		return strconv.AppendFloat(b, v.Float(), 'g', -1, 32)
	case reflect.Float64:
		return strconv.AppendFloat(b, v.Float(), 'g', -1, 64)
	case reflect.Complex64:
		return append(b, strconv.FormatComplex(v.Complex(), 'g', -1, 64)...)
	case reflect.Complex128:
		return append(b, strconv.FormatComplex(v.Complex(), 'g', -1, 128)...)
	case reflect.String:
		return append(b, v.String()...)
	case reflect.Pointer, reflect.Chan, reflect.Map, reflect.Func, reflect.UnsafePointer:
		return appendHex(b, uint64(v.Pointer()))
	case reflect.Slice:
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(v.Len()), 10)
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(v.Cap()), 10)
		b = append(b, ']')
		return appendHex(b, uint64(v.Pointer()))
	}
	// Go refuses other operands at compile time; yaegi does not.
	return append(b, "(unprintable "+v.Type().String()+")"...)
}

func appendHex(b []byte, u uint64) []byte {
	return strconv.AppendUint(append(b, "0x"...), u, 16)
}
