// Mapping files: TOML to a checked Mapping; see mapping_loader.h. toml++ stays in this file.
#include "compiler/mapping/mapping_loader.h"

#include <fstream>
#include <sstream>

// Header-only, without exceptions: parse() returns a result that holds the error.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include <toml++/toml.h>

#include <fmt/format.h>

#include "compiler/compiler.h"

namespace lawful {

namespace {

const std::vector<std::string> kSourceKeys = {"column", "convert", "format", "values", "otherwise", "true",
                                              "false",  "split",   "optional", "value"};
const std::vector<std::string> kConversions = {"bool", "date", "country", "text"};
const std::vector<std::string> kDefaultTrue = {"true", "yes", "y", "1", "on", "checked"};
const std::vector<std::string> kDefaultFalse = {"false", "no", "n", "0", "off", "unchecked"};

// A byte offset from toml++'s line and column (columns count characters).
uint32_t byte_offset(const std::string& text, toml::source_position p) {
  size_t i = 0;
  for (uint32_t line = 1; line < p.line && i < text.size(); ++i)
    if (text[i] == '\n') ++line;
  for (uint32_t col = 1; col < p.column && i < text.size() && text[i] != '\n'; ++col) {
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
  }
  return static_cast<uint32_t>(i);
}

class Loader {
 public:
  Loader(LoadedMapping& out, FileId file, const Schema& schema) : out_(out), file_(file), schema_(schema) {}

  void run(const toml::table& root, Mapping& m) {
    for (auto&& [k, v] : root) {
      std::string key(k.str());
      if (key == "mapping") {
        if (!v.is_table()) {
          error(DiagCode::TypeMismatch, span(k), "[mapping] is a table: name, input, documentation");
          continue;
        }
        header(*v.as_table(), m);
      } else if (key == "contact") {
        if (!v.is_table()) {
          error(DiagCode::TypeMismatch, span(k), "[contact] is a table of the contact's fields");
          continue;
        }
        contact(*v.as_table(), m);
      } else {
        error(DiagCode::MappingKey, span(k), fmt::format("a mapping has no section '{}'", key)).help =
            did_you_mean(key, {"mapping", "contact"});
      }
    }
    if (!out_.diags.has_errors() && m.columns().empty())
      error(DiagCode::MappingKey, Span{file_, 0, 0}, "the mapping reads no column: give [contact] its fields");
  }

 private:
  Diagnostic& error(DiagCode code, Span s, std::string message) { return out_.diags.error(code, s, std::move(message)); }

  uint32_t offset(toml::source_position p) const { return byte_offset(out_.sources.text(file_), p); }
  Span span(const toml::source_region& r) const {
    if (!r.begin) return Span{file_, 0, 0};
    uint32_t b = offset(r.begin);
    uint32_t e = r.end && r.end.line == r.begin.line ? offset(r.end) : b + 1;
    return Span{file_, b, e > b ? e : b + 1};
  }
  Span span(const toml::key& k) const {
    Span s = span(k.source());
    // A bare key's region is the key; make sure the caret covers it.
    if (s.end <= s.begin + 1 && k.str().size() > 1) s.end = s.begin + static_cast<uint32_t>(k.str().size());
    return s;
  }
  Span span(const toml::node& n) const { return span(n.source()); }

  void header(const toml::table& t, Mapping& m) {
    for (auto&& [k, v] : t) {
      std::string key(k.str());
      if (key == "name" || key == "documentation" || key == "input" || key == "separator") {
        if (!v.is_string()) {
          error(DiagCode::TypeMismatch, span(v), fmt::format("'{}' is a string", key));
          continue;
        }
        std::string s = *v.value<std::string>();
        if (key == "name") m.name = s;
        if (key == "separator") {
          if (s != "," && s != ";" && s != "\t" && s != "|") {
            error(DiagCode::MappingKey, span(v), "separator is one of \",\", \";\", \"\\t\" (a tab) or \"|\"");
            continue;
          }
          m.separator = s[0];
        }
        if (key == "input") {
          if (s != "csv" && s != "jsonl") {
            error(DiagCode::MappingKey, span(v), fmt::format("input '{}' is neither csv nor jsonl", s)).help =
                did_you_mean(s, {"csv", "jsonl"});
            continue;
          }
          m.format = s;
        }
      } else {
        error(DiagCode::MappingKey, span(k), fmt::format("[mapping] has no key '{}'", key)).help =
            did_you_mean(key, {"name", "input", "documentation", "separator"});
      }
    }
  }

  static std::vector<std::string> field_names(const RecordDef& r, std::vector<std::string> extra = {}) {
    for (const FieldDef& f : r.fields) extra.push_back(f.name);
    return extra;
  }

  void contact(const toml::table& t, Mapping& m) {
    int root = schema_.find_root("contact");
    if (root < 0) {
      error(DiagCode::BadSchema, Span{file_, 0, 0}, "the program has no contact facts");
      return;
    }
    const RootDef& rd = schema_.roots[static_cast<size_t>(root)];
    MappedRecord contact;
    contact.kind = MappedRecord::Kind::Contact;
    contact.path = "contact";
    contact.record = rd.record;
    contact.slot = rd.base;
    std::vector<MappedRecord> implied;
    const RecordDef& rec = schema_.records[rd.record];
    for (auto&& [k, v] : t) {
      std::string key(k.str());
      int fi = Schema::find_field(rec, key);
      if (fi < 0) {
        error(DiagCode::UnknownField, span(k), fmt::format("'contact' has no field '{}'", key)).help =
            did_you_mean(key, field_names(rec));
        continue;
      }
      const FieldDef& fd = rec.fields[static_cast<size_t>(fi)];
      const Type& ft = schema_.type(fd.type);
      std::string path = "contact." + key;
      if (ft.kind == TypeKind::Record) {
        if (!v.is_table()) {
          error(DiagCode::TypeMismatch, span(k),
                fmt::format("'{}' is a record: give it a table of its fields ([{}])", path, path));
          continue;
        }
        MappedRecord r;
        r.kind = MappedRecord::Kind::Optional;
        r.path = path;
        r.record = ft.ref;
        r.presence = fd.optional ? static_cast<int32_t>(rd.base + fd.offset) : -1;
        r.slot = rd.base + fd.offset + (fd.optional ? 1 : 0);
        if (!fd.optional) {
          error(DiagCode::TypeMismatch, span(k), fmt::format("'{}' is not a record a row can imply", path));
          continue;
        }
        record_fields(*v.as_table(), r, false);
        implied.push_back(std::move(r));
      } else if (ft.kind == TypeKind::List && schema_.type(ft.ref).kind == TypeKind::Record) {
        if (!v.is_array_of_tables()) {
          error(DiagCode::TypeMismatch, span(k),
                fmt::format("'{}' is a list of records: give each one a [[{}]] table", path, path));
          continue;
        }
        for (const toml::node& e : *v.as_array()) {
          MappedRecord r;
          r.kind = MappedRecord::Kind::ListElement;
          r.path = path;
          r.record = schema_.type(ft.ref).ref;
          r.slot = rd.base + fd.offset;
          record_fields(*e.as_table(), r, true);
          implied.push_back(std::move(r));
        }
      } else {
        MappedField f;
        f.path = path;
        f.offset = fd.offset;
        if (source(v, k, fd.type, path, f.source)) contact.fields.push_back(std::move(f));
      }
    }
    m.records.push_back(std::move(contact));
    for (MappedRecord& r : implied) m.records.push_back(std::move(r));
  }

  void record_fields(const toml::table& t, MappedRecord& r, bool consent) {
    const RecordDef& rec = schema_.records[r.record];
    std::vector<std::string> extra = {"when"};
    if (consent) extra.push_back("confirmed_at");
    for (auto&& [k, v] : t) {
      std::string key(k.str());
      std::string path = r.path + "." + key;
      if (key == "when" || (consent && key == "confirmed_at")) {
        MappedSource s;
        bool ok = key == "when" ? source(v, k, types::kString, path, s) : source(v, k, types::kDate, path, s);
        if (!ok) continue;
        if (s.constant) {
          error(DiagCode::TypeMismatch, span(v), fmt::format("'{}' names a column, not a value", key));
          continue;
        }
        if (key == "when") r.when = std::move(s);
        else {
          int mi = Schema::find_field(rec, "method");
          int en = schema_.find_enum("ConsentMethod");
          int dm = en >= 0 ? Schema::find_member(schema_.enums[static_cast<size_t>(en)], "double_opt_in") : -1;
          if (mi < 0 || dm < 0) {
            error(DiagCode::BadSchema, span(k), "the schema's consent has no method double_opt_in");
            continue;
          }
          r.method_offset = static_cast<int32_t>(rec.fields[static_cast<size_t>(mi)].offset);
          r.double_opt_in = dm;
          r.confirmed = std::move(s);
        }
        continue;
      }
      int fi = Schema::find_field(rec, key);
      if (fi < 0) {
        error(DiagCode::UnknownField, span(k), fmt::format("'{}' has no field '{}'", r.path, key)).help =
            did_you_mean(key, field_names(rec, extra));
        continue;
      }
      const FieldDef& fd = rec.fields[static_cast<size_t>(fi)];
      const Type& ft = schema_.type(fd.type);
      if (ft.kind == TypeKind::Record || (ft.kind == TypeKind::List && schema_.type(ft.ref).kind != TypeKind::String)) {
        error(DiagCode::TypeMismatch, span(k), fmt::format("'{}' cannot be read from a column", path));
        continue;
      }
      MappedField f;
      f.path = path;
      f.offset = fd.offset;
      if (source(v, k, fd.type, path, f.source)) r.fields.push_back(std::move(f));
    }
    bool reads = r.when.has_value();
    for (const MappedField& f : r.fields) reads = reads || !f.source.constant;
    if (!reads && !out_.diags.has_errors())
      error(DiagCode::MappingKey, span(t),
            fmt::format("'{}' reads no column, so no row would imply it: name a column (or `when`)", r.path));
  }

  // A constant of the field's type from a TOML value.
  bool constant(const toml::node& v, TypeId type, const std::string& path, MappedSource& s) {
    const Type& t = schema_.type(type);
    s.constant = true;
    switch (t.kind) {
      case TypeKind::Bool:
        if (v.is_boolean()) return s.constant_value = *v.value<bool>() ? kTrue : kFalse, true;
        break;
      case TypeKind::Int:
        if (v.is_integer()) return s.constant_value = *v.value<int64_t>(), true;
        break;
      case TypeKind::String:
        if (v.is_string()) return s.constant_text = *v.value<std::string>(), true;
        break;
      case TypeKind::Date: {
        std::optional<Days> d;
        if (v.is_date()) {
          toml::date td = *v.value<toml::date>();
          if (is_valid_civil(td.year, td.month, td.day)) d = days_from_civil(td.year, td.month, td.day);
        } else if (v.is_string()) {
          d = parse_date(*v.value<std::string>());
        }
        if (d) return s.constant_value = *d, true;
        break;
      }
      case TypeKind::Enum:
        if (v.is_string()) {
          std::string word = *v.value<std::string>();
          if (enum_member(v, word, t.ref, path, &s.constant_value)) return true;
          return false;
        }
        break;
      default:
        break;
    }
    error(DiagCode::TypeMismatch, span(v), fmt::format("'{}' is a {}: this value is not one", path, schema_.type_name(type)));
    return false;
  }

  bool enum_member(const toml::node& at, const std::string& word, uint32_t e, const std::string& path, Value* out) {
    const EnumDef& ed = schema_.enums[e];
    int m = Schema::find_member(ed, word);
    if (m < 0) {
      error(DiagCode::UnknownEnumValue, span(at), fmt::format("'{}' is not a value of {} ({})", word, ed.name, path))
          .help = did_you_mean(word, ed.members);
      return false;
    }
    *out = m;
    return true;
  }

  // One field's source: "Column", or a table of options.
  bool source(const toml::node& v, const toml::key& k, TypeId type, const std::string& path, MappedSource& s) {
    const Type& t = schema_.type(type);
    s.type = type;
    s.kind = t.kind;
    s.ref = t.ref;
    const bool list = t.kind == TypeKind::List;
    if (v.is_string()) {
      s.column = *v.value<std::string>();
      if (s.column.empty()) {
        error(DiagCode::MappingKey, span(v), "a column's name cannot be empty");
        return false;
      }
      if (list) {
        error(DiagCode::TypeMismatch, span(v),
              fmt::format("'{}' is a list: say how a cell splits into it (split = \";\")", path));
        return false;
      }
      return true;
    }
    if (!v.is_table()) {
      error(DiagCode::TypeMismatch, span(v),
            fmt::format("'{}': give a column's name, or a table such as {{ column = \"...\", convert = \"...\" }}", path));
      return false;
    }
    const toml::table& o = *v.as_table();
    bool ok = true;
    for (auto&& [ok_key, ov] : o) {
      std::string key(ok_key.str());
      bool known = false;
      for (const std::string& n : kSourceKeys) known = known || n == key;
      if (!known) {
        error(DiagCode::MappingKey, span(ok_key), fmt::format("a field's source has no option '{}'", key)).help =
            did_you_mean(key, kSourceKeys);
        ok = false;
      }
    }
    if (!ok) return false;
    if (const toml::node* c = o.get("value")) {
      if (o.size() != 1) {
        error(DiagCode::MappingKey, span(k), fmt::format("'{}': a constant (value) takes no other option", path));
        return false;
      }
      return constant(*c, type, path, s);
    }
    const toml::node* col = o.get("column");
    if (!col || !col->is_string() || col->value<std::string>()->empty()) {
      error(DiagCode::MappingKey, col ? span(*col) : span(k),
            fmt::format("'{}': name its column (column = \"...\") or give a constant (value = ...)", path));
      return false;
    }
    s.column = *col->value<std::string>();
    if (const toml::node* n = o.get("optional")) {
      if (!n->is_boolean()) {
        error(DiagCode::TypeMismatch, span(*n), "optional is true or false");
        return false;
      }
      s.optional = *n->value<bool>();
    }
    const toml::node* conv = o.get("convert");
    const toml::node* values = o.get("values");
    const toml::node* split = o.get("split");
    std::string c = "text";
    if (conv) {
      if (!conv->is_string()) {
        error(DiagCode::TypeMismatch, span(*conv), "convert is one of bool, date, country, text");
        return false;
      }
      c = *conv->value<std::string>();
      bool known = false;
      for (const std::string& n : kConversions) known = known || n == c;
      if (!known) {
        error(DiagCode::MappingKey, span(*conv), fmt::format("'{}' is not a conversion (bool, date, country, text)", c))
            .help = did_you_mean(c, kConversions);
        return false;
      }
    }
    auto only_with = [&](const char* opt, bool allowed, const char* why) {
      const toml::node* n = o.get(opt);
      if (n && !allowed) {
        error(DiagCode::BadConversion, span(*n), fmt::format("'{}': {} {}", path, opt, why));
        return false;
      }
      return true;
    };
    if (!only_with("format", c == "date", "goes with convert = \"date\"")) return false;
    if (!only_with("true", c == "bool", "goes with convert = \"bool\"")) return false;
    if (!only_with("false", c == "bool", "goes with convert = \"bool\"")) return false;
    if (!only_with("otherwise", values != nullptr, "goes with a value table (values)")) return false;
    if (!only_with("values", !conv, "replaces a conversion: give one or the other")) return false;
    if (!only_with("split", !conv && !values && list, "reads a list of strings, and only that")) return false;
    if (list && !split) {
      error(DiagCode::TypeMismatch, span(k), fmt::format("'{}' is a list: say how a cell splits into it (split = \";\")", path));
      return false;
    }
    if (split) {
      if (!split->is_string() || split->value<std::string>()->empty()) {
        error(DiagCode::TypeMismatch, span(*split), "split is the text between the list's items, such as \";\"");
        return false;
      }
      s.conversion = Conversion::Split;
      s.separator = *split->value<std::string>();
      return true;
    }
    if (values) return table(*values, o.get("otherwise"), type, path, s);
    auto wrong = [&](const char* conversion) {
      error(DiagCode::BadConversion, span(*conv),
            fmt::format("'{}' is a {}: convert = \"{}\" does not give one", path, schema_.type_name(type), conversion));
      return false;
    };
    if (c == "bool") {
      if (t.kind != TypeKind::Bool) return wrong("bool");
      s.conversion = Conversion::Bool;
      s.true_words = kDefaultTrue;
      s.false_words = kDefaultFalse;
      if (!words(o.get("true"), s.true_words) || !words(o.get("false"), s.false_words)) return false;
      for (const std::string& w : s.true_words)
        for (const std::string& f : s.false_words)
          if (w == f) {
            error(DiagCode::BadConversion, span(k), fmt::format("'{}': '{}' is both true and false", path, w));
            return false;
          }
    } else if (c == "date") {
      if (t.kind != TypeKind::Date) return wrong("date");
      const toml::node* f = o.get("format");
      if (!f || !f->is_string()) {
        error(DiagCode::BadConversion, f ? span(*f) : span(*conv),
              fmt::format("'{}': a date is read in a declared format (format = \"%Y-%m-%d\"), never guessed", path));
        return false;
      }
      size_t at = 0;
      std::string why = s.date.compile(*f->value<std::string>(), &at);
      if (!why.empty()) {
        Span sp = span(*f);
        // The caret under the directive (the format's text starts after its quote).
        if (sp.end > sp.begin + 1 + at) sp = Span{file_, static_cast<uint32_t>(sp.begin + 1 + at),
                                                  static_cast<uint32_t>(sp.begin + 3 + at)};
        error(DiagCode::BadConversion, sp, why);
        return false;
      }
      s.conversion = Conversion::Date;
    } else if (c == "country") {
      if (t.kind != TypeKind::String) return wrong("country");
      s.conversion = Conversion::Country;
    } else {
      s.conversion = Conversion::AsIs;  // as native CSV reads the field's type (a date: YYYY-MM-DD)
    }
    return true;
  }

  // Replaces `words` when the option is given: a list of strings, lower-cased.
  bool words(const toml::node* n, std::vector<std::string>& out) {
    if (!n) return true;
    if (!n->is_array() || n->as_array()->empty()) {
      error(DiagCode::TypeMismatch, span(*n), "a list of the words a cell may hold, such as [\"Yes\", \"Y\"]");
      return false;
    }
    out.clear();
    for (const toml::node& w : *n->as_array()) {
      if (!w.is_string()) {
        error(DiagCode::TypeMismatch, span(w), "a word is a string");
        return false;
      }
      std::string s = *w.value<std::string>();
      for (char& ch : s)
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      out.push_back(s);
    }
    return true;
  }

  bool table_value(const toml::node& v, TypeId type, const std::string& path, MappedSource::Entry& e) {
    MappedSource tmp;
    if (!constant(v, type, path, tmp)) return false;
    e.to = tmp.constant_value;
    e.text = tmp.constant_text;
    return true;
  }

  bool table(const toml::node& values, const toml::node* otherwise, TypeId type, const std::string& path,
             MappedSource& s) {
    const Type& t = schema_.type(type);
    if (t.kind != TypeKind::Enum && t.kind != TypeKind::Bool && t.kind != TypeKind::String) {
      error(DiagCode::BadConversion, span(values),
            fmt::format("'{}' is a {}: a value table gives enumerations, true or false, or text", path,
                        schema_.type_name(type)));
      return false;
    }
    if (!values.is_table() || values.as_table()->empty()) {
      error(DiagCode::TypeMismatch, span(values), "values is a table: { \"the export's text\" = \"the fact's value\" }");
      return false;
    }
    s.conversion = Conversion::Table;
    bool ok = true;
    for (auto&& [k, v] : *values.as_table()) {
      MappedSource::Entry e;
      e.from = std::string(k.str());
      if (table_value(v, type, path, e)) s.table.push_back(std::move(e));
      else ok = false;
    }
    if (otherwise) {
      s.has_otherwise = true;
      ok = table_value(*otherwise, type, path, s.otherwise) && ok;
    }
    return ok;
  }

  LoadedMapping& out_;
  FileId file_;
  const Schema& schema_;
};

}  // namespace

LoadedMapping load_mapping_text(const std::string& path, std::string text, const Schema& schema) {
  LoadedMapping out;
  FileId f = out.sources.add(path, std::move(text));
  const std::string& src = out.sources.text(f);
  if (src.size() > kMaxMappingBytes) {
    out.diags.error(DiagCode::TooLarge, Span{f, 0, 0},
                    fmt::format("a mapping of {} bytes; the limit is {}", src.size(), kMaxMappingBytes));
    return out;
  }
  toml::parse_result parsed = toml::parse(std::string_view(src), path);
  auto m = std::make_shared<Mapping>();
  m->path = path;
  Loader loader(out, f, schema);
  if (!parsed) {
    const toml::parse_error& e = parsed.error();
    uint32_t at = byte_offset(src, e.source().begin);
    Span s{f, at, at < src.size() ? at + 1 : at};
    out.diags.error(DiagCode::MappingSyntax, s, fmt::format("not TOML: {}", e.description()));
    return out;
  }
  loader.run(parsed.table(), *m);
  if (!out.diags.has_errors()) out.mapping = std::move(m);
  return out;
}

LoadedMapping load_mapping(const std::string& path, const Schema& schema) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  if (in) ss << in.rdbuf();
  if (!in || in.bad()) {
    LoadedMapping out;
    FileId f = out.sources.add(path, "");
    out.diags.error(DiagCode::CannotRead, Span{f, 0, 0}, fmt::format("cannot read the mapping {}", path));
    return out;
  }
  return load_mapping_text(path, ss.str(), schema);
}

}  // namespace lawful

namespace lawful {

std::shared_ptr<const Program> schema_program() {
  static const std::shared_ptr<const Program> program = [] {
    Compilation c = compile_sources({{"<schema>", "policy mapping.schema \"The schema of the facts alone\"\n\n"
                                                  "decision schema:\n  rule none: deny\n    cite \"-\"\n"}});
    return c.program;
  }();
  return program;
}

}  // namespace lawful
