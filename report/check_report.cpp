// The HTML report of `lawful check`; see check_report.h.
#include "report/check_report.h"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "report/html.h"
#include "runtime/core/outcome.h"

namespace lawful::report {

namespace {

using html::Bar;
using html::Column;
using html::Row;
using html::Series;

const std::vector<Series>& verdict_series() {
  static const std::vector<Series> s = {{"allow", "allow"}, {"deny", "deny"}, {"review", "review"}};
  return s;
}



void run_facts(std::string& out, const Program& prog, const RunFacts& r) {
  out += "<dl class=\"run\">\n";
  html::run_item(out, "Policies", r.policies, "policy_path");
  html::run_item(out, "Policy version", fmt::format("{:016x} (hash of the sources, standard library included)", prog.source_hash),
       "sources_hash");
  std::vector<std::string> names;
  for (const PolicyInfo& p : prog.policies) names.push_back(prog.str(p.name));
  html::run_item(out, "Policies in it", names.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(names, ", ")), "policy_names");
  html::run_item(out, "Input", r.input, "input");
  if (!r.campaign.empty()) html::run_item(out, "Campaign", r.campaign_about.empty() ? r.campaign : r.campaign_about + " (" + r.campaign + ")", "campaign");
  html::run_item(out, "Rules in force", r.as_of.empty() ? std::string("on each campaign's send date") : "as of " + r.as_of, "as_of");
  if (!r.started.empty()) html::run_item(out, "Run", r.started, "started");
  html::run_item(out, "lawful", r.lawful_version + (r.stdlib_hash.empty() ? "" : ", standard library " + r.stdlib_hash),
       "lawful_version");
  out += "</dl>\n";
}

}  // namespace

std::string check_report_html(const Program& prog, const CheckCounts& t, const RunFacts& r) {
  std::string out;
  out.reserve(64 * 1024);
  auto it = std::back_inserter(out);
  const uint64_t decided = t.lines - t.errors;
  html::page_start(out, "lawful check: " + r.input);
  out += "<header>\n<h1>Campaign check</h1>\n<p class=\"lead\">";
  fmt::format_to(it, "{} input line{} read, {} decided, by ", html::grouped(t.lines), t.lines == 1 ? "" : "s",
                 html::grouped(decided));
  html::escape(out, r.policies);
  out += ".</p>\n";
  run_facts(out, prog, r);
  out += "<ul class=\"cards\" aria-label=\"Counts\">\n";
  html::card(out, "", "lines", "lines read", t.lines, 0);
  html::card(out, "", "decisions", "decisions", decided, t.lines);
  html::card(out, "allow", "verdicts.allow", "may be contacted (allow)", t.verdicts[0], decided);
  html::card(out, "deny", "verdicts.deny", "may not (deny)", t.verdicts[1], decided);
  html::card(out, "review", "verdicts.review", "to review", t.verdicts[2], decided);
  html::card(out, "error", "errors", "error lines", t.errors, t.lines);
  out += "</ul>\n";
  out += "<nav class=\"toc\" aria-label=\"Contents\"><ol><li><a href=\"#jurisdictions\">Decisions by jurisdiction</a></li>"
         "<li><a href=\"#bases\">Bases of the allowed</a></li><li><a href=\"#rules\">Rules that decided</a></li>"
         "<li><a href=\"#missing\">Facts missing behind review</a></li><li><a href=\"#obligations\">Obligations owed</a></li>"
         "<li><a href=\"#errors\">Error lines</a></li></ol></nav>\n</header>\n";

  // Decisions by jurisdiction and verdict.
  {
    html::section(out, "jurisdictions", "Decisions by jurisdiction",
            "Each contact is decided by the policy its country routes to; contacts no policy covers are "
            "<em>review</em>.");
    std::vector<Bar> bars;
    std::vector<Row> rows;
    for (size_t p = 0; p < t.policies.size(); ++p) {
      const auto& c = t.policies[p];
      if (c[0] + c[1] + c[2] == 0) continue;
      std::string label = policy_label(prog, p);
      bars.push_back({label, {c[0], c[1], c[2]}});
      std::string key = p < prog.policies.size() ? prog.str(prog.policies[p].name) : "(no policy)";
      rows.push_back({key, {html::text(label), html::number(c[0]), html::number(c[1]), html::number(c[2]),
                            html::number(c[0] + c[1] + c[2])}});
    }
    html::bar_chart(out, "chart-jurisdictions", "Decisions by jurisdiction and verdict", verdict_series(), bars,
                    "No decisions: nothing to chart.", 40);
    if (!rows.empty())
      rows.push_back({"all", {html::text("all"), html::number(t.verdicts[0]), html::number(t.verdicts[1]),
                              html::number(t.verdicts[2]), html::number(decided)}});
    html::table(out, "policies", "Decisions by jurisdiction (policy) and verdict",
                {{"policy", "jurisdiction (policy)", false},
                 {"allow", "allow", true},
                 {"deny", "deny", true},
                 {"review", "review", true},
                 {"total", "total", true}},
                rows, "No decisions.");
    out += "</section>\n";
  }

  // Bases of the allowed.
  {
    html::section(out, "bases", "Bases of the allowed", "The legal basis each allowed contact may be contacted on.");
    std::vector<Bar> bars;
    std::vector<Row> rows;
    for (const NamedCount& b : basis_rows(prog, t)) {
      if (b.count) bars.push_back({b.name, {b.count}});
      rows.push_back({b.name, {html::text(b.name), html::number(b.count)}});
    }
    std::stable_sort(bars.begin(), bars.end(), [](const Bar& a, const Bar& b) { return a.values[0] > b.values[0]; });
    html::bar_chart(out, "chart-bases", "Allowed contacts by legal basis", {{"allowed", "allow"}}, bars,
                    "No contact was allowed.");
    html::table(out, "bases", "Allowed contacts by legal basis", {{"basis", "basis", false}, {"allow", "allowed", true}},
                rows, "The policies name no legal bases.");
    out += "</section>\n";
  }

  // The rules that decided most often.
  {
    html::section(out, "rules", "Rules that decided",
            "How often each rule was among the rules behind a decision (the winners, or what made a decision "
            "<em>review</em>), by the verdict of those decisions, with the provisions it cites.");
    std::vector<RuleRow> rr = rule_rows(prog, t);
    std::vector<Bar> bars;
    std::vector<Row> rows;
    for (const RuleRow& x : rr) {
      std::string label = fmt::format("{}: {}.{}", x.policy, x.decision_name, x.name);
      bars.push_back({label, {x.verdicts[0], x.verdicts[1], x.verdicts[2]}});
      rows.push_back({x.policy + "/" + x.decision_name + "/" + x.name,
                      {html::text(label), html::number(x.verdicts[0]), html::number(x.verdicts[1]),
                       html::number(x.verdicts[2]), html::number(x.total),
                       html::text(fmt::format("{}", fmt::join(x.cites, "; ")))}});
    }
    html::bar_chart(out, "chart-rules", "The rules behind the most decisions", verdict_series(), bars,
                    "No rule decided anything.");
    html::table(out, "rules", "Rules by the decisions they are behind",
                {{"rule", "policy: decision.rule", false},
                 {"allow", "allow", true},
                 {"deny", "deny", true},
                 {"review", "review", true},
                 {"total", "total", true},
                 {"cites", "citations", false}},
                rows, "No rule decided anything.");
    out += "</section>\n";
  }

  // Facts missing behind review.
  {
    std::string lead = fmt::format(
        "{} review decision{} name the facts that would settle them. For each fact: how many of those decisions "
        "name it, and how many name it alone (filling it in would settle those). The data team's to-do list, "
        "the most useful first.",
        html::grouped(t.reviews_missing), t.reviews_missing == 1 ? "" : "s");
    html::section(out, "missing", "Facts missing behind review", lead);
    std::vector<Bar> bars;
    std::vector<Row> rows;
    for (const FactRow& f : missing_rows(prog, t)) {
      bars.push_back({f.fact, {f.settles, f.reviews - f.settles}});
      rows.push_back({f.fact, {html::text(f.fact), html::number(f.reviews), html::number(f.settles)}});
    }
    html::bar_chart(out, "chart-missing", "Review decisions by missing fact",
                    {{"the only fact missing", "one"}, {"with other facts", "other"}}, bars,
                    "No review decision is waiting for a fact.");
    html::table(out, "missing", "Missing facts by the review decisions that name them",
                {{"fact", "fact", false}, {"reviews", "reviews naming it", true}, {"settles", "it alone would settle", true}},
                rows, "No review decision is waiting for a fact.");
    out += "</section>\n";
  }

  // Obligations owed.
  {
    html::section(out, "obligations", "Obligations owed",
            "What the campaign must do for the contacts it may reach: the obligations of the decisions, by how many "
            "decisions owe each.");
    std::vector<Bar> bars;
    std::vector<Row> rows;
    for (const NamedCount& o : obligation_rows(prog, t)) {
      bars.push_back({o.name, {o.count}});
      rows.push_back({o.name, {html::text(o.name), html::number(o.count)}});
    }
    html::bar_chart(out, "chart-obligations", "Decisions by obligation owed", {{"decisions", "one"}}, bars,
                    "No decision owes an obligation.");
    html::table(out, "obligations", "Obligations by the decisions that owe them",
                {{"obligation", "obligation", false}, {"decisions", "decisions", true}}, rows,
                "No decision owes an obligation.");
    out += "</section>\n";
  }

  // Error lines by kind.
  {
    html::section(out, "errors", "Error lines",
            t.errors ? fmt::format("{} line{} could not be decided; each has an error record in its place in the "
                                   "output. By kind (the same message but for its values), with the first lines of each.",
                                   html::grouped(t.errors), t.errors == 1 ? "" : "s")
                     : std::string("Every line was decided."));
    std::vector<Bar> bars;
    std::vector<Row> rows;
    std::vector<ErrorKind> kinds = t.error_kinds;
    std::stable_sort(kinds.begin(), kinds.end(), [](const ErrorKind& a, const ErrorKind& b) { return a.count > b.count; });
    for (const ErrorKind& k : kinds) {
      bars.push_back({k.kind, {k.count}});
      html::Cell ex;
      for (const auto& [line, message] : k.examples) {
        ex.html += fmt::format("<div data-line=\"{}\">line {}: ", line, line);
        html::escape(ex.html, message);
        ex.html += "</div>";
      }
      rows.push_back({k.kind, {html::text(k.kind), html::number(k.count), ex}});
    }
    html::bar_chart(out, "chart-errors", "Error lines by kind", {{"lines", "other"}}, bars, "No error lines.");
    html::table(out, "errors", "Error lines by kind, with the first lines of each",
                {{"kind", "kind", false}, {"lines", "lines", true}, {"examples", "first lines", false}}, rows,
                "No error lines.");
    out += "</section>\n";
  }

  std::string footer = "Written by lawful ";
  html::escape(footer, r.lawful_version);
  footer += " from the counts of the run (the same as <code>--summary</code>); no contact data but the error "
            "lines' first examples is in it.";
  html::page_end(out, footer);
  return out;
}

}  // namespace lawful::report
