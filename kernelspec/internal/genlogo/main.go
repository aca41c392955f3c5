// Command genlogo draws the Jupyter kernel logos that package kernelspec
// embeds: logo-32x32.png, logo-64x64.png and logo-svg.svg. The images are
// generated rather than drawn by hand so that they are reproducible, need no
// fonts or external tools, and can be checked for staleness by a test.
//
// Usage (from the kernelspec directory, via go generate):
//
//	go run ./internal/genlogo -out assets
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
)

// goBlue is the Go gopher blue (#00ADD8), so the logo is recognisably Go.
// It is a function rather than a variable so the package holds no mutable
// state.
func goBlue() color.NRGBA { return color.NRGBA{R: 0x00, G: 0xAD, B: 0xD8, A: 0xFF} }

// Glyph bitmaps on a 5x7 grid, rows separated by '/', '#' = ink. Pixel fonts
// avoid any font dependency and stay crisp at 32x32.
const (
	glyphG = ".###./#...#/#..../#.###/#...#/#...#/.###."
	glyphO = "...../...../.###./#...#/#...#/#...#/.###."
)

// Files maps each logo file name to its generated contents.
func Files() (map[string][]byte, error) {
	out := map[string][]byte{"logo-svg.svg": SVG()}
	for _, size := range []int{32, 64} {
		b, err := PNG(size)
		if err != nil {
			return nil, err
		}
		out[fmt.Sprintf("logo-%dx%d.png", size, size)] = b
	}
	return out, nil
}

// PNG draws the size x size logo: a Go-blue rounded square with white
// pixel-font "Go" letters. size must be a multiple of 16 so letters land on
// whole pixels.
func PNG(size int) ([]byte, error) {
	if size < 16 || size%16 != 0 {
		return nil, fmt.Errorf("genlogo: size %d is not a positive multiple of 16", size)
	}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	roundedSquare(img, goBlue(), float64(size)/6)

	// "G" (5 cols) + 1 col gap + "o" (5 cols) = 11 x 7 cells, centred.
	scale := size / 16
	w, h := 11*scale, 7*scale
	x0, y0 := (size-w)/2, (size-h)/2
	white := image.NewUniform(color.White)
	for i, g := range []string{glyphG, glyphO} {
		gx := x0 + i*6*scale
		for row, line := range strings.Split(g, "/") {
			for col, c := range line {
				if c != '#' {
					continue
				}
				r := image.Rect(gx+col*scale, y0+row*scale, gx+(col+1)*scale, y0+(row+1)*scale)
				draw.Draw(img, r, white, image.Point{}, draw.Src)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("genlogo: encode %dx%d png: %w", size, size, err)
	}
	return buf.Bytes(), nil
}

// roundedSquare fills img with c inside a rounded square of corner radius
// rad, anti-aliasing the corners by 4x4 supersampling so small sizes do not
// look jagged.
func roundedSquare(img *image.NRGBA, c color.NRGBA, rad float64) {
	b := img.Bounds()
	size := float64(b.Dx())
	const ss = 4
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			in := 0
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					px := float64(x) + (float64(sx)+0.5)/ss
					py := float64(y) + (float64(sy)+0.5)/ss
					if insideRounded(px, py, size, rad) {
						in++
					}
				}
			}
			if in == 0 {
				continue
			}
			cc := c
			cc.A = uint8(int(c.A) * in / (ss * ss))
			img.SetNRGBA(x, y, cc)
		}
	}
}

// insideRounded reports whether point (px, py) lies inside the size x size
// square whose corners are rounded with radius rad.
func insideRounded(px, py, size, rad float64) bool {
	cx := min(max(px, rad), size-rad)
	cy := min(max(py, rad), size-rad)
	dx, dy := px-cx, py-cy
	return dx*dx+dy*dy <= rad*rad
}

// SVG returns the scalable logo, matching the PNGs' colours and layout.
func SVG() []byte {
	return []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <title>Go</title>
  <rect width="64" height="64" rx="10.67" ry="10.67" fill="#00ADD8"/>
  <text x="32" y="43" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" font-size="30" font-weight="bold" fill="#FFFFFF">Go</text>
</svg>
`)
}

func main() {
	out := flag.String("out", "assets", "directory to write the logo files into")
	flag.Parse()
	files, err := Files()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "genlogo:", err)
		os.Exit(1)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "genlogo:", err)
			os.Exit(1)
		}
	}
}
