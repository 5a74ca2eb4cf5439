// Package render turns reports and comparisons into what people and
// other programs read: terminal tables ([Text], [ComparisonText]),
// GitHub-flavoured Markdown for CI summaries and pull requests
// ([Markdown], [ComparisonMarkdown]), Go's benchmark format for benchstat
// ([Benchfmt]), one self-contained HTML page with plots ([HTML], its
// plots drawn by package svg), JUnit XML for CI systems that read test
// results ([JUnit]) and the timeline as CSV ([CSV]).
//
// A report file is someone else's text: every string of it is escaped
// for where it goes, so that it cannot move a terminal's cursor, break a
// Markdown table, make up a benchmark line, inject markup into the page
// or a formula into a spreadsheet. The renderers do not modify what they
// render.
package render
