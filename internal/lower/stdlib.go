package lower

import (
	"embed"
	"fmt"
	"io/fs"
	"reflect"
	"testing/fstest"

	"github.com/traefik/yaegi/interp"
)

//go:embed gostd/*.go.txt
var gostd embed.FS

// packages lists the served packages in dependency order: Install compiles
// them in this order.
var packages = [...]string{"iter", "cmp", "slices", "maps"}

// Packages returns the import paths Stdlib serves, in dependency order.
func Packages() []string { return append([]string(nil), packages[:]...) }

// Stdlib returns the sources of the packages listed by Packages in GOPATH
// layout (src/slices/slices.go, ...), for interp.Options.SourcecodeFilesystem
// with GoPath ".". The files are kept as .go.txt in this repository so that
// the go tool does not build them as packages of this module.
func Stdlib() fs.FS {
	m := fstest.MapFS{}
	for _, p := range packages {
		b, err := gostd.ReadFile("gostd/" + p + ".go.txt")
		if err != nil {
			panic(err) // embedded at build time: cannot happen
		}
		m["src/"+p+"/"+p+".go"] = &fstest.MapFile{Data: b, Mode: 0o444}
	}
	return m
}

// Exports returns a copy of base without the compiled entries for the
// packages this package serves as source, so that an import of "slices"
// does not resolve to yaegi's own, mostly broken, generic version.
func Exports(base interp.Exports) interp.Exports {
	out := make(interp.Exports, len(base))
	skip := map[string]bool{}
	for _, p := range packages {
		skip[p+"/"+p] = true
	}
	for k, v := range base {
		if !skip[k] {
			out[k] = v
		}
	}
	out[rtPath+"/"+rtName] = rtSymbols()
	return out
}

// Install compiles the served packages into i. It must run after
// i.Use(Exports(stdlib.Symbols)).
//
// It exists because serving the sources through GoPath is not enough:
// when Use sees the standard library, yaegi v0.16.1 compiles its embedded
// Go 1.22 sources of cmp, maps and slices and registers them under those
// import paths, and an import then never reaches the GOPATH. Compiling a
// package named like an existing one merges into its scope, so our
// definitions replace yaegi's broken ones (and "iter" is new).
func Install(i *interp.Interpreter) error {
	fsys := Stdlib()
	for _, p := range packages {
		b, err := fs.ReadFile(fsys, "src/"+p+"/"+p+".go")
		if err != nil {
			return err
		}
		if _, err := i.Compile(string(b)); err != nil {
			return fmt.Errorf("lower: installing %s: %w", p, err)
		}
	}
	return nil
}

// The compiled symbols rewrites refer to are served as the package rtPath,
// imported by helpers under the name _gk_rt.
const (
	rtPath = "gokernel.internal/lowerrt"
	rtName = "lowerrt"
)

func rtSymbols() map[string]reflect.Value {
	return map[string]reflect.Value{
		// Error is the error interface as a compiled type: yaegi v0.16.1
		// matches a type switch case of a compiled interface type by
		// reflection (Implements), while its case error never matches.
		"Error": reflect.ValueOf((*error)(nil)),
		// Unwrap is the subject of a type switch or assertion on
		// cell-declared types (typeswitch.go).
		"Unwrap": reflect.ValueOf(unwrap),
		// Fields prints %+v with a struct's declared field names.
		"Fields": reflect.ValueOf(plusFields),
		// The String-method rewrite (stringers.go, showrt.go).
		"Show":     reflect.ValueOf(showValue),
		"List":     reflect.ValueOf(newList),
		"Set":      reflect.ValueOf(setList),
		"Map":      reflect.ValueOf(newMap),
		"Put":      reflect.ValueOf(putMap),
		"MapValue": reflect.ValueOf(mapValue),
		"Struct":   reflect.ValueOf(newStruct),
		"Field":    reflect.ValueOf(setField),
		// The print/println rewrite (prints.go, printrt.go).
		"Print":   reflect.ValueOf(printArgs(false)),
		"Println": reflect.ValueOf(printArgs(true)),
		"Eface":   reflect.ValueOf(printEface),
	}
}
