package pkgs_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/display"
	"github.com/gokernel/gokernel/internal/goeval"
	"github.com/gokernel/gokernel/internal/pkgs"
	"github.com/gokernel/gokernel/kernel"
)

// recorder is a kernel.Output that keeps displays.
type recorder struct{ displays []kernel.Display }

func (r *recorder) Stream(name, text string) {}
func (r *recorder) Display(d kernel.Display) { r.displays = append(r.displays, d) }
func (r *recorder) ClearOutput(wait bool)    {}
func (r *recorder) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return "", nil
}

func newEngine(t *testing.T, out *recorder) *goeval.Engine {
	t.Helper()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { null.Close() })
	e, err := goeval.New(goeval.Options{Stdout: null, Stderr: null})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Use(display.Exports(display.New(func() kernel.Output { return out }))); err != nil {
		t.Fatal(err)
	}
	if err := e.Use(pkgs.Symbols); err != nil {
		t.Fatal(err)
	}
	return e
}

func run(t *testing.T, e *goeval.Engine, out *recorder, code string) kernel.MIMEBundle {
	t.Helper()
	res, err := e.Execute(context.Background(), kernel.ExecuteRequest{Code: code}, out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Error != nil {
		t.Fatalf("cell %q: %s: %s\n%s", code, res.Error.Name, res.Error.Value, strings.Join(res.Error.Traceback, "\n"))
	}
	return res.Value
}

func TestPackagesImportable(t *testing.T) {
	want := []string{
		"gonum.org/v1/plot/plot", "gonum.org/v1/plot/plotter/plotter", "gonum.org/v1/plot/plotutil/plotutil",
		"gonum.org/v1/plot/vg/vg", "gonum.org/v1/plot/vg/draw/draw", "gonum.org/v1/gonum/stat/stat",
		"gonum.org/v1/gonum/stat/distuv/distuv", "gonum.org/v1/gonum/floats/floats", "gonum.org/v1/gonum/mat/mat",
		"cloud.google.com/go/civil/civil",
	}
	for _, k := range want {
		if len(pkgs.Symbols[k]) == 0 {
			t.Errorf("no symbols for %s", k)
		}
	}
}

func TestGonumAndCivil(t *testing.T) {
	out := &recorder{}
	e := newEngine(t, out)
	v := run(t, e, out, "import \"gonum.org/v1/gonum/stat\"\nstat.Mean([]float64{1, 2, 3, 6}, nil)")
	if v["text/plain"] != "3" {
		t.Errorf("stat.Mean: %v", v)
	}
	v = run(t, e, out, "import \"gonum.org/v1/gonum/mat\"\na := mat.NewDense(2, 2, []float64{1, 2, 3, 4})\nmat.Det(a)")
	if v["text/plain"] != "-2" {
		t.Errorf("mat.Det: %v", v)
	}
	v = run(t, e, out, "import \"gonum.org/v1/gonum/floats\"\nfloats.Sum([]float64{1, 2, 3})")
	if v["text/plain"] != "6" {
		t.Errorf("floats.Sum: %v", v)
	}
	v = run(t, e, out, "import \"cloud.google.com/go/civil\"\nd := civil.Date{Year: 2024, Month: 2, Day: 28}\nd.AddDays(2)")
	if v["text/plain"] != "2024-03-01" {
		t.Errorf("civil: %v", v)
	}
	v = run(t, e, out, "import \"math/big\"\nbig.NewRat(1, 3).FloatString(3)")
	if v["text/plain"] != `"0.333"` {
		t.Errorf("big.Rat: %v", v)
	}
}

const plotCell = `import (
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
)
p := plot.New()
p.Title.Text = "squares"
pts := make(plotter.XYs, 50)
for i := range pts {
	pts[i].X = float64(i)
	pts[i].Y = float64(i * i)
}
if err := plotutil.AddLinePoints(p, "x²", pts); err != nil {
	panic(err)
}
`

func TestPlot(t *testing.T) {
	out := &recorder{}
	e := newEngine(t, out)
	run(t, e, out, plotCell)
	start := time.Now()
	v := run(t, e, out, "p")
	t.Logf("trailing *plot.Plot rendered as PNG in %v", time.Since(start))
	if v["image/png"] == nil || v["text/plain"] == nil {
		t.Fatalf("trailing plot: %v", keys(v))
	}
	run(t, e, out, "import \"gokernel/display\"\ndisplay.Plot(p)\ndisplay.PlotSVG(p)")
	if len(out.displays) != 2 || out.displays[0].Data["image/png"] == nil || out.displays[1].Data["image/svg+xml"] == nil {
		t.Fatalf("display.Plot, PlotSVG: %d displays", len(out.displays))
	}
}

func keys(b kernel.MIMEBundle) []string {
	var ks []string
	for k := range b {
		ks = append(ks, k)
	}
	return ks
}
