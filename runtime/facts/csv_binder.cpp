// CSV rows to slots; see csv_binder.h.
#include "runtime/facts/csv_binder.h"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace lawful {

CsvBinder::CsvBinder(const Program& prog, Binder& binder) : prog_(prog), binder_(binder) {
  contact_root_ = prog.schema.find_root("contact");
  cells_.reserve(64);
}

bool CsvBinder::split(std::string_view line, FactStore& fs, std::string* error) {
  return split_csv_row(line, fs, cells_, error);
}

bool split_csv_row(std::string_view line, FactStore& fs, std::vector<std::string_view>& cells, std::string* error,
                   char separator, bool strict_quotes) {
  cells.clear();
  // One search of the whole line, rather than one per cell: most rows hold no quote.
  if (strict_quotes && !std::memchr(line.data(), '"', line.size())) strict_quotes = false;
  size_t i = 0;
  const size_t n = line.size();
  for (;;) {
    if (i < n && line[i] == '"') {
      // A quoted field: "" is a quote. Unquoted into the store's scratch memory when it
      // holds a quote, else a view of the line.
      size_t start = ++i;
      bool has_quote = false;
      for (;;) {
        if (i >= n) {
          *error = fmt::format("column {}: a quoted field is not closed on its line (a cell spanning lines is not "
                               "read: each line is a row)",
                               cells.size() + 1);
          return false;
        }
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') {
            has_quote = true;
            i += 2;
            continue;
          }
          break;
        }
        ++i;
      }
      std::string_view raw = line.substr(start, i - start);
      ++i;  // the closing quote
      if (has_quote) {
        char* p = fs.scratch.alloc(raw.size() ? raw.size() : 1);
        size_t k = 0;
        for (size_t j = 0; j < raw.size(); ++j) {
          p[k++] = raw[j];
          if (raw[j] == '"') ++j;
        }
        raw = std::string_view(p, k);
      }
      cells.push_back(raw);
      while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < n && line[i] != separator) {
        *error = fmt::format("column {}: text after a quoted field", cells.size());
        return false;
      }
    } else {
      // Cells are short: a loop over the bytes costs less than a call to memchr each.
      size_t end = i;
      while (end < n && line[end] != separator) ++end;
      if (strict_quotes && std::memchr(line.data() + i, '"', end - i)) {
        *error = fmt::format("column {}: a quote inside an unquoted field (RFC 4180 quotes the whole field; or the "
                             "line ends a quoted cell spanning lines, which is not read)",
                             cells.size() + 1);
        return false;
      }
      cells.push_back(trim_blanks(line.substr(i, end - i)));
      i = end;
    }
    if (i >= n) return true;
    ++i;  // the separator
  }
}

std::string CsvBinder::set_header(std::string_view line) {
  if (contact_root_ < 0) return "the program has no contact facts";
  if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // a byte-order mark
  if (!valid_utf8(line)) return "the header is not valid UTF-8";
  FactStore scratch(prog_);
  std::string err;
  if (!split(line, scratch, &err)) return "the header: " + err;
  const Schema& s = prog_.schema;
  const RootDef& root = s.roots[static_cast<size_t>(contact_root_)];
  cols_.clear();
  id_col_ = -1;
  bool any = false;
  for (std::string_view cell : cells_) {
    Column col;
    col.name = std::string(cell);
    // Walk the dotted name through records.
    uint32_t record = root.record;
    uint32_t base = root.base;
    std::string_view rest = cell;
    bool known = true;
    for (;;) {
      size_t dot = rest.find('.');
      std::string part(rest.substr(0, dot));
      int fi = Schema::find_field(s.records[record], part);
      if (fi < 0) {
        known = false;
        col.unknown = static_cast<int32_t>(binder_.unknown_id(record, part));
        break;
      }
      const FieldDef& fd = s.records[record].fields[static_cast<size_t>(fi)];
      const Type& t = s.type(fd.type);
      if (dot == std::string_view::npos) {
        if (t.kind == TypeKind::Record)
          return fmt::format("the header: column '{}' is a record; name its fields ({}.{})", cell, cell,
                             s.records[t.ref].fields.empty() ? "..." : s.records[t.ref].fields[0].name);
        if (t.kind == TypeKind::List)
          return fmt::format("the header: column '{}' is a list, which one cell cannot hold; use JSON Lines for lists",
                             cell);
        col.slot = static_cast<int32_t>(base + fd.offset);
        col.type = fd.type;
        col.kind = t.kind;
        col.ref = t.ref;
        break;
      }
      if (t.kind != TypeKind::Record) {
        known = false;
        col.unknown = static_cast<int32_t>(binder_.unknown_id(record, rest));
        break;
      }
      if (fd.optional) col.presence = static_cast<int32_t>(base + fd.offset);
      base = base + fd.offset + (fd.optional ? 1 : 0);
      record = t.ref;
      rest = rest.substr(dot + 1);
    }
    if (!known) col.slot = -1;
    for (const Column& c : cols_)
      if (c.slot >= 0 && c.slot == col.slot) return fmt::format("the header: column '{}' is named twice", cell);
    any = any || col.slot >= 0;
    if (col.name == "id") id_col_ = static_cast<int>(cols_.size());
    cols_.push_back(std::move(col));
  }
  if (!any) return "the header names no field of a contact (id, country, entity, ...)";
  return {};
}

BindResult CsvBinder::bind_row(FactStore& fs, std::string_view line) {
  BindResult res;
  fs.reset_to_campaign();
  binder_.clear_root(fs, static_cast<uint32_t>(contact_root_));
  binder_.clear_line_unknown();
  std::string err;
  auto fail = [&](std::string msg) {
    res.ok = false;
    res.error = std::move(msg);
    // The id, when its cell could be read, so that the error record carries it.
    if (id_col_ >= 0 && static_cast<size_t>(id_col_) < cells_.size())
      res.id = std::string(utf8_prefix(cells_[static_cast<size_t>(id_col_)], 200));
    return res;
  };
  if (line.size() > binder_.limits().max_line)
    return fail(fmt::format("a line of {} bytes; the limit is {}", line.size(), binder_.limits().max_line));
  // Checked first: every message below may quote the row, and a record must be UTF-8.
  if (!valid_utf8(line)) {
    cells_.clear();
    return fail("the row is not valid UTF-8");
  }
  if (!split(line, fs, &err)) {
    cells_.clear();
    return fail(err);
  }
  if (cells_.size() != cols_.size())
    return fail(fmt::format("a row of {} cells; the header has {}", cells_.size(), cols_.size()));
  const Schema& s = prog_.schema;
  for (size_t i = 0; i < cols_.size(); ++i) {
    const Column& col = cols_[i];
    std::string_view cell = cells_[i];
    if (cell.empty()) continue;
    if (col.slot < 0) {  // a column of the export's own: counted when it holds something
      if (col.unknown >= 0) {
        const auto id = static_cast<uint32_t>(col.unknown);
        if (binder_.strict_fields()) return fail(fmt::format("contact.{}: {}", col.name, binder_.unknown_message(id)));
        binder_.note_unknown(id);
      }
      continue;
    }
    Value v = kUnknown;
    switch (col.kind) {
      case TypeKind::Bool:
        if (ascii_iequals(cell, "true")) v = kTrue;
        else if (ascii_iequals(cell, "false")) v = kFalse;
        else return fail(fmt::format("contact.{}: expected true or false, got '{}'", col.name, utf8_prefix(cell, 40)));
        break;
      case TypeKind::Int: {
        int64_t x = 0;
        auto r = std::from_chars(cell.data(), cell.data() + cell.size(), x);
        if (r.ec != std::errc() || r.ptr != cell.data() + cell.size() || x == kUnknown)
          return fail(fmt::format("contact.{}: expected a whole number, got '{}'", col.name, utf8_prefix(cell, 40)));
        v = x;
        break;
      }
      case TypeKind::String:
        if (cell.size() > binder_.limits().max_string)
          return fail(fmt::format("contact.{}: a string of {} bytes; the limit is {}", col.name, cell.size(),
                                  binder_.limits().max_string));
        v = fs.add_string(cell);
        break;
      case TypeKind::Date: {
        auto d = parse_date(cell);
        if (!d) return fail(fmt::format("contact.{}: '{}' is not a date (YYYY-MM-DD)", col.name, utf8_prefix(cell, 40)));
        v = *d;
        break;
      }
      case TypeKind::Enum: {
        const int m = binder_.enum_member(col.ref, cell);  // exactly, as a JSON line's
        if (m < 0)
          return fail(fmt::format("contact.{}: '{}' is not a value of {}", col.name, utf8_prefix(cell, 40),
                                  s.enums[col.ref].name));
        v = m;
        break;
      }
      default:
        return fail(fmt::format("contact.{}: a {} cannot be read from CSV", col.name, s.type_name(col.type)));
    }
    fs.slots[static_cast<size_t>(col.slot)] = v;
    if (col.presence >= 0) fs.slots[static_cast<size_t>(col.presence)] = kTrue;
  }
  binder_.count_line_unknown();
  return res;
}

}  // namespace lawful
