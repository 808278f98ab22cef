// The pieces of the HTML reports; see html.h.
#include "report/html.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace lawful::report::html {

void escape(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\0': out += "\xEF\xBF\xBD"; break;  // U+FFFD: HTML has no NUL
      default: out += c;
    }
  }
}

std::string escaped(std::string_view s) {
  std::string out;
  escape(out, s);
  return out;
}

std::string grouped(uint64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

std::string shortened(std::string_view s, size_t max) {
  size_t chars = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;  // a continuation byte
    if (chars == max) return std::string(s.substr(0, i)) + "\u2026";
    ++chars;
  }
  return std::string(s);
}

namespace {

// Print-friendly: no backgrounds needed to read it, charts kept whole on a page, the
// colours of the verdicts printed as they are.
constexpr std::string_view kStyle = R"CSS(
:root { --allow: #2e7d32; --deny: #c62828; --review: #b26a00; --one: #1565c0; --other: #757575; --ink: #1a1a1a; --muted: #5f6368; --rule: #d0d4d9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
main { max-width: 64rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2.2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.02rem; margin: 1.4rem 0 .4rem; }
p.lead { color: var(--muted); margin: 0 0 1rem; }
dl.run { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 1rem; }
dl.run dt { color: var(--muted); }
dl.run dd { margin: 0; overflow-wrap: anywhere; }
.cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: 1rem 0; padding: 0; list-style: none; }
.cards li { border: 1px solid var(--rule); border-left: 6px solid var(--other); border-radius: 4px; padding: .45rem .8rem; min-width: 8.5rem; }
.cards li.allow { border-left-color: var(--allow); } .cards li.deny { border-left-color: var(--deny); }
.cards li.review { border-left-color: var(--review); } .cards li.error { border-left-color: #6a1b9a; }
.cards .n { display: block; font-size: 1.35rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.cards .what { color: var(--muted); font-size: .85rem; }
figure { margin: .6rem 0 .4rem; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
svg.chart { width: 100%; height: auto; display: block; font: 13px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
svg.chart text { fill: var(--ink); }
svg.chart .label { text-anchor: end; }
svg.chart .value { fill: var(--muted); }
svg.chart .allow { fill: var(--allow); } svg.chart .deny { fill: var(--deny); } svg.chart .review { fill: var(--review); }
svg.chart .one { fill: var(--one); } svg.chart .other { fill: var(--other); }
svg.chart .grid { stroke: var(--rule); stroke-width: 1; }
svg.chart .cell { stroke: #fff; stroke-width: 2; }
svg.chart .same { fill: #eceff1; }
svg.chart text.light { fill: #fff; }
p.note, p.empty { color: var(--muted); font-size: .9rem; margin: .3rem 0; }
p.empty { font-style: italic; }
div.scroll { overflow-x: auto; }
table.data { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: .92rem; }
table.data caption { text-align: left; color: var(--muted); font-size: .85rem; padding-bottom: .25rem; caption-side: top; }
table.data th, table.data td { border-bottom: 1px solid var(--rule); padding: .28rem .5rem; text-align: left; vertical-align: top; }
table.data thead th { border-bottom: 2px solid var(--ink); cursor: pointer; user-select: none; }
table.data thead th[aria-sort="ascending"]::after { content: " \25B2"; font-size: .7em; }
table.data thead th[aria-sort="descending"]::after { content: " \25BC"; font-size: .7em; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data td.cites, table.data td.msg { color: var(--muted); font-size: .85rem; overflow-wrap: anywhere; }
table.data tbody th { font-weight: 500; overflow-wrap: break-word; }
tr.total th, tr.total td { font-weight: 700; border-top: 2px solid var(--ink); }
.key { display: inline-block; width: .8em; height: .8em; border-radius: 2px; vertical-align: -.05em; margin-right: .3em; }
.key.allow { background: var(--allow); } .key.deny { background: var(--deny); } .key.review { background: var(--review); }
code, pre { font: .85rem/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
code.cmd { display: block; white-space: pre-wrap; overflow-wrap: anywhere; background: #f5f7f9; border: 1px solid var(--rule); border-radius: 3px; padding: .3rem .45rem; margin: .15rem 0 .35rem; user-select: all; }
pre.campaign { background: #f5f7f9; border: 1px solid var(--rule); padding: .5rem; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 14rem; overflow: auto; }
button.copy { font-size: .78rem; padding: .05rem .45rem; margin-left: .3rem; cursor: pointer; }
footer { margin-top: 3rem; color: var(--muted); font-size: .82rem; border-top: 1px solid var(--rule); padding-top: .6rem; }
a { color: var(--one); }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .3rem; }
nav.toc ol { margin: .2rem 0 0; padding-left: 1.2rem; columns: 2; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; page-break-after: avoid; }
  table.data { break-inside: auto; }
  div.scroll { overflow: visible; }
  tr { break-inside: avoid; }
  button.copy, .skip, nav.toc { display: none; }
  code.cmd, pre.campaign { background: none; max-height: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
)CSS";

// Sortable tables (click or Enter on a column's header) and copy buttons. Nothing is
// fetched; the page reads the same without it.
constexpr std::string_view kScript = R"JS(
(function () {
  'use strict';
  document.querySelectorAll('table.data thead th').forEach(function (th) {
    th.tabIndex = 0;
    function sort() {
      var table = th.closest('table'), body = table.tBodies[0];
      var i = Array.prototype.indexOf.call(th.parentNode.children, th);
      var num = th.classList.contains('num');
      var dir = th.getAttribute('aria-sort') === 'descending' ? 1 : -1;
      if (!num) dir = -dir;
      var rows = Array.prototype.filter.call(body.rows, function (r) { return !r.classList.contains('total'); });
      var totals = Array.prototype.filter.call(body.rows, function (r) { return r.classList.contains('total'); });
      rows.sort(function (a, b) {
        var x = a.cells[i], y = b.cells[i];
        if (!x || !y) return 0;
        var c = num ? Number(x.getAttribute('data-n')) - Number(y.getAttribute('data-n'))
                    : x.textContent.localeCompare(y.textContent);
        return dir * c;
      });
      rows.concat(totals).forEach(function (r) { body.appendChild(r); });
      table.querySelectorAll('thead th').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir < 0 ? 'descending' : 'ascending');
    }
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); }
    });
  });
  document.querySelectorAll('button.copy').forEach(function (b) {
    b.addEventListener('click', function () {
      var text = b.getAttribute('data-copy');
      var done = function () { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () { b.textContent = 'Select the command to copy it'; });
      } else {
        b.textContent = 'Select the command to copy it';
      }
    });
  });
})();
)JS";

}  // namespace

void page_start(std::string& out, std::string_view title) {
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // The report may fetch nothing: its styles and script are its own, inline.
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "script-src 'unsafe-inline'; img-src data:\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"generator\" content=\"lawful\">\n<title>";
  escape(out, title);
  out += "</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to the report</a>\n<main id=\"main\">\n";
}

void page_end(std::string& out, std::string_view footer_html) {
  out += "<footer>";
  out += footer_html;
  out += "</footer>\n</main>\n<script>";
  out += kScript;
  out += "</script>\n</body>\n</html>\n";
}

void section(std::string& out, std::string_view id, std::string_view title, std::string_view lead_html) {
  fmt::format_to(std::back_inserter(out), "<section id=\"{}\" aria-labelledby=\"{}-h\">\n<h2 id=\"{}-h\">", escaped(id),
                 escaped(id), escaped(id));
  escape(out, title);
  out += "</h2>\n";
  if (!lead_html.empty()) {
    out += "<p class=\"lead\">";
    out += lead_html;
    out += "</p>\n";
  }
}

void card(std::string& out, std::string_view css, std::string_view key, std::string_view what, uint64_t n,
          uint64_t of) {
  fmt::format_to(std::back_inserter(out), "<li class=\"{}\" data-key=\"{}\" data-n=\"{}\"><span class=\"n\">{}</span>",
                 escaped(css), escaped(key), n, grouped(n));
  out += "<span class=\"what\">";
  escape(out, what);
  if (of && n != of)
    fmt::format_to(std::back_inserter(out), " ({:.1f}%)", 100.0 * static_cast<double>(n) / static_cast<double>(of));
  out += "</span></li>\n";
}

void run_item(std::string& out, std::string_view term, std::string_view value, std::string_view key) {
  out += "<dt>";
  escape(out, term);
  out += "</dt><dd data-key=\"";
  escape(out, key);
  out += "\">";
  escape(out, value);
  out += "</dd>\n";
}

namespace {

// Opens a chart's <figure> with its caption; false (and the figure closed, with `empty`
// in it) when there is nothing to draw.
bool figure(std::string& out, std::string_view id, std::string_view title, bool anything, std::string_view empty) {
  out += "<figure class=\"chart\" data-chart=\"";
  escape(out, id);
  out += "\">\n<figcaption>";
  escape(out, title);
  out += "</figcaption>\n";
  if (anything) return true;
  out += "<p class=\"empty\">";
  escape(out, empty);
  out += "</p>\n</figure>\n";
  return false;
}

// An SVG that is an image to assistive technology: its title, and a description of
// what it shows in words. At most its own width, so a small chart is not blown up.
void svg_start(std::string& out, std::string_view css, std::string_view id, std::string_view title,
               std::string_view desc, int width, int height) {
  fmt::format_to(std::back_inserter(out),
                 "<svg class=\"{}\" role=\"img\" viewBox=\"0 0 {} {}\" style=\"max-width: {}px\" "
                 "aria-labelledby=\"{}-t {}-d\">\n<title id=\"{}-t\">",
                 css, width, height, width, escaped(id), escaped(id), escaped(id));
  escape(out, title);
  fmt::format_to(std::back_inserter(out), "</title>\n<desc id=\"{}-d\">", escaped(id));
  escape(out, desc);
  out += "</desc>\n";
}

}  // namespace

void bar_chart(std::string& out, std::string_view id, std::string_view title, const std::vector<Series>& series,
               const std::vector<Bar>& all_bars, std::string_view empty, size_t max_bars) {
  auto it = std::back_inserter(out);
  uint64_t largest = 0;
  for (const Bar& b : all_bars) {
    uint64_t t = 0;
    for (uint64_t v : b.values) t += v;
    largest = std::max(largest, t);
  }
  if (!figure(out, id, title, !all_bars.empty() && largest > 0, empty)) return;
  const size_t n = std::min(all_bars.size(), max_bars);
  const bool stacked = series.size() > 1;
  const int width = 800, label_w = 300, value_w = 90, row_h = 26, bar_h = 18;
  const int top = stacked ? 30 : 6;
  const int bar_w = width - label_w - value_w - 10;
  const int height = top + static_cast<int>(n) * row_h + 6;
  const double scale = static_cast<double>(bar_w) / static_cast<double>(largest);
  std::string desc;
  for (size_t i = 0; i < n; ++i) {
    const Bar& b = all_bars[i];
    desc += i ? "; " : "";
    desc += b.label + ":";
    for (size_t s = 0; s < series.size() && s < b.values.size(); ++s)
      desc += fmt::format("{} {}", s ? "," : "", stacked ? series[s].name + " " + grouped(b.values[s]) : grouped(b.values[s]));
  }
  svg_start(out, "chart", id, title, desc, width, height);
  if (stacked) {
    int x = label_w;
    for (const Series& s : series) {
      fmt::format_to(it, "<g class=\"legend\"><rect class=\"{}\" x=\"{}\" y=\"6\" width=\"12\" height=\"12\" rx=\"2\"/>",
                     escaped(s.css), x);
      fmt::format_to(it, "<text x=\"{}\" y=\"16\">", x + 17);
      escape(out, s.name);
      out += "</text></g>\n";
      x += 30 + static_cast<int>(s.name.size()) * 8;
    }
  }
  fmt::format_to(it, "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>\n", label_w, top - 2, label_w,
                 height - 4);
  for (size_t i = 0; i < n; ++i) {
    const Bar& b = all_bars[i];
    const int y = top + static_cast<int>(i) * row_h;
    uint64_t total = 0;
    for (uint64_t v : b.values) total += v;
    out += "<g class=\"bar\" data-label=\"";
    escape(out, b.label);
    fmt::format_to(it, "\" data-n=\"{}\">", total);
    fmt::format_to(it, "<text class=\"label\" x=\"{}\" y=\"{}\">", label_w - 8, y + bar_h - 4);
    escape(out, shortened(b.label, 38));
    out += "</text>";
    double x = label_w;
    for (size_t s = 0; s < series.size() && s < b.values.size(); ++s) {
      uint64_t v = b.values[s];
      if (v == 0) continue;
      // A count too small to see at this scale still gets a sliver.
      double w = std::max(1.0, static_cast<double>(v) * scale);
      fmt::format_to(it, "<rect class=\"{}\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\"><title>", escaped(series[s].css),
                     x, y, w, bar_h);
      escape(out, b.label);
      out += ": ";
      if (stacked) {
        escape(out, series[s].name);
        out += " ";
      }
      out += grouped(v);
      out += "</title></rect>";
      x += w;
    }
    fmt::format_to(it, "<text class=\"value\" x=\"{:.1f}\" y=\"{}\">{}</text></g>\n", x + 6, y + bar_h - 4, grouped(total));
  }
  out += "</svg>\n";
  if (all_bars.size() > n)
    fmt::format_to(it, "<p class=\"note\">The {} largest of {}; the table lists them all.</p>\n", n, all_bars.size());
  out += "</figure>\n";
}

void matrix_chart(std::string& out, std::string_view id, std::string_view title, const std::vector<std::string>& rows,
                  const std::vector<std::string>& cols, const std::vector<std::vector<uint64_t>>& counts,
                  std::string_view empty) {
  auto it = std::back_inserter(out);
  uint64_t moved_max = 0, any = 0;
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < cols.size(); ++c) {
      any += counts[r][c];
      if (rows[r] != cols[c]) moved_max = std::max(moved_max, counts[r][c]);
    }
  if (!figure(out, id, title, any > 0, empty)) return;
  const int label_w = 200, cell_w = 104, cell_h = 34, head_h = 64;
  const int width = label_w + static_cast<int>(cols.size()) * cell_w + 8;
  const int height = head_h + static_cast<int>(rows.size()) * cell_h + 8;
  std::string desc;
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < cols.size(); ++c)
      if (counts[r][c] && rows[r] != cols[c]) {
        desc += desc.empty() ? "" : "; ";
        desc += fmt::format("{} to {}: {}", rows[r], cols[c], grouped(counts[r][c]));
      }
  if (desc.empty()) desc = "no decision moved";
  svg_start(out, "chart matrix", id, title, desc, width, height);
  fmt::format_to(it, "<text x=\"{}\" y=\"14\" class=\"value\">after \u2192</text>\n", label_w);
  fmt::format_to(it, "<text x=\"{}\" y=\"{}\" class=\"value label\">before \u2193</text>\n", label_w - 8, head_h - 8);
  for (size_t c = 0; c < cols.size(); ++c) {
    int x = label_w + static_cast<int>(c) * cell_w + cell_w / 2;
    out += "<text class=\"col\" text-anchor=\"middle\" data-label=\"";
    escape(out, cols[c]);
    fmt::format_to(it, "\" x=\"{}\" y=\"{}\"><title>", x, head_h - 26);
    escape(out, cols[c]);
    out += "</title>";
    // Two lines: the verdict, then the basis.
    size_t colon = cols[c].find(": ");
    escape(out, shortened(cols[c].substr(0, colon), 14));
    if (colon != std::string::npos) {
      fmt::format_to(it, "<tspan x=\"{}\" dy=\"15\">", x);
      escape(out, shortened(cols[c].substr(colon + 2), 14));
      out += "</tspan>";
    }
    out += "</text>\n";
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    int y = head_h + static_cast<int>(r) * cell_h;
    out += "<text class=\"label row\" data-label=\"";
    escape(out, rows[r]);
    fmt::format_to(it, "\" x=\"{}\" y=\"{}\"><title>", label_w - 8, y + cell_h / 2 + 5);
    escape(out, rows[r]);
    out += "</title>";
    escape(out, shortened(rows[r], 28));
    out += "</text>\n";
    for (size_t c = 0; c < cols.size(); ++c) {
      uint64_t n = counts[r][c];
      int x = label_w + static_cast<int>(c) * cell_w;
      bool same = rows[r] == cols[c];
      std::string fill = "fill=\"#ffffff\"";
      bool light = false;
      if (same) {
        fill = "";
      } else if (n) {
        // From a pale to a deep orange, by the square root of the share of the largest move.
        double t = 0.15 + 0.85 * std::sqrt(static_cast<double>(n) / static_cast<double>(moved_max));
        int red = static_cast<int>(255 - t * (255 - 191)), green = static_cast<int>(243 - t * (243 - 54)),
            blue = static_cast<int>(224 - t * (224 - 12));
        fill = fmt::format("fill=\"#{:02x}{:02x}{:02x}\"", red, green, blue);
        light = t > 0.6;
      }
      fmt::format_to(it, "<g class=\"m\" data-n=\"{}\"><rect class=\"cell{}\" {} x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>",
                     n, same ? " same" : "", fill, x, y, cell_w, cell_h);
      escape(out, rows[r]);
      out += " \u2192 ";
      escape(out, cols[c]);
      fmt::format_to(it, ": {}{}</title></rect>", grouped(n), same ? " (unchanged)" : "");
      fmt::format_to(it, "<text text-anchor=\"middle\" x=\"{}\" y=\"{}\"{}>{}</text></g>\n", x + cell_w / 2,
                     y + cell_h / 2 + 5, light ? " class=\"light\"" : "", n ? grouped(n) : "\u00b7");
    }
  }
  out += "</svg>\n</figure>\n";
}

Cell number(uint64_t n) {
  Cell c;
  c.text = grouped(n);
  c.n = n;
  return c;
}

Cell text(std::string s) {
  Cell c;
  c.text = std::move(s);
  return c;
}

void table(std::string& out, std::string_view id, std::string_view caption, const std::vector<Column>& columns,
           const std::vector<Row>& rows, std::string_view empty) {
  auto it = std::back_inserter(out);
  if (rows.empty()) {
    out += "<p class=\"empty\" data-table=\"";
    escape(out, id);
    out += "\">";
    escape(out, empty);
    out += "</p>\n";
    return;
  }
  // In a box that scrolls sideways, so that a wide table (a matrix of many states) never
  // widens the page.
  out += "<div class=\"scroll\"><table class=\"data\" data-table=\"";
  escape(out, id);
  out += "\">\n<caption>";
  escape(out, caption);
  out += "</caption>\n<thead><tr>";
  for (const Column& c : columns) {
    out += "<th scope=\"col\" data-col=\"";
    escape(out, c.key);
    out += c.number ? "\" class=\"num\">" : "\">";
    escape(out, c.title);
    out += "</th>";
  }
  out += "</tr></thead>\n<tbody>\n";
  for (const Row& r : rows) {
    out += r.key == "all" ? "<tr class=\"total\" data-key=\"" : "<tr data-key=\"";
    escape(out, r.key);
    out += "\">";
    for (size_t i = 0; i < r.cells.size() && i < columns.size(); ++i) {
      const Cell& cell = r.cells[i];
      const Column& col = columns[i];
      const char* tag = i == 0 ? "th" : "td";
      fmt::format_to(it, "<{}{} data-col=\"{}\"", tag, i == 0 ? " scope=\"row\"" : "", escaped(col.key));
      if (col.number) fmt::format_to(it, " class=\"num\" data-n=\"{}\"", cell.n);
      else if (col.key == "cites") out += " class=\"cites\"";
      else if (col.key == "examples") out += " class=\"msg\"";
      out += ">";
      if (cell.text.empty() && !cell.html.empty()) out += cell.html;
      else escape(out, cell.text);
      fmt::format_to(it, "</{}>", tag);
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table></div>\n";
}

}  // namespace lawful::report::html
