package lower

import (
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// fmtCall rewrites the arguments of fmt.Printf, Sprintf, Errorf and
// Fprintf calls with a constant format whose verbs yaegi v0.16.1 formats
// wrongly for values of types declared in the session:
//
//   - %T prints the reflect type yaegi synthesized (struct { W float64;
//     H float64 }) instead of main.Rect: the argument goes through
//     _gk_T, a type switch over the session's types that returns Go's
//     name, and the verb becomes %s.
//   - numeric verbs (%d, %f, ...) of a named basic type with a String
//     method print yaegi's wrapper ({2 5461440}): the argument goes
//     through _gk_N, which converts it to its underlying type.
//
// Formats with argument indexes ([n]) or * widths are left alone.
func (l *lowering) fmtCall(ce *ast.CallExpr, sel *ast.SelectorExpr) {
	pkg, ok := sel.X.(*ast.Ident)
	if !ok || pkg.Name != "fmt" || pkg.Obj != nil || ce.Ellipsis != token.NoPos {
		return
	}
	fi := 0
	switch sel.Sel.Name {
	case "Printf", "Sprintf", "Errorf":
	case "Fprintf":
		fi = 1
	default:
		return
	}
	if len(ce.Args) <= fi {
		return
	}
	lit, ok := ce.Args[fi].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING || !strings.HasPrefix(lit.Value, `"`) {
		return
	}
	format, err := strconv.Unquote(lit.Value)
	if err != nil {
		return
	}
	verbs, _, plus, tpos, ok := scanVerbFlags(format)
	if !ok {
		return
	}
	named, basic := l.sessionTypes()
	changed := false
	for i, v := range verbs {
		ai := fi + 1 + i
		if ai >= len(ce.Args) {
			break
		}
		arg := ce.Args[ai]
		if _, isLit := arg.(*ast.BasicLit); isLit {
			continue
		}
		switch {
		case v == 'T' && len(named) > 0:
			l.helper("_gk_T", helperTypeName(named))
			l.helper("_gk_fmt", `import _gk_fmt "fmt"`)
			l.ed.insert(l.off(arg.Pos()), "_gk_T(")
			l.ed.insert(l.off(arg.End()), ")")
			changed = true
		case v == 'v' && plus[i] && len(l.hiddenFields(arg)) > 0 && !l.shown(arg):
			// yaegi names an unexported field X<name> in the struct
			// type it makes (reflect.StructOf cannot make unexported
			// fields), which %+v prints: _gk_rt.Fields prints the
			// declared names.
			l.helper("_gk_rt", `import _gk_rt "`+rtPath+`"`)
			l.ed.insert(l.off(arg.Pos()), "_gk_rt.Fields(")
			l.ed.insert(l.off(arg.End()), ", "+strconv.Quote(strings.Join(l.hiddenFields(arg), ","))+")")
		case strings.ContainsRune("dobcUeEfFgG", v) && len(basic) > 0 && l.maybeNamedBasic(arg, basic):
			l.helper("_gk_N", helperUnderlying(basic))
			l.ed.insert(l.off(arg.Pos()), "_gk_N(")
			l.ed.insert(l.off(arg.End()), ")")
		}
	}
	if changed {
		b := []byte(format)
		for _, p := range tpos {
			b[p] = 's'
		}
		l.ed.replace(l.off(lit.Pos()), l.off(lit.End()), strconv.Quote(string(b)))
	}
}

// scanVerbs returns the verb of each argument of a format, whether each
// has the # flag, and the offsets of its T verbs; ok is false for formats
// it does not handle.
func scanVerbs(format string) (verbs []rune, sharp []bool, tpos []int, ok bool) {
	verbs, sharp, _, tpos, ok = scanVerbFlags(format)
	return verbs, sharp, tpos, ok
}

// scanVerbFlags is scanVerbs with the + flag of each argument too.
func scanVerbFlags(format string) (verbs []rune, sharp, plus []bool, tpos []int, ok bool) {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		s, p := false, false
		for i < len(format) && strings.IndexByte("+-# 0123456789.", format[i]) >= 0 {
			s = s || format[i] == '#'
			p = p || format[i] == '+'
			i++
		}
		if i >= len(format) {
			return nil, nil, nil, nil, false
		}
		c := format[i]
		switch {
		case c == '%':
			continue
		case c == '*' || c == '[' || c >= 0x80:
			return nil, nil, nil, nil, false
		case c == 'T':
			tpos = append(tpos, i)
		}
		verbs = append(verbs, rune(c))
		sharp = append(sharp, s)
		plus = append(plus, p)
	}
	return verbs, sharp, plus, tpos, true
}

// sessionTypes returns the non-generic, non-interface types declared at
// the top level of the session, and among them those whose underlying
// type is a predeclared numeric type (name → underlying name).
func (l *lowering) sessionTypes() (named []string, basic map[string]string) {
	basic = map[string]string{}
	for name, o := range l.types {
		ts, ok := o.Decl.(*ast.TypeSpec)
		if o.Kind != ast.Typ || !ok || ts.TypeParams != nil || ts.Assign != token.NoPos || strings.HasPrefix(name, "_gk_") {
			continue
		}
		if _, isIface := ts.Type.(*ast.InterfaceType); isIface {
			continue
		}
		named = append(named, name)
		if id, ok := ts.Type.(*ast.Ident); ok && numericNames[id.Name] {
			basic[name] = id.Name
		}
	}
	sort.Strings(named)
	return named, basic
}

// maybeNamedBasic reports whether arg may be of one of the basic named
// types: its type is one of them, or it is a constant whose type the
// syntax does not show (an implicit repetition in a const group).
func (l *lowering) maybeNamedBasic(arg ast.Expr, basic map[string]string) bool {
	if id, ok := l.typeOf(arg, 0).(*ast.Ident); ok {
		_, yes := basic[id.Name]
		return yes
	}
	id, ok := unparen(arg).(*ast.Ident)
	return ok && id.Obj != nil && id.Obj.Kind == ast.Con
}

func helperTypeName(named []string) string {
	var b strings.Builder
	// yaegi matches a value held by an interface of the session in a
	// switch without a variable (it compares type names) and a plain
	// struct value in a switch that binds one: both are tried.
	b.WriteString("func _gk_T(v interface{}) string {\n\tswitch v.(type) {\n")
	for _, n := range named {
		b.WriteString("\tcase " + n + ":\n\t\treturn \"main." + n + "\"\n")
		b.WriteString("\tcase *" + n + ":\n\t\treturn \"*main." + n + "\"\n")
	}
	b.WriteString("\t}\n\tswitch x := v.(type) {\n")
	for _, n := range named {
		b.WriteString("\tcase " + n + ":\n\t\t_ = x\n\t\treturn \"main." + n + "\"\n")
		b.WriteString("\tcase *" + n + ":\n\t\t_ = x\n\t\treturn \"*main." + n + "\"\n")
	}
	b.WriteString("\t}\n\treturn _gk_fmt.Sprintf(\"%T\", v)\n}")
	return b.String()
}

func helperUnderlying(basic map[string]string) string {
	names := make([]string, 0, len(basic))
	for n := range basic {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("func _gk_N(v interface{}) interface{} {\n\tswitch x := v.(type) {\n")
	for _, n := range names {
		b.WriteString("\tcase " + n + ":\n\t\treturn " + basic[n] + "(x)\n")
	}
	b.WriteString("\t}\n\treturn v\n}")
	return b.String()
}

// hiddenFields returns the unexported field names of arg's struct type
// when it is a cell-declared struct type visible in the syntax.
func (l *lowering) hiddenFields(arg ast.Expr) []string {
	t, _ := l.typeOf(arg, 0).(*ast.Ident)
	ts := l.cellTypeSpec(t)
	if ts == nil {
		return nil
	}
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		return nil
	}
	var names []string
	for _, f := range st.Fields.List {
		for _, n := range f.Names {
			if !n.IsExported() && n.Name != "_" {
				names = append(names, n.Name)
			}
		}
	}
	return names
}

// jsonHidden tags the untagged unexported fields of a struct type with
// json:"-": yaegi makes them exported fields named X<name>, which
// encoding/json then marshalled ("Xprivate":3) and filled, where Go
// ignores them.
func (l *lowering) jsonHidden(st *ast.StructType) {
	for _, f := range st.Fields.List {
		if f.Tag != nil || len(f.Names) == 0 || !l.oneLine(f.Pos(), f.End()) {
			continue
		}
		hidden := true
		for _, n := range f.Names {
			hidden = hidden && !n.IsExported()
		}
		if hidden {
			l.ed.insert(l.off(f.Type.End()), " `json:\"-\"`")
		}
	}
}

// plusFields wraps v so that %+v prints the names of fields that were
// unexported in the cell's declaration (names, comma-separated) as
// declared instead of yaegi's X<name>. Other verbs print v as fmt does.
func plusFields(v any, names string) fmt.Formatter { return hiddenNames{v, strings.Split(names, ",")} }

type hiddenNames struct {
	v     any
	names []string
}

func (h hiddenNames) Format(s fmt.State, verb rune) {
	rv := reflect.ValueOf(h.v)
	if verb != 'v' || !s.Flag('+') || rv.Kind() != reflect.Struct {
		fmt.Fprintf(s, fmt.FormatString(s, verb), h.v)
		return
	}
	hidden := map[string]bool{}
	for _, n := range h.names {
		hidden["X"+n] = true
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < rv.NumField(); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		name := rv.Type().Field(i).Name
		if hidden[name] {
			name = name[1:]
		}
		b.WriteString(name + ":")
		if f := rv.Field(i); f.CanInterface() {
			fmt.Fprintf(&b, "%+v", f.Interface())
		} else {
			b.WriteString("?")
		}
	}
	b.WriteByte('}')
	s.Write([]byte(b.String()))
}

// shown reports whether the String-method rewrite converts arg (its
// conversion writes the declared field names itself).
func (l *lowering) shown(arg ast.Expr) bool {
	return len(l.showInit().showable) > 0 && l.showOperand(arg) != ""
}
