package worker

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/kernel"
)

// fill sets every field reachable from v to a non-zero value, failing on a
// kind it does not know: a field added to an envelope or to a kernel type
// then fails this test until the wire codec carries it.
func fill(t testing.TB, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), path)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			fill(t, v.Field(i), path+"."+v.Type().Field(i).Name)
		}
	case reflect.String:
		v.SetString("s" + path + " ü\n\x00")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int:
		v.SetInt(-int64(len(path)))
	case reflect.Uint64:
		v.SetUint(1<<40 + uint64(len(path)))
	case reflect.Uint8: // op
		v.SetUint(uint64(opInputCancel))
	case reflect.Slice:
		switch v.Type() {
		case reflect.TypeOf([]string(nil)):
			v.Set(reflect.ValueOf([]string{"a" + path, "", "b"}))
		default:
			t.Fatalf("%s: a %s; teach fill and wire.go", path, v.Type())
		}
	case reflect.Map:
		switch v.Type() {
		case reflect.TypeOf(map[string]string(nil)):
			v.Set(reflect.ValueOf(map[string]string{"x": "1+2", "": ""}))
		case reflect.TypeOf(map[string]kernel.UserExpression(nil)):
			v.Set(reflect.ValueOf(map[string]kernel.UserExpression{
				"x":   {Value: kernel.MIMEBundle{"text/plain": "3" + path}, Metadata: map[string]any{"n": 1.5}},
				"bad": {Error: kernel.NewEvalError("CompileError", "undefined: y", "line 1", "")},
			}))
		case reflect.TypeOf(map[string]any(nil)), reflect.TypeOf(kernel.MIMEBundle(nil)):
			// Values as JSON decodes them, so they round-trip exactly.
			m := map[string]any{"text/plain": "x" + path, "n": 1.5, "nested": map[string]any{"a": []any{"b", true, nil}}}
			v.Set(reflect.ValueOf(m).Convert(v.Type()))
		default:
			t.Fatalf("%s: a %s; teach fill and wire.go", path, v.Type())
		}
	default:
		t.Fatalf("%s: a %s; teach fill and wire.go", path, v.Type())
	}
}

// diff reports the first field where a and b differ.
func diff(a, b reflect.Value, path string) string {
	if a.Kind() == reflect.Pointer && !a.IsNil() && !b.IsNil() {
		return diff(a.Elem(), b.Elem(), path)
	}
	if a.Kind() == reflect.Struct {
		for i := 0; i < a.NumField(); i++ {
			if d := diff(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return path + ": sent " + jsonString(a.Interface()) + ", received " + jsonString(b.Interface())
	}
	return ""
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func roundTrip(t *testing.T, e envelope) envelope {
	t.Helper()
	b, err := appendFrame(nil, e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := newFrameReader(bytes.NewReader(b)).next()
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestWireCarriesEveryField(t *testing.T) {
	var e envelope
	fill(t, reflect.ValueOf(&e).Elem(), "envelope")
	got := roundTrip(t, e)
	if d := diff(reflect.ValueOf(e), reflect.ValueOf(got), "envelope"); d != "" {
		t.Fatal(d)
	}
}

func TestWireKeepsWhatJSONKeeps(t *testing.T) {
	// Zero structs stay non-nil, empty slices and maps stay non-nil, a
	// bundle of strings takes the short form and comes back the same.
	for _, e := range []envelope{
		{Op: opResult, ID: 1, Result: &kernel.ExecuteResult{}},
		{Op: opResult, Result: &kernel.ExecuteResult{Value: kernel.MIMEBundle{}, Metadata: map[string]any{}, Error: &kernel.EvalError{Traceback: []string{}}}},
		{Op: opResult, Result: &kernel.ExecuteResult{Value: kernel.MIMEBundle{"text/plain": "3", "text/html": "<b>3</b>"}}},
		{Op: opExecute, Execute: &kernel.ExecuteRequest{UserExpressions: map[string]string{}}},
		{Op: opResult, Complete: &kernel.CompleteResult{Matches: []string{}}},
		{Op: opResult, Inspect: &kernel.InspectResult{}},
		{Op: opResult, IsComplete: &kernel.IsCompleteResult{Status: "complete"}},
		{Op: opDisplay, Display: &kernel.Display{Data: kernel.MIMEBundle{"image/png": "iVBOR"}, Metadata: map[string]any{"image/png": map[string]any{"width": 640.0}}}},
		{Op: opReady},
	} {
		got := roundTrip(t, e)
		if d := diff(reflect.ValueOf(e), reflect.ValueOf(got), "envelope"); d != "" {
			t.Errorf("%s: %s", e.Op, d)
		}
	}
}

func TestWireEncodingError(t *testing.T) {
	// A value JSON cannot represent is an error, not a broken frame.
	buf := []byte("kept")
	b, err := appendFrame(buf, envelope{Op: opDisplay, Display: &kernel.Display{Data: kernel.MIMEBundle{"application/json": map[string]any{"x": func() {}}}}})
	if err == nil || string(b) != "kept" {
		t.Fatalf("got %q, %v", b, err)
	}
}

func TestWireStream(t *testing.T) {
	var b []byte
	var err error
	want := []envelope{
		{Op: opExecute, ID: 1, Execute: &kernel.ExecuteRequest{Code: strings.Repeat("x", 100<<10)}},
		{Op: opCancel, ID: 1},
		{Op: opIsComplete, ID: 2, Code: "1+"},
	}
	for _, e := range want {
		if b, err = appendFrame(b, e); err != nil {
			t.Fatal(err)
		}
	}
	fr := newFrameReader(bytes.NewReader(b))
	for _, e := range want {
		got, err := fr.next()
		if err != nil {
			t.Fatal(err)
		}
		if d := diff(reflect.ValueOf(e), reflect.ValueOf(got), "envelope"); d != "" {
			t.Fatal(d)
		}
	}
	if _, err := fr.next(); err != io.EOF {
		t.Fatalf("at the end: %v", err)
	}
	// A stream cut inside a frame, or a frame that says it is huge, is an
	// error, not EOF.
	if _, err := newFrameReader(bytes.NewReader(b[:len(b)-1])).next(); err != nil {
		t.Fatalf("first frame: %v", err)
	}
	fr = newFrameReader(bytes.NewReader(b[:10]))
	if _, err := fr.next(); err == nil || err == io.EOF {
		t.Fatalf("cut frame: %v", err)
	}
	huge := binary.LittleEndian.AppendUint32(nil, maxFrame+1)
	if _, err := newFrameReader(bytes.NewReader(huge)).next(); err == nil || err == io.EOF {
		t.Fatalf("huge frame: %v", err)
	}
}

func FuzzWireDecode(f *testing.F) {
	var e envelope
	fill(f, reflect.ValueOf(&e).Elem(), "envelope")
	b, _ := appendFrame(nil, e)
	f.Add(b[4:])
	f.Add([]byte{byte(tagResultErrorName), 1, 'x'})
	f.Fuzz(func(t *testing.T, body []byte) {
		// Anything may come out, but without a panic.
		r := frameDecoder{b: body}
		r.envelope()
	})
}

func BenchmarkWire(b *testing.B) {
	for _, e := range []envelope{
		{Op: opExecute, ID: 12, Execute: &kernel.ExecuteRequest{Code: "1+2", StoreHistory: true, AllowStdin: true, ExecutionCount: 3}},
		{Op: opResult, ID: 12, Result: &kernel.ExecuteResult{Value: kernel.MIMEBundle{"text/plain": "3"}}},
	} {
		frame, _ := appendFrame(nil, e)
		b.Run(e.Op.String()+"/encode", func(b *testing.B) {
			var buf []byte
			for b.Loop() {
				buf, _ = appendFrame(buf[:0], e)
			}
		})
		b.Run(e.Op.String()+"/decode", func(b *testing.B) {
			for b.Loop() {
				r := frameDecoder{b: frame[4:]}
				r.envelope()
			}
		})
	}
}
