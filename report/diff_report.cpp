// The HTML report of `lawful diff`; see diff_report.h.
#include "report/diff_report.h"

#include <algorithm>
#include <iterator>
#include <set>

#include <fmt/format.h>

#include "report/html.h"

namespace lawful::report {

namespace {

using html::Bar;
using html::Column;
using html::Row;



// Allow states first (by basis), then deny, then review: the order of the verdicts.
int state_rank(const std::string& s) {
  if (s.rfind("allow", 0) == 0) return 0;
  if (s == "deny") return 1;
  return 2;
}

std::vector<std::string> ordered_states(const std::set<std::string>& states) {
  std::vector<std::string> v(states.begin(), states.end());
  std::stable_sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) { return state_rank(a) < state_rank(b); });
  return v;
}

// One jurisdiction's moves: the matrix, and the table of the same numbers under it.
void matrix(std::string& out, const std::string& id, const std::string& where,
            const std::map<std::pair<std::string, std::string>, uint64_t>& cells) {
  std::set<std::string> states;
  uint64_t moved = 0, all = 0;
  for (const auto& [k, n] : cells) {
    states.insert(k.first);
    states.insert(k.second);
    all += n;
    if (k.first != k.second) moved += n;
  }
  std::vector<std::string> order = ordered_states(states);
  std::vector<std::vector<uint64_t>> counts(order.size(), std::vector<uint64_t>(order.size(), 0));
  for (size_t r = 0; r < order.size(); ++r)
    for (size_t c = 0; c < order.size(); ++c) {
      auto it = cells.find({order[r], order[c]});
      if (it != cells.end()) counts[r][c] = it->second;
    }
  fmt::format_to(std::back_inserter(out), "<h3 id=\"{}-h\" data-moved=\"{}\" data-decisions=\"{}\">", html::escaped(id),
                 moved, all);
  html::escape(out, where);
  fmt::format_to(std::back_inserter(out), ": {} of {} decision{} moved</h3>\n", html::grouped(moved), html::grouped(all),
                 all == 1 ? "" : "s");
  html::matrix_chart(out, id, "Decisions before (rows) and after (columns) the change: " + where, order, order, counts,
                     "No decisions.");
  std::vector<Column> cols = {{"before", "before \\ after", false}};
  for (const std::string& s : order) cols.push_back({s, s, true});
  std::vector<Row> rows;
  for (size_t r = 0; r < order.size(); ++r) {
    Row row{order[r], {html::text(order[r])}};
    for (size_t c = 0; c < order.size(); ++c) row.cells.push_back(html::number(counts[r][c]));
    rows.push_back(std::move(row));
  }
  html::table(out, id, "Decisions before (rows) and after (columns): " + where, cols, rows, "No decisions.");
}

std::string change_key(const PolicyChange& c) { return c.policy + "\x1f" + c.decision + "\x1f" + c.rule; }

}  // namespace

std::string shell_quote(const std::string& w) {
  if (!w.empty() && w.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-./:=@%+,") ==
                        std::string::npos)
    return w;
  std::string q = "'";
  for (char c : w) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

std::string diff_report_html(const Program& before, const Program& after, const std::vector<PolicyChange>& changes,
                             const DiffCounts& c, const DiffRunFacts& r) {
  std::string out;
  out.reserve(64 * 1024);
  auto it = std::back_inserter(out);
  size_t changed = 0, other = 0;
  const std::vector<const Movement*> moves = c.movements(&changed);
  const std::vector<const Movement*> same = c.other_reasons(&other);
  std::map<std::string, std::string> change_of;  // cause key -> added, removed, changed
  for (const PolicyChange& ch : changes)
    if (ch.definition.empty()) change_of[change_key(ch)] = change_name(ch.kind);

  html::page_start(out, "lawful diff: " + r.old_path + " \u2192 " + r.new_path);
  out += "<header>\n<h1>Impact of a policy change</h1>\n<p class=\"lead\">";
  fmt::format_to(it, "{} contact{} decided by both versions: {} decision{} moved.", html::grouped(c.total),
                 c.total == 1 ? "" : "s", html::grouped(changed), changed == 1 ? "" : "s");
  out += "</p>\n<dl class=\"run\">\n";
  html::run_item(out, "Before", fmt::format("{} (version {:016x})", r.old_path, before.source_hash), "old");
  html::run_item(out, "After", fmt::format("{} (version {:016x})", r.new_path, after.source_hash), "new");
  html::run_item(out, "Input", r.input, "input");
  if (!r.campaign.empty()) html::run_item(out, "Campaign", r.campaign_about.empty() ? r.campaign : r.campaign_about + " (" + r.campaign + ")", "campaign");
  if (!r.decision.empty()) html::run_item(out, "Decision", r.decision, "decision");
  html::run_item(out, "Rules in force", r.as_of.empty() ? std::string("on each campaign's send date") : "as of " + r.as_of, "as_of");
  if (!r.started.empty()) html::run_item(out, "Run", r.started, "started");
  html::run_item(out, "lawful", r.lawful_version, "lawful_version");
  out += "</dl>\n<ul class=\"cards\" aria-label=\"Counts\">\n";
  html::card(out, "", "contacts", "contacts", c.total);
  html::card(out, "deny", "changed", "decisions moved", changed);
  html::card(out, "allow", "unchanged", "unchanged", c.unchanged);
  html::card(out, "review", "other_reasons", "unchanged, for other rules or citations", other);
  html::card(out, "error", "errors", "lines not decided", c.errors);
  out += "</ul>\n<nav class=\"toc\" aria-label=\"Contents\"><ol><li><a href=\"#moves\">Moves by jurisdiction</a></li>"
         "<li><a href=\"#changes\">What differs between the versions</a></li><li><a href=\"#movements\">Each move, "
         "why, and sample contacts</a></li><li><a href=\"#errors\">Lines not decided</a></li></ol></nav>\n</header>\n";

  // Moves: all, then by jurisdiction.
  {
    html::section(out, "moves", "Moves by jurisdiction",
            "Rows are the decisions before the change, columns after; the grey diagonal is what stayed. The "
            "jurisdiction is the new version's policy for the contact (the old one's where the new one has none).");
    std::vector<Bar> bars;
    std::vector<Row> rows;
    for (const Movement* m : moves) {
      std::string label = state_label(m->from_verdict, m->from_basis) + " \u2192 " + state_label(m->to_verdict, m->to_basis);
      bars.push_back({label, {m->count}});
      rows.push_back({label, {html::text(label), html::number(m->count)}});
    }
    html::bar_chart(out, "chart-moves", "Decisions moved, by move", {{"decisions", "deny"}}, bars, "No decision moved.");
    html::table(out, "moves", "Decisions moved, by move", {{"move", "move", false}, {"decisions", "decisions", true}}, rows,
                "No decision moved.");
    std::map<std::pair<std::string, std::string>, uint64_t> whole;
    for (const auto& [where, cells] : c.matrix)
      for (const auto& [k, n] : cells) whole[k] += n;
    matrix(out, "matrix-all", "All jurisdictions", whole);
    size_t i = 0;
    for (const auto& [where, cells] : c.matrix) matrix(out, fmt::format("matrix-{}", ++i), where, cells);
    out += "</section>\n";
  }

  // What differs, with the decisions each rule moved.
  {
    html::section(out, "changes", "What differs between the versions",
            "The rules and definitions added, removed or changed, and for each rule the decisions that moved with it "
            "behind them, before or after.");
    std::vector<Bar> bars;
    std::vector<Row> rows;
    for (const PolicyChange& ch : changes) {
      bool rule = ch.definition.empty();
      std::string what = rule ? fmt::format("{}: rule {}.{}", ch.policy, ch.decision, ch.rule)
                              : fmt::format("{}: definition {}", ch.policy, ch.definition);
      uint64_t n = 0;
      if (rule) {
        auto f = c.rule_moved.find(change_key(ch));
        if (f != c.rule_moved.end()) n = f->second;
        if (n) bars.push_back({what, {n}});
      }
      Row row{rule ? ch.policy + "/" + ch.decision + "/" + ch.rule : ch.policy + "/" + ch.definition,
              {html::text(what), html::text(change_name(ch.kind))}};
      row.cells.push_back(rule ? html::number(n) : html::Cell{"", "<span title=\"not counted for definitions\">\u2014</span>", 0});
      rows.push_back(std::move(row));
    }
    std::stable_sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) { return a.values[0] > b.values[0]; });
    html::bar_chart(out, "chart-changes", "Decisions moved with each changed rule behind them", {{"decisions", "one"}}, bars,
                    changes.empty() ? "The versions do not differ." : "No decision moved with a changed rule behind it.");
    html::table(out, "changes", "Rules and definitions that differ",
                {{"what", "rule or definition", false}, {"change", "change", false}, {"moved", "decisions moved", true}},
                rows, "The versions do not differ.");
    out += "</section>\n";
  }

  // Each move: the rules on either side, and contacts to look at.
  {
    html::section(out, "movements", "Each move, why, and sample contacts",
            r.explainable ? std::string("The rules behind each side (a decision by two rules counts for both), and the "
                                        "first contacts of each move with the commands that explain their decisions.")
                          : std::string("The rules behind each side (a decision by two rules counts for both), and the "
                                        "first contacts of each move (<code>lawful explain</code> reads a JSON Lines "
                                        "contact file: this input is not one)."));
    if (moves.empty() && same.empty()) out += "<p class=\"empty\">No decision moved.</p>\n";
    size_t k = 0;
    auto block = [&](const Movement& m, const std::string& heading) {
      ++k;
      fmt::format_to(it, "<article class=\"move\" data-move=\"{}\" data-n=\"{}\">\n<h3>", k, m.count);
      html::escape(out, heading);
      out += "</h3>\n";
      auto list = [&](const char* id, const char* title, const CauseCounts& t) {
        std::vector<Row> rows;
        for (const auto& [cause, n] : t.sorted()) {
          auto f = change_of.find(cause);
          rows.push_back({cause_text(cause), {html::text(cause_text(cause)), html::number(n),
                                               html::text(f == change_of.end() ? std::string() : f->second)}});
        }
        html::table(out, fmt::format("{}-{}", id, k), title,
                    {{"rule", "rule (or reason)", false}, {"decisions", "decisions", true}, {"change", "change", false}},
                    rows, "");
      };
      list("now", "Now decided by", m.now);
      list("was", "Was decided by", m.was);
      out += "<h4>Sample contacts</h4>\n<ul class=\"contacts\">\n";
      for (const std::string& id : m.contacts) {
        out += "<li data-contact=\"";
        html::escape(out, id);
        out += "\"><strong>";
        html::escape(out, id);
        out += "</strong>";
        bool has_id = id.rfind("line ", 0) != 0;
        if (r.explainable && has_id) {
          for (int side = 0; side < 2; ++side) {
            std::string cmd = fmt::format("lawful explain {} --contact {} --id {} --campaign {}",
                                          shell_quote(side ? r.new_path : r.old_path), shell_quote(r.input),
                                          shell_quote(id), shell_quote(r.campaign));
            if (!r.decision.empty()) cmd += " --decision " + shell_quote(r.decision);
            if (!r.as_of.empty()) cmd += " --as-of " + shell_quote(r.as_of);
            out += side ? "<div>after:" : "<div>before:";
            out += "<button type=\"button\" class=\"copy\" data-copy=\"";
            html::escape(out, cmd);
            out += "\">Copy</button><code class=\"cmd\">";
            html::escape(out, cmd);
            out += "</code></div>";
          }
        }
        out += "</li>\n";
      }
      if (m.count > m.contacts.size())
        fmt::format_to(it, "<li class=\"more\">and {} more</li>\n", html::grouped(m.count - m.contacts.size()));
      out += "</ul>\n</article>\n";
    };
    for (const Movement* m : moves)
      block(*m, fmt::format("{} \u2192 {}: {}", verdict_text(m->from_verdict, m->from_basis),
                            verdict_text(m->to_verdict, m->to_basis), html::grouped(m->count)));
    for (const Movement* m : same)
      block(*m, fmt::format("{}, unchanged, by other {}: {}", verdict_text(m->from_verdict, m->from_basis),
                            m->same == "rules" ? "rules" : "citations of the same rules", html::grouped(m->count)));
    out += "</section>\n";
  }

  // Lines not decided.
  {
    html::section(out, "errors", "Lines not decided",
            c.errors ? fmt::format("{} line{} could not be decided by both versions; the first:", html::grouped(c.errors),
                                   c.errors == 1 ? "" : "s")
                     : std::string("Every line was decided."));
    std::vector<Row> rows;
    for (const auto& [line, why] : c.error_lines)
      rows.push_back({std::to_string(line), {html::number(line), html::text(why)}});
    html::table(out, "error-lines", "The first lines not decided", {{"line", "line", true}, {"examples", "error", false}},
                rows, "No lines were left undecided.");
    out += "</section>\n";
  }

  std::string footer = "Written by lawful ";
  html::escape(footer, r.lawful_version);
  footer += " from the counts of the run (the same as <code>lawful diff --json</code>).";
  html::page_end(out, footer);
  return out;
}

}  // namespace lawful::report
