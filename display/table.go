package display

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode"

	"github.com/gokernel/gokernel/internal/htmltable"
)

// TableBundle renders a slice (or array) of structs, of maps, or of slices
// ([][]any) as an HTML table with a text twin. Struct rows have a column per
// field (exported fields of compiled types, all fields of types declared in
// cells); map rows a column per key (sorted; keys missing in a row are
// empty); slice rows numbered columns. Pointers are followed; nil rows are
// empty. Every cell is HTML-escaped.
func TableBundle(v any) (Bundle, error) { return tableBundle(v, -1) }

// tableBundle is TableBundle showing at most limit rows (all if limit < 0),
// with a note saying how many were left out.
func tableBundle(v any, limit int) (Bundle, error) {
	header, rows, err := tabulate(v, limit)
	if err != nil {
		return nil, err
	}
	total := reflect.ValueOf(v).Len()
	var h strings.Builder
	tw := htmltable.Writer{B: &h}
	tw.Open("")
	for _, c := range header {
		tw.Head(c)
	}
	tw.Body()
	for _, r := range rows {
		tw.Row()
		for _, c := range r {
			tw.Cell("", c)
		}
	}
	tw.Close()
	text := textTable(header, rows)
	if more := total - len(rows); more > 0 {
		note := fmt.Sprintf("… %d more rows (%d in all; display.Table shows every row)", more, total)
		h.WriteString("<p>" + htmltable.Escape(note) + "</p>")
		text += "\n" + note
	}
	return Bundle{"text/html": h.String(), "text/plain": text}, nil
}

// column is one struct field shown in a table.
type column struct {
	name  string
	index int
}

// columns returns the fields of struct type t a table shows: the exported
// ones. yaegi gives the fields of types declared in cells exported names
// ("name" becomes "Xname" in an unnamed struct type): those are all shown,
// under their names in the cell.
func columns(t reflect.Type) []column {
	var cs []column
	interpreted := t.Name() == "" && t.PkgPath() == ""
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if interpreted && len(name) > 1 && name[0] == 'X' {
			if r := rune(name[1]); r == '_' || unicode.IsLower(r) {
				name = name[1:]
			}
		}
		cs = append(cs, column{name, i})
	}
	return cs
}

// tabulate returns the header and (at most limit, all if limit < 0) rows
// of v's table.
func tabulate(v any, limit int) ([]string, [][]string, error) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() != reflect.Slice && rv.Kind() != reflect.Array) {
		return nil, nil, fmt.Errorf("display.Table: want a slice of structs, maps or slices, got %T", v)
	}
	et := rv.Type().Elem()
	for et.Kind() == reflect.Pointer {
		et = et.Elem()
	}
	n := rv.Len()
	if limit >= 0 && n > limit {
		n = limit
	}
	elems := make([]reflect.Value, n)
	for i := range elems {
		e := rv.Index(i)
		for (e.Kind() == reflect.Pointer || e.Kind() == reflect.Interface) && !e.IsNil() {
			e = e.Elem()
		}
		elems[i] = e
	}
	// Rows of an interface type ([]any) are tabulated by their first
	// non-nil row.
	if et.Kind() == reflect.Interface {
		for _, e := range elems {
			if e.Kind() != reflect.Interface && e.IsValid() {
				et = e.Type()
				break
			}
		}
	}
	kind := et.Kind()
	for i, e := range elems {
		if e.Kind() == reflect.Interface || e.Kind() == reflect.Pointer || !e.IsValid() {
			continue // nil row
		}
		ok := e.Kind() == kind
		if kind == reflect.Struct {
			ok = e.Type() == et
		} else if kind == reflect.Slice || kind == reflect.Array {
			ok = e.Kind() == reflect.Slice || e.Kind() == reflect.Array
		}
		if !ok {
			return nil, nil, fmt.Errorf("display.Table: row %d is a %s, the rows before are %s", i, e.Type(), et)
		}
	}
	switch kind {
	case reflect.Struct:
		cols := columns(et)
		header := make([]string, len(cols))
		for i, c := range cols {
			header[i] = c.name
		}
		rows := make([][]string, n)
		for i, e := range elems {
			rows[i] = make([]string, len(cols))
			if e.Kind() != reflect.Struct {
				continue // nil row
			}
			for j, c := range cols {
				rows[i][j] = cellText(e.Field(c.index))
			}
		}
		return header, rows, nil
	case reflect.Map:
		return mapTable(elems)
	case reflect.Slice, reflect.Array:
		var header []string
		rows := make([][]string, n)
		for i, e := range elems {
			if e.Kind() == reflect.Slice || e.Kind() == reflect.Array {
				for j := 0; j < e.Len(); j++ {
					rows[i] = append(rows[i], cellText(e.Index(j)))
				}
			}
			for len(header) < len(rows[i]) {
				header = append(header, fmt.Sprint(len(header)))
			}
		}
		for i := range rows {
			for len(rows[i]) < len(header) {
				rows[i] = append(rows[i], "")
			}
		}
		return header, rows, nil
	case reflect.Interface:
		return nil, make([][]string, n), nil // empty, or only nil rows
	}
	return nil, nil, fmt.Errorf("display.Table: want a slice of structs, maps or slices, got %T", v)
}

// mapTable tabulates map rows: a column per key of any row, sorted.
func mapTable(elems []reflect.Value) ([]string, [][]string, error) {
	keys := map[string]bool{}
	for _, e := range elems {
		if e.Kind() != reflect.Map {
			continue
		}
		for _, k := range e.MapKeys() {
			keys[fmt.Sprint(k.Interface())] = true
		}
	}
	header := make([]string, 0, len(keys))
	for k := range keys {
		header = append(header, k)
	}
	sort.Strings(header)
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	rows := make([][]string, len(elems))
	for i, e := range elems {
		rows[i] = make([]string, len(header))
		if e.Kind() != reflect.Map {
			continue
		}
		it := e.MapRange()
		for it.Next() {
			rows[i][col[fmt.Sprint(it.Key().Interface())]] = cellText(it.Value())
		}
	}
	return header, rows, nil
}

// cellText formats one table cell: fmt.Sprint of the value, pointers
// followed, nil as empty.
func cellText(x reflect.Value) string {
	for x.IsValid() && (x.Kind() == reflect.Pointer || x.Kind() == reflect.Interface) {
		if x.IsNil() {
			return ""
		}
		if x.Kind() == reflect.Pointer && x.Type().Implements(reflect.TypeOf((*fmt.Stringer)(nil)).Elem()) {
			break
		}
		x = x.Elem()
	}
	if !x.IsValid() || !x.CanInterface() {
		return ""
	}
	return fmt.Sprint(x.Interface())
}

// textTable lays out a table as aligned columns of text.
func textTable(header []string, rows [][]string) string {
	w := make([]int, len(header))
	for i, h := range header {
		w[i] = len([]rune(h))
	}
	for _, r := range rows {
		for i, c := range r {
			if i < len(w) && len([]rune(c)) > w[i] {
				w[i] = len([]rune(c))
			}
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		var l strings.Builder
		for i, c := range cells {
			if i >= len(w) {
				break
			}
			if i > 0 {
				l.WriteString("  ")
			}
			l.WriteString(c + strings.Repeat(" ", w[i]-len([]rune(c))))
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteString("\n")
	}
	line(header)
	sep := make([]string, len(w))
	for i := range w {
		sep[i] = strings.Repeat("-", w[i])
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
	return strings.TrimRight(b.String(), "\n")
}
