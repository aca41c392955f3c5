package goeval

import (
	"fmt"
	"reflect"

	"github.com/traefik/yaegi/interp"

	"github.com/gokernel/gokernel/display"
	"github.com/gokernel/gokernel/kernel"
)

// Rich results: the value of a cell's trailing expression is shown with its
// rich MIME forms (display.Rich: HTML, Markdown, SVG and PNG methods,
// images, plots, slices of structs or maps as tables) next to text/plain.
//
// Methods of types declared in cells are callable from Go only through
// interfaces yaegi wraps values in: resultInterfaces is rt.Result's list
// in yaegi's MapTypes, and useRichWrappers loads the wrapper types yaegi
// looks up for them.

// resultInterfaces returns the interfaces yaegi wraps values passed to
// rt.Result in: the rich ones (combined with fmt.Stringer first), then
// fmt.Stringer and error.
func resultInterfaces() []reflect.Type { return display.ValueInterfaces() }

// useRichWrappers loads the interface wrappers of resultInterfaces.
func (e *Engine) useRichWrappers() error {
	if err := e.in.Use(interp.Exports(display.Wrappers())); err != nil {
		return fmt.Errorf("goeval: loading display wrappers: %w", err)
	}
	return nil
}

// formatResult returns the text/plain form of a trailing value and, when
// it has one, its rich bundle (which includes that text/plain). A value of
// a cell's type with rich methods but no String method reaches Go as a
// wrapper that cannot be printed: its text is the rich form's text twin.
func formatResult(v any) (string, kernel.MIMEBundle) {
	b, ok := display.Rich(v)
	if !ok {
		return formatValue(v), nil
	}
	text, _ := b["text/plain"].(string)
	if !display.Wrapped(v) {
		text = formatValue(v)
	}
	rich := kernel.MIMEBundle{}
	for k, x := range b {
		rich[k] = x
	}
	rich["text/plain"] = text
	return text, rich
}

// isDisplayID reports whether v is the ID a display function returned: the
// display is already shown, so a cell ending in display.HTML(...) has no
// result of its own.
func isDisplayID(v any) bool {
	_, ok := v.(display.ID)
	return ok
}

// bundle returns the cell's value as a MIME bundle: the rich one setResult
// made if it belongs to the current text, else text/plain alone.
func (r *cellResult) bundle() kernel.MIMEBundle {
	if r.rich != nil && r.rich["text/plain"] == r.text {
		return r.rich
	}
	return kernel.MIMEBundle{"text/plain": r.text}
}
