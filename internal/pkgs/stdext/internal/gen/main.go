// Command gen writes the symbol tables of package stdext: the exported,
// non-generic standard library symbols of the host Go toolchain that
// yaegi's own tables (github.com/traefik/yaegi/stdlib, Go 1.22 API) lack.
//
// It covers every package yaegi's stdlib.Symbols has (symbol by symbol)
// plus the standard packages first released after Go 1.22 (found in
// $GOROOT/api/go1.N.txt), except the ones goeval serves as Go source
// (lower.Packages: iter, cmp, slices, maps). Each file is written by yaegi's
// own extractor (github.com/traefik/yaegi/extract) restricted to the missing
// names, so interface types get the usual "_Name" wrapper types.
//
// Run it from pkgs/stdext (go generate does):
//
//	go run ./internal/gen [-o dir] [-v]
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/build"
	"go/format"
	"go/importer"
	"go/token"
	"go/types"
	"log"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/traefik/yaegi/extract"
	"github.com/traefik/yaegi/stdlib"
)

// yaegiMinor is the last Go minor version yaegi v0.16.1's tables cover.
const yaegiMinor = 22

// sourcePackages are served to cells as Go source by goeval (see
// lower.Packages; stdext's tests check the two lists agree), never as
// compiled symbols. The generator does not import lower: lower may import
// stdext, which must not have to compile for the generator to run.
var sourcePackages = []string{"iter", "cmp", "slices", "maps"}

// genSuffix ends every generated file name; stale ones are removed first.
const genSuffix = "_gen.go"

var (
	outDir  = flag.String("o", ".", "output directory")
	verbose = flag.Bool("v", false, "list the symbols added per package")
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("stdext gen: ")
	flag.Parse()

	minor := toolchainMinor()
	apiNew, newPkgs := readAPI(minor)

	skip := map[string]bool{}
	for _, p := range sourcePackages {
		skip[p] = true
	}
	var pkgs []string
	for k := range stdlib.Symbols {
		p := path.Dir(k)
		if p == "." || strings.Contains(p, ".") || skip[p] {
			continue // MapTypes and yaegi's self-reference
		}
		pkgs = append(pkgs, p)
	}
	for p := range newPkgs {
		if !skip[p] && !strings.Contains(p, "internal") {
			pkgs = append(pkgs, p)
		}
	}
	sort.Strings(pkgs)
	pkgs = slices.Compact(pkgs)

	removeStale(*outDir)

	imp := importer.ForCompiler(token.NewFileSet(), "source", nil)
	var nPkgs, nSyms, nNewPkgs int
	iters := map[string]iterFunc{}
	for _, p := range pkgs {
		tp, err := imp.Import(p)
		if err != nil {
			log.Fatalf("importing %s: %v", p, err)
		}
		key := p + "/" + tp.Name()
		have := stdlib.Symbols[key]
		names := missing(tp, have)
		if len(names) == 0 {
			if *verbose && have == nil {
				log.Printf("%s: nothing extractable (generic only), skipped", p)
			}
			continue
		}
		for _, n := range names {
			if !apiNew[p+"."+n] {
				log.Printf("warning: %s.%s is not listed in $GOROOT/api/go1.%d+.txt", p, n, yaegiMinor+1)
			}
		}
		src, err := extractPkg(p, names, minor)
		if err != nil {
			log.Fatalf("extracting %s: %v", p, err)
		}
		file := filepath.Join(*outDir, strings.NewReplacer("/", "_", ".", "_").Replace(p)+genSuffix)
		if err := os.WriteFile(file, src, 0o644); err != nil {
			log.Fatal(err)
		}
		for _, n := range names {
			if f, ok := iterOf(tp.Scope().Lookup(n)); ok {
				iters[tp.Name()+"."+n] = f
			}
		}
		nPkgs++
		nSyms += len(names)
		if have == nil {
			nNewPkgs++
		}
		if *verbose {
			log.Printf("%s: %d %v", p, len(names), names)
		}
	}
	writeIterFuncs(iters, minor)
	log.Printf("go1.%d: %d packages (%d new), %d symbols, %d iterator functions", minor, nPkgs, nNewPkgs, nSyms, len(iters))
}

// iterFunc describes a function returning an iterator.
type iterFunc struct {
	arity int    // values yielded
	typ   string // the iterator's func type, package-qualified by name
}

// iterOf reports whether function o returns an iterator: its one result's
// underlying type is func(yield func(...) bool) with 0 to 2 values.
func iterOf(o types.Object) (iterFunc, bool) {
	f, ok := o.(*types.Func)
	if !ok {
		return iterFunc{}, false
	}
	sig := f.Type().(*types.Signature)
	if sig.Results().Len() != 1 {
		return iterFunc{}, false
	}
	seq, ok := sig.Results().At(0).Type().Underlying().(*types.Signature)
	if !ok || seq.Params().Len() != 1 || seq.Results().Len() != 0 || seq.Variadic() {
		return iterFunc{}, false
	}
	yield, ok := seq.Params().At(0).Type().Underlying().(*types.Signature)
	if !ok || yield.Params().Len() > 2 || yield.Results().Len() != 1 || yield.Variadic() {
		return iterFunc{}, false
	}
	if b, ok := yield.Results().At(0).Type().(*types.Basic); !ok || b.Kind() != types.Bool {
		return iterFunc{}, false
	}
	byName := func(p *types.Package) string { return p.Name() }
	return iterFunc{yield.Params().Len(), types.TypeString(seq, byName)}, true
}

// writeIterFuncs writes iterfuncs_gen.go, which fills IterFuncs.
func writeIterFuncs(iters map[string]iterFunc, minor int) {
	keys := make([]string, 0, len(iters))
	for k := range iters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	fmt.Fprintf(&b, header, "the functions of Symbols that return iterators", minor)
	b.WriteString("package stdext\n\nfunc init() {\n\tIterFuncs = map[string]IterFunc{\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "\t\t%q: {%d, %q},\n", k, iters[k].arity, iters[k].typ)
	}
	b.WriteString("\t}\n}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		log.Fatalf("formatting iterfuncs: %v\n%s", err, b.Bytes())
	}
	if err := os.WriteFile(filepath.Join(*outDir, "iterfuncs"+genSuffix), src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// toolchainMinor returns N of the running go1.N[.M] toolchain, whose
// GOROOT sources the source importer reads.
func toolchainMinor() int {
	v := strings.TrimPrefix(runtime.Version(), "go")
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		log.Fatalf("cannot parse Go version %q (a release toolchain is required)", runtime.Version())
	}
	minor, err := strconv.Atoi(extract.GetMinor(parts[1]))
	if err != nil {
		log.Fatalf("cannot parse Go version %q: %v", runtime.Version(), err)
	}
	if minor <= yaegiMinor {
		log.Fatalf("Go %s: nothing to add to yaegi's go1.%d tables", runtime.Version(), yaegiMinor)
	}
	return minor
}

// apiLine matches the package-level declarations of $GOROOT/api/go1.N.txt,
// e.g. "pkg strings, func Lines(string) iter.Seq[string] #61901".
var apiLine = regexp.MustCompile(`^pkg ([^ ,]+)(?: \([^)]*\))?, (?:const|func|type|var) ([A-Za-z0-9_]+)`)

// readAPI returns the package-level symbols ("path.Name") released after
// Go 1.yaegiMinor up to go1.minor, and the packages first released then.
func readAPI(minor int) (syms, newPkgs map[string]bool) {
	syms, newPkgs = map[string]bool{}, map[string]bool{}
	old := map[string]bool{}
	files, err := filepath.Glob(filepath.Join(build.Default.GOROOT, "api", "go1*.txt"))
	if err != nil || len(files) == 0 {
		log.Fatalf("no API files in %s/api", build.Default.GOROOT)
	}
	for _, f := range files {
		v := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "go1"), ".txt")
		m := 0
		if v != "" {
			if m, err = strconv.Atoi(strings.TrimPrefix(v, ".")); err != nil {
				continue
			}
		}
		if m > minor {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			line := sc.Text()
			pkg, _, ok := strings.Cut(strings.TrimPrefix(line, "pkg "), ",")
			if !ok || !strings.HasPrefix(line, "pkg ") {
				continue
			}
			pkg, _, _ = strings.Cut(pkg, " ")
			if m <= yaegiMinor {
				old[pkg] = true
				continue
			}
			newPkgs[pkg] = true
			if s := apiLine.FindStringSubmatch(line); s != nil {
				syms[s[1]+"."+s[2]] = true
			}
		}
	}
	for p := range old {
		delete(newPkgs, p)
	}
	return syms, newPkgs
}

// missing returns the exported names of p that extract can wrap (the same
// rules as extract: no generic functions or types, no constraint
// interfaces) and that have is missing, sorted.
func missing(p *types.Package, have map[string]reflect.Value) []string {
	var names []string
	for _, n := range p.Scope().Names() {
		o := p.Scope().Lookup(n)
		if !o.Exported() {
			continue
		}
		if _, ok := have[n]; ok {
			continue
		}
		switch o := o.(type) {
		case *types.Func:
			if o.Type().(*types.Signature).TypeParams().Len() > 0 {
				continue
			}
		case *types.TypeName:
			if t, ok := o.Type().(*types.Named); ok && t.TypeParams().Len() > 0 {
				continue
			}
			if t, ok := o.Type().Underlying().(*types.Interface); ok && t.NumMethods() == 0 && t.NumEmbeddeds() != 0 {
				continue
			}
		}
		names = append(names, n)
	}
	return names
}

// header replaces extract's first line and its +build line: the API
// level of the tables, which go.mod's go line implies anyway.
const header = `// Code generated by "go run ./internal/gen"; DO NOT EDIT.
// Source: %s.

//go:build go1.%d

`

// extractPkg runs yaegi's extractor on p for names only, and rewrites the
// header: the generator's name, and a //go:build line for the API level.
func extractPkg(p string, names []string, minor int) ([]byte, error) {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = regexp.QuoteMeta(n)
	}
	ext := extract.Extractor{Dest: "stdext", Include: []string{"^(" + strings.Join(quoted, "|") + ")$"}}
	var buf bytes.Buffer
	if _, err := ext.Extract(p, "", &buf); err != nil {
		return nil, err
	}
	src := buf.String()
	i := strings.Index(src, "\npackage stdext\n")
	if i < 0 {
		return nil, fmt.Errorf("unexpected extract output:\n%s", src)
	}
	return []byte(fmt.Sprintf(header, "yaegi extract of "+p+", restricted to what yaegi's go1.22 table lacks", minor) + src[i+1:]), nil
}

// removeStale deletes the files an earlier run generated in dir.
func removeStale(dir string) {
	files, err := filepath.Glob(filepath.Join(dir, "*"+genSuffix))
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			log.Fatal(err)
		}
		if bytes.HasPrefix(b, []byte("// Code generated by \"go run ./internal/gen\"")) {
			if err := os.Remove(f); err != nil {
				log.Fatal(err)
			}
		}
	}
}
