#include "compiler/policy_sources.h"

#include <cctype>

namespace lawful {

std::shared_ptr<const PolicySources> policy_sources(const Compilation& c) {
  auto s = std::make_shared<PolicySources>();
  const SourceManager& sm = c.sources;
  s->paths.resize(sm.size());
  s->lines.resize(sm.size());
  for (FileId f = 0; f < sm.size(); ++f) {
    s->paths[f] = sm.path(f);
    const std::string& text = sm.text(f);
    size_t start = 0;
    while (start <= text.size()) {
      size_t nl = text.find('\n', start);
      std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      s->lines[f].push_back(std::move(line));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  auto lines_of = [&](FileId f, const Span& span) {
    uint32_t first = sm.line_col(f, span.begin).line;
    uint32_t last = sm.line_col(f, span.end > span.begin ? span.end - 1 : span.end).line;
    return std::make_pair(first, last);
  };
  for (const auto& m : c.modules) {
    for (const auto& d : m->decisions)
      for (const auto& r : d.rules) s->rule_lines[{m->file, r.name.span.begin}] = lines_of(m->file, r.span);
    if (m->kind != ast::ModuleKind::Routing && m->kind != ast::ModuleKind::None) {
      for (const ast::LetDecl& l : m->lets) {
        auto [first, last] = lines_of(m->file, l.span);
        s->lets[m->name.str() + "." + l.name.text] = {m->file, first, last};
      }
    }
    if (m->kind == ast::ModuleKind::Routing) {
      for (const auto& r : m->routes)
        for (const auto& k : r.keys) {
          std::string key = k.text;
          for (char& ch : key) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
          s->routes[key].emplace_back(m->file, sm.line_col(m->file, r.span.begin).line);
        }
    }
  }
  return s;
}

}  // namespace lawful
