// Whole lines decided as `lawful check` decides them, what an engine serves, and an
// engine from a caller's compilation; see lines.h.
#include "api/lines.h"

#include <fmt/format.h>

#include "api/internal.h"
#include "compiler/compiler.h"
#include "compiler/policy_sources.h"
#include "compiler/test_runner.h"
#include "runtime/facts/chunk_reader.h"
#include "runtime/facts/text_buffer.h"
#include "runtime/vm/line_pipeline.h"

namespace lawful::api {

void decide_cases(const lawful_engine& e, std::string_view text, bool whole, std::string& out,
                  const std::function<void(const LineDecided&)>& each, uint64_t first_line) {
  Lease s(e);
  if (!s->cases) {
    LineDecider::Options options;
    options.input = LineInput::Case;
    s->cases = std::make_unique<LineDecider>(*e.program, e.entry, options, s->names);
  }
  LineDecider& line = *s->cases;
  line.set_native(e.native());
  const Program& prog = *e.program;
  const size_t max_line = line.limits().max_line;
  TextBuffer buffer;
  uint64_t n = first_line - 1;
  auto one = [&](size_t start, size_t len) {
    ++n;
    uint64_t too_long = len > max_line ? len : 0;
    if (!too_long && len > 0 && text[start + len - 1] == '\r' && !whole) --len;
    std::string_view input = too_long ? std::string_view() : text.substr(start, len);
    buffer.clear();
    const LineResult& r = line.step(input, text.size() - start, n, buffer, RecordFormat::Json, too_long);
    out.append(buffer.data(), buffer.size());
    if (!each) return;
    LineDecided d;
    d.line = n;
    d.input = input;
    d.decided = r.decided;
    d.run_error = r.run_error;
    if (r.decided) {
      const Outcome& o = line.outcome();
      d.verdict = verdict_name(o.verdict);
      if (o.policy >= 0) d.policy = prog.str(prog.policies[static_cast<size_t>(o.policy)].name);
    }
    d.record = std::string_view(out).substr(out.size() - buffer.size());
    each(d);
  };
  if (whole) {
    one(0, text.size());
    return;
  }
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      one(pos, text.size() - pos);
      break;
    }
    one(pos, nl - pos);
    pos = nl + 1;
  }
}

namespace {

// A stream's counts for the pipeline (line_pipeline.h's `Counts`): by policy (the last
// for "no policy"), by verdict; the error records.
struct CaseTally {
  std::vector<std::array<uint64_t, 3>> policies;
  uint64_t lines = 0, errors = 0;
  void reset(const Program& prog) {
    policies.assign(prog.policies.size() + 1, {});
    lines = errors = 0;
  }
  void count(const Outcome& o) {
    ++lines;
    size_t p = o.policy >= 0 ? static_cast<size_t>(o.policy) : policies.size() - 1;
    ++policies[p][static_cast<size_t>(o.verdict)];
  }
  void error(uint64_t, std::string_view) {
    ++lines;
    ++errors;
  }
  void add(const CaseTally& t) {
    if (policies.size() < t.policies.size()) policies.resize(t.policies.size());
    for (size_t i = 0; i < t.policies.size(); ++i)
      for (size_t v = 0; v < 3; ++v) policies[i][v] += t.policies[i][v];
    lines += t.lines;
    errors += t.errors;
  }
};

}  // namespace

StreamDecided decide_stream(const lawful_engine& e, const std::function<ssize_t(char*, size_t)>& source,
                            const std::string& name, unsigned threads, bool inputs,
                            const std::function<bool(const CasesChunk&)>& sink, const std::function<bool()>& poll) {
  StreamDecided result;
  threads = std::max(1u, threads);
  LineJob job;
  job.prog = e.program.get();
  job.entry = e.entry;
  job.line.input = LineInput::Case;
  job.line.native = e.native();
  job.names = e.names;
  ChunkReader in;
  // The chunk sizes of `lawful check`: 1 MiB for one thread, 256 KiB for several.
  in.open(source, name, job.line.limits.max_line, threads == 1 ? (1u << 20) : (1u << 18));
  LinePipeline<CaseTally> pipe(job, threads, in);
  auto first = std::make_unique<LineWorker>(job);  // cases: no campaign to bind, cannot fail
  CaseTally total;
  total.reset(*job.prog);
  CasesChunk chunk;
  auto hand_over = [&](LineSlot<CaseTally>& s) {
    chunk.first_line = s.chunk.first_line;
    chunk.records = s.out.view();
    chunk.inputs.clear();
    if (inputs)
      for (size_t i = 0; i < s.chunk.lines.size(); ++i) chunk.inputs.push_back(s.chunk.line(i));
    total.add(s.tally);
    return sink(chunk);
  };
  auto polled = [&] { return !poll || poll(); };
  // Nothing read here: the pipeline's workers read it all, so that this thread only
  // waits, polls and hands the records over.
  result.error = pipe.run(nullptr, std::move(first), hand_over, polled);
  result.cancelled = pipe.cancelled();
  if (result.error.empty() && in.failed()) result.error = in.failure();
  result.lines = total.lines;
  result.errors = total.errors;
  const Program& prog = *job.prog;
  for (size_t p = 0; p < total.policies.size(); ++p)
    for (size_t v = 0; v < 3; ++v) {
      if (!total.policies[p][v]) continue;
      std::string policy = p < prog.policies.size() ? prog.str(prog.policies[p].name) : std::string();
      result.counts[{policy, verdict_name(static_cast<VerdictCode>(v))}] += total.policies[p][v];
    }
  return result;
}

EngineInfo describe(const lawful_engine& e) {
  const Program& prog = *e.program;
  EngineInfo info;
  for (const PolicyInfo& p : prog.policies) {
    EngineInfo::Policy out;
    out.name = prog.str(p.name);
    out.title = prog.str(p.title);
    for (uint32_t j : p.jurisdictions) out.jurisdictions.push_back(prog.str(j));
    info.policies.push_back(std::move(out));
  }
  for (const Route& r : prog.routes)
    info.routes.emplace_back(prog.str(r.country),
                             r.policy >= 0 ? prog.str(prog.policies[static_cast<size_t>(r.policy)].name) : "");
  switch (e.entry.kind) {
    case Entry::Router: info.entry = "router"; break;
    case Entry::RouterDecision: info.entry = "router, decision " + e.entry.decision_name; break;
    case Entry::Policy: info.entry = prog.str(prog.policies[e.entry.index].name); break;
    case Entry::Decision: info.entry = prog.str(prog.decisions[e.entry.index].name); break;
  }
  return info;
}

lawful_engine* engine_from_compilation(const Compilation& c, std::string& why) {
  if (!c.ok() || !c.program) {
    why = "the policies do not compile";
    return nullptr;
  }
  DiagList diags;
  lawful_engine* out = nullptr;
  if (engine_from(c.program, 1, &out, diags) != LAWFUL_OK) {
    why = diags.first_error();
    return nullptr;
  }
  out->sources = policy_sources(c);
  return out;
}

lawful_diagnostics* diagnostics_of(const Compilation& c, const TestReport* tests) {
  auto list = std::make_shared<DiagList>();
  list->add_compilation(c);
  if (tests && tests->failed) list->add_test_failures(c, *tests);
  return new lawful_diagnostics{std::move(list)};
}

}  // namespace lawful::api
