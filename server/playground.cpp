// The playground's endpoint; see playground.h.
#include "server/playground.h"

#include <filesystem>

#include <fmt/format.h>
#include <lawful/lawful.h>
#include <nlohmann/json.hpp>

#include "api/lines.h"
#include "compiler/compiler.h"
#include "compiler/test_runner.h"

namespace lawful::server {

namespace {

using nlohmann::json;

std::string base_name(const std::string& path) { return std::filesystem::path(path).filename().string(); }

std::string text_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The C API's list (the compiler's headers and lawful.hpp do not go together in one
// file: the same names), freed here.
json diagnostics_json(lawful_diagnostics* d) {
  json items = json::array();
  for (size_t i = 0; i < lawful_diagnostics_count(d); ++i) {
    const lawful_diagnostic* x = lawful_diagnostics_at(d, i);
    items.push_back({{"error", x->is_error != 0},
                     {"code", x->code},
                     {"file", x->file},
                     {"line", x->line},
                     {"column", x->column},
                     {"message", x->message},
                     {"help", x->help}});
  }
  json out = {{"text", lawful_diagnostics_text(d)}, {"items", items}};
  lawful_diagnostics_free(d);
  return out;
}

}  // namespace

std::string playground_answer(const std::string& policies, const std::string& body, int& status) {
  status = 200;
  json req = json::parse(body, nullptr, false);
  if (req.is_discarded() || !req.is_object()) {
    status = 400;
    return json{{"error", "the body must be a JSON object: {\"file\", \"policy\", \"contact\", \"campaign\"}"}}.dump();
  }
  std::string file = text_of(req, "file");
  if (file.empty()) file = "playground.law";
  PathSources sources = read_path_sources(policies);
  std::vector<SourceFile> user;
  bool replaced = false;
  for (SourceFile& f : sources.user) {
    if (base_name(f.path) == file) {
      f.text = text_of(req, "policy");
      replaced = true;
    }
    user.push_back(std::move(f));
  }
  if (!replaced) user.push_back(SourceFile{file, text_of(req, "policy")});
  Compilation c = compile_sources(std::move(user), std::move(sources.available));

  json out;
  out["compiled"] = c.ok();
  std::optional<TestReport> report;
  if (c.ok()) report = run_tests(c);
  out["diagnostics"] = diagnostics_json(api::diagnostics_of(c, nullptr));
  out["tests"] = nullptr;
  out["decision"] = nullptr;
  out["explanation"] = nullptr;
  if (!c.ok()) return out.dump();

  json tests = json::array();
  for (const TestResult& t : report->tests)
    tests.push_back({{"title", t.title}, {"policy", t.policy}, {"where", t.where}, {"passed", t.passed()},
                     {"failures", t.failures}});
  out["tests"] = {{"passed", report->passed}, {"failed", report->failed}, {"results", tests}};

  std::string why;
  lawful_engine* e = api::engine_from_compilation(c, why);
  if (!e) {
    out["error"] = why;
    return out.dump();
  }
  lawful_decision* d = nullptr;
  if (lawful_decision_new(&d) != LAWFUL_OK) {
    lawful_engine_free(e);
    throw std::bad_alloc();
  }
  std::string contact = text_of(req, "contact"), campaign = text_of(req, "campaign"), as_of = text_of(req, "as_of");
  const char* text = nullptr;
  size_t n = 0;
  lawful_status st = lawful_decision_explain_json(e, contact.data(), contact.size(), campaign.data(), campaign.size(),
                                                  as_of.empty() ? nullptr : as_of.c_str(), d, &text, &n);
  if (st == LAWFUL_ERR_ARGUMENT) {
    out["error"] = lawful_last_error();
  } else {
    size_t len = 0;
    const char* record = lawful_decision_json(d, &len);
    out["decision"] = json::parse(record, record + len, nullptr, false);
    if (st == LAWFUL_OK && text) out["explanation"] = json::parse(text, text + n, nullptr, false);
  }
  lawful_decision_free(d);
  lawful_engine_free(e);
  return out.dump();
}

std::string playground_files(const std::string& policies) {
  PathSources sources = read_path_sources(policies);
  json files = json::array();
  for (const SourceFile& f : sources.user) files.push_back({{"name", base_name(f.path)}, {"text", f.text}});
  return json{{"files", files}}.dump();
}

}  // namespace lawful::server
