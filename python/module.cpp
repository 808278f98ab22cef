// _lawful: the Python module's native part (pybind11). The Python package lawful
// (python/lawful/__init__.py) wraps it in the API Python users see; this file only moves
// bytes between Python and the library, and releases the GIL while the library works.
//
// It links the static library and uses the embedding API's engines (api/internal.h):
// one decision goes through the same calls as lawful_decide_json; a batch of lines goes
// through the library's per-line step (runtime/facts/line_decider.h), one per thread,
// as `lawful check`'s workers do, so the records are `lawful check`'s byte for byte
// (error records in place).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/internal.h"
#include "compiler/compiler.h"
#include "compiler/test_runner.h"
#include "runtime/bytecode/serialize.h"

namespace py = pybind11;

namespace lawful::python {

namespace {

// A str from library text, which may quote bytes of the input that are not UTF-8.
py::str text(std::string_view s) {
  PyObject* o = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
  if (!o) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(o);
}

// One reference to an engine (api/internal.h), released with the Python object.
struct Engine {
  explicit Engine(lawful_engine* e) : e(e) {}
  ~Engine() { api::release(e); }
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  lawful_engine* e;
};
using EnginePtr = std::shared_ptr<Engine>;

// (engine or None, diagnostics, rendered text, one-line message)
py::tuple loaded(lawful_status st, lawful_engine* e, const api::DiagList& d) {
  py::list diags;
  for (size_t i = 0; i < d.size(); ++i) {
    const lawful_diagnostic* x = d.at(i);
    diags.append(py::make_tuple(x->is_error != 0, text(x->code), text(x->file), x->line, x->column,
                                text(x->message), text(x->help)));
  }
  py::object engine = py::none();
  if (st == LAWFUL_OK) engine = py::cast(std::make_shared<Engine>(e));
  return py::make_tuple(engine, diags, text(d.text()), text(st == LAWFUL_OK ? "" : lawful_last_error()));
}

template <class Load>
py::tuple load_with(Load load) {
  api::DiagList diags;
  lawful_engine* e = nullptr;
  lawful_status st;
  {
    py::gil_scoped_release nogil;
    st = load(&e, diags);
  }
  return loaded(st, e, diags);
}

// ---------------------------------------------------------------- batches

// Counts by verdict, basis and policy, as `lawful check`'s summary keeps them.
struct Tally {
  uint64_t lines = 0, errors = 0;
  std::array<uint64_t, 3> verdicts{};
  std::vector<uint64_t> bases;
  std::vector<std::array<uint64_t, 3>> policies;  // by policy, then "no policy"
  uint64_t first_error_line = 0;
  std::string first_error;

  void reset(const Program& prog) {
    size_t nb = prog.basis_enum >= 0 ? prog.schema.enums[static_cast<size_t>(prog.basis_enum)].members.size() : 0;
    bases.assign(nb, 0);
    policies.assign(prog.policies.size() + 1, {0, 0, 0});
  }
  void add(const Tally& t) {
    lines += t.lines;
    errors += t.errors;
    for (size_t i = 0; i < 3; ++i) verdicts[i] += t.verdicts[i];
    for (size_t i = 0; i < bases.size(); ++i) bases[i] += t.bases[i];
    for (size_t i = 0; i < policies.size(); ++i)
      for (size_t v = 0; v < 3; ++v) policies[i][v] += t.policies[i][v];
    if (!first_error_line && t.first_error_line) {
      first_error_line = t.first_error_line;
      first_error = t.first_error;
    }
  }
};

// An input line: where it starts in the buffer, its length, or (too_long) the length of
// a line over the binder's limit, whose text is not decided.
struct Line {
  size_t offset = 0;
  size_t length = 0;
  uint64_t too_long = 0;
};

// The lines of `buf[0, size)` as `lawful check` cuts a file (cli/chunk_reader.cpp): at
// each newline, a CR before it dropped; the last line need not end with one.
std::vector<Line> split_lines(const char* buf, size_t size, size_t max_line) {
  std::vector<Line> lines;
  size_t pos = 0;
  while (pos < size) {
    const char* nl = static_cast<const char*>(std::memchr(buf + pos, '\n', size - pos));
    size_t stop = nl ? static_cast<size_t>(nl - buf) : size;
    size_t len = stop - pos;
    if (len > max_line) {
      lines.push_back({pos, 0, len});
    } else {
      if (len > 0 && buf[pos + len - 1] == '\r') --len;
      lines.push_back({pos, len, 0});
    }
    pos = stop + 1;
  }
  return lines;
}

// What a batch made: the records back to back (each ends with a newline), where each
// ends, and the counts.
struct Batch {
  std::string records;
  std::vector<uint64_t> ends;
  std::vector<uint8_t> verdicts;  // per record: 0 allow, 1 deny, 2 review, 3 error
  Tally tally;
  EnginePtr engine;
};

// A block of lines decided by one worker.
struct Block {
  size_t begin = 0, end = 0;
  TextBuffer out;
  std::vector<uint32_t> ends;  // in out
  std::vector<uint8_t> verdicts;
  Tally tally;
};

constexpr size_t kBlockLines = 2048;

// Decides every line of `buf` (which has kBindPadding readable bytes after its text) on
// `threads` threads; error lines numbered from `first_line`. Runs without the GIL.
void decide_lines(const lawful_engine& e, const std::string& campaign, const std::string& buf,
                  const std::vector<Line>& lines, unsigned threads, uint64_t first_line, Batch& batch) {
  const Program& prog = *e.program;
  std::vector<Block> blocks((lines.size() + kBlockLines - 1) / kBlockLines);
  for (size_t b = 0; b < blocks.size(); ++b) {
    blocks[b].begin = b * kBlockLines;
    blocks[b].end = std::min(lines.size(), (b + 1) * kBlockLines);
  }
  LineDecider::Options options;
  options.native = e.native();
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    try {
      LineDecider line(prog, e.entry, options, e.names);
      line.set_campaign(campaign);  // checked before the threads start
      for (;;) {
        size_t b = next.fetch_add(1);
        if (b >= blocks.size() || failed.load()) return;
        Block& k = blocks[b];
        k.tally.reset(prog);
        k.ends.reserve(k.end - k.begin);
        k.verdicts.reserve(k.end - k.begin);
        for (size_t i = k.begin; i < k.end; ++i) {
          const Line& l = lines[i];
          uint64_t n = first_line + i;
          const LineResult& r = line.step(std::string_view(buf.data() + l.offset, l.length), buf.size() - l.offset, n,
                                          k.out, RecordFormat::Json, l.too_long);
          ++k.tally.lines;
          if (r.decided) {
            const Outcome& o = line.outcome();
            auto v = static_cast<size_t>(o.verdict);
            ++k.tally.verdicts[v];
            if (o.verdict == VerdictCode::Allow && o.basis >= 0 && static_cast<size_t>(o.basis) < k.tally.bases.size())
              ++k.tally.bases[static_cast<size_t>(o.basis)];
            ++k.tally.policies[o.policy >= 0 ? static_cast<size_t>(o.policy) : prog.policies.size()][v];
            k.verdicts.push_back(static_cast<uint8_t>(v));
          } else {
            ++k.tally.errors;
            if (!k.tally.first_error_line) {
              k.tally.first_error_line = n;
              k.tally.first_error = std::string(r.error);
            }
            k.verdicts.push_back(3);
          }
          k.ends.push_back(static_cast<uint32_t>(k.out.size()));
        }
      }
    } catch (...) {
      failed = true;
      std::lock_guard<std::mutex> g(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  threads = static_cast<unsigned>(std::max<size_t>(1, std::min<size_t>(threads, blocks.size())));
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (unsigned i = 0; i < threads; ++i) pool.emplace_back(work);
    for (std::thread& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
  size_t total = 0;
  for (const Block& k : blocks) total += k.out.size();
  batch.records.reserve(total);
  batch.ends.reserve(lines.size());
  batch.verdicts.reserve(lines.size());
  batch.tally.reset(prog);
  for (const Block& k : blocks) {
    uint64_t base = batch.records.size();
    batch.records.append(k.out.data(), k.out.size());
    for (uint32_t end : k.ends) batch.ends.push_back(base + end);
    batch.verdicts.insert(batch.verdicts.end(), k.verdicts.begin(), k.verdicts.end());
    batch.tally.add(k.tally);
  }
}

unsigned thread_count(py::object threads) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (threads.is_none()) return cores;
  long n = threads.cast<long>();
  if (n < 1) throw py::value_error("threads must be at least 1 (or None for every core)");
  // As lawful check: more than four a core decide no faster.
  return static_cast<unsigned>(std::min<long>({n, static_cast<long>(std::max(8u, 4 * cores)), 256L}));
}

// The campaign as the per-line step reads it: "" or what is wrong.
std::string campaign_error(const lawful_engine& e, const std::string& campaign) {
  LineDecider probe(*e.program, e.entry, LineDecider::Options{}, e.names);
  return probe.set_campaign(campaign);
}

std::shared_ptr<Batch> run_batch(const EnginePtr& engine, const std::string& campaign, std::string& buf,
                                 std::vector<Line>& lines, py::object threads, uint64_t first_line) {
  unsigned n = thread_count(threads);
  auto batch = std::make_shared<Batch>();
  batch->engine = engine;
  std::string bad;
  {
    py::gil_scoped_release nogil;
    bad = campaign_error(*engine->e, campaign);
    if (bad.empty()) decide_lines(*engine->e, campaign, buf, lines, n, first_line, *batch);
  }
  if (!bad.empty()) throw py::value_error("campaign: " + bad);
  return batch;
}

// The bytes of a bytes-like object.
std::string_view bytes_of(const py::buffer& b, py::buffer_info& info) {
  info = b.request();
  if (info.ndim > 1 || (info.ndim == 1 && info.strides[0] != info.itemsize))
    throw py::type_error("decide_many: the input must be contiguous bytes");
  return {static_cast<const char*>(info.ptr), static_cast<size_t>(info.size * info.itemsize)};
}

py::dict tally_dict(const Program& prog, const Tally& t, bool all_policies) {
  py::dict d;
  d["lines"] = t.lines;
  d["decisions"] = t.lines - t.errors;
  d["errors"] = t.errors;
  py::dict verdicts;
  verdicts["allow"] = t.verdicts[0];
  verdicts["deny"] = t.verdicts[1];
  verdicts["review"] = t.verdicts[2];
  d["verdicts"] = verdicts;
  py::dict bases;
  for (size_t b = 0; b < t.bases.size(); ++b) bases[text(prog.basis_name(static_cast<int32_t>(b)))] = t.bases[b];
  d["bases"] = bases;
  py::list policies;
  for (size_t p = 0; p < t.policies.size(); ++p) {
    const auto& c = t.policies[p];
    if (c[0] + c[1] + c[2] == 0 && !all_policies) continue;
    py::dict row;
    py::list jurisdictions;
    if (p < prog.policies.size()) {
      row["policy"] = text(prog.str(prog.policies[p].name));
      for (uint32_t j : prog.policies[p].jurisdictions) jurisdictions.append(text(prog.str(j)));
    } else {
      row["policy"] = py::none();
    }
    row["jurisdictions"] = jurisdictions;
    row["allow"] = c[0];
    row["deny"] = c[1];
    row["review"] = c[2];
    policies.append(row);
  }
  d["policies"] = policies;
  if (t.errors) {
    py::dict first;
    first["line"] = t.first_error_line;
    first["error"] = text(t.first_error);
    d["first_error"] = first;
  } else {
    d["first_error"] = py::none();
  }
  return d;
}

// ---------------------------------------------------------------- single decisions

// A decision's outcome as Python wants it: (status name, JSON record with "version").
py::tuple decision_tuple(lawful_status st, const lawful_decision& d) {
  return py::make_tuple(text(lawful_status_name(st)), text(api::decision_json(d)));
}

}  // namespace

}  // namespace lawful::python

PYBIND11_MODULE(_lawful, m) {
  using namespace lawful;
  using namespace lawful::python;
  m.doc() = "The native part of the lawful package: use `import lawful`.";
  m.attr("__version__") = lawful_version();
  m.attr("MAX_LINE") = BindLimits{}.max_line;

  py::class_<Engine, EnginePtr>(m, "Engine")
      .def_property_readonly("generation", [](const Engine& e) { return e.e->version.generation; })
      .def_property_readonly("source_hash", [](const Engine& e) { return e.e->version.source_hash; })
      .def("set_generation", [](Engine& e, uint64_t g) { e.e->version.generation = g; })
      .def("bytecode",
           [](const Engine& e) {
             std::string bytes;
             {
               py::gil_scoped_release nogil;
               bytes = serialize_program(*e.e->program);
             }
             return py::bytes(bytes);
           })
      .def("set_backend",
           [](Engine& e, bool jit) {
             lawful_status st = lawful_engine_set_backend(e.e, jit ? LAWFUL_BACKEND_JIT : LAWFUL_BACKEND_VM);
             if (st != LAWFUL_OK) return std::string(lawful_last_error());
             return std::string();
           })
      .def("backend", [](const Engine& e) { return e.e->native() ? "jit" : "vm"; })
      .def("decide",
           [](const Engine& e, const std::string& contact, const std::string& campaign) {
             lawful_decision d;
             lawful_status st;
             {
               py::gil_scoped_release nogil;
               st = api::decide_json(*e.e, contact, campaign, d);
             }
             return decision_tuple(st, d);
           })
      .def("explain",
           [](const Engine& e, const std::string& contact, const std::string& campaign, const std::string& as_of) {
             lawful_decision d;
             lawful_status st;
             {
               py::gil_scoped_release nogil;
               st = api::explain_json(*e.e, contact, campaign, as_of, d);
             }
             if (st == LAWFUL_ERR_ARGUMENT) throw py::value_error(lawful_last_error());
             return py::make_tuple(text(lawful_status_name(st)), text(d.explanation), text(api::decision_json(d)));
           })
      .def("campaign_error", [](const Engine& e, const std::string& campaign) {
        std::string why;
        {
          py::gil_scoped_release nogil;
          why = campaign_error(*e.e, campaign);
        }
        return text(why);
      });

  py::class_<Batch, std::shared_ptr<Batch>>(m, "Batch")
      .def("__len__", [](const Batch& b) { return b.ends.size(); })
      .def("records", [](const Batch& b) { return py::bytes(b.records); })
      .def("record",
           [](const Batch& b, size_t i) {
             if (i >= b.ends.size()) throw py::index_error("record index out of range");
             uint64_t begin = i ? b.ends[i - 1] : 0;
             return text(std::string_view(b.records).substr(begin, b.ends[i] - begin - 1));
           })
      .def("verdicts", [](const Batch& b) { return py::bytes(reinterpret_cast<const char*>(b.verdicts.data()), b.verdicts.size()); })
      .def("summary", [](const Batch& b, bool all_policies) { return tally_dict(*b.engine->e->program, b.tally, all_policies); },
           py::arg("all_policies") = false)
      .def_property_readonly("engine", [](const Batch& b) { return b.engine; });

  m.def("load_path", [](const std::string& path) {
    return load_with([&](lawful_engine** e, api::DiagList& d) { return api::load_path(path, e, d); });
  });
  m.def("load_source", [](const std::string& name, std::string source) {
    return load_with([&](lawful_engine** e, api::DiagList& d) { return api::load_source(name, std::move(source), e, d); });
  });
  m.def("load_bytecode", [](py::bytes data) {
    std::string bytes = data;
    return load_with([&](lawful_engine** e, api::DiagList& d) { return api::load_bytecode(bytes, e, d); });
  });

  // Lines of JSON Lines text (bytes-like), cut as `lawful check` cuts a file.
  m.def("decide_buffer", [](const EnginePtr& engine, py::buffer data, const std::string& campaign, py::object threads,
                            uint64_t first_line) {
    py::buffer_info info;
    std::string_view in = bytes_of(data, info);
    std::string buf;
    std::vector<Line> lines;
    {
      py::gil_scoped_release nogil;
      buf.reserve(in.size() + kBindPadding);
      buf.assign(in.data(), in.size());
      buf.append(kBindPadding, '\0');
      lines = split_lines(buf.data(), in.size(), BindLimits{}.max_line);
    }
    return run_batch(engine, campaign, buf, lines, threads, first_line);
  });

  // A file of JSON Lines, read whole.
  m.def("decide_file", [](const EnginePtr& engine, const std::string& path, const std::string& campaign,
                          py::object threads, uint64_t first_line) {
    std::string buf, why;
    std::vector<Line> lines;
    {
      py::gil_scoped_release nogil;
      std::FILE* f = std::fopen(path.c_str(), "rb");
      if (!f) {
        why = path + ": " + std::strerror(errno);
      } else {
        char chunk[1 << 16];
        size_t n;
        while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) buf.append(chunk, n);
        if (std::ferror(f)) why = "cannot read " + path + ": " + std::strerror(errno);
        std::fclose(f);
      }
      size_t size = buf.size();
      buf.append(kBindPadding, '\0');
      if (why.empty()) lines = split_lines(buf.data(), size, BindLimits{}.max_line);
    }
    if (!why.empty()) {
      PyErr_SetString(PyExc_OSError, why.c_str());
      throw py::error_already_set();
    }
    return run_batch(engine, campaign, buf, lines, threads, first_line);
  });

  // One contact per item (bytes), each one line whatever it holds.
  m.def("decide_texts", [](const EnginePtr& engine, const py::list& items, const std::string& campaign,
                           py::object threads, uint64_t first_line) {
    std::string buf;
    std::vector<Line> lines;
    const size_t max_line = BindLimits{}.max_line;
    lines.reserve(items.size());
    for (py::handle item : items) {
      char* p = nullptr;
      Py_ssize_t n = 0;
      if (PyBytes_AsStringAndSize(item.ptr(), &p, &n) != 0) throw py::error_already_set();
      size_t len = static_cast<size_t>(n);
      if (len > max_line) {
        lines.push_back({buf.size(), 0, len});
      } else {
        lines.push_back({buf.size(), len, 0});
        buf.append(p, len);
      }
      buf += '\n';
    }
    buf.append(kBindPadding, '\0');
    return run_batch(engine, campaign, buf, lines, threads, first_line);
  });

  // The tests written beside the policies at `path`: (compiled, diagnostics text,
  // [(title, policy, where, failures)]).
  m.def("run_tests", [](const std::string& path) {
    std::unique_ptr<Compilation> c;
    TestReport report;
    bool ok;
    {
      py::gil_scoped_release nogil;
      c = std::make_unique<Compilation>(compile_path(path));
      ok = c->ok();
      if (ok) report = run_tests(*c);
    }
    py::list tests;
    for (const TestResult& t : report.tests) {
      py::list failures;
      for (const std::string& f : t.failures) failures.append(text(f));
      tests.append(py::make_tuple(text(t.title), text(t.policy), text(t.where), failures));
    }
    return py::make_tuple(ok, text(ok ? "" : c->diags.render(c->sources, false)), tests);
  });
}
