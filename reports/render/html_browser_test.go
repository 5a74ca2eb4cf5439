//go:build unix

package render

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portalsim/portalsim/internal/testenv"
	"github.com/portalsim/portalsim/reports/render/svg"
)

// runChromium runs headless Chromium with its own profile directory and
// returns its standard output and error. The whole process group is
// killed when ctx ends, so no renderer outlives the test.
func runChromium(ctx context.Context, t *testing.T, bin string, args ...string) (stdout, stderr []byte, elapsed time.Duration) {
	t.Helper()
	profile := t.TempDir()
	full := append([]string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--mute-audio",
		"--user-data-dir=" + profile,
	}, args...)
	cmd := exec.CommandContext(ctx, bin, full...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Dir = profile
	cmd.Env = append(os.Environ(), "HOME="+profile) // no writes to the real home
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second // helpers holding the pipes open must not hang the test
	start := time.Now()
	err := cmd.Run()
	elapsed = time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("chromium %s timed out after %v\nstderr:\n%s", strings.Join(args, " "), elapsed, errb.Bytes())
	}
	if err != nil {
		t.Fatalf("chromium %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errb.Bytes())
	}
	return out.Bytes(), errb.Bytes(), elapsed
}

// TestHTMLInBrowser renders the golden report page in headless Chromium:
// a screenshot must show the six plots, and the page must load without
// script errors with its SVG plots in the DOM. Set
// PORTALSIM_SCREENSHOT_DIR to keep a copy of the screenshot.
func TestHTMLInBrowser(t *testing.T) {
	if testing.Short() && !testenv.InCI() {
		t.Skip("starts a browser; skipped with -short")
	}
	bin := testenv.Need(t, "apt-get install chromium (.ci/run does)", "/usr/bin/chromium", "chromium", "chromium-browser")
	t.Parallel()
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var html bytes.Buffer
	if err := HTML(&html, htmlFixtureReport()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, html.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + page
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()

	// The DOM, and any script error on the console.
	dom, stderr, took := runChromium(ctx, t, bin, "--enable-logging=stderr", "--v=0", "--dump-dom", url)
	t.Logf("chromium --dump-dom took %v", took)
	if bytes.Contains(stderr, []byte("Uncaught")) {
		t.Errorf("script error while loading the page:\n%s", stderr)
	}
	if n := bytes.Count(dom, []byte("<svg")); n < 5 {
		t.Errorf("the DOM has %d <svg> elements, want at least 5", n)
	}
	for _, id := range []string{"plot-latency-time", "plot-percentiles", "plot-throughput", "plot-sessions", "plot-funnel"} {
		if !bytes.Contains(dom, []byte(`id="`+id+`"`)) {
			t.Errorf("the DOM lacks the plot %s", id)
		}
	}

	// The screenshot.
	const width, height = 1200, 3900
	shot := filepath.Join(dir, "shot.png")
	_, _, took = runChromium(ctx, t, bin, "--hide-scrollbars", "--force-device-scale-factor=1",
		"--screenshot="+shot, "--window-size=1200,3900", url)
	t.Logf("chromium --screenshot took %v; screenshot %s", took, shot)
	if keep := os.Getenv("PORTALSIM_SCREENSHOT_DIR"); keep != "" {
		if data, err := os.ReadFile(shot); err == nil {
			dst := filepath.Join(keep, "report.html.png")
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				t.Errorf("keep the screenshot: %v", err)
			} else {
				t.Logf("screenshot kept as %s", dst)
			}
		}
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != width || b.Dy() != height {
		t.Fatalf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), width, height)
	}
	if n := distinctColors(img, img.Bounds()); n < 100 {
		t.Errorf("the screenshot has %d distinct colours; is it blank?", n)
	}

	// Each plot is an SVG with a 1px #e3e3e3 border (see html.tmpl): find
	// the boxes, then look for each plot's own colours inside its box.
	boxes := svgBoxes(img, color.RGBA{0xe3, 0xe3, 0xe3, 0xff})
	t.Logf("plot boxes in the screenshot: %v", boxes)
	if len(boxes) < 6 {
		t.Fatalf("found %d plot boxes in the screenshot, want 6", len(boxes))
	}
	checks := []struct {
		name   string
		colors []string // the plot's series colours
		min    int      // pixels of each colour at least
	}{
		{"latency over time", []string{colP50, colP99}, 200},
		{"machine load", []string{colLoadOwn, colLoadOther}, 300},
		{"percentiles", []string{colAll, svg.Palette[0], svg.Palette[1]}, 200},
		{"throughput", []string{colAnswered, colFailed}, 300},
		{"sessions", []string{colConn, colLogged}, 200},
		{"funnel", []string{colFunnel, colLost}, 100},
	}
	for i, c := range checks {
		box := boxes[i]
		if n := nonWhite(img, box); n < 2000 {
			t.Errorf("plot %d (%s) at %v: only %d non-white pixels", i, c.name, box, n)
		}
		for _, hex := range c.colors {
			if n := countNear(img, box, parseHex(hex), 40); n < c.min {
				t.Errorf("plot %d (%s) at %v: %d pixels of %s, want at least %d", i, c.name, box, n, hex, c.min)
			}
		}
	}
}

// svgBoxes returns the rectangles framed by border-coloured horizontal
// lines at least 850px long, top to bottom.
func svgBoxes(img image.Image, border color.RGBA) []image.Rectangle {
	b := img.Bounds()
	type run struct{ y, x0, x1 int }
	var lines []run
	for y := b.Min.Y; y < b.Max.Y; y++ {
		best, bestX0, cur, x0 := 0, 0, 0, 0
		for x := b.Min.X; x < b.Max.X; x++ {
			if near(img.At(x, y), border, 4) {
				if cur == 0 {
					x0 = x
				}
				cur++
				if cur > best {
					best, bestX0 = cur, x0
				}
			} else {
				cur = 0
			}
		}
		if best >= 850 {
			lines = append(lines, run{y, bestX0, bestX0 + best})
		}
	}
	var boxes []image.Rectangle
	for i := 0; i+1 < len(lines); i++ {
		top := lines[i]
		bottom := lines[i+1]
		if bottom.y-top.y < 60 { // adjacent rows of one border
			continue
		}
		boxes = append(boxes, image.Rect(top.x0+1, top.y+1, top.x1-1, bottom.y))
		i++
	}
	return boxes
}

func parseHex(s string) color.RGBA {
	var c color.RGBA
	c.A = 0xff
	v := func(h string) uint8 {
		var n uint8
		for _, ch := range h {
			n *= 16
			switch {
			case ch >= '0' && ch <= '9':
				n += uint8(ch - '0')
			case ch >= 'a' && ch <= 'f':
				n += uint8(ch-'a') + 10
			}
		}
		return n
	}
	s = strings.TrimPrefix(s, "#")
	c.R, c.G, c.B = v(s[0:2]), v(s[2:4]), v(s[4:6])
	return c
}

// near reports whether c is within tol of want in every channel.
func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, w uint8) bool {
		x := int(a>>8) - int(w)
		return x >= -tol && x <= tol
	}
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func countNear(img image.Image, r image.Rectangle, want color.RGBA, tol int) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if near(img.At(x, y), want, tol) {
				n++
			}
		}
	}
	return n
}

func nonWhite(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !near(img.At(x, y), color.RGBA{0xff, 0xff, 0xff, 0xff}, 8) {
				n++
			}
		}
	}
	return n
}

func distinctColors(img image.Image, r image.Rectangle) int {
	seen := map[[3]uint32]bool{}
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			seen[[3]uint32{cr >> 8, cg >> 8, cb >> 8}] = true
		}
	}
	return len(seen)
}
