// The pieces of lawful's HTML reports (check_report.h, diff_report.h): one page with its
// styles and its one small script inline, and charts drawn here as SVG, so the file
// fetches nothing and opens anywhere, printed too. Every text that comes from input
// (contact ids, error messages, policy names, file names) goes through escape().
//
// Each chart is a <figure> whose SVG has role="img", a <title> and a <desc> saying what
// it shows in words, and is followed by a table of the same numbers (the chart's
// alternative). Numbers in tables carry data-n (the exact count) and data-col; rows
// data-key; tables data-table: tests and scripts read the report from these.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lawful::report::html {

// Appends `s` with &, <, >, " and ' escaped (text and attribute values alike).
void escape(std::string& out, std::string_view s);
std::string escaped(std::string_view s);
// 1234567 -> "1,234,567"
std::string grouped(uint64_t n);
// Up to `max` characters (UTF-8 aware), with "…" when cut.
std::string shortened(std::string_view s, size_t max);

// The page: <head> with the styles and the script, then <body><main>. `title` is text.
void page_start(std::string& out, std::string_view title);
void page_end(std::string& out, std::string_view footer_html);

// A <section> with its heading (text, id-h) and a lead paragraph (HTML); the caller
// closes it with </section>.
void section(std::string& out, std::string_view id, std::string_view title, std::string_view lead_html);
// One of the counts at the top: data-key and data-n; with `of` (not 0), its share of it.
void card(std::string& out, std::string_view css, std::string_view key, std::string_view what, uint64_t n,
          uint64_t of = 0);

// A term of the run's <dl class="run">: its value as text, with data-key.
void run_item(std::string& out, std::string_view term, std::string_view value, std::string_view key);

// A series of a bar chart: its name (text) and its colour class (allow, deny, review,
// one, other).
struct Series {
  std::string name;
  std::string css;
};
struct Bar {
  std::string label;  // text
  std::vector<uint64_t> values;  // one per series
};
// A horizontal bar chart, stacked when there is more than one series, scaled to the
// largest bar; `empty` (text) in its place when there are no bars or nothing to count.
// At most `max_bars` bars; a note says how many more the table lists.
void bar_chart(std::string& out, std::string_view id, std::string_view title, const std::vector<Series>& series,
               const std::vector<Bar>& bars, std::string_view empty, size_t max_bars = 15);

// A matrix of counts, from rows to columns (the moves of `lawful diff`): cells shaded by
// their count, the diagonal (no move) in grey.
void matrix_chart(std::string& out, std::string_view id, std::string_view title, const std::vector<std::string>& rows,
                  const std::vector<std::string>& cols, const std::vector<std::vector<uint64_t>>& counts,
                  std::string_view empty);

// A table: a header row, then rows whose first cell is a row header. Number cells carry
// data-n; every cell data-col (the column's key). Columns marked `number` align right
// and sort as numbers.
struct Column {
  std::string key;    // data-col
  std::string title;  // text
  bool number = false;
};
struct Cell {
  std::string text;   // text (escaped when written)
  std::string html;   // or HTML as it is (when text is empty and html not)
  uint64_t n = 0;     // for number columns
};
struct Row {
  std::string key;  // data-key
  std::vector<Cell> cells;
};
void table(std::string& out, std::string_view id, std::string_view caption, const std::vector<Column>& columns,
           const std::vector<Row>& rows, std::string_view empty);
Cell number(uint64_t n);
Cell text(std::string s);

}  // namespace lawful::report::html
