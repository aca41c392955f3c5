package compiled

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// A whole cell is a declaration cell with types, methods, generic code,
// package-level variables or untyped constants. It is built as the
// plugin's own main package, so that every declaration of the cell lives
// in one Go package as the user wrote it: methods with their types,
// unexported fields and methods, generic code with its instantiations, and
// %T prints main.T as go run does. A main package cannot be imported, so
// no later compiled cell uses its names (they leave the front-end's
// scope, as an interpreted declaration's do) and the interpreter gets
// them from the symbol table: funcs, types, variables (addressable),
// typed constants; untyped constants are declared again in the
// interpreter with their exact values.

// wholeSymbol adds the symbol-table entry of a whole cell's declared name
// to syms, or records why the interpreter cannot have it; a non-empty
// result refuses the cell.
func (fe *frontEnd) wholeSymbol(p *Plan, name string, obj types.Object, syms *strings.Builder) string {
	if p.only == nil {
		p.only = map[string]string{}
	}
	switch o := obj.(type) {
	case *types.Func:
		sig := o.Type().(*types.Signature)
		if sig.TypeParams().Len() > 0 {
			p.only[name] = "a generic function, which the interpreter cannot instantiate"
			return ""
		}
		for i := 0; i < sig.Params().Len(); i++ {
			if pt := sig.Params().At(i).Type(); !closedType(pt, map[types.Type]bool{}) {
				p.only[name] = "it takes a parameter of type " + pt.String() + ", which could carry interpreted code into compiled code"
				return ""
			}
		}
		for i := 0; i < sig.Results().Len(); i++ {
			if rt := sig.Results().At(i).Type(); !outSafe(rt) {
				p.only[name] = "it returns " + rt.String() + ", a func whose callers could pass interpreted code into compiled code"
				return ""
			}
		}
		fmt.Fprintf(syms, "\t\t%q: %s,\n", name, name)
	case *types.Var:
		// yaegi v0.16.1 loses assignments to a package's variable
		// (x = 5 refused, xs = append(xs, 4) dropped): interpreted cells
		// are rewritten to go through the pointer (Loaded.Vars).
		fmt.Fprintf(syms, "\t\t%q: &%s,\n", "\x00"+name, name)
		fmt.Fprintf(syms, "\t\t%q: &%s,\n", "Gk_p_"+name, name)
		p.vars = append(p.vars, name)
	case *types.TypeName:
		if n, ok := o.Type().(*types.Named); ok && n.TypeParams().Len() > 0 {
			p.only[name] = "a generic type, which the interpreter cannot instantiate"
			return ""
		}
		if a, ok := o.Type().(*types.Alias); ok && a.TypeParams().Len() > 0 {
			p.only[name] = "a generic alias, which the interpreter cannot instantiate"
			return ""
		}
		if i, ok := o.Type().Underlying().(*types.Interface); ok && !i.IsMethodSet() {
			p.only[name] = "a constraint, which is no type of values"
			return ""
		}
		fmt.Fprintf(syms, "\t\t%q: (*%s)(nil),\n", name, name)
	case *types.Const:
		b, ok := o.Type().Underlying().(*types.Basic)
		if !ok {
			return "declares a constant of an unusual type"
		}
		if b.Info()&types.IsUntyped == 0 {
			fmt.Fprintf(syms, "\t\t%q: %s,\n", name, name)
			return ""
		}
		lit, ok := untypedLiteral(o.Val(), b.Kind())
		if !ok {
			p.only[name] = "an untyped constant the interpreter cannot be given exactly"
			return ""
		}
		p.consts = append(p.consts, name+" = "+lit)
	}
	return ""
}

// untypedLiteral writes an untyped constant's exact value as a constant
// expression of the same kind (so that its default type stays the one Go
// gives it: 'a' stays a rune, 2.0 a float).
func untypedLiteral(v constant.Value, kind types.BasicKind) (string, bool) {
	switch kind {
	case types.UntypedBool:
		return v.ExactString(), true
	case types.UntypedString:
		return strconv.Quote(constant.StringVal(v)), true
	case types.UntypedRune:
		if r, ok := constant.Int64Val(v); ok && r >= 0 && r <= 0x10FFFF && (r < 0xD800 || r > 0xDFFF) {
			return strconv.QuoteRune(rune(r)), true
		}
		return "", false
	case types.UntypedInt:
		return v.ExactString(), true
	case types.UntypedFloat:
		x := constant.ToFloat(v)
		if num, den, frac := strings.Cut(x.ExactString(), "/"); frac {
			return "(" + num + ".0 / " + den + ")", true
		}
		s := x.ExactString()
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return s, true
	}
	return "", false // complex, nil
}

// hasType reports whether the cell declares a type.
func hasType(f *ast.File) bool {
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
			return true
		}
	}
	return false
}

// openCell says why a cell of types without func main must stay in the
// interpreter in auto mode ("" when it can be compiled whole): everything
// later interpreted cells may touch has to be visible to them through
// reflect, which hides unexported fields and methods, and interface types
// stay interpreted (an interpreted value in a compiled interface loses its
// methods). Compiling such a cell gives its types real Go method sets:
// errors.As and errors.Is, type switches and fmt's String and Error
// methods then work as in Go, which the interpreter gets wrong. What it
// costs: a later cell cannot add methods to these types (a clear error).
func openCell(f *ast.File, info *types.Info) string {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil {
				continue
			}
			if !d.Name.IsExported() {
				return "declares the unexported method " + d.Name.Name + " (the interpreter could not call it on a compiled type)"
			}
			fn, ok := info.Defs[d.Name].(*types.Func)
			if !ok {
				return "internal: no method " + d.Name.Name
			}
			// As for a library cell's funcs: interpreted code must not
			// run inside compiled code (a func or interface argument, or
			// an iterator's yield).
			sig := fn.Type().(*types.Signature)
			for i := 0; i < sig.Params().Len(); i++ {
				if pt := sig.Params().At(i).Type(); !closedType(pt, map[types.Type]bool{}) {
					return "declares the method " + d.Name.Name + " with a parameter of type " + pt.String() + ", which could carry interpreted code into compiled code"
				}
			}
			for i := 0; i < sig.Results().Len(); i++ {
				if rt := sig.Results().At(i).Type(); !outSafe(rt) {
					return "declares the method " + d.Name.Name + " returning " + rt.String() + ", a func whose callers could pass interpreted code into compiled code"
				}
			}
		case *ast.GenDecl:
			if d.Tok != token.TYPE {
				continue
			}
			for _, s := range d.Specs {
				ts := s.(*ast.TypeSpec)
				obj, ok := info.Defs[ts.Name].(*types.TypeName)
				if !ok {
					return "internal: no type for " + ts.Name.Name
				}
				switch u := obj.Type().Underlying().(type) {
				case *types.Interface:
					return "declares the interface " + ts.Name.Name + " (interpreted values in a compiled interface lose their methods)"
				case *types.Struct:
					for i := 0; i < u.NumFields(); i++ {
						if fld := u.Field(i); !fld.Exported() || fld.Embedded() {
							return "declares " + ts.Name.Name + " with the unexported or embedded field " + fld.Name() + " (the interpreter could not reach it in a compiled type)"
						}
					}
				}
			}
		}
	}
	return ""
}
