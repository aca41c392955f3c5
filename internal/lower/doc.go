// Package lower makes yaegi v0.16.1 (Go 1.21/1.22 with gaps, and the only
// release the module proxy serves) run the Go that notebook users write
// today, without forking yaegi. It has two halves.
//
// # Lowering new syntax: Lowerer.Chunk
//
// A Lowerer (one per interpreter) lowers the successive chunks of a
// session and remembers their top-level declarations, so a chunk can use a
// variable, type, iterator function or a user-defined min declared by an
// earlier one. Lowerer.Chunk takes a chunk as yaegi's REPL takes it (no
// package clause) and returns it lowered with the same lines plus helper
// declarations to evaluate first. source lowers one complete file
// (package clause plus declarations; statement chunks wrapped in func
// main) on its own; the tests use it. Rewrites:
//
//   - min and max, with any number of arguments, when the identifier is the
//     builtin (not declared in the file, at file scope or locally). Constant
//     calls are folded so they stay constants; others call fixed-arity
//     generic helpers (_gk_min2, _gk_max3, ...), with leading untyped
//     constants moved last because yaegi infers from the first argument.
//   - clear on a map or slice whose type is visible in the chunk.
//   - for i := range n over integers whose type is visible (literal,
//     conversion, typed declaration or parameter, len(...)): n is evaluated
//     once into a variable, which keeps its type.
//   - Go 1.22 per-iteration loop variables: when a loop body has a closure,
//     go/defer or takes an address, the variables are copied at the top of
//     the body; a 3-clause loop whose body assigns them carries the copy back
//     through a pointer to the loop variable at the end of the body and
//     before each continue.
//   - range over func iterators (iter.Seq, iter.Seq2, func(yield ...) bool
//     types visible in the chunk, slices.All/Values/Backward/Chunk,
//     maps.All/Keys/Values, methods declared in the chunk), with break,
//     continue, labeled break/continue and return in the body: the body
//     becomes a func() bool closure, jumps set a control code that is
//     dispatched after the iterator returns; result values go through
//     variables typed from the enclosing function's signature. Loops whose
//     body uses defer or goto are left alone.
//   - explicit type arguments for calls of generic functions declared in the
//     chunk, when every type parameter can be bound from the syntactic types
//     of the arguments (func literals, composite literals, typed variables;
//     untyped literals give their default type as a last resort). This fixes
//     Map(xs, func(x int) string {...}) and NewList(1, 2, 3).
//   - := at the top level of a statement chunk (it declares globals) whose
//     right side yaegi's global type analysis cannot type: comma-ok forms
//     (v, ok := m[k], x.(T), <-ch) and calls of generic functions (min/max
//     helpers, slices/maps functions, generics declared in the chunks). The
//     names are first declared from a side-effect-free expression of their
//     type (*new(T) with T from the syntax or the generic signature, or a
//     duplicated operand), then assigned: v, ok := m[k], false; v, ok = m[k].
//     A := whose right side reads one of its own names is left alone.
//   - defer: yaegi keeps the frame slots of a deferred call's arguments,
//     not their values, and makes a deferred function literal into a
//     closure only when it runs. The arguments of a deferred call of a
//     named function are evaluated into fresh variables at the defer
//     statement ({ _gk_d1_1 := x; defer fmt.Println("x", _gk_d1_1) }), and
//     the loop variables a deferred function literal uses become its
//     parameters (defer func(i int) { ... }(i)). Not done for calls with
//     ..., function literal arguments, or a single call argument.
//   - constants: in a const group with a spec of several names, implicit
//     repetitions are written out and iota is replaced by the spec index
//     (yaegi: "constant definition loop", iota counting names); a var of a
//     numeric basic type initialized from named untyped constants gets a
//     conversion, var f float32 = float32((Pi2) * 1) (yaegi types the
//     constant float64 when it is declared).
//   - a continue ending a select case (yaegi jumps to the end of the
//     select) sets a flag; the continue runs after the select.
//   - method expressions (*T).M and T.M of methods declared in the chunks
//     (yaegi passes the receiver twice) become the function literals they
//     denote, func(_gk_r *T, _gk_p0 int) { _gk_r.M(_gk_p0) }.
//   - recover() becomes _gk_recover(recover()): yaegi hands the deferred
//     function the panic value wrapped in a reflect.Value, which the helper
//     unwraps (r.(error) then holds). The helper imports reflect as
//     _gk_reflect; helper imports go on the package clause's line (source)
//     or are evaluated once per session (Lowerer.Chunk).
//   - once the session calls recover, s[i] on a variable whose slice type
//     the syntax shows becomes s[_gk_ix(i, len(s))]: the helper panics
//     with Go's runtime error text (yaegi's is reflect's).
//   - case error in a type switch that binds a variable becomes case
//     _gk_rt.Error, a compiled error interface type served by Exports
//     (yaegi never matches case error; it matches compiled interfaces).
//   - fmt.Printf, Sprintf, Errorf and Fprintf with a constant format: the
//     argument of a %T goes through _gk_T, a type switch over the session's
//     types returning Go's name (main.Rect; yaegi prints the synthesized
//     struct type), and the verb becomes %s; the argument of a numeric verb
//     (%d, %f, ...) that may have a named numeric type goes through _gk_N,
//     which converts it to the underlying type (yaegi formats its wrapper
//     of a type with a String method). In Lowerer.Chunk the helpers only
//     name types of earlier chunks: they are evaluated before the chunk.
//   - operands of fmt's and log's print functions (Print, Println, Sprint,
//     Fprint..., and the %v, %s, %q, %x, %X operands of Printf, Sprintf,
//     Errorf, ...) whose static type contains a session type with a
//     String, Error or GoString method go through _gk_sh helpers, one per
//     type, and operands of interface or unknown types through _gk_shany
//     (a type switch over the session's types): they become values built
//     by compiled code whose Format calls the interpreted methods as fmt
//     would (yaegi shows fmt methodless values inside slices, maps, struct
//     fields and []any, calls pointer-receiver methods on values and
//     ignores Error for %s and GoString for %#v). Only when the session
//     has such a type; in Lowerer.Chunk, only types and methods of earlier
//     chunks.
//   - print and println become _gk_rt.Print and _gk_rt.Println on the
//     cell's os.Stderr, in the runtime's format ((0x0,0x0) for a nil
//     interface, [0/0]0x0 for a nil slice); yaegi writes them to standard
//     output with fmt's formats.
//   - return p, with p a pointer to a session type, in a result declared
//     error panics with an explanation when p is nil: Go makes it a
//     non-nil error, yaegi a nil one.
//   - if, switch, select, for and block statements at the top level of a
//     statement chunk that declare variables go into func() { ... }():
//     there yaegi mixes nested-scope variables up with globals of the same
//     name (shadowing panics or replaces the global). Not when the
//     statement has a defer and declares no global's name: the deferred
//     call must run with the cell, not when the closure returns.
//
// Every rewrite is a splice of single-line text over a token range and the
// helpers are appended after the last line, so line numbers in yaegi's
// errors still point at the user's lines. Where a rewrite needs a type the
// syntax does not show (typically a variable from an earlier cell), the code
// is left as is and yaegi reports its own error.
//
// # Stdlib: slices, maps, cmp, iter
//
// Stdlib serves Go source for these packages with the Go 1.23+ API, written
// in what yaegi runs. yaegi compiles its own embedded Go 1.22 slices, maps
// and cmp whenever the standard library symbols are Used, and those win over
// any GOPATH, so Install compiles ours over them. Wiring, in this order:
//
//	i := interp.New(interp.Options{
//		Stdout: stdout, Stderr: stderr,
//		GoPath:               ".",            // Stdlib() is in GOPATH layout
//		SourcecodeFilesystem: lower.Stdlib(), // or an overlay that contains it
//	})
//	if err := i.Use(lower.Exports(stdlib.Symbols)); err != nil { ... }
//	if err := lower.Install(i); err != nil { ... }
//	var lw lower.Lowerer // one per interpreter, reset with it
//	...
//	helpers, code, err := lw.Chunk(chunk)
//	if err != nil { helpers, code = nil, chunk } // yaegi reports the problem itself
//	if len(helpers) > 0 { _, err = i.Eval(string(helpers)) }
//	_, err = i.Eval(string(code))
//
// GoPath and SourcecodeFilesystem are optional for these packages (Install
// alone serves them, iter included); they keep "import" working through the
// GOPATH for yaegi versions that stop pre-compiling their own copies.
//
// Known gaps (measured): clear on a value whose type is not visible is left
// to yaegi ("undefined: clear"); slices.Concat (variadic generic inference fails in
// yaegi), cmp.Or takes exactly two arguments, iter.Pull is absent; %T of a
// min/max result on a named type prints the underlying type; slices.Compare
// failed in one larger program ("cannot use type []int as type int").
package lower
