package lower

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
)

// The String-method rewrite. yaegi v0.16.1 hands fmt a value of a
// cell-declared type as a value of the reflect type it synthesized, which
// has no methods. It wraps an operand of a fmt call whose own type has a
// String or Error method, so fmt.Println(t) works, but not a value inside
// a slice, map, struct field or []any ([1 2.25] instead of [1.0°C 2.2°C]),
// it calls a pointer-receiver String on a value operand, ignores Error for
// %s of Printf and GoString for %#v. Those are silent wrong answers.
//
// The rewrite converts the operands of fmt's and log's print functions
// whose static type (as far as the syntax shows, see typeOf) contains a
// session type with such methods, and operands of an interface or an
// unknown type, into values built by compiled code (showrt.go) whose
// Format methods call the interpreted methods the way fmt would:
//
//	fmt.Println(temps) → fmt.Println(_gk_sh1a2b3c4d(temps))
//
// with one helper function per static type, taking that type and
// returning the converted value, and _gk_shany for interface values,
// which dispatches on the dynamic type with a type switch without a
// variable (the form yaegi matches by type name). Types with a Format
// method, generic types and structs with blank fields are left alone.

// showVerbs are the verbs for which fmt calls Error or String.
const showVerbs = "vsxXq"

// printFuncs are the print functions of fmt and log whose operands are all
// formatted with %v, by package, with the index of their first operand.
var printFuncs = map[string]map[string]int{
	"fmt": {"Print": 0, "Println": 0, "Sprint": 0, "Sprintln": 0, "Fprint": 1, "Fprintln": 1},
	"log": {"Print": 0, "Println": 0, "Fatal": 0, "Fatalln": 0, "Panic": 0, "Panicln": 0},
}

// formatFuncs are the functions with a format, by package, with the index
// of the format argument.
var formatFuncs = map[string]map[string]int{
	"fmt": {"Printf": 0, "Sprintf": 0, "Errorf": 0, "Fprintf": 1},
	"log": {"Printf": 0, "Fatalf": 0, "Panicf": 0},
}

// shower holds the conversion helpers of one lowering.
type shower struct {
	// byType maps a type's text to its helper ("" when the type needs no
	// conversion, "-" when it must be left alone).
	byType map[string]string
	// showable are the session types with a String, Error or GoString
	// method in the method set of the type or of its pointer.
	showable map[string]bool
}

// showInit finds the showable session types, once per lowering.
func (l *lowering) showInit() *shower {
	if l.show != nil {
		return l.show
	}
	l.show = &shower{byType: map[string]string{}, showable: map[string]bool{}}
	for _, m := range []string{"String", "Error", "GoString"} {
		for _, fd := range l.showMethods[m] {
			if base, _ := recvBase(fd); base != "" && l.sessionType(base) != nil {
				l.show.showable[base] = true
			}
		}
	}
	return l.show
}

// sessionType returns the declaration of a non-generic, non-alias type
// declared at the top level of the session, or nil.
func (l *lowering) sessionType(name string) *ast.TypeSpec {
	o := l.types[name]
	if o == nil || o.Kind != ast.Typ || strings.HasPrefix(name, "_gk_") {
		return nil
	}
	ts, ok := o.Decl.(*ast.TypeSpec)
	if !ok || ts.TypeParams != nil || ts.Assign != token.NoPos {
		return nil
	}
	return ts
}

// sessionIdent returns the declaration of the session type id names; nil
// when id is another name (a local type of the same name included).
func (l *lowering) sessionIdent(id *ast.Ident) *ast.TypeSpec {
	ts := l.sessionType(id.Name)
	if ts == nil || (id.Obj != nil && id.Obj.Decl != ts) {
		return nil
	}
	return ts
}

// method reports whether the session type name has method m, declared or
// promoted through embedded fields, and whether only its pointer has it.
func (l *lowering) method(name, m string, depth int) (has, ptrOnly bool) {
	if depth > 4 {
		return false, false
	}
	for _, fd := range l.showMethods[m] {
		if base, ptr := recvBase(fd); base == name {
			return true, ptr
		}
	}
	ts := l.sessionType(name)
	if ts == nil {
		return false, false
	}
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		return false, false
	}
	for _, f := range st.Fields.List {
		if len(f.Names) != 0 {
			continue
		}
		t, embPtr := f.Type, false
		if s, ok := t.(*ast.StarExpr); ok {
			t, embPtr = s.X, true
		}
		id, ok := t.(*ast.Ident)
		if !ok {
			continue
		}
		if h, p := l.method(id.Name, m, depth+1); h {
			return true, p && !embPtr
		}
	}
	return false, false
}

// showCall rewrites the operands of fmt's and log's print functions.
func (l *lowering) showCall(ce *ast.CallExpr, sel *ast.SelectorExpr) {
	pkg, ok := sel.X.(*ast.Ident)
	if !ok || pkg.Obj != nil || l.globals[pkg.Name] || (pkg.Name != "fmt" && pkg.Name != "log") {
		return
	}
	l.showArgs(ce, pkg.Name, sel.Sel.Name)
}

// parseTypeExpr parses the text of a type the pass writes itself.
func parseTypeExpr(s string) ast.Expr {
	e, err := parser.ParseExpr(s)
	if err != nil {
		return nil
	}
	return e
}

// showArgs rewrites the operands of a print or format call of fmt or log.
func (l *lowering) showArgs(ce *ast.CallExpr, pkg, fn string) {
	if ce.Ellipsis != token.NoPos {
		return
	}
	var args, gosharp []ast.Expr
	if first, ok := printFuncs[pkg][fn]; ok {
		if len(ce.Args) > first {
			args = ce.Args[first:]
		}
	} else if fi, ok := formatFuncs[pkg][fn]; ok && len(ce.Args) > fi {
		verbs, sharp, ok := formatVerbs(ce.Args[fi])
		if !ok {
			return
		}
		for i, v := range verbs {
			ai := fi + 1 + i
			switch {
			case ai >= len(ce.Args) || !strings.ContainsRune(showVerbs, v):
			case sharp[i]:
				// %#v of a converted slice or struct would print the
				// converted type; only GoString is worth a conversion.
				gosharp = append(gosharp, ce.Args[ai])
			default:
				args = append(args, ce.Args[ai])
			}
		}
	}
	if len(args)+len(gosharp) == 0 || len(l.showInit().showable) == 0 {
		return
	}
	for _, a := range gosharp {
		if name := l.showGoString(a); name != "" {
			l.ed.insert(l.off(a.Pos()), name+"(")
			l.ed.insert(l.off(a.End()), ")")
		}
	}
	for _, a := range args {
		if name := l.showOperand(a); name != "" {
			l.ed.insert(l.off(a.Pos()), name+"(")
			l.ed.insert(l.off(a.End()), ")")
		}
	}
}

// formatVerbs returns the verbs of a constant format and whether each has
// the # flag.
func formatVerbs(e ast.Expr) (verbs []rune, sharp []bool, ok bool) {
	lit, isLit := e.(*ast.BasicLit)
	if !isLit || lit.Kind != token.STRING {
		return nil, nil, false
	}
	format, err := strconv.Unquote(lit.Value)
	if err != nil {
		return nil, nil, false
	}
	verbs, sharp, _, ok = scanVerbs(format)
	return verbs, sharp, ok
}

// showGoString returns the helper that converts an operand of %#v whose
// static type, a session type or a pointer to one, has a GoString method.
func (l *lowering) showGoString(a ast.Expr) string {
	t := l.showType(a)
	base := t
	if s, ok := t.(*ast.StarExpr); ok {
		base = s.X
	}
	id, ok := base.(*ast.Ident)
	if !ok || l.sessionIdent(id) == nil {
		return ""
	}
	if _, gostr := l.boundMethods(id.Name, base != t); gostr == "nil" {
		return ""
	}
	if name := l.conv(t, 0); name != "-" {
		return name
	}
	return ""
}

// showType is typeOf, plus the fields of session struct types
// (x.Field), which typeOf does not resolve.
func (l *lowering) showType(a ast.Expr) ast.Expr {
	if t := l.typeOf(a, 0); t != nil {
		return t
	}
	se, ok := unparen(a).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	t := l.showType(se.X)
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	id, ok := t.(*ast.Ident)
	if !ok {
		return nil
	}
	ts := l.sessionIdent(id)
	if ts == nil {
		return nil
	}
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		return nil
	}
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if n.Name == se.Sel.Name {
				return f.Type
			}
		}
	}
	return nil
}

// showOperand returns the helper that converts operand a, or "".
func (l *lowering) showOperand(a ast.Expr) string {
	switch x := unparen(a).(type) {
	case *ast.BasicLit:
		return ""
	case *ast.CallExpr:
		// A function of another package (fmt.Sprint, errors.New,
		// strings.Repeat) returns a compiled value.
		if se, ok := unparen(x.Fun).(*ast.SelectorExpr); ok {
			if id, ok := se.X.(*ast.Ident); ok && id.Obj == nil && !l.globals[id.Name] {
				return ""
			}
		}
	}
	t := l.showType(a)
	if t == nil {
		return l.showAny()
	}
	name := l.conv(t, 0)
	if name == "-" {
		return ""
	}
	return name
}

// conv returns the helper converting a value of type t: "" when the value
// needs no conversion, "-" when it must be left alone.
func (l *lowering) conv(t ast.Expr, depth int) string {
	if depth > 8 {
		return "-"
	}
	if l.isIface(t) {
		return l.showAny()
	}
	text := l.typeText(t)
	if text == "" {
		return "-"
	}
	sh := l.showInit()
	if name, ok := sh.byType[text]; ok {
		return name
	}
	name := "_gk_sh" + hashName(text)
	// A recursive type meets its own helper name while the helper is
	// written: the name is returned, and the helper must then exist.
	sh.byType[text] = name
	body := l.convBody(t, text, name, depth)
	if !strings.HasPrefix(body, "func ") {
		// "", "-" or the name of another helper (_gk_shany).
		if l.helpers[name] == "" && strings.Contains(strings.Join(mapValues(l.helpers), "\n"), name+"(") {
			l.helper(name, "func "+name+"(x "+text+") any { return x }")
			return name
		}
		sh.byType[text] = body
		return body
	}
	l.helper(name, body)
	return name
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func hashName(s string) string {
	h := fnv.New32a()
	h.Write([]byte(s))
	return fmt.Sprintf("%08x", h.Sum32())
}

// isIface reports whether t is an interface type: any, error, an
// interface literal or a session interface type.
func (l *lowering) isIface(t ast.Expr) bool {
	switch t := unparen(t).(type) {
	case *ast.InterfaceType:
		return true
	case *ast.Ident:
		if t.Obj == nil && (t.Name == "any" || t.Name == "error") && l.types[t.Name] == nil {
			return true
		}
		if ts := l.sessionIdent(t); ts != nil {
			_, ok := ts.Type.(*ast.InterfaceType)
			return ok
		}
	}
	return false
}

// convBody returns the helper function converting type t (named name), ""
// or "-" (see conv).
func (l *lowering) convBody(t ast.Expr, text, name string, depth int) string {
	head := "func " + name + "(x " + text + ") any { "
	switch t := unparen(t).(type) {
	case *ast.Ident:
		if t.Obj == nil && (intNames[t.Name] || basicNames[t.Name]) {
			if t.Name == "error" || t.Name == "any" {
				return l.showAny()
			}
			return ""
		}
		ts := l.sessionIdent(t)
		if ts == nil {
			return "-"
		}
		if _, isIface := ts.Type.(*ast.InterfaceType); isIface {
			return l.showAny()
		}
		if has, _ := l.method(t.Name, "Format", 0); has {
			return "-"
		}
		str, gostr := l.boundMethods(t.Name, false)
		if str != "nil" || gostr != "nil" {
			l.helper("_gk_rt", `import _gk_rt "`+rtPath+`"`)
			return head + "return _gk_rt.Show(" + str + ", " + gostr + ", x, false) }"
		}
		switch u := ts.Type.(type) {
		case *ast.StructType:
			return l.convStruct(u, t.Name, head, depth)
		case *ast.ArrayType, *ast.MapType:
			return l.convElems(u, head, depth)
		}
		return ""
	case *ast.StarExpr:
		id, ok := unparen(t.X).(*ast.Ident)
		if !ok || l.sessionIdent(id) == nil {
			return ""
		}
		if has, _ := l.method(id.Name, "Format", 0); has {
			return "-"
		}
		str, gostr := l.boundMethods(id.Name, true)
		if str == "nil" && gostr == "nil" {
			return ""
		}
		l.helper("_gk_rt", `import _gk_rt "`+rtPath+`"`)
		// A nil pointer whose method has a value receiver makes fmt's
		// call panic, which fmt prints as <nil>, as it prints the pointer.
		guard := ""
		if m := strings.TrimPrefix(str, "x."); m != "nil" {
			if _, ptrOnly := l.method(id.Name, m, 0); !ptrOnly {
				guard = "if x == nil { return x }; "
			}
		}
		return head + guard + "return _gk_rt.Show(" + str + ", " + gostr + ", x, x == nil) }"
	case *ast.ArrayType, *ast.MapType:
		return l.convElems(t, head, depth)
	case *ast.InterfaceType:
		return l.showAny()
	case *ast.SelectorExpr, *ast.ChanType, *ast.FuncType:
		// Compiled types print with their own methods.
		return ""
	}
	return "-"
}

// boundMethods returns the method values fmt would use for %v and %#v of
// a value (or, with ptr, a pointer) of session type name: x.Error or
// x.String, and x.GoString, or nil.
func (l *lowering) boundMethods(name string, ptr bool) (str, gostr string) {
	str, gostr = "nil", "nil"
	for _, m := range []string{"String", "Error"} {
		if has, ptrOnly := l.method(name, m, 0); has && (ptr || !ptrOnly) {
			str = "x." + m
		}
	}
	if has, ptrOnly := l.method(name, "GoString", 0); has && (ptr || !ptrOnly) {
		gostr = "x.GoString"
	}
	return str, gostr
}

// convStruct converts a struct of session type name whose fields need
// converting, or whose pointer has the methods (yaegi would call them on
// the value).
func (l *lowering) convStruct(st *ast.StructType, name, head string, depth int) string {
	pstr, pgostr := l.boundMethods(name, true)
	need := pstr != "nil" || pgostr != "nil"
	var b strings.Builder
	b.WriteString(head + "s := _gk_rt.Struct(); ")
	for _, f := range st.Fields.List {
		names := f.Names
		if len(names) == 0 {
			t := f.Type
			if s, ok := t.(*ast.StarExpr); ok {
				t = s.X
			}
			switch t := t.(type) {
			case *ast.Ident:
				names = []*ast.Ident{t}
			case *ast.SelectorExpr:
				names = []*ast.Ident{t.Sel}
			default:
				return "-"
			}
		}
		for _, n := range names {
			if n.Name == "_" {
				return "-"
			}
			v := "x." + n.Name
			// fmt cannot call the methods of an unexported field.
			if token.IsExported(n.Name) {
				switch c := l.conv(f.Type, depth+1); c {
				case "-":
					return "-"
				case "":
				default:
					v = c + "(" + v + ")"
					need = true
				}
			}
			fmt.Fprintf(&b, "_gk_rt.Field(s, %q, %s); ", n.Name, v)
		}
	}
	if !need {
		return ""
	}
	l.helper("_gk_rt", `import _gk_rt "`+rtPath+`"`)
	b.WriteString("return s }")
	return b.String()
}

// convElems converts a slice, array or map whose elements need converting.
func (l *lowering) convElems(t ast.Expr, head string, depth int) string {
	switch t := t.(type) {
	case *ast.ArrayType:
		c := l.conv(t.Elt, depth+1)
		if c == "" || c == "-" {
			return c
		}
		l.helper("_gk_rt", `import _gk_rt "`+rtPath+`"`)
		return head + "l := _gk_rt.List(len(x)); for i := range x { _gk_rt.Set(l, i, " + c + "(x[i])) }; return l }"
	case *ast.MapType:
		if k := l.conv(t.Key, depth+1); k != "" {
			return "-"
		}
		c := l.conv(t.Value, depth+1)
		if c == "" || c == "-" {
			return c
		}
		l.helper("_gk_rt", `import _gk_rt "`+rtPath+`"`)
		return head + "m := _gk_rt.Map(); for k, v := range x { _gk_rt.Put(m, k, " + c + "(v)) }; return _gk_rt.MapValue(m) }"
	}
	return "-"
}

// showAny returns _gk_shany, which converts an interface value by its
// dynamic type: the showable session types and their pointers, []any and
// map[string]any.
func (l *lowering) showAny() string {
	const name = "_gk_shany"
	sh := l.showInit()
	if n, ok := sh.byType["\x00any"]; ok {
		return n
	}
	sh.byType["\x00any"] = name
	names := make([]string, 0, len(l.types))
	for n := range l.types {
		if ts := l.sessionType(n); ts != nil {
			if _, isIface := ts.Type.(*ast.InterfaceType); !isIface {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("func " + name + "(v any) any {\n\tswitch v.(type) {\n")
	for _, n := range names {
		for _, t := range []string{n, "*" + n} {
			te := parseTypeExpr(t)
			if c := l.conv(te, 1); c != "" && c != "-" {
				fmt.Fprintf(&b, "\tcase %s:\n\t\treturn %s(v.(%s))\n", t, c, t)
			}
		}
	}
	b.WriteString("\t}\n")
	// yaegi matches a struct value held by an interface only in a switch
	// that binds a variable, by comparing reflect types: a struct type
	// whose layout another session struct type shares is left out.
	layouts := map[string]int{}
	for _, n := range names {
		if st, ok := l.sessionType(n).Type.(*ast.StructType); ok {
			layouts[l.typeText(st)]++
		}
	}
	var cases strings.Builder
	for _, n := range names {
		st, ok := l.sessionType(n).Type.(*ast.StructType)
		if !ok || layouts[l.typeText(st)] != 1 {
			continue
		}
		if c := l.conv(ast.NewIdent(n), 1); c != "" && c != "-" {
			fmt.Fprintf(&cases, "\tcase %s:\n\t\treturn %s(x)\n", n, c)
		}
	}
	if cases.Len() > 0 {
		b.WriteString("\tswitch x := v.(type) {\n" + cases.String() + "\t}\n")
	}
	for _, t := range []string{"[]any", "map[string]any"} {
		te := parseTypeExpr(t)
		if c := l.conv(te, 1); c != "" && c != "-" {
			fmt.Fprintf(&b, "\tif x, ok := v.(%s); ok {\n\t\treturn %s(x)\n\t}\n", t, c)
		}
	}
	b.WriteString("\treturn v\n}")
	l.helper(name, b.String())
	return name
}
