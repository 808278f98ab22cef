// The builtins themselves; see run_builtin.h.
#include "runtime/vm/run_builtin.h"

#include <cstring>

#include "runtime/facts/fact_store.h"

namespace lawful {

Value run_builtin(FactStore& facts, BuiltinId id, const Value* args) {
  auto text = [&](Value v) { return facts.text(v); };
  // The ASCII capitals, whatever the process's locale (as std::tolower in the "C"
  // locale, and as lower_equal compares), eight bytes at a time.
  auto lower_copy = [&](std::string_view s) {
    char* p = facts.scratch.alloc(s.size() ? s.size() : 1);
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      const uint64_t w = lower8(load8(s.data() + i));
      std::memcpy(p + i, &w, 8);
    }
    for (; i < s.size(); ++i) {
      const unsigned c = static_cast<unsigned char>(s[i]);
      p[i] = static_cast<char>(c - 'A' < 26u ? c + 32u : c);
    }
    return static_cast<Value>(facts.add_string(std::string_view(p, s.size())));
  };
  switch (id) {
    case BuiltinId::Lower: return lower_copy(text(args[0]));
    case BuiltinId::Domain:
    case BuiltinId::LocalPart: {
      std::string_view s = text(args[0]);
      size_t at = s.rfind('@');
      if (at == std::string_view::npos) return kUnknown;
      return lower_copy(id == BuiltinId::Domain ? s.substr(at + 1) : s.substr(0, at));
    }
    case BuiltinId::StartsWith: {
      std::string_view s = text(args[0]), p = text(args[1]);
      return s.substr(0, p.size()) == p ? kTrue : kFalse;
    }
    case BuiltinId::EndsWith: {
      std::string_view s = text(args[0]), p = text(args[1]);
      return s.size() >= p.size() && s.substr(s.size() - p.size()) == p ? kTrue : kFalse;
    }
    case BuiltinId::Contains: return text(args[0]).find(text(args[1])) != std::string_view::npos ? kTrue : kFalse;
    case BuiltinId::Length: return static_cast<Value>(text(args[0]).size());
    case BuiltinId::Size: return list_count(args[0]);
    case BuiltinId::Count_: break;
  }
  return kUnknown;
}

}  // namespace lawful
