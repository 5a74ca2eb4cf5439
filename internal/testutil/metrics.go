package testutil

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// MetricsAt matches the line "portalsim run -metrics" prints on stderr;
// its first group is the endpoint's URL.
var MetricsAt = regexp.MustCompile(`metrics at (http://\S+/metrics)`)

// Scrape returns the body of one GET of a metrics endpoint's url; a
// status other than 200 is an error.
func Scrape(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %s", resp.Status)
	}
	return string(b), nil
}

// MetricSample is the value of the sample line of a scrape that starts
// with series (a name with its labels, as exposed), and whether there is one.
func MetricSample(body, series string) (float64, bool) {
	for line := range strings.Lines(body) {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}
