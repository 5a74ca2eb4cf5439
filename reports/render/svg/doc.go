// Package svg draws the plots of the HTML report as inline SVG: a
// [Canvas] of a fixed [Width] with a title, a legend and a rectangular
// plot area with axes, tick labels and grid lines; linear, logarithmic,
// time and percentile ("nines") [Scale]s; lines, step areas and step lines;
// and hover columns whose SVG <title> elements the browser shows as
// tooltips, so that a plot needs no script.
//
// It knows nothing of reports: its callers turn their data into values
// and labels. Every string it is given is escaped ([Esc]), since the
// finished SVG reaches a page as template.HTML; a caller that writes its
// own elements to [Canvas.Body] escapes its text with Esc too.
//
// Nothing in this package is safe for concurrent use; a Canvas is drawn
// by one goroutine.
package svg
