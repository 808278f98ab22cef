// Rows through a mapping to slots; see mapped_binder.h.
#include "runtime/facts/mapped_binder.h"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "runtime/facts/csv_binder.h"

namespace lawful {

MappedBinder::MappedBinder(const Program& prog, const Binder& binder, std::shared_ptr<const Mapping> mapping)
    : prog_(prog), binder_(binder), mapping_(std::move(mapping)) {
  columns_ = mapping_->columns();
  for (size_t i = 0; i < columns_.size(); ++i) column_index_.emplace(columns_[i], static_cast<int>(i));
  auto col_of = [&](const MappedSource& s) {
    if (s.constant) return -1;
    return column_index_.at(s.column);
  };
  for (const MappedRecord& r : mapping_->records) {
    std::vector<int> cols;
    for (const MappedField& f : r.fields) {
      cols.push_back(col_of(f.source));
      if (r.kind == MappedRecord::Kind::Contact && f.path == "contact.id") id_col_ = cols.back();
    }
    memo_.emplace_back(cols.size());
    field_col_.push_back(std::move(cols));
    confirmed_memo_.emplace_back();
    when_col_.push_back(r.when ? col_of(*r.when) : -1);
    confirmed_col_.push_back(r.confirmed ? col_of(*r.confirmed) : -1);
  }
  // A column may be missing from the header when every source that reads it says so.
  optional_.assign(columns_.size(), true);
  auto need = [&](const MappedSource& s) {
    if (!s.constant && !s.optional) optional_[static_cast<size_t>(column_index_.at(s.column))] = false;
  };
  for (const MappedRecord& r : mapping_->records) {
    for (const MappedField& f : r.fields) need(f.source);
    if (r.when) need(*r.when);
    if (r.confirmed) need(*r.confirmed);
  }
  contact_root_ = prog.schema.find_root("contact");
  cells_.assign(columns_.size(), {});
  json_cells_.assign(columns_.size(), {});
  header_pos_.assign(columns_.size(), -1);
  row_.reserve(64);
}

std::string MappedBinder::set_header(std::string_view line) {
  if (contact_root_ < 0) return "the program has no contact facts";
  if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // a byte-order mark
  if (!valid_utf8(line)) return "the header is not valid UTF-8";
  FactStore scratch(prog_);
  std::string err;
  std::vector<std::string_view> names;
  if (!split_csv_row(line, scratch, names, &err, mapping_->separator)) return "the header: " + err;
  header_size_ = names.size();
  for (size_t i = 0; i < columns_.size(); ++i) {
    int pos = -1;
    for (size_t k = 0; k < names.size(); ++k) {
      if (names[k] != columns_[i]) continue;
      if (pos >= 0) return fmt::format("the header: column '{}', which the mapping reads, is named twice", columns_[i]);
      pos = static_cast<int>(k);
    }
    if (pos < 0 && !optional_[i]) {
      std::string hint;
      for (std::string_view n : names)
        if (ascii_iequals(n, columns_[i])) hint = fmt::format(" (it has '{}': a mapping names columns exactly)", n);
      return fmt::format("the header has no column '{}', which the mapping {} reads{}", columns_[i], mapping_->path,
                         hint);
    }
    header_pos_[i] = pos;
  }
  return {};
}

BindResult MappedBinder::bind_row(FactStore& fs, std::string_view line) {
  BindResult res;
  fs.reset_to_campaign();
  binder_.clear_root(fs, static_cast<uint32_t>(contact_root_));
  if (line.size() > binder_.limits().max_line) {
    for (std::string_view& c : cells_) c = {};
    res.ok = false;
    res.error = fmt::format("a line of {} bytes; the limit is {}", line.size(), binder_.limits().max_line);
    return res;
  }
  if (!valid_utf8(line)) {
    for (std::string_view& c : cells_) c = {};
    res.ok = false;
    res.error = "the row is not valid UTF-8";
    return res;
  }
  std::string err;
  if (!split_csv_row(line, fs, row_, &err, mapping_->separator, true)) {
    for (std::string_view& c : cells_) c = {};
    res.ok = false;
    res.error = std::move(err);
    return res;
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    int pos = header_pos_[i];
    cells_[i] = pos >= 0 && static_cast<size_t>(pos) < row_.size() ? row_[static_cast<size_t>(pos)] : std::string_view();
  }
  if (row_.size() != header_size_) {
    res.ok = false;
    res.error = fmt::format("a row of {} cells; the header has {}", row_.size(), header_size_);
    if (id_col_ >= 0) res.id = std::string(utf8_prefix(cells_[static_cast<size_t>(id_col_)], 200));
    return res;
  }
  return bind_cells(fs, res);
}

BindResult MappedBinder::bind_json(FactStore& fs, std::string_view line) {
  BindResult res;
  fs.reset_to_campaign();
  binder_.clear_root(fs, static_cast<uint32_t>(contact_root_));
  for (std::string_view& c : cells_) c = {};
  auto fail = [&](std::string why) {
    res.ok = false;
    res.error = std::move(why);
    return res;
  };
  if (line.size() > binder_.limits().max_line)
    return fail(fmt::format("a line of {} bytes; the limit is {}", line.size(), binder_.limits().max_line));
  nlohmann::json doc = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (doc.is_discarded()) return fail("not valid JSON");
  if (!doc.is_object()) return fail("not a JSON object (a line of a JSON Lines export is one object)");
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    auto found = column_index_.find(it.key());
    if (found == column_index_.end()) continue;  // a column the mapping does not read
    size_t i = static_cast<size_t>(found->second);
    std::string& text = json_cells_[i];
    const nlohmann::json& v = it.value();
    if (v.is_null()) continue;
    if (v.is_string()) text = v.get<std::string>();
    else if (v.is_boolean()) text = v.get<bool>() ? "true" : "false";
    else if (v.is_number()) text = v.dump();
    else return fail(fmt::format("column {}: a JSON {} is not one value", it.key(), v.is_array() ? "list" : "object"));
    cells_[i] = trim_blanks(text);
  }
  return bind_cells(fs, res);
}

bool MappedBinder::value_of(FactStore& fs, const MappedSource& src, int col, Value* out, std::string* error,
                            Memo* memo) {
  if (src.constant) {
    *out = src.kind == TypeKind::String ? static_cast<Value>(fs.add_string(src.constant_text)) : src.constant_value;
    return true;
  }
  std::string_view cell = cells_[static_cast<size_t>(col)];
  if (src.conversion == Conversion::Split) {
    // A list of strings: the pieces between separators, trimmed, empty ones dropped.
    const size_t start = fs.slots.size();
    size_t n = 0;
    std::string_view rest = cell;
    while (true) {
      size_t cut = rest.find(src.separator);
      std::string_view piece = trim_blanks(rest.substr(0, cut));
      if (!piece.empty()) {
        fs.slots.push_back(fs.add_string(piece));
        ++n;
      }
      if (cut == std::string_view::npos) break;
      rest.remove_prefix(cut + src.separator.size());
    }
    *out = make_list(static_cast<uint32_t>(start), static_cast<uint32_t>(n));
    return true;
  }
  std::string_view text;
  Memo::Entry* slot = nullptr;
  // Dates are not kept: they vary more than the words of a column, and parse quickly.
  if (src.conversion != Conversion::AsIs && src.conversion != Conversion::Date) {
    size_t h = (cell.size() * 31 + (cell.empty() ? 0 : static_cast<unsigned char>(cell[0]) * 7 +
                                                          static_cast<unsigned char>(cell.back()))) & 15;
    slot = &memo->entries[h];
    if (slot->used && slot->cell == cell) {
      if (src.kind == TypeKind::String) *out = fs.add_string(slot->text);
      else *out = slot->value;
      return true;
    }
  }
  if (!convert_cell(src, prog_.schema, cell, out, &text, &why_)) {
    *error = fmt::format("column {}: '{}' {}", src.column, utf8_prefix(cell, 40), why_);
    return false;
  }
  // Kept when its text outlives the row (a country's, a table's; not a cell's own).
  if (slot && (src.kind != TypeKind::String || src.conversion == Conversion::Country ||
               src.conversion == Conversion::Table)) {
    slot->cell.assign(cell.data(), cell.size());
    slot->value = *out;
    slot->text = text;
    slot->used = true;
  }
  if (src.kind == TypeKind::String) {
    if (text.size() > binder_.limits().max_string) {
      *error = fmt::format("column {}: a string of {} bytes; the limit is {}", src.column, text.size(),
                           binder_.limits().max_string);
      return false;
    }
    *out = fs.add_string(text);
  }
  return true;
}

bool MappedBinder::fill(FactStore& fs, size_t r, size_t base, std::string* error) {
  const MappedRecord& rec = mapping_->records[r];
  const std::vector<int>& cols = field_col_[r];
  for (size_t j = 0; j < rec.fields.size(); ++j) {
    const MappedField& f = rec.fields[j];
    if (cols[j] >= 0 && cells_[static_cast<size_t>(cols[j])].empty()) continue;  // absent: unknown
    Value v = kUnknown;
    if (!value_of(fs, f.source, cols[j], &v, error, &memo_[r][j])) return false;
    fs.slots[base + f.offset] = v;  // indexed after value_of: a list may have grown the arena
  }
  if (rec.confirmed && confirmed_col_[r] >= 0 && !cells_[static_cast<size_t>(confirmed_col_[r])].empty()) {
    Value when = kUnknown;
    if (!value_of(fs, *rec.confirmed, confirmed_col_[r], &when, error, &confirmed_memo_[r])) return false;
    fs.slots[base + static_cast<size_t>(rec.method_offset)] = rec.double_opt_in;
  }
  return true;
}

bool MappedBinder::exists(size_t r) const {
  if (when_col_[r] >= 0) return !cells_[static_cast<size_t>(when_col_[r])].empty();
  for (int c : field_col_[r])
    if (c >= 0 && !cells_[static_cast<size_t>(c)].empty()) return true;
  return false;
}

BindResult MappedBinder::bind_cells(FactStore& fs, BindResult& res) {
  std::string err;
  auto fail = [&]() {
    res.ok = false;
    res.error = std::move(err);
    if (id_col_ >= 0) res.id = std::string(utf8_prefix(cells_[static_cast<size_t>(id_col_)], 200));
    return res;
  };
  const std::vector<MappedRecord>& recs = mapping_->records;
  for (size_t r = 0; r < recs.size(); ++r) {
    const MappedRecord& rec = recs[r];
    if (rec.kind == MappedRecord::Kind::Contact) {
      if (!fill(fs, r, rec.slot, &err)) return fail();
    } else if (rec.kind == MappedRecord::Kind::Optional) {
      if (!exists(r)) continue;
      fs.slots[static_cast<size_t>(rec.presence)] = kTrue;
      if (!fill(fs, r, rec.slot, &err)) return fail();
    } else if (r == 0 || recs[r - 1].kind != MappedRecord::Kind::ListElement || recs[r - 1].slot != rec.slot) {
      // The first element of a list: this and the elements after it of the same list
      // (the loader keeps them together), those the row implies, in one block.
      size_t last = r;
      while (last + 1 < recs.size() && recs[last + 1].kind == MappedRecord::Kind::ListElement &&
             recs[last + 1].slot == rec.slot)
        ++last;
      const size_t stride = prog_.schema.records[rec.record].size;
      size_t n = 0;
      for (size_t k = r; k <= last; ++k) n += exists(k) ? 1 : 0;
      if (n == 0) continue;  // none implied: the list stays unknown
      const size_t at = fs.slots.size();
      fs.slots.resize(at + n * stride);
      size_t e = 0;
      for (size_t k = r; k <= last; ++k) {
        if (!exists(k)) continue;
        binder_.init_record(fs, rec.record, at + e * stride);
        if (!fill(fs, k, at + e * stride, &err)) return fail();
        ++e;
      }
      fs.slots[rec.slot] = make_list(static_cast<uint32_t>(at), static_cast<uint32_t>(n));
    }
  }
  return res;
}

}  // namespace lawful
