// Decision and error records in JSON; see records.h.
#include "runtime/facts/records.h"

#include <fmt/format.h>

namespace lawful {

const char* verdict_name(VerdictCode v) {
  switch (v) {
    case VerdictCode::Allow: return "allow";
    case VerdictCode::Deny: return "deny";
    case VerdictCode::Review: return "review";
  }
  return "review";
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

bool contact_id(const Program& prog, const FactStore& facts, std::string_view& id) {
  int root = prog.schema.find_root("contact");
  if (root < 0) return false;
  const RootDef& r = prog.schema.roots[static_cast<size_t>(root)];
  int f = Schema::find_field(prog.schema.records[r.record], "id");
  if (f < 0) return false;
  Value v = facts.slots[r.base + prog.schema.records[r.record].fields[static_cast<size_t>(f)].offset];
  if (v == kUnknown || !facts.valid_string(v)) return false;
  id = facts.text(v);
  return true;
}

void append_decision_json(std::string& out, const Program& prog, const Outcome& o, const FactStore& facts) {
  std::string_view id;
  out += "{\"id\": ";
  if (contact_id(prog, facts, id)) append_json_string(out, id);
  else out += "null";
  out += ", \"verdict\": \"";
  out += verdict_name(o.verdict);
  out += "\", \"basis\": ";
  if (o.verdict == VerdictCode::Allow && o.basis >= 0) append_json_string(out, prog.basis_name(o.basis));
  else out += "null";
  out += ", \"policy\": ";
  if (o.policy >= 0) append_json_string(out, prog.str(prog.policies[static_cast<size_t>(o.policy)].name));
  else out += "null";
  out += ", \"decision\": ";
  if (o.decision >= 0) append_json_string(out, prog.str(prog.decisions[static_cast<size_t>(o.decision)].name));
  else out += "null";
  out += ", \"rules\": [";
  for (size_t i = 0; i < o.rules.size(); ++i) {
    if (i) out += ", ";
    append_json_string(out, prog.str(prog.decisions[static_cast<size_t>(o.decision)].rules[o.rules[i]].name));
  }
  out += "], \"cites\": [";
  bool first = true;
  for_each_cite(prog, o, [&](const std::string& c) {
    if (!first) out += ", ";
    first = false;
    append_json_string(out, c);
  });
  out += "], \"obligations\": [";
  for (size_t i = 0; i < o.obligations.size(); ++i) {
    if (i) out += ", ";
    append_json_string(out, prog.obligation_name(o.obligations[i]));
  }
  out += "], \"missing\": [";
  first = true;
  o.missing.for_each([&](uint32_t p) {
    if (p >= prog.schema.paths.size()) return;
    if (!first) out += ", ";
    first = false;
    append_json_string(out, prog.schema.paths[p].name);
  });
  out += "], \"reason\": ";
  if (o.verdict == VerdictCode::Review) {
    std::string why = reason_text(prog, o);
    if (o.reason == Reason::NoPolicyForCountry && prog.route_path >= 0) {
      Value c = facts.slots[static_cast<size_t>(prog.schema.paths[static_cast<size_t>(prog.route_path)].slot)];
      if (c != kUnknown) why = fmt::format("no policy for country '{}'", facts.text(c));
    }
    append_json_string(out, why);
  } else {
    out += "null";
  }
  out += "}\n";
}

void append_error_json(std::string& out, std::string_view id, bool has_id, uint64_t line, std::string_view error) {
  out += "{\"id\": ";
  if (has_id) append_json_string(out, id);
  else out += "null";
  out += ", \"line\": ";
  out += std::to_string(line);
  out += ", \"error\": ";
  append_json_string(out, error);
  out += "}\n";
}

}  // namespace lawful
